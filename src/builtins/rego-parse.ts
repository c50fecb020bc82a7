// rego.parse_module: parse Rego source with meshgate's own parser. Parse
// errors are built-in errors, as in OPA. The AST returned follows OPA's JSON
// shape for the package path and each rule's head reference; bodies are
// given as meshgate's AST (OPA's exact term encoding is not reproduced).

import { parseModule } from '../rego/index.js'
import type { Term } from '../rego/index.js'
import { BuiltinError, type HostImpl } from './types.js'

function termJSON(t: Term): unknown {
  switch (t.type) {
    case 'var':
      return { type: 'var', value: t.name }
    case 'string':
      return { type: 'string', value: t.value }
    case 'number':
      return { type: 'number', value: Number(t.raw) }
    case 'boolean':
      return { type: 'boolean', value: t.value }
    case 'null':
      return { type: 'null' }
    default:
      return { type: t.type }
  }
}

const strip = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x) => (k === 'span' ? undefined : x)))

export const impls: Record<string, HostImpl> = {
  'rego.parse_module': (filename: unknown, source: unknown) => {
    if (typeof filename !== 'string') throw new BuiltinError('rego.parse_module', 'operand 1 must be string')
    if (typeof source !== 'string') throw new BuiltinError('rego.parse_module', 'operand 2 must be string')
    let m
    try {
      m = parseModule(filename, source)
    } catch (e) {
      const errs = (e as { errors?: { message: string; location?: { row: number; col: number } }[] }).errors ?? []
      const first = errs[0]
      throw new BuiltinError('rego.parse_module', first ? `${filename}:${first.location?.row ?? 0}: ${first.message}` : (e as Error).message)
    }
    return {
      package: { path: [{ type: 'var', value: 'data' }, ...m.package.map((p) => ({ type: 'string', value: p }))] },
      rules: m.rules.map((r) => ({
        head: { ref: r.head.ref.map(termJSON), ...(r.head.value ? { value: termJSON(r.head.value) } : {}) },
        body: strip(r.body.exprs),
        ...(r.default ? { default: true } : {}),
      })),
    }
  },
}
