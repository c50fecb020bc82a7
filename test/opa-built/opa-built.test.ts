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

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const shared = resolve(repo, process.env.MESHGATE_OPA_BUILT_DIR ?? '../shared/opa-built')

interface Case { entrypoint: string; input: unknown; result: unknown }

/** Folder → the Rego version its sources are written in (README of opa-built). */
const MODULES: Record<string, 0 | 1> = {
  'dotnet-rbac': 1,
  'java-abi1_1': 0,
  'python-sprintf': 0,
}

type Builtins = Record<string, (...args: unknown[]) => unknown>

if (!existsSync(shared)) {
  t.skip(`OPA-built modules not found at ${shared}`)
} else {
  const compiler = await import('../../src/compiler.js')
  const common = (compiler.hostBuiltins ?? {}) as Builtins

  for (const [name, regoVersion] of Object.entries(MODULES)) {
    const dir = join(shared, name)
    if (!existsSync(dir)) {
      t.skip(`${name}: folder missing`)
      continue
    }
    const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Case[]
    const data = existsSync(join(dir, 'data.json')) ? JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) : {}
    const regoFiles = readdirSync(dir).filter((f) => f.endsWith('.rego')).sort()
    const entrypoints = [...new Set(cases.map((c) => c.entrypoint))]

    t.test(`${name}: OPA's policy.wasm with our host built-ins`, async (t) => {
      const policy = await loadPolicy(readFileSync(join(dir, 'policy.wasm')), undefined, common)
      policy.setData(data)
      for (const c of cases) {
        t.strictSame(policy.evaluate(c.input, c.entrypoint), c.result, `${c.entrypoint} ${JSON.stringify(c.input)}`)
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
        t.strictSame(policy.evaluate(c.input, c.entrypoint), c.result, `${c.entrypoint} ${JSON.stringify(c.input)}`)
      }
    })
  }
}
