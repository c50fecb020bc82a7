// SharedEventParts (decision-events.ts): the labels and bundles decision
// events share instead of building per decision are right for each port and
// each set of revisions, frozen (an observer cannot change another event's
// labels), and the per-port memo stays bounded.

import t from 'tap'
import { MAX_SHARED_PORTS, SharedEventParts } from '../../src/server/decision-events.js'

t.test('labels per port: the instance labels plus the port, shared and frozen', async (t) => {
  const parts = new SharedEventParts({ id: 'i1', domain: 'orders' })
  const a = parts.labelsFor('orders-v1')
  t.same(a, { id: 'i1', domain: 'orders', port: 'orders-v1' })
  t.equal(parts.labelsFor('orders-v1'), a, 'the same object for the same port')
  t.same(parts.labelsFor(undefined), { id: 'i1', domain: 'orders' }, 'no port: the instance labels alone')
  t.ok(Object.isFrozen(a))
  t.throws(() => {
    ;(a as Record<string, string>).port = 'other'
  }, TypeError)
})

t.test('past MAX_SHARED_PORTS ports, labels are built per event (bounded memo), still right', async (t) => {
  const parts = new SharedEventParts({ id: 'i1' })
  for (let i = 0; i < MAX_SHARED_PORTS + 10; i++) parts.labelsFor(`p${i}`)
  const late = parts.labelsFor(`p${MAX_SHARED_PORTS + 5}`)
  t.same(late, { id: 'i1', port: `p${MAX_SHARED_PORTS + 5}` })
  t.not(parts.labelsFor(`p${MAX_SHARED_PORTS + 5}`), late, 'not kept')
  t.equal(parts.labelsFor('p0'), parts.labelsFor('p0'), 'the first ports stay shared')
})

t.test('bundles follow the revisions object they are given', async (t) => {
  const parts = new SharedEventParts({})
  const r1 = Object.freeze({ global: 'g1', 'domains/orders': 'o1' })
  const b1 = parts.bundlesFor(r1)
  t.same(b1, { global: { revision: 'g1' }, 'domains/orders': { revision: 'o1' } })
  t.equal(parts.bundlesFor(r1), b1)
  const r2 = Object.freeze({ global: 'g2', 'domains/orders': 'o1' })
  t.same(parts.bundlesFor(r2), { global: { revision: 'g2' }, 'domains/orders': { revision: 'o1' } }, 'a new activation: new bundles')
  t.same(parts.bundlesFor(undefined), {})
})
