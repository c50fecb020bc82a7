// The benchmark harness's bootstrap interval (ratioInterval), which the
// reload figure's note carries: what it returns for samples whose answer is
// known, and that the same samples always give the same interval.

import t from 'tap'
import { ratioInterval } from '../../benchmarks/harness.js'

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
