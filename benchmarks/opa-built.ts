// meshgate against OPA on OPA's own ground: each folder of
// `../shared/opa-built/` holds a `policy.wasm` built by `opa build -t wasm`,
// the Rego it came from, its data and recorded cases. We compile the same
// Rego, check that both modules give the recorded answer on every case, and
// time both through the same SDK on the same inputs: ours ÷ OPA's (target
// ≤ 1.0). Set order in results is not significant (sets are arrays in JSON),
// so answers are compared in canonical form.
//
// The folders are test data owned elsewhere: read in place, never copied.

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm'
import { canonical, timeFigure, timeSync, type Benchmark, type Figure } from './harness.js'
import { compileAndLoad } from './compiled.js'

interface Case {
  entrypoint: string
  input: unknown
  result?: unknown
  error?: unknown
}

/** Written in Rego v0 (see the folder's README); others are v1. */
const V0 = new Set(['java-abi1_1', 'python-sprintf'])

function answer(policy: LoadedPolicy, c: Case): string {
  try {
    return canonical(policy.evaluate(c.input, c.entrypoint))
  } catch (e) {
    return `error: ${(e as Error).message}`
  }
}

export const opaBuilt: Benchmark = {
  name: 'opa-built',
  issue: 3,
  title: 'our compilation vs OPA-built wasm on the same Rego',
  async run(ctx) {
    const root = ctx.sharedDir && join(ctx.sharedDir, 'opa-built')
    if (!root || !existsSync(root)) return { figures: [], skipped: `${root ?? '../shared/opa-built'} is absent: no OPA-built modules to compare with` }
    const folders = readdirSync(root)
      .filter((d) => existsSync(join(root, d, 'policy.wasm')) && existsSync(join(root, d, 'cases.json')))
      .sort()
    const figures: Figure[] = []
    const notes: string[] = []
    for (const name of folders) {
      const dir = join(root, name)
      const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Case[]
      const data = existsSync(join(dir, 'data.json')) ? JSON.parse(readFileSync(join(dir, 'data.json'), 'utf8')) : undefined
      const modules = readdirSync(dir)
        .filter((f) => f.endsWith('.rego'))
        .map((f) => ({ path: `${name}/${f}`, source: readFileSync(join(dir, f), 'utf8') }))
      const entrypoints = [...new Set(cases.map((c) => c.entrypoint))]
      const opa = await loadPolicy(readFileSync(join(dir, 'policy.wasm')))
      if (data !== undefined) opa.setData(data)
      let ours: LoadedPolicy
      try {
        ours = (await compileAndLoad(modules, entrypoints, { regoVersion: V0.has(name) ? 0 : 1, data })).policy
      } catch (e) {
        notes.push(`${name}: our compile failed: ${(e as Error).message}`)
        figures.push({ name: `${name}: ours ÷ OPA per evaluation`, value: NaN, unit: 'µs/op', note: 'compile failed', target: { op: '<=', value: 1 } })
        continue
      }
      const mismatches: string[] = []
      for (const [i, c] of cases.entries()) {
        const want = 'error' in c && c.result === undefined ? 'error' : canonical(c.result)
        const a = answer(opa, c),
          b = answer(ours, c)
        const okA = want === 'error' ? a.startsWith('error') : a === want
        const okB = want === 'error' ? b.startsWith('error') : b === want
        if (!okA) mismatches.push(`case ${i}: OPA's module answered ${a}, recorded ${want}`)
        if (!okB) mismatches.push(`case ${i}: ours answered ${b}, recorded ${want}`)
      }
      const n = cases.length
      const plan = ctx.quick ? { warmup: 2_000, iterations: 10_000, reps: 3 } : { warmup: 20_000, iterations: 40_000, reps: 7 }
      const run = (p: LoadedPolicy) => (i: number) => {
        const c = cases[i % n]!
        try {
          return p.evaluate(c.input, c.entrypoint)
        } catch {
          return undefined
        }
      }
      const tOpa = timeSync(run(opa), plan)
      const tOurs = timeSync(run(ours), plan)
      const abi = `${(opa as unknown as { minorVersion?: number }).minorVersion ?? '?'}`
      figures.push(
        timeFigure(`${name} (OPA ABI 1.${abi}, ${n} cases${V0.has(name) ? ', Rego v0' : ''}): ours ÷ OPA per evaluation`, tOurs, "OPA's policy.wasm", tOpa, {
          target: { op: '<=', value: 1 },
          note: mismatches.length ? `ANSWERS DIFFER: ${mismatches.join('; ')}` : `same answers on all ${n} cases`,
          details: { same_answers: mismatches.length === 0, ours_ns: tOurs.median, opa_ns: tOpa.median },
        }),
      )
      if (mismatches.length) notes.push(`${name}: ${mismatches.join('; ')}`)
    }
    return { figures, notes }
  },
}
