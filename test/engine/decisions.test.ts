// The engine's decision API beside access(): anonymization() and
// compatibility() answer the combined decision (the plan, the verdict) with
// the revisions used and whether the layers' documents came from the cache,
// on inputs built by decisionInput / compatibilityQuestion, the builders the
// HTTP routes and `policy test` share. Bundles are compiled from real Rego.

import t from 'tap'
import { Engine, compatibilityQuestion, decisionInput, domainLayer, globalLayer } from '../../src/engine/index.js'
import { regoBundle } from '../fixtures/engine/bundles.js'

const GLOBAL = `package global.anonymization

fields["email"] := "redact" if input.purpose == null
fields["email"] := {"action": "mask", "show_last": 4} if input.purpose != null
`
const ORDERS = `package domains.orders.anonymization

fields["email"] := "hash"
row_filters contains {"field": "status", "op": "!=", "value": "test"}
`
const ORDERS_COMPAT = `package domains.orders.compatibility

violations contains {"field": c.field, "change": c.change, "message": "needs a purpose"} if {
	some c in input.changes
	input.purpose == null
}
`

async function engine(
  t: { teardown(fn: () => unknown): void },
  orders: { source: string; eps: string[] } = { source: ORDERS, eps: ['domains/orders/anonymization'] },
): Promise<Engine> {
  const e = new Engine({ layers: [globalLayer(), domainLayer('orders')] })
  t.teardown(() => e.close())
  await e.activate('global', await regoBundle('global', GLOBAL, ['global/anonymization'], 'g1'))
  await e.activate('domains/orders', await regoBundle('domains/orders', orders.source, orders.eps, 'o1'))
  return e
}

const subject = { id: 'ann', roles: ['analyst'] }

t.test("anonymization(): the combined plan over the port's contract fields, with revisions and cached", async (t) => {
  const e = await engine(t)
  const input = decisionInput(subject, { port: 'orders-v1', purpose: 'reporting' })
  t.same(input, { subject, port: 'orders-v1', purpose: 'reporting', fields: [] }, 'no fields: []')
  const first = await e.anonymization(input, { email: { classification: 'pii' }, phone: { classification: 'pii' }, id: { classification: 'public' } })
  t.same(first.revisions, { global: 'g1', 'domains/orders': 'o1' })
  t.equal(first.cached, false)
  t.same(first.value.fields.email, { transform: { action: 'hash' }, layer: 'domains/orders', source: 'policy' }, 'strictest of the layers')
  t.same(first.value.fields.phone, { transform: { action: 'redact' }, layer: 'contract', source: 'pii_default' }, 'pii never in clear')
  t.same(first.value.fields.id, { transform: { action: 'keep' }, layer: 'contract', source: 'contract' })
  t.same(first.value.row_filters, [{ field: 'status', op: '!=', value: 'test', layer: 'domains/orders' }])
  t.equal(first.value.unknown_fields, 'drop')
  const again = await e.anonymization(input, {})
  t.equal(again.cached, true, "the layers' documents are cached")
  t.same(Object.keys(again.value.fields), ['email'], 'the plan is combined from the fields given on every call')
  t.equal(again.value.unknown_fields, 'keep')
})

t.test('decisionInput: a request without a purpose has purpose null', async (t) => {
  t.same(decisionInput(subject, { port: 'p' }), { subject, port: 'p', purpose: null, fields: [] })
  const gateway = decisionInput(subject, { port: 'p', purpose: 'x', fields: ['a'], request: { method: 'GET', path: '/a' } })
  t.same(gateway, { subject, port: 'p', purpose: 'x', fields: ['a'], request: { method: 'GET', path: '/a' } })
  const e = await engine(t)
  t.same((await e.anonymization(decisionInput(subject, { port: 'orders-v1' }))).value.fields.email!.transform, { action: 'redact' })
})

t.test('anonymization(): `fields` that is not an object is refused, not read as "no rules"', async (t) => {
  const e = await engine(t, { source: 'package domains.orders.anonymization\n\nfields contains "email"\n', eps: ['domains/orders/anonymization'] })
  const err = await e.anonymization(decisionInput(subject, { port: 'orders-v1', purpose: 'x' }), {}).catch((x) => x)
  t.equal(err.code, 'anonymize_rule_error')
  t.equal(err.status, 500)
  t.match(err.message, /layer `domains\/orders`: `fields` must be an object mapping field paths to transforms, not a set/)
})

t.test('anonymization(): a set written as an empty object is the empty set', async (t) => {
  const e = await engine(t, { source: 'package domains.orders.anonymization\n\nrow_filters := {}\n', eps: ['domains/orders/anonymization'] })
  t.same((await e.anonymization(decisionInput(subject, { port: 'orders-v1' }), {})).value.row_filters, [])
})

t.test('compatibility(): the merged verdict on a question, with revisions and cached', async (t) => {
  const e = await engine(t, { source: ORDERS_COMPAT, eps: ['domains/orders/compatibility'] })
  const current = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } }
  const proposed = { type: 'object', properties: { a: { type: 'string' } } }
  const port = { compatibility: 'backward' as const, consumers: { bi: { id: 'bi', domain: null, fields: ['b'], purpose: null } } }
  const q = compatibilityQuestion(subject, { port: 'orders-v1', current, proposed }, port)
  t.match(q.input, { mode: 'backward', subject, port: 'orders-v1', purpose: null, consumers: [{ id: 'bi', fields: ['b'] }] })
  t.same(Object.keys(q.input), ['mode', 'changes', 'consumers', 'bump', 'subject', 'port', 'purpose'], "the sidecar's facts, then who asks")
  const first = await e.compatibility(q)
  t.same(first.revisions, { global: 'g1', 'domains/orders': 'o1' })
  t.equal(first.cached, false)
  t.equal(first.value.compatible, false)
  t.same(
    first.value.violations.map((v) => [v.layer, v.field, v.change, v.consumers]),
    [['domains/orders', 'b', 'property_removed', ['bi']]],
  )
  t.same(first.value.affected_consumers, ['bi'])
  t.equal((await e.compatibility(q)).cached, true)
  const withPurpose = await e.compatibility(compatibilityQuestion(subject, { port: 'orders-v1', purpose: 'cleanup', current, proposed }, port))
  t.equal(withPurpose.value.compatible, true)
  t.equal(withPurpose.value.baseline.compatible, true, 'the mode alone: removing an optional field of an open object is backward compatible')
  t.equal(compatibilityQuestion(subject, { port: 'x', current, proposed }).input.mode, 'backward', 'a port the sidecar does not know: backward')
})
