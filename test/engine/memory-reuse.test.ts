// A layer's activation loads into the memory its retired revision left
// (LoadedBundle.retire, policy-instance.ts) instead of a new
// WebAssembly.Memory, and only once nothing can evaluate on that revision:
// the retired bundle refuses to, every revision answers as its own, and a
// memory that grew or a failed activation never hands a revision another's
// memory.

import t from 'tap'
import { Engine, globalLayer } from '../../src/engine/index.js'
import { regoBundle } from '../fixtures/engine/bundles.js'

const source = (revision: string) =>
  `package global.access\n\nallow if input.user != "nobody"\n\ndeny contains "refused by ${revision}" if input.user == "mallory"\n`
const bundle = (revision: string) => regoBundle('global', source(revision), ['global/access/allow', 'global/access/deny'], revision)

/** Counts `new WebAssembly.Memory` in this thread while the test runs. */
function countMemories(t: Tap.Test): { count: number } {
  const counter = { count: 0 }
  const Real = WebAssembly.Memory
  WebAssembly.Memory = new Proxy(Real, {
    construct(target, args: [WebAssembly.MemoryDescriptor]) {
      counter.count++
      return new target(...args)
    },
  })
  t.teardown(() => {
    WebAssembly.Memory = Real
  })
  return counter
}

function engine(t: Tap.Test): Engine {
  const e = new Engine({ layers: [globalLayer()], cacheSize: 0 })
  t.teardown(() => e.close())
  return e
}

t.test('each activation after the second loads into the memory of the revision retired before it', async (t) => {
  const e = engine(t)
  const memories = countMemories(t)
  const revisions = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']
  const bundles = await Promise.all(revisions.map(bundle))
  const created: number[] = []
  for (const [i, revision] of revisions.entries()) {
    const before = memories.count
    await e.activate('global', bundles[i]!)
    created.push(memories.count - before)
    // Each revision answers as itself, whatever the memory held before.
    const denied = (await e.access({ user: 'mallory' })).value
    t.match(JSON.stringify(denied.deny), `refused by ${revision}`, revision)
    t.equal((await e.access({ user: 'ann' })).value.allow, true)
  }
  t.same(created, [1, 1, 0, 0, 0, 0], 'new memories for the first two only')
})

t.test('a retired revision refuses to evaluate, and its memory serves the next one', async (t) => {
  const e = engine(t)
  await e.activate('global', await bundle('r1'))
  const r1 = e.layers[0]!.active!.loaded
  t.same(r1.evaluate('global/access/allow', { user: 'ann' }), [{ result: true }], 'r1 answers while active')
  await e.activate('global', await bundle('r2'))
  // Retired at the swap: a caller that kept r1 gets an error, never an answer from a memory another revision may now use.
  t.throws(() => r1.evaluate('global/access/allow', { user: 'ann' }), { code: 'bundle_unavailable' })
  t.throws(() => r1.setData({}), { code: 'bundle_unavailable' })
  await e.activate('global', await bundle('r3'))
  t.throws(() => r1.evaluate('global/access/deny', { user: 'mallory' }), { code: 'bundle_unavailable' }, 'still refused once its memory serves r3')
  t.match(JSON.stringify((await e.access({ user: 'mallory' })).value.deny), 'refused by r3')
})

t.test('a memory that grew is not reused', async (t) => {
  const e = engine(t)
  const memories = countMemories(t)
  await e.activate('global', await bundle('r1'))
  // An input larger than the 5 pages a module starts with grows r1's memory.
  const big = { user: 'ann', padding: 'x'.repeat(400_000) }
  t.equal((await e.access(big)).value.allow, true)
  await e.activate('global', await bundle('r2'))
  const before = memories.count
  await e.activate('global', await bundle('r3'))
  t.equal(memories.count - before, 1, 'r3 gets a memory of its own, not the grown one')
  t.equal((await e.access({ user: 'ann' })).value.allow, true)
})

t.test('a failed activation keeps the last good revision serving, and the next one loads', async (t) => {
  const e = engine(t)
  await e.activate('global', await bundle('r1'))
  await e.activate('global', await bundle('r2'))
  // Loads (taking r1's memory), then fails its entrypoint check: r2 must not be retired.
  const noDeny = await regoBundle('global', source('bad'), ['global/access/allow'], 'bad')
  await t.rejects(e.activate('global', noDeny), { code: 'bundle_format_error' })
  t.equal(e.revisions().global, 'r2')
  t.match(JSON.stringify((await e.access({ user: 'mallory' })).value.deny), 'refused by r2')
  await e.activate('global', await bundle('r4'))
  t.match(JSON.stringify((await e.access({ user: 'mallory' })).value.deny), 'refused by r4')
  t.equal(e.layers[0]!.lastError, undefined)
})
