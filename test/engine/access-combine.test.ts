// combineAccess: the global layer's reasons come first whatever order the
// layers arrive in (the engine passes them global first and the combination
// skips its sort then; any other order is sorted).

import t from 'tap'
import { combineAccess } from '../../src/engine/index.js'

const global = { layer: 'global', allow: false, deny: ['pii needs a purpose'] }
const orders = { layer: 'domains/orders', allow: true, deny: ['not from this region'] }

t.test('global first in, global first out', async (t) => {
  const c = combineAccess([global, orders])
  t.same(
    c.deny.map((d) => d.layer),
    ['global', 'domains/orders'],
  )
  t.equal(c.allow, false)
  t.equal(c.message, 'denied by layer `global`: pii needs a purpose')
})

t.test('domain first in: still global first out, and the input is not reordered', async (t) => {
  const layers = [orders, global]
  const c = combineAccess(layers)
  t.same(
    c.deny.map((d) => d.layer),
    ['global', 'domains/orders'],
  )
  t.equal(c.message, 'denied by layer `global`: pii needs a purpose')
  t.same(
    layers.map((l) => l.layer),
    ['domains/orders', 'global'],
    "the caller's list is left as it was",
  )
})

t.test('allowed by the layers that allow, in rank order', async (t) => {
  const c = combineAccess([
    { layer: 'domains/orders', allow: true, deny: [] },
    { layer: 'global', allow: true, deny: [] },
  ])
  t.equal(c.allow, true)
  t.same(c.allowed_by, ['global', 'domains/orders'])
})
