// OPA's bundle service API as OPA's downloader (v1/download/download.go)
// calls it: `If-None-Match` with the last ETag, `Prefer:
// modes=snapshot,delta;wait=N` when long polling; answers 200 with
// `application/vnd.openpolicyagent.bundles` (which keeps OPA long polling),
// 304 with the ETag and no body. Long polls are answered by a publish, or
// with 304 when the wait ends.

import t from 'tap'
import { etagOf, ifNoneMatch, preferField, waitSeconds } from '../../src/registry/index.js'
import { bundle, globalBundle, governance, KEYS, put, startTestRegistry, type InProcess } from '../fixtures/registry/harness.js'

const OPA_PREFER = (wait?: number) => `modes=snapshot,delta${wait !== undefined ? `;wait=${wait}` : ''}`

function get(reg: InProcess, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${reg.url}/bundles/global`, { headers, ...(signal ? { signal } : {}) })
}

/** Resolves once the registry holds `n` long polls for `name` (checked each turn of the event loop, bounded). */
async function held(reg: InProcess, name: string, n: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (reg.feed.held(name) !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} held polls for ${name}, have ${reg.feed.held(name)}`)
    await new Promise((r) => setImmediate(r))
  }
}

t.test("header parsing follows OPA's client and test server", async (t) => {
  t.equal(preferField('modes=snapshot,delta;wait=30', 'wait'), '30')
  t.equal(preferField(['respond-async', 'modes=snapshot; wait=5'], 'wait'), '5')
  t.equal(waitSeconds('modes=snapshot,delta;wait=30', 10), 10, 'capped by server.max_wait_seconds')
  t.equal(waitSeconds('modes=snapshot,delta', 10), 0)
  t.equal(waitSeconds('wait=abc', 10), 0)
  t.ok(ifNoneMatch('"a", W/"b"', '"b"'))
  t.ok(ifNoneMatch('*', '"x"'))
  t.notOk(ifNoneMatch('', '"x"'), 'OPA sends an empty If-None-Match before its first download')
  t.equal(etagOf('sha256:00'), '"sha256:00"')
})

t.test("200 with OPA's content type and the ETag; 304 for the current ETag; 404 for no bundle", async (t) => {
  const reg = await startTestRegistry(t)
  t.equal((await get(reg)).status, 404)
  const g1 = await globalBundle('g1')
  await put(reg.url, 'global', g1, await governance())
  const first = await get(reg, { 'if-none-match': '', prefer: OPA_PREFER() })
  t.equal(first.status, 200)
  t.equal(first.headers.get('content-type'), 'application/vnd.openpolicyagent.bundles')
  const etag = first.headers.get('etag')!
  t.match(etag, /^"sha256:[0-9a-f]{64}"$/)
  t.ok(Buffer.from(await first.arrayBuffer()).equals(g1))

  const again = await get(reg, { 'if-none-match': etag, prefer: OPA_PREFER() })
  t.equal(again.status, 304)
  t.equal(again.headers.get('etag'), etag, '304 repeats the ETag (OPA keeps it)')
  t.equal(again.headers.get('content-type'), null, 'no content type on 304')
  t.equal((await again.arrayBuffer()).byteLength, 0)
  t.equal((await get(reg, { 'if-none-match': `W/${etag}` })).status, 304, 'weak form')
  t.equal((await get(reg, { 'if-none-match': '"sha256:stale"' })).status, 200, 'a stale ETag gets the bundle')
  const head = await fetch(`${reg.url}/bundles/global`, { method: 'HEAD' })
  t.equal(head.status, 200)
  t.equal(head.headers.get('etag'), etag)
})

t.test('long polling: answered as soon as a new revision is published', async (t) => {
  const reg = await startTestRegistry(t)
  await put(reg.url, 'global', await globalBundle('g1'), await governance())
  const etag = (await get(reg)).headers.get('etag')!
  const poll = get(reg, { 'if-none-match': etag, prefer: OPA_PREFER(30) })
  await held(reg, 'global', 1)
  const g2 = await globalBundle('g2')
  t.equal((await put(reg.url, 'global', g2, await governance())).status, 201)
  const r = await poll
  t.equal(r.status, 200, 'answered by the publish, not by the 30 s wait (which would be a 304)')
  t.equal(r.headers.get('content-type'), 'application/vnd.openpolicyagent.bundles')
  t.not(r.headers.get('etag'), etag)
  t.ok(Buffer.from(await r.arrayBuffer()).equals(g2))
  t.equal(reg.feed.held('global'), 0)
})

t.test('long polling: 304 with the same ETag when the wait ends without a change', async (t) => {
  const reg = await startTestRegistry(t)
  await put(reg.url, 'global', await globalBundle('g1'), await governance())
  const etag = (await get(reg)).headers.get('etag')!
  const r = await get(reg, { 'if-none-match': etag, prefer: OPA_PREFER(1) })
  t.equal(r.status, 304)
  t.equal(r.headers.get('etag'), etag)
})

t.test('long polling: a refused publish wakes nobody; a republish of the same bytes neither', async (t) => {
  const reg = await startTestRegistry(t)
  const g1 = await globalBundle('g1')
  await put(reg.url, 'global', g1, await governance())
  const etag = (await get(reg)).headers.get('etag')!
  const poll = get(reg, { 'if-none-match': etag, prefer: OPA_PREFER(30) })
  await held(reg, 'global', 1)
  const forged = await bundle({ roots: ['global'], revision: 'g-forged', exports: ['global/access'], sign: { key: KEYS.orders, kid: 'orders' } })
  t.equal((await put(reg.url, 'global', forged, await governance())).status, 400)
  t.equal((await put(reg.url, 'global', g1, await governance())).status, 200)
  t.equal(reg.feed.held('global'), 1, 'still waiting')
  const g2 = await globalBundle('g2')
  await put(reg.url, 'global', g2, await governance())
  const r = await poll
  t.ok(Buffer.from(await r.arrayBuffer()).equals(g2), 'the poll gets g2, never the forged bundle')
})

t.test('long polling: a client that goes away is forgotten; closing the registry answers held polls', async (t) => {
  const reg = await startTestRegistry(t)
  await put(reg.url, 'global', await globalBundle('g1'), await governance())
  const etag = (await get(reg)).headers.get('etag')!
  const ac = new AbortController()
  const gone = get(reg, { 'if-none-match': etag, prefer: OPA_PREFER(30) }, ac.signal).catch((e: Error) => e)
  await held(reg, 'global', 1)
  ac.abort()
  await gone
  await held(reg, 'global', 0)
  t.pass('the aborted poll is no longer held')

  const poll = get(reg, { 'if-none-match': etag, prefer: OPA_PREFER(30) })
  await held(reg, 'global', 1)
  const closing = reg.close()
  const r = await poll
  t.equal(r.status, 304, 'answered at close, so shutdown does not wait for the long poll')
  await closing
})
