// Each transform on every JSON type (issue 8, items 2 and 13): a value of a
// type the transform was not written for is never sent in clear, and a
// masked number does not become a string.

import t from 'tap'
import { createHmac } from 'node:crypto'
import { applyPlan, combineAnonymization, compilePlan, stricter, type Transform } from '../../../src/product/anonymize/index.js'

const KEY = { key: 'test-key', uniform: () => 0.75 }
const one = (transform: unknown, value: unknown): unknown => {
  const plan = combineAnonymization([{ layer: 'global', fields: { f: transform } }], {}, { unknownFields: 'keep' })
  return applyPlan(plan, { f: value }, KEY)!.f
}
const hmac = (s: string) => createHmac('sha256', 'test-key').update(s).digest('hex')

t.test('mask per type: strings masked, numbers and booleans null, lists element by element, objects null', async (t) => {
  const mask = { action: 'mask', show_last: 2 }
  t.equal(one(mask, 'abcdef'), '****ef')
  t.equal(one(mask, 4111111111111111), null, 'a number stays a number or null; it cannot hold mask characters')
  t.equal(one(mask, 1234.5), null)
  t.equal(one(mask, true), null)
  t.equal(one(mask, null), null)
  t.same(one(mask, ['abcdef', 12, ['xyz'], { a: 'b' }]), ['****ef', null, ['*yz'], null])
  // Before: the object was masked as JSON text, and its last characters were a value's.
  t.equal(one(mask, { card: '4111111111111111' }), null)
})

t.test('hash and tokenize digest the canonical JSON of a non-string, whatever the key order', async (t) => {
  t.equal(one('hash', { b: [1, 'x', null], a: { d: true, c: 2 } }), hmac('{"a":{"c":2,"d":true},"b":[1,"x",null]}'))
  t.equal(one('hash', { a: { c: 2, d: true }, b: [1, 'x', null] }), one('hash', { b: [1, 'x', null], a: { d: true, c: 2 } }))
  t.equal(one('hash', [3, 'a']), hmac('[3,"a"]'))
  t.equal(one('hash', 'a string'), hmac('a string'), 'strings as themselves, so joins with other hashes work')
  t.equal(one('hash', false), hmac('false'))
  t.equal(one('hash', null), null)
  t.equal(one('tokenize', { y: 1, x: 2 }), one('tokenize', { x: 2, y: 1 }))
  t.match(one('tokenize', [1]), /^tok_[A-Za-z0-9_-]{22}$/)
  t.equal(one('tokenize', null), null)
})

t.test('generalize per type: what the rule keeps, or null', async (t) => {
  const g = { action: 'generalize', to: 'year', width: 10, prefix: 2 }
  t.equal(one(g, '1987-06-21'), '1987')
  t.equal(one(g, 'SW1A 1AA'), 'SW')
  t.equal(one(g, 27), '20-29')
  t.equal(one(g, true), null)
  t.equal(one(g, { y: '1987-06-21' }), null)
  t.same(one(g, ['1987-06-21', 27, ['SW1A'], { a: 1 }, null]), ['1987', '20-29', ['SW'], null, null])
  t.equal(one({ action: 'generalize', prefix: 3 }, 123456), null, 'no dimension for numbers')
  t.equal(one({ action: 'generalize', width: 10 }, 'SW1A 1AA'), null, 'no dimension for strings')
})

t.test('noise, redact, drop and keep on every type', async (t) => {
  const noise = { action: 'noise', epsilon: 1, sensitivity: 1 }
  t.same(one(noise, [10, 'x', [2.5], { a: 1 }, true]), [11, null, [2.5 + Math.log(2)], null, null])
  t.equal(one(noise, { a: 1 }), null)
  for (const v of ['s', 1, true, [1], { a: 1 }]) t.equal(one('redact', v), null)
  const plan = combineAnonymization([{ layer: 'g', fields: { f: 'drop' } }], {}, { unknownFields: 'keep' })
  for (const v of ['s', 1, null, [1], { a: 1 }]) t.same(applyPlan(plan, { f: v, g: 1 }), { g: 1 })
  t.same(one('keep', { a: [1, { b: 'c' }] }), { a: [1, { b: 'c' }] })
})

t.test('two generalizations merge into one that discloses no more than either', async (t) => {
  const g = (x: object) => ({ action: 'generalize', ...x }) as Transform
  // A rule without a dimension sends that type as null: stricter than any setting.
  t.same(stricter(g({ width: 10 }), g({ prefix: 2 })), { action: 'redact' })
  t.same(stricter(g({ width: 10, prefix: 3 }), g({ prefix: 2 })), g({ prefix: 2 }))
  t.same(stricter(g({ to: 'month', width: 5 }), g({ to: 'year', width: 10 })), g({ to: 'year', width: 10 }))
  // Only one has `to`: a date falls to the prefix, capped at what `to` shows.
  t.same(stricter(g({ to: 'year', prefix: 10 }), g({ prefix: 10 })), g({ prefix: 4 }))
  const plan = combineAnonymization(
    [
      { layer: 'global', fields: { postcode: { action: 'generalize', width: 10 } } },
      { layer: 'domains/orders', fields: { postcode: { action: 'generalize', prefix: 2 } } },
    ],
    {},
    { unknownFields: 'keep' },
  )
  t.same(applyPlan(plan, { postcode: 'SW1A 1AA' }), { postcode: null }, 'the global rule sends strings as null')
})

t.test('one mask over values of every length, in any order: each gets its own length of mask characters', async (t) => {
  // The mask reuses its runs of mask characters between values; a run must never be one built for another length.
  const plan = combineAnonymization(
    [{ layer: 'global', fields: { f: { action: 'mask', show_first: 1, show_last: 2, char: '#' } } }],
    {},
    { unknownFields: 'keep' },
  )
  const compiled = compilePlan(plan, KEY)
  const lengths = Array.from({ length: 150 }, (_, i) => (i * 67) % 150)
  let same = 0
  for (const n of [...lengths, ...lengths.reverse()]) {
    for (const v of ['x'.repeat(n), '😀'.repeat(n)]) {
      const cps = [...v]
      const want = cps.length <= 3 ? '#'.repeat(cps.length) : cps[0] + '#'.repeat(cps.length - 3) + cps.slice(-2).join('')
      if (compiled.apply({ f: v })!.f === want) same++
      else t.fail(`${JSON.stringify(v.slice(0, 4))}… of length ${n}`)
    }
  }
  t.equal(same, 600)
})
