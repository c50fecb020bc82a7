// The benchmark harness's bootstrap intervals: ratioInterval, which the
// reload figure's note carries, and runsRatioInterval, which reload-runs.ts
// gives for several runs: what they return for samples whose answer is
// known, and that the same samples always give the same interval.

import t from 'tap'
import { ratioInterval, runsRatioInterval } from '../../benchmarks/harness.js'

t.test('constant samples: the interval is the ratio itself', async (t) => {
  t.same(ratioInterval([2, 2, 2], [1, 1, 1]), [2, 2])
})

t.test('scaling one sample scales the interval', async (t) => {
  const a = [2.9, 3.4, 2.7, 6.7, 3.1, 2.8, 4.4, 3.0, 3.3]
  const b = [2.5, 3.0, 7.4, 2.9, 3.6, 2.6, 3.1, 4.0, 2.8]
  const [lo, hi] = ratioInterval(a, b)
  const [lo3, hi3] = ratioInterval(
    a.map((x) => 3 * x),
    b,
  )
  t.ok(Math.abs(lo3 - 3 * lo) < 1e-9 && Math.abs(hi3 - 3 * hi) < 1e-9)
  t.ok(lo < 1 && hi > 1, `two samples of one spread: the interval holds 1 (${lo.toFixed(2)}–${hi.toFixed(2)})`)
  t.ok(lo <= hi)
})

t.test('the same samples give the same interval; a narrower level a narrower one', async (t) => {
  const a = [1.1, 1.3, 0.9, 1.6, 1.2, 1.0, 1.4]
  const b = [1.0, 1.2, 1.1, 0.9, 1.3, 1.0, 1.1]
  t.same(ratioInterval(a, b), ratioInterval(a, b))
  const [lo90, hi90] = ratioInterval(a, b, 0.9)
  const [lo50, hi50] = ratioInterval(a, b, 0.5)
  t.ok(lo90 <= lo50 && hi50 <= hi90)
})

t.test('an empty sample has no interval', async (t) => {
  t.ok(ratioInterval([], [1]).every(Number.isNaN))
  t.ok(ratioInterval([1], []).every(Number.isNaN))
})

t.test('runs: constant windows give the geometric mean of the runs, inside their range', async (t) => {
  t.same(runsRatioInterval([{ a: [2, 2], b: [1, 1] }]), { mean: 2, low: 2, high: 2 })
  const r = runsRatioInterval([
    { a: [4, 4, 4], b: [1, 1, 1] },
    { a: [1, 1, 1], b: [1, 1, 1] },
  ])
  t.ok(Math.abs(r.mean - 2) < 1e-9, `geometric mean of 4 and 1 (${r.mean})`)
  t.ok(r.low >= 1 - 1e-9 && r.high <= 4 + 1e-9 && r.low < r.high, `between the runs (${r.low}–${r.high})`)
})

t.test('runs: scaling one kind scales the mean and the interval; the same runs give the same answer', async (t) => {
  const runs = [
    { a: [2.9, 3.4, 2.7, 6.7, 3.1, 2.8, 4.4, 3.0, 3.3], b: [2.5, 3.0, 7.4, 2.9, 3.6, 2.6, 3.1, 4.0, 2.8] },
    { a: [1.9, 2.4, 2.2, 2.1, 5.0, 2.0, 2.6, 2.3, 2.2], b: [2.1, 2.0, 2.6, 2.2, 2.4, 1.9, 3.3, 2.0, 2.5] },
  ]
  const r = runsRatioInterval(runs)
  t.same(runsRatioInterval(runs), r)
  const r3 = runsRatioInterval(runs.map(({ a, b }) => ({ a: a.map((x) => 3 * x), b })))
  for (const k of ['mean', 'low', 'high'] as const) t.ok(Math.abs(r3[k] - 3 * r[k]) < 1e-9, k)
  t.ok(r.low <= r.mean && r.mean <= r.high)
})

t.test('runs: eight runs of one spread bound the figure tighter than one run does', async (t) => {
  const run = { a: [2.9, 3.4, 2.7, 6.7, 3.1, 2.8, 4.4, 3.0, 3.3], b: [2.5, 3.0, 7.4, 2.9, 3.6, 2.6, 3.1, 4.0, 2.8] }
  const one = runsRatioInterval([run])
  const [lo, hi] = ratioInterval(run.a, run.b)
  t.ok(Math.abs(one.low - lo) < 0.05 && Math.abs(one.high - hi) < 0.05, 'one run: about its own interval')
  const eight = runsRatioInterval(Array.from({ length: 8 }, () => run))
  t.ok(
    eight.high - eight.low < (one.high - one.low) / 2,
    `narrower (${eight.low.toFixed(2)}–${eight.high.toFixed(2)} against ${one.low.toFixed(2)}–${one.high.toFixed(2)})`,
  )
})

t.test('runs: none usable, no interval', async (t) => {
  const r = runsRatioInterval([{ a: [], b: [1] }])
  t.ok([r.mean, r.low, r.high].every(Number.isNaN))
})
