// Modules built by OPA itself (../shared/opa-built): each policy.wasm loads
// in the official SDK with our host built-ins and answers its recorded
// cases, and our compile() of the same Rego gives the same answer on every
// case. The folders are test data outside the repository; without them the
// test skips.

import t from 'tap'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { PolicyInstance } from '../../src/engine/policy-instance.js'
import { sdkMemory } from '../../src/engine/memory-import.js'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const shared = resolve(repo, process.env.MESHGATE_OPA_BUILT_DIR ?? '../shared/opa-built')

interface Case {
  entrypoint: string
  input: unknown
  result: unknown
}

/** Folder → the Rego version its sources are written in (README of opa-built). */
const MODULES: Record<string, 0 | 1> = {
  'dotnet-rbac': 1,
  'java-abi1_1': 0,
  'python-sprintf': 0,
}

/**
 * Values that are Rego sets, per module and entrypoint (path inside the
 * result). JSON cannot mark a set, and OPA's wasm dumps a set in its hash
 * order, ours in sorted order; both are the same set, so these arrays are
 * compared sorted. Every other array keeps its order.
 */
const SETS: Record<string, Record<string, string[][]>> = {
  'dotnet-rbac': { 'app/rbac': [['user_is_granted']] },
}

type Builtins = Record<string, (...args: unknown[]) => unknown>

/** JSON text with object keys sorted: equal values give equal text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as any)[k])}`)
      .join(',')}}`
  return JSON.stringify(v)
}

function canonicalSets(resultSet: unknown, paths: string[][] = []): unknown {
  const copy = JSON.parse(JSON.stringify(resultSet)) as { result?: unknown }[]
  for (const r of Array.isArray(copy) ? copy : []) {
    for (const path of paths) {
      let parent: any = r
      for (const seg of ['result', ...path.slice(0, -1)]) parent = parent?.[seg]
      const key = path[path.length - 1]!
      if (Array.isArray(parent?.[key])) parent[key] = [...parent[key]].sort((a: unknown, b: unknown) => (canonical(a) < canonical(b) ? -1 : 1))
    }
  }
  return copy
}

if (!existsSync(shared)) {
  t.skip(`OPA-built modules not found at ${shared}`)
} else {
  // The built compiler (npm test builds first): it finds its wasm runtime
  // relative to dist/.
  const compiler = await import('../../dist/src/compiler.js')
  const common = (compiler.hostBuiltins ?? {}) as Builtins

  for (const [name, regoVersion] of Object.entries(MODULES)) {
    const dir = join(shared, name)
    if (!existsSync(dir)) {
      t.skip(`${name}: folder missing`)
      continue
    }
    const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Case[]
    const data = existsSync(join(dir, 'data.json')) ? JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) : {}
    const regoFiles = readdirSync(dir)
      .filter((f) => f.endsWith('.rego'))
      .sort()
    const entrypoints = [...new Set(cases.map((c) => c.entrypoint))]

    t.test(`${name}: OPA's policy.wasm with our host built-ins`, async (t) => {
      const policy = await loadPolicy(readFileSync(join(dir, 'policy.wasm')), undefined, common)
      policy.setData(data)
      for (const c of cases) {
        t.strictSame(policy.evaluate(c.input, c.entrypoint), c.result, `${c.entrypoint} ${JSON.stringify(c.input)}`)
      }
    })

    t.test(`${name}: the sidecar's loader (policy-instance.ts) answers as the SDK, on a new and on a reused memory`, async (t) => {
      const bytes = readFileSync(join(dir, 'policy.wasm'))
      const module = await WebAssembly.compile(bytes)
      const memory = new WebAssembly.Memory({ ...sdkMemory(bytes), maximum: 1024 })
      for (const round of ['new memory', 'reused memory']) {
        // The second round loads into the first's memory, zeroed, as a layer's next activation does.
        if (round === 'reused memory') new Uint8Array(memory.buffer).fill(0)
        const policy = await PolicyInstance.instantiate(module, memory, common)
        policy.setData(data)
        for (const c of cases) {
          t.strictSame(policy.evaluate(c.input, c.entrypoint), c.result, `${round}: ${c.entrypoint} ${JSON.stringify(c.input)}`)
        }
      }
    })

    t.test(`${name}: our compile() gives the same answers (Rego v${regoVersion})`, async (t) => {
      const result = await compiler.compile({
        modules: regoFiles.map((f) => ({ path: f, source: readFileSync(join(dir, f), 'utf8') })),
        entrypoints,
        regoVersion,
      })
      t.strictSame(Object.keys(result.entrypoints).sort(), [...entrypoints].sort(), 'exports the entrypoints asked for')
      const policy = await loadPolicy(result.wasm, undefined, { ...common, ...((result.hostBuiltins ?? {}) as Builtins) })
      policy.setData(data)
      for (const c of cases) {
        const sets = SETS[name]?.[c.entrypoint]
        t.strictSame(canonicalSets(policy.evaluate(c.input, c.entrypoint), sets), canonicalSets(c.result, sets), `${c.entrypoint} ${JSON.stringify(c.input)}`)
      }
    })
  }
}
