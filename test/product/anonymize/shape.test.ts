// Records whose shape differs from the contract (issue 8, item 2): a value
// under a field with stricter child rules never passes in clear, whatever it
// holds: an object, a list of them, lists of lists, a string, a number.

import t from 'tap'
import { createHmac } from 'node:crypto'
import { applyPlan, combineAnonymization } from '../../../src/product/anonymize/index.js'

const KEY = { key: 'test-key' }
const hmac = (s: string) => createHmac('sha256', 'test-key').update(s).digest('hex')

/** One layer's `fields`, nothing else named; unknown keys as asked. */
const planOf = (fields: Record<string, unknown>, unknownFields: 'keep' | 'drop' = 'drop') =>
  combineAnonymization([{ layer: 'domains/orders', fields }], {}, { unknownFields })

const address = planOf({
  shipping_address: 'keep',
  'shipping_address.street': 'redact',
  'shipping_address.postcode': { action: 'generalize', prefix: 2 },
})
const anon = (v: unknown) => applyPlan(address, { shipping_address: v }, KEY)!

t.test('a list of addresses gets the child rules element by element', async (t) => {
  t.same(
    anon([
      { street: '1 Long St', postcode: 'SW1A 1AA' },
      { street: '2 Short St', postcode: 'EC1' },
    ]),
    {
      shipping_address: [
        { street: null, postcode: 'SW' },
        { street: null, postcode: 'EC' },
      ],
    },
  )
  // Lists of lists, and elements of every shape in one list.
  t.same(anon([[{ street: 'a', postcode: 'NW3' }], 'Flat 2, 3 Hill Rd', 42, true, null, []]), {
    shipping_address: [[{ street: null, postcode: 'NW' }], null, null, null, null, []],
  })
})

t.test('a value that is not an object gets the strictest rule of the subtree', async (t) => {
  t.same(anon('Flat 2, 3 Hill Rd, SW1A 1AA'), { shipping_address: null }, 'a string: redact wins')
  t.same(anon(12345), { shipping_address: null })
  t.same(anon(false), { shipping_address: null })
  t.same(anon(null), { shipping_address: null }, 'null stays null')
  // The strictest rule of the subtree may be `drop`: then the field is left out,
  // and an element of a list is left out of the list.
  const dropping = planOf({ a: 'keep', 'a.b': 'drop', 'a.c': { action: 'mask' } })
  t.same(applyPlan(dropping, { a: 'secret', z: 1 }), {})
  t.same(applyPlan(dropping, { a: ['secret', { b: 'secret', c: 'xy' }] }), { a: [{ c: '**' }] })
  // The strictest may be weaker than redact: it is applied, not skipped.
  const hashing = planOf({ a: 'keep', 'a.b': 'hash', 'a.c': { action: 'mask' } })
  t.same(applyPlan(hashing, { a: 'secret' }, KEY), { a: hmac('secret') })
})

t.test('rules deeper down count too, through fields no rule names', async (t) => {
  const deep = planOf({ a: 'keep', 'a.b.c': 'redact' })
  t.same(applyPlan(deep, { a: { b: 'secret' } }), { a: { b: null } })
  t.same(applyPlan(deep, { a: { b: [{ c: 'secret', d: 1 }, 'secret'] } }), { a: { b: [{ c: null }, null] } })
  // A parent that only its children name (no rule, not in the contract).
  const onlyChild = planOf({ 'a.b': 'tokenize' }, 'keep')
  const out = applyPlan(onlyChild, { a: ['secret', { b: 'secret', c: 'kept' }] }, KEY)!
  const [tok, obj] = out.a as [string, { b: string; c: string }]
  t.match(tok, /^tok_/)
  t.equal(obj.b, tok, 'the same rule, so the same token')
  t.equal(obj.c, 'kept', 'an unknown key under a kept parent, with unknown_fields keep')
})

t.test("under a value-by-value parent (mask, generalize, noise) each field gets the stricter of its rule and the parent's", async (t) => {
  // As in the example mesh: the global layer masks pii (the address and its
  // fields), the orders layer redacts the street and keeps a postcode district.
  const plan = combineAnonymization(
    [
      { layer: 'global', fields: { shipping_address: { action: 'mask', show_last: 4 }, 'shipping_address.city': { action: 'mask', show_last: 4 } } },
      { layer: 'domains/orders', fields: { 'shipping_address.street': 'redact', 'shipping_address.postcode': { action: 'generalize', prefix: 2 } } },
    ],
    { shipping_address: {}, 'shipping_address.city': {}, 'shipping_address.street': {}, 'shipping_address.postcode': {}, 'shipping_address.country': {} },
  )
  const out = applyPlan(plan, { shipping_address: { street: '1 Secret Street', postcode: 'SW1A 1AA', city: 'London', country: 'GB', note: 'x' } })
  // Before: the whole object was masked as JSON text, whose last 4 characters were the street's.
  t.same(
    out,
    { shipping_address: { street: null, postcode: 'SW', city: '**ndon', country: '**' } },
    'country (no rule of its own) is masked like its parent; `note` is unknown and dropped',
  )
  // With unknown fields kept, an unknown key gets the parent's transform.
  const keepUnknown = combineAnonymization([{ layer: 'g', fields: { a: { action: 'mask', show_last: 1 }, 'a.b': 'redact' } }], {}, { unknownFields: 'keep' })
  t.same(applyPlan(keepUnknown, { a: { b: 'secret', c: 'abcd', d: 7 } }), { a: { b: null, c: '***d', d: null } })
  // Walked whether or not a child is stricter, so tightening one child never shows more of the others.
  const loose = planOf({ a: { action: 'generalize', prefix: 1 }, 'a.b': 'keep', 'a.c': 'keep' })
  t.same(applyPlan(loose, { a: { b: 'Paris', c: 75001 } }), { a: { b: 'P', c: null } })
})

t.test('under a whole-value parent (redact, drop, hash, tokenize) nothing below shows', async (t) => {
  // A digest of the address would tell which records share a street: the
  // stricter child rule governs the whole value.
  t.same(applyPlan(planOf({ a: 'hash', 'a.b': 'redact' }), { a: { b: 'secret', c: 'x' } }, KEY), { a: null })
  t.same(applyPlan(planOf({ a: 'tokenize', 'a.b': 'drop' }), { a: [{ b: 'secret' }], z: 1 }, KEY), {})
  // `redact` shows nothing of the value, whatever its children's rules.
  t.same(applyPlan(planOf({ a: 'redact', 'a.b': 'drop' }), { a: { b: 'secret', c: 'x' } }), { a: null })
})

t.test('a parent at least as strict as its children applies to the whole value', async (t) => {
  const plan = planOf({ a: 'hash', 'a.b': 'keep', 'a.c': 'tokenize' })
  const x = applyPlan(plan, { a: { c: 'secret', b: [1, 2] } }, KEY)!.a
  t.equal(x, hmac('{"b":[1,2],"c":"secret"}'), 'one HMAC of the canonical JSON')
  t.equal(applyPlan(plan, { a: { b: [1, 2], c: 'secret' } }, KEY)!.a, x, 'whatever the key order')
  t.same(applyPlan(planOf({ a: 'redact', 'a.b': 'keep' }), { a: [{ b: 'x' }] }), { a: null })
  t.same(applyPlan(planOf({ a: 'drop', 'a.b': 'keep' }), { a: { b: 'x' }, z: 1 }), {})
})

t.test('__proto__ keys inside walked objects stay data and follow the plan', async (t) => {
  // As a policy's answer arrives: parsed JSON, where `__proto__` is an own key.
  const plan = planOf(JSON.parse('{"a": "keep", "a.__proto__": "keep", "a.__proto__.b": "redact", "__proto__": "redact"}'), 'drop')
  const rec = JSON.parse('{"a": {"__proto__": {"b": "secret", "c": "x"}}, "__proto__": "secret"}') as Record<string, unknown>
  const out = applyPlan(plan, rec)!
  t.equal(JSON.stringify(out), '{"a":{"__proto__":{"b":null}},"__proto__":null}')
  t.equal(Object.getPrototypeOf(out.a), Object.prototype)
  t.equal(({} as Record<string, unknown>).b, undefined, 'Object.prototype untouched')
  // Names that Object.prototype has are fields like any other.
  const named = combineAnonymization(
    [
      { layer: 'g', fields: { toString: 'keep' } },
      { layer: 'd', fields: { toString: 'redact', constructor: 'hash' } },
    ],
    {},
    { unknownFields: 'keep' },
  )
  t.same(Object.keys(named.fields), ['constructor', 'toString'])
  t.same(applyPlan(named, { toString: 'secret', constructor: 'x' }, KEY), { toString: null, constructor: hmac('x') })
  const filtered = combineAnonymization([{ layer: 'g', row_filters: [{ field: 'constructor', op: '!=', value: 'x' }] }], {}, { unknownFields: 'keep' })
  t.equal(applyPlan(filtered, { a: 1 }), undefined, 'a record without the field fails the filter')
})
