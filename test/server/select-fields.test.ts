// selectFields: `?fields=` written into the anonymization plan. Applied with
// the engine's own applyPlan, the records keep exactly the selected paths,
// each with the transform the decision gave it (or a stricter one above it).

import t from 'tap'
import { applyPlan, combineAnonymization, type AnonymizationPlan } from '../../src/product/anonymize/index.js'
import { selectFields } from '../../src/server/select-fields.js'

const contract = {
  order_id: { classification: 'public' },
  email: { classification: 'pii' },
  shipping_address: { classification: 'internal' },
  'shipping_address.street': { classification: 'pii' },
  'shipping_address.postcode': { classification: 'internal' },
  'shipping_address.country': { classification: 'public' },
}
const plan = combineAnonymization([{ layer: 'global', fields: { 'shipping_address.postcode': { action: 'drop' } } }], contract)
const record = {
  order_id: 'o1',
  email: 'ann@example.com',
  shipping_address: { street: '1 Main St', postcode: '10115', country: 'DE', extra: 'x' },
  extra: 'not declared',
}
const run = (p: AnonymizationPlan, selected: string[]) => applyPlan(selectFields(p, selected), record)

t.test('top-level names', async (t) => {
  t.same(run(plan, ['order_id']), { order_id: 'o1' })
  t.same(run(plan, ['email', 'order_id']), { order_id: 'o1', email: null }, 'a pii field keeps its transform (redacted)')
  t.same(run(plan, ['extra']), {}, 'a field the contract does not declare stays out')
  t.same(run(plan, ['shipping_address']), { shipping_address: { street: null, country: 'DE' } }, 'a whole object: its children keep their transforms')
})

t.test('dotted paths select inside objects, dropping the siblings', async (t) => {
  t.same(run(plan, ['shipping_address.country']), { shipping_address: { country: 'DE' } })
  t.same(run(plan, ['shipping_address.street', 'order_id']), { order_id: 'o1', shipping_address: { street: null } })
  t.same(run(plan, ['shipping_address.postcode']), { shipping_address: {} }, 'a dropped child stays dropped')
  t.same(run(plan, ['shipping_address.extra']), { shipping_address: {} }, 'an undeclared child stays out')
})

t.test('a stricter transform above a selected path still applies to the whole value', async (t) => {
  const strict = combineAnonymization([{ layer: 'global', fields: { shipping_address: { action: 'redact' } } }], contract)
  t.same(run(strict, ['shipping_address.country']), { shipping_address: null })
  const dropped = combineAnonymization([{ layer: 'global', fields: { shipping_address: { action: 'drop' } } }], contract)
  t.same(run(dropped, ['shipping_address.country', 'order_id']), { order_id: 'o1' })
})

t.test('without a contract (unknown fields kept), selected unknown fields are kept and nothing else', async (t) => {
  const open = combineAnonymization([{ layer: 'global', fields: { email: { action: 'redact' } } }], {})
  t.equal(open.unknown_fields, 'keep')
  t.same(applyPlan(selectFields(open, ['extra', 'order_id']), record), { order_id: 'o1', extra: 'not declared' })
  t.same(applyPlan(selectFields(open, ['email']), record), { email: null })
  t.same(applyPlan(selectFields(open, ['shipping_address.street']), record), { shipping_address: { street: '1 Main St' } })
})

t.test('the plan itself is not changed', async (t) => {
  const before = JSON.stringify(plan)
  selectFields(plan, ['order_id'])
  t.equal(JSON.stringify(plan), before)
})

t.test('inside a kept object with no entries below it, a dotted path selects just that part', async (t) => {
  const flat = combineAnonymization([], { order_id: { classification: 'public' }, shipping_address: { classification: 'internal' } })
  t.same(run(flat, ['shipping_address.country']), { shipping_address: { country: 'DE' } })
  t.same(run(flat, ['shipping_address']), { shipping_address: record.shipping_address })
})
