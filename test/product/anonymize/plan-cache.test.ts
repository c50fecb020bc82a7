// The cache of compiled plans (plan-cache.ts): one compile per (port,
// decision) whatever plan object carries the decision, a separate entry per
// port and per different decision, and a bound on the number kept.

import t from 'tap'
import { combineAnonymization, CompiledPlans, planKey } from '../../../src/product/anonymize/index.js'

const decide = (fields: Record<string, unknown>, layer = 'g') =>
  combineAnonymization([{ layer, fields, row_filters: [{ field: 'status', op: '!=', value: 'test' }] }], {}, { unknownFields: 'drop' })

t.test('the same decision in a new plan object is compiled once per port', async (t) => {
  const plans = new CompiledPlans({ key: 'k' })
  const a = plans.get('orders', decide({ email: 'hash', id: 'keep' }))
  const b = plans.get('orders', decide({ id: 'keep', email: 'hash' }, 'another-layer'))
  t.equal(a, b, 'the layer names and the key order of the plan do not matter')
  t.equal(plans.compiles, 1)
  plans.get('customers', decide({ email: 'hash', id: 'keep' }))
  t.equal(plans.compiles, 2, 'another port has its own entry')
  t.same(a.apply({ id: 1, email: 'x', status: 'ok', other: 2 }), {
    id: 1,
    email: new CompiledPlans({ key: 'k' }).get('p', decide({ email: 'hash' })).apply({ email: 'x', status: 'ok' })!.email,
  })
})

t.test('a different transform, row filter or unknown_fields is a different decision', async (t) => {
  const base = decide({ email: 'hash' })
  const keys = new Set([
    planKey(base),
    planKey(decide({ email: 'redact' })),
    planKey(decide({ email: { action: 'mask', show_last: 2 } })),
    planKey(decide({ email: { action: 'mask', show_last: 3 } })),
    planKey({ ...base, row_filters: [] }),
    planKey({ ...base, row_filters: [{ field: 'status', op: '!=', value: 'prod', layer: 'g' }] }),
    planKey({ ...base, unknown_fields: 'keep' }),
  ])
  t.equal(keys.size, 7)
  const plans = new CompiledPlans({ key: 'k' })
  t.same(plans.get('p', decide({ email: 'redact' })).apply({ email: 'x', status: 'ok' }), { email: null })
  t.same(plans.get('p', decide({ email: 'keep' })).apply({ email: 'x', status: 'ok' }), { email: 'x' })
})

t.test('bounded: past `max` decisions the least recently used is evicted and compiled again when it returns', async (t) => {
  const plans = new CompiledPlans({}, 2)
  const first = decide({ a: 'keep' })
  plans.get('p', first)
  plans.get('p', decide({ b: 'keep' }))
  plans.get('p', decide({ c: 'keep' }))
  t.equal(plans.size, 2)
  t.equal(plans.compiles, 3)
  plans.get('p', first)
  t.equal(plans.compiles, 4, 'the evicted decision is compiled again')
  for (let i = 0; i < 100; i++) plans.get('p', decide({ [`f${i}`]: 'keep' }))
  t.equal(plans.size, 2, 'never more than max')
})

t.test('a field named __proto__ is part of the key like any other', async (t) => {
  const proto = combineAnonymization([{ layer: 'g', fields: JSON.parse('{"__proto__":"redact","a":"keep"}') }], {}, { unknownFields: 'drop' })
  const plain = combineAnonymization([{ layer: 'g', fields: { a: 'keep' } }], {}, { unknownFields: 'drop' })
  t.not(planKey(proto), planKey(plain))
  const plans = new CompiledPlans()
  t.same(JSON.stringify(plans.get('p', proto).apply(JSON.parse('{"__proto__":"secret","a":1}'))), '{"__proto__":null,"a":1}')
  t.same(JSON.stringify(plans.get('p', plain).apply(JSON.parse('{"__proto__":"secret","a":1}'))), '{"a":1}')
})
