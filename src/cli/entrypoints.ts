// Entrypoints for `policy build` and `policy check` (cli stage, before
// compile): names as `opa build -e` accepts them (`a/b/c`, `/a/b/c` or the
// ref `data.a.b.c`, all meaning the slash path of the wasm `entrypoints`
// export and the manifest), and the ones declared in the sources with
// `# METADATA` `entrypoint: true`, which OPA adds to those given with -e.

import { pathSegments } from '../bundle/index.js'
import { parseModule, type Module, type Term } from '../rego/index.js'
import { CompileError, MeshgateError, type ErrorDetail } from '../errors/index.js'
import { DECISION_RULES, PER_RULE_PACKAGES } from '../engine/decision-rules.js'
import { usageError } from './command.js'

export function normalizeEntrypoint(raw: string): string {
  const segs = pathSegments(raw.trim())
  if (segs.length === 0 || segs.some((s) => s === '')) {
    throw usageError('build', `entrypoint \`${raw}\` is not a rule or package path (write it as \`package/rule\`)`)
  }
  return segs.join('/')
}

/**
 * Parses every module, collecting all parse errors (thrown once, as one
 * CompileError, like compile() does) so that entrypoints and packages can be
 * read before compiling.
 */
export function parseAll(modules: { path: string; source: string }[], regoVersion: 0 | 1): Module[] {
  const out: Module[] = []
  const errors: ErrorDetail[] = []
  for (const m of modules) {
    try {
      out.push(parseModule(m.path, m.source, { regoVersion }))
    } catch (e) {
      if (e instanceof CompileError) errors.push(...e.errors)
      else if (e instanceof MeshgateError) errors.push(e.toJSON())
      else throw e
    }
  }
  if (errors.length) throw new CompileError(errors)
  return out
}

/**
 * Rules (and packages) annotated `entrypoint: true`. A rule's path is its
 * package plus the fixed string part of its head (`a.b[x]` contributes `a/b`,
 * as OPA's entrypoint for a ref head stops at the first variable).
 */
export function annotatedEntrypoints(modules: Module[]): string[] {
  const out: string[] = []
  for (const mod of modules) {
    for (const a of mod.annotations) {
      if (a.entrypoint === true && (a.scope === 'package' || a.scope === 'subpackages')) out.push(mod.package.join('/'))
    }
    for (const rule of mod.rules) {
      if (rule.annotations?.entrypoint !== true) continue
      const fixed: string[] = []
      ;(rule.head.ref as Term[]).every((t, i) => {
        // The head's first term is the rule name (a var); later fixed parts are strings.
        if (i === 0 && t.type === 'var') fixed.push(t.name)
        else if (t.type === 'string') fixed.push(t.value)
        else return false
        return true
      })
      out.push([...mod.package, ...fixed].join('/'))
    }
  }
  return out
}

/**
 * An entrypoint for each rule a decision reads rule by rule
 * (`<root>/access/allow` and `deny`) that the package's sources define,
 * so the sidecar evaluates only those rules instead of dumping the whole
 * package document on every request (engine/decision-rules.ts). Test files
 * are not decisions; a rule the package leaves undefined gets none (the
 * engine proves it undefined from the sources).
 */
export function decisionRuleEntrypoints(modules: Module[], roots: string[]): string[] {
  const out: string[] = []
  for (const mod of modules) {
    if (mod.path.endsWith('_test.rego')) continue
    const pkg = mod.package
    const root = roots.map((r) => (r === '' ? [] : r.split('/'))).find((r) => pkg.length === r.length + 1 && r.every((s, i) => pkg[i] === s))
    const name = root && pkg[root.length]!
    const rules = name && PER_RULE_PACKAGES.includes(name) ? DECISION_RULES[name] : undefined
    if (!rules) continue
    for (const rule of mod.rules) {
      const head = rule.head.ref[0]
      if (rule.head.kind !== 'function' && head?.type === 'var' && rules.includes(head.name)) out.push([...pkg, head.name].join('/'))
    }
  }
  return [...new Set(out)]
}
