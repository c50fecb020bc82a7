// Anonymization: each transform, combination across layers, the pii default,
// row filters, and applying a plan to records.

import t from 'tap'
import { createHmac } from 'node:crypto'
import { CompileError } from '../../../src/errors/index.js'
import { applyPlan, combineAnonymization, laplace, parseTransform, stricter, TOKEN_PREFIX, type Transform } from '../../../src/product/anonymize/index.js'

const KEY = { key: 'test-key' }
const one = (transform: unknown, value: unknown, keys = KEY): unknown => {
  const plan = combineAnonymization([{ layer: 'global', fields: { f: transform } }], {}, { unknownFields: 'keep' })
  return applyPlan(plan, { f: value }, keys)!.f
}

t.test('keep, redact, drop', async (t) => {
  t.equal(one({ action: 'keep' }, 'x'), 'x')
  t.equal(one({ action: 'redact' }, 'x'), null)
  const plan = combineAnonymization([{ layer: 'g', fields: { f: 'drop' } }], {}, { unknownFields: 'keep' })
  t.same(applyPlan(plan, { f: 1, g: 2 }), { g: 2 })
})

t.test('mask shows the first or last n characters, never the whole value', async (t) => {
  t.equal(one({ action: 'mask', show_last: 4 }, '4111111111111111'), '************1111')
  t.equal(one({ action: 'mask', show_first: 2, show_last: 1, char: '#' }, 'alice'), 'al##e')
  t.equal(one({ action: 'mask' }, 'secret'), '******')
  t.equal(one({ action: 'mask', show_last: 4 }, '123'), '***')
  t.equal(one({ action: 'mask', show_first: 1 }, 'héllo😀'), 'h*****')
  t.equal(one({ action: 'mask' }, null), null)
})

t.test('hash is keyed HMAC-SHA-256 hex, stable so joins work', async (t) => {
  const h = one({ action: 'hash' }, 'ana@example.com')
  t.equal(h, createHmac('sha256', 'test-key').update('ana@example.com').digest('hex'))
  t.not(one({ action: 'hash' }, 'ana@example.com', { key: 'other' }), h)
  t.equal(one({ action: 'hash' }, 42), createHmac('sha256', 'test-key').update('42').digest('hex'))
  t.throws(() => one({ action: 'hash' }, 'x', {}), { code: 'anonymize_rule_error' })
})

t.test('tokenize is deterministic, prefixed, and differs from the hash', async (t) => {
  const a = one({ action: 'tokenize' }, 'ana') as string
  t.equal(a, one({ action: 'tokenize' }, 'ana'))
  t.ok(a.startsWith(TOKEN_PREFIX))
  t.not(a, one({ action: 'tokenize' }, 'bob'))
  t.notOk((one({ action: 'hash' }, 'ana') as string).includes(a.slice(TOKEN_PREFIX.length)))
})

t.test('generalize: dates to year or month, numbers to ranges, strings to prefixes', async (t) => {
  t.equal(one({ action: 'generalize', to: 'year' }, '1987-06-21'), '1987')
  t.equal(one({ action: 'generalize', to: 'month' }, '1987-06-21T10:00:00Z'), '1987-06')
  t.equal(one({ action: 'generalize', width: 10 }, 27), '20-29')
  t.equal(one({ action: 'generalize', width: 10 }, -3), '-10--1')
  t.equal(one({ action: 'generalize', width: 0.5 }, 1.3), '1-1.5')
  t.equal(one({ action: 'generalize', prefix: 2 }, 'SW1A 1AA'), 'SW')
  // A value the transform cannot generalize is withheld, not sent in clear.
  t.equal(one({ action: 'generalize', to: 'year' }, 'not a date'), null)
  t.equal(one({ action: 'generalize', width: 10 }, 'twenty'), null)
})

t.test('noise adds Laplace noise with scale sensitivity/epsilon', async (t) => {
  // Deterministic uniform: u = 0.75 → noise = -b·ln(1 - 2·0.25) = b·ln 2.
  const fixed = { key: 'k', uniform: () => 0.75 }
  t.equal(one({ action: 'noise', epsilon: 0.5, sensitivity: 1 }, 10.5, fixed), 10.5 + 2 * Math.log(2))
  t.equal(one({ action: 'noise', epsilon: 1, sensitivity: 10 }, 100, fixed), Math.round(100 + 10 * Math.log(2)))
  t.equal(one({ action: 'noise', epsilon: 1 }, 'x', fixed), null)
  // The real source: mean ≈ 0 and mean |x| ≈ b over many draws.
  const n = 200_000,
    b = 2
  let sum = 0,
    abs = 0
  for (let i = 0; i < n; i++) {
    const x = laplace(b)
    sum += x
    abs += Math.abs(x)
  }
  t.ok(Math.abs(sum / n) < 0.05, `mean ${sum / n}`)
  t.ok(Math.abs(abs / n - b) < 0.05, `mean |x| ${abs / n}`)
})

t.test('bad transforms are anonymize_rule_error naming layer and field', async (t) => {
  t.throws(() => parseTransform({ action: 'shred' }, 'x'), { code: 'anonymize_rule_error', message: /unknown action `shred`/ })
  t.throws(() => parseTransform({ action: 'noise' }, 'x'), { message: /positive `epsilon`/ })
  t.throws(() => parseTransform({ action: 'mask', show_last: -1 }, 'x'), { message: /non-negative integer/ })
  t.throws(() => parseTransform({ action: 'generalize' }, 'x'), { message: /needs `to`, `width` or `prefix`/ })
  try {
    combineAnonymization([{ layer: 'domains/orders', fields: { a: { action: 'nope' }, b: 7 } }])
    t.fail('expected an error')
  } catch (e) {
    t.ok(e instanceof CompileError)
    t.equal((e as CompileError).errors.length, 2)
    t.match((e as CompileError).errors[0]!.message, /layer `domains\/orders`, field `a`/)
  }
})

t.test('strictness: drop > redact > hash/tokenize > generalize/noise > mask > keep', async (t) => {
  const order: Transform[] = [
    { action: 'keep' },
    { action: 'mask', show_first: 0, show_last: 0, char: '*' },
    { action: 'noise', epsilon: 1, sensitivity: 1 },
    { action: 'generalize', to: 'year' },
    { action: 'tokenize' },
    { action: 'hash' },
    { action: 'redact' },
    { action: 'drop' },
  ]
  for (let i = 0; i < order.length; i++) {
    for (let j = 0; j < order.length; j++) {
      const want = order[Math.max(i, j)]!.action
      t.equal(stricter(order[i]!, order[j]!).action, want, `${order[i]!.action} vs ${order[j]!.action}`)
    }
  }
  // Same action: whichever discloses less.
  t.same(stricter(parseTransform({ action: 'mask', show_last: 4 }, ''), parseTransform({ action: 'mask', show_first: 1, show_last: 2 }, '')), {
    action: 'mask',
    show_first: 0,
    show_last: 2,
    char: '*',
  })
  t.same(stricter({ action: 'generalize', to: 'month', width: 5 }, { action: 'generalize', to: 'year', width: 10 }), {
    action: 'generalize',
    to: 'year',
    width: 10,
  })
  t.same(stricter({ action: 'noise', epsilon: 1, sensitivity: 1 }, { action: 'noise', epsilon: 0.1, sensitivity: 1 }), {
    action: 'noise',
    epsilon: 0.1,
    sensitivity: 1,
  })
})

const contract = {
  id: { classification: 'public' },
  email: { classification: 'pii' },
  phone: { classification: 'pii' },
  total: { classification: 'public' },
  address: { classification: 'pii' },
  'address.city': { classification: 'pii' },
}

t.test('combination: strictest per field with the winning layer, pii never in clear', async (t) => {
  const plan = combineAnonymization(
    [
      { layer: 'global', fields: { email: { action: 'mask' }, total: 'keep' } },
      { layer: 'domains/orders', fields: { email: { action: 'hash' }, total: { action: 'generalize', width: 100 } } },
    ],
    contract,
  )
  t.same(plan.fields.email, { transform: { action: 'hash' }, layer: 'domains/orders', source: 'policy' })
  t.equal(plan.fields.total!.layer, 'domains/orders')
  t.same(plan.fields.phone, { transform: { action: 'redact' }, layer: 'contract', source: 'pii_default' })
  t.same(plan.fields.id, { transform: { action: 'keep' }, layer: 'contract', source: 'contract' })
  t.equal(plan.unknown_fields, 'drop')
  const out = applyPlan(plan, { id: 'o1', email: 'a@b.c', phone: '+44 20', total: 250, extra: 'x' }, KEY)
  t.same(out, { id: 'o1', email: createHmac('sha256', 'test-key').update('a@b.c').digest('hex'), phone: null, total: '200-299' })
})

t.test('an explicit keep lets pii through; nested fields follow their own plan', async (t) => {
  const plan = combineAnonymization(
    [{ layer: 'global', fields: { email: 'keep', address: 'keep', 'address.city': { action: 'generalize', prefix: 1 } } }],
    contract,
  )
  const out = applyPlan(plan, { id: 1, email: 'a@b.c', phone: '1', address: { city: 'Paris', street: 'Rue' } }, KEY)
  t.same(out, { id: 1, email: 'a@b.c', phone: null, address: { city: 'P' } })
  // A stricter parent wins over its children.
  const plan2 = combineAnonymization([{ layer: 'g', fields: { address: 'redact', 'address.city': 'keep' } }], contract)
  t.same(applyPlan(plan2, { address: { city: 'Paris' } }), { address: null })
})

t.test('row filters: the conjunction of every layer, fail closed on missing fields', async (t) => {
  const plan = combineAnonymization(
    [
      { layer: 'global', row_filters: [{ field: 'region', op: 'in', value: ['eu', 'uk'] }] },
      {
        layer: 'domains/orders',
        row_filters: [
          { field: 'status', op: '!=', value: 'test' },
          { field: 'total', op: '>=', value: 10 },
        ],
      },
    ],
    {},
    { unknownFields: 'keep' },
  )
  t.equal(plan.row_filters.length, 3)
  t.ok(applyPlan(plan, { region: 'eu', status: 'paid', total: 10 }))
  t.equal(applyPlan(plan, { region: 'us', status: 'paid', total: 10 }), undefined)
  t.equal(applyPlan(plan, { region: 'eu', status: 'test', total: 10 }), undefined)
  t.equal(applyPlan(plan, { region: 'eu', status: 'paid', total: 9 }), undefined)
  t.equal(applyPlan(plan, { region: 'eu', total: 10 }), undefined, 'missing field fails the filter')
  t.equal(applyPlan(plan, { region: 'eu', status: 'paid', total: '10' }), undefined, 'type mismatch fails the filter')
  const ops = (op: string, value: unknown, v: unknown) =>
    applyPlan(combineAnonymization([{ layer: 'g', row_filters: [{ field: 'a.b', op, value }] }], {}, { unknownFields: 'keep' }), { a: { b: v } }) !== undefined
  t.ok(ops('==', 'x', 'x'))
  t.notOk(ops('==', 'x', 'y'))
  t.ok(ops('<', 5, 4))
  t.notOk(ops('<', 5, 5))
  t.ok(ops('<=', 5, 5))
  t.ok(ops('>', '2024-01-01', '2024-02-01'))
  t.ok(ops('==', { k: [1] }, { k: [1] }))
  t.throws(() => combineAnonymization([{ layer: 'g', row_filters: [{ field: 'a', op: '~=', value: 1 }] }]), { code: 'anonymize_rule_error' })
  t.throws(() => combineAnonymization([{ layer: 'g', row_filters: [{ field: 'a', op: 'in', value: 1 }] }]), { code: 'anonymize_rule_error' })
})

t.test('a __proto__ key in a record stays data', async (t) => {
  const plan = combineAnonymization([], {}, { unknownFields: 'keep' })
  const out = applyPlan(plan, JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'))!
  t.equal(Object.getPrototypeOf(out), Object.prototype)
  t.equal(JSON.stringify(out), '{"__proto__":{"polluted":true},"a":1}')
})
