// The access decision's in-thread path (Engine.accessDocumentsNow: each
// layer's allow/deny entrypoints evaluated directly) answers exactly as the
// general path (call lists run by an evaluator, results assembled per plan),
// here the worker pool's: the same decisions, deny reasons and per-layer
// eval_error denials, differentially over fast-check inputs, with a global
// layer that fails on some inputs (a strict built-in error) and a domain
// layer whose deny set has several reasons.

import fc from 'fast-check'
import t from 'tap'
import { Engine, domainLayer, globalLayer } from '../../src/engine/index.js'
import { regoBundle } from '../fixtures/engine/bundles.js'

const GLOBAL = `package global.access

allow if input.level > 2

deny contains "too many" if to_number(input.count) > 5

deny contains {"code": "region", "message": sprintf("region %s", [input.region])} if input.region == "xx"
`

const ORDERS = `package domains.orders.access

allow if "reader" in input.roles

deny contains "flagged" if input.flag

deny contains "also flagged" if input.flag
`

const bundle = (root: string, source: string, revision: string) => regoBundle(root, source, [`${root}/access/allow`, `${root}/access/deny`], revision)

async function engine(t: Tap.Test, budgets?: { timeMs: number; workers: number }): Promise<Engine> {
  const e = new Engine({ layers: [globalLayer(), domainLayer('orders')], cacheSize: 0, ...(budgets ? { budgets } : {}) })
  t.teardown(() => e.close())
  await e.activate('global', await bundle('global', GLOBAL, 'g1'))
  await e.activate('domains/orders', await bundle('domains/orders', ORDERS, 'o1'))
  return e
}

const input = fc.record({
  level: fc.integer({ min: 0, max: 5 }),
  // A number, a numeric string, or text to_number refuses (the global layer then fails).
  count: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom('3', '7', 'seven', '')),
  region: fc.constantFrom('eu', 'xx'),
  roles: fc.subarray(['reader', 'writer']),
  flag: fc.boolean(),
})

t.test('in-thread access answers as the worker pool does', async (t) => {
  const fast = await engine(t)
  const general = await engine(t, { timeMs: 2000, workers: 1 })
  let errors = 0
  await fc.assert(
    fc.asyncProperty(input, async (i) => {
      const [a, b] = [await fast.access(i), await general.access(i)]
      if (a.value.deny.some((d) => d.code === 'eval_error')) errors++
      const text = (x: unknown) => JSON.stringify(x)
      if (text(a.value) !== text(b.value) || text(a.revisions) !== text(b.revisions)) {
        throw new Error(`on ${text(i)}: in thread ${text(a.value)}, workers ${text(b.value)}`)
      }
    }),
    { numRuns: 300 },
  )
  t.ok(errors > 0, `some inputs made the global layer fail (${errors}); each denied with eval_error on both paths`)
})

t.test('a failing layer denies with eval_error, the other layer still answers', async (t) => {
  const e = await engine(t)
  const a = await e.access({ level: 3, count: 'seven', region: 'eu', roles: ['reader'], flag: true })
  t.equal(a.value.allow, false)
  t.match(a.value.deny, [
    { layer: 'global', code: 'eval_error' },
    { layer: 'domains/orders', message: 'also flagged' },
    { layer: 'domains/orders', message: 'flagged' },
  ])
  t.match(a.value.layers, [
    { layer: 'global', allow: false },
    { layer: 'domains/orders', allow: true },
  ])
})
