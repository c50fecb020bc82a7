// Large objects in the module's value model: parse a `n`-key object from the
// input, look every key up, and count the hits, at 2,500 and at 10,000 keys.
// Per key, the cost should stay nearly flat (hash lookups, a sorted insert
// that is not quadratic); quadratic behaviour shows as a 4x per-key ratio.
// This check lived in test/wasm/runtime/collections.test.ts as a timed
// assertion; tests do not assert on time, so it is a figure here.

import { timeSync, type Benchmark, type Figure, type Sample } from './harness.js'
import { compileAndLoad } from './compiled.js'

const SOURCE = `package scale
found := count([k | some k in input.keys; input.doc[k]])
`

function inputOf(n: number): { doc: Record<string, number>; keys: string[] } {
  const doc: Record<string, number> = {}
  // A stride coprime with n, so keys arrive out of order and inserts are not appends.
  for (let i = 0; i < n; i++) doc[`key-${(i * 7919) % n}`] = i + 1
  return { doc, keys: Array.from({ length: n }, (_, i) => `key-${i}`) }
}

export const objectScaling: Benchmark = {
  name: 'objects',
  issue: 8,
  title: 'per-key cost of parsing and looking up 10,000-key objects vs 2,500',
  async run(ctx) {
    const { policy } = await compileAndLoad([{ path: 'scale.rego', source: SOURCE }], ['scale/found'])
    const samples = new Map<number, Sample>()
    for (const n of [2_500, 10_000]) {
      const input = inputOf(n)
      const got = policy.evaluate(input, 'scale/found')[0]?.result
      if (got !== n) throw new Error(`${n} keys: found ${JSON.stringify(got)}`)
      samples.set(
        n,
        timeSync(() => policy.evaluate(input, 'scale/found'), ctx.quick ? { warmup: 2, iterations: 5, reps: 3 } : { warmup: 5, iterations: 20, reps: 5 }),
      )
    }
    const small = samples.get(2_500)!,
      big = samples.get(10_000)!
    const perKey = (s: Sample, n: number) => s.median / n
    const ratio = perKey(big, 10_000) / perKey(small, 2_500)
    const figure: Figure = {
      name: 'per-key time at 10,000 keys ÷ at 2,500 keys',
      value: perKey(big, 10_000) / 1000,
      unit: 'µs/key',
      baseline: { name: '2,500 keys', value: perKey(small, 2_500) / 1000, unit: 'µs/key' },
      ratio,
      target: { op: '<=', value: 3 },
      note: 'linear is 1, quadratic 4',
    }
    return { figures: [figure] }
  },
}
