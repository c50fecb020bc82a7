// The sidecar's decision path without HTTP (issues 4 and 13): `Engine.access()`
// on the example mesh (global + orders layers, `data.mesh` from the ODPS/ODCS
// files, bundles built as `policy build` builds them), cache off and on,
// against two floors measured in the same run:
// - one SDK evaluation (`@open-policy-agent/opa-wasm` `evaluate`) of a
//   one-rule policy on the same inputs: what any client of a Wasm policy
//   pays for one answer (issue 13: the 2-layer decision ≤ 3× this);
// - each layer's whole `access` package document evaluated and combined,
//   what the engine evaluated before the per-rule entrypoints.
// The inputs cycle through many subjects, ports, purposes and field lists
// (the cache is off, so each one is a full decision). Before any timing, every
// input's decision is checked against the one combined from the package
// documents: the fast path must answer exactly as the package did.

import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { compile } from '../src/compiler.js'
import { combineAccess } from '../src/engine/index.js'
import { accessFromPackage } from '../src/engine/layer-documents.js'
import { canonical, median, perOp, type Benchmark, type Figure, type TimingPlan } from './harness.js'
import { exampleEngine, INPUT, PORT } from './example-mesh.js'
import { repoRoot } from './paths.js'

/** A policy of one rule reading the input: the smallest useful SDK evaluation. */
const ONE_RULE = 'package bench\n\nallow if "orders-reader" in input.subject.roles\n'

/** Distinct decision inputs: subjects, roles, regions, purposes, field lists, ports. */
export function accessInputs(n: number): Record<string, unknown>[] {
  const roles = [['orders-reader'], ['analyst'], ['mesh-admin'], [], ['orders-reader', 'auditor']]
  const regions = ['eu', 'us', 'EU', '', 'apac']
  const purposes = ['reporting', null, '', 'fraud-detection']
  const fields = [[], ['order_id', 'order_date', 'status', 'total_amount', 'currency'], ['order_id', 'customer_email'], ['status']]
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < n; i++) {
    out.push({
      subject: {
        id: i % 17 === 0 ? '' : `user-${i}`,
        roles: roles[i % roles.length],
        clearance: i % 3 ? 'internal' : 'public',
        domain: 'finance',
        region: regions[i % regions.length],
      },
      port: i % 11 === 0 ? 'unknown-port' : PORT,
      purpose: purposes[i % purposes.length],
      fields: fields[i % fields.length],
    })
  }
  return [INPUT, ...out]
}

/** Times each operation in turn, repetition by repetition, so a noisy moment slows all of them. */
async function alternate(ops: ((i: number) => unknown)[], plan: TimingPlan): Promise<number[]> {
  for (const op of ops)
    for (let i = 0; i < plan.warmup; i++) {
      const r = op(i)
      if (r instanceof Promise) await r
    }
  const reps: number[][] = ops.map(() => [])
  for (let r = 0; r < plan.reps; r++) {
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k]!
      const t0 = process.hrtime.bigint()
      // Only a promise is awaited: a synchronous baseline pays no microtask.
      for (let i = 0; i < plan.iterations; i++) {
        const r = op(i)
        if (r instanceof Promise) await r
      }
      reps[k]!.push(Number(process.hrtime.bigint() - t0) / plan.iterations)
    }
  }
  return reps.map(median)
}

export const sidecarInProcess: Benchmark = {
  name: 'sidecar-inprocess',
  issue: 13,
  title: 'in-process access decision (engine) vs one SDK evaluation of a one-rule policy',
  async run(ctx) {
    const plan = ctx.quick ? { warmup: 500, iterations: 2_000, reps: 3 } : { warmup: 5_000, iterations: 10_000, reps: 7 }
    const off = await exampleEngine(repoRoot, 0)
    const on = await exampleEngine(repoRoot, 10_000)
    try {
      const inputs = accessInputs(255)
      const at = (i: number) => inputs[i % inputs.length]!
      const raw = off.engine.layers.map((l) => ({ layer: l.name, loaded: l.active!.loaded, ep: `${l.root}/access` }))
      for (const r of raw) if (!r.loaded.has(r.ep)) throw new Error(`layer bundle has no entrypoint \`${r.ep}\``)
      const fromPackages = (input: unknown) => combineAccess(raw.map((r) => accessFromPackage(r.layer, r.loaded.evaluate(r.ep, input)[0]?.result)))
      let allowed = 0
      for (const input of inputs) {
        const { layers: _layers, ...got } = (await off.engine.access(input)).value
        const want = fromPackages(input)
        if (canonical(got) !== canonical(want))
          throw new Error(`the engine's decision ${canonical(got)} differs from the package documents' ${canonical(want)} on ${JSON.stringify(input)}`)
        if (got.allow) allowed++
      }
      const { wasm } = await compile({ modules: [{ path: 'one-rule.rego', source: ONE_RULE }], entrypoints: ['bench/allow'] })
      const one = await loadPolicy(wasm)
      const oneAnswer = one.evaluate(INPUT, 'bench/allow') as unknown
      if (canonical(oneAnswer) !== canonical([{ result: true }])) throw new Error(`the one-rule policy answered ${canonical(oneAnswer)}`)

      const [sdkOne, offOne, sdk, tOff, packages, tOn] = await alternate(
        [
          () => one.evaluate(INPUT, 'bench/allow'),
          () => off.engine.access(INPUT),
          (i) => one.evaluate(at(i), 'bench/allow'),
          (i) => off.engine.access(at(i)),
          (i) => fromPackages(at(i)),
          (i) => on.engine.access(at(i)),
        ],
        plan,
      )
      const unit = perOp(sdk!).unit
      const scale = unit === 'µs/op' ? 1e3 : unit === 'ms/op' ? 1e6 : 1
      const figure = (name: string, v: number, baseName: string, b: number, extra: Partial<Figure> = {}): Figure => ({
        name,
        value: v / scale,
        unit,
        baseline: { name: baseName, value: b / scale, unit },
        ratio: v / b,
        ...extra,
      })
      const mixName = 'one SDK evaluation of a one-rule policy, same inputs'
      const mix = `${inputs.length} distinct inputs cycled (${allowed} allowed; the denied ones format their reasons with host built-ins)`
      const checked = 'every decision checked against the package documents before timing; operations alternate per repetition, medians'
      return {
        figures: [
          figure(
            'in-process access decision (2 layers), cache off ÷ one SDK evaluation of a one-rule policy, typical request',
            offOne!,
            'one SDK evaluation of a one-rule policy, same input',
            sdkOne!,
            {
              target: { op: '<=', value: 3 },
              note: `the example's analyst reading orders-v1 for reporting (allowed by the orders layer); ${checked}`,
              details: { decisions_per_s: Math.round(1e9 / offOne!), sdk_evaluations_per_s: Math.round(1e9 / sdkOne!) },
            },
          ),
          figure('in-process access decision (2 layers), cache off ÷ one SDK evaluation of a one-rule policy, input mix', tOff!, mixName, sdk!, {
            note: `${mix}; ${checked}`,
            details: { decisions_per_s: Math.round(1e9 / tOff!), sdk_evaluations_per_s: Math.round(1e9 / sdk!) },
          }),
          figure(
            "in-process access decision, cache off ÷ both layers' access package documents, evaluated and combined, input mix",
            tOff!,
            'package documents (what the engine evaluated before per-rule entrypoints)',
            packages!,
          ),
          figure('in-process access decision, cache on (hit) ÷ one SDK evaluation of a one-rule policy, input mix', tOn!, mixName, sdk!, {
            details: { decisions_per_s: Math.round(1e9 / tOn!) },
          }),
        ],
      }
    } finally {
      await off.engine.close()
      await on.engine.close()
    }
  },
}
