// The registry's `GET /metrics` against a real registry (in-process fastify
// on 127.0.0.1): requests by route pattern, publishes and rollbacks by
// outcome after real publishes, downloads and rollbacks; held long polls;
// bundles and their revisions; sidecars known, stale, failing and behind
// from real status reports; decisions stored when a decision store is
// there; the auth switch; and route labels that stay bounded whatever URLs
// a client sends.

import t from 'tap'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { statusReport } from '../../src/download/index.js'
import { buildRegistryApp, ChangeFeed, parseRegistryConfig, PublisherTokens, UNMATCHED_ROUTE } from '../../src/registry/index.js'
import type { DecisionStore } from '../../src/registry/decision-store.js'
import { scrape } from '../fixtures/metrics/exposition.js'
import { globalBundle, governance, mint, ordersBundle, ordersTeam, put, registryDir, startTestRegistry, type InProcess } from '../fixtures/registry/harness.js'

/** A clock the test moves; the registry reads it for staleness. */
function testClock(start = '2025-05-01T10:00:00.000Z') {
  let now = new Date(start)
  return {
    now: () => now,
    advance: (seconds: number) => {
      now = new Date(now.getTime() + seconds * 1000)
    },
  }
}

/** Resolves once the registry holds `n` long polls for `name` (checked each turn of the event loop, bounded). */
async function held(reg: InProcess, name: string, n: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (reg.feed.held(name) !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} held polls for ${name}, have ${reg.feed.held(name)}`)
    await new Promise((r) => setImmediate(r))
  }
}

const rollback = async (reg: InProcess, name: string, body: unknown, token: string) =>
  fetch(`${reg.url}/v1/bundles/${name}/rollback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })

t.test('publishes, rollbacks, downloads, long polls and bundles', async (t) => {
  const reg = await startTestRegistry(t)
  const gov = await governance()
  const g1 = await globalBundle('g1')
  t.equal((await put(reg.url, 'global', g1, gov)).status, 201)
  t.equal((await put(reg.url, 'global', g1, gov)).status, 200, 'the same bytes again')
  t.equal((await put(reg.url, 'global', await globalBundle('g-x'), await ordersTeam())).status, 403, 'a token without the roots')
  t.equal((await put(reg.url, 'global', g1)).status, 401)

  const first = await fetch(`${reg.url}/bundles/global`)
  t.equal(first.status, 200)
  const etag = first.headers.get('etag')!
  t.equal((await fetch(`${reg.url}/bundles/global`, { headers: { 'if-none-match': etag } })).status, 304)

  let m = await scrape(reg.url)
  t.equal(m.value('meshgate_registry_publishes_total', { outcome: 'created' }), 1)
  t.equal(m.value('meshgate_registry_publishes_total', { outcome: 'unchanged' }), 1)
  t.equal(m.value('meshgate_registry_publishes_total', { outcome: 'refused' }), 2)
  t.equal(m.value('meshgate_registry_publishes_total', { outcome: 'failed' }), undefined)
  t.equal(m.value('meshgate_registry_revisions_committed_total', { action: 'publish' }), 1)
  t.equal(m.value('meshgate_registry_http_requests_total', { route: '/v1/bundles/:name', method: 'PUT', status: '201' }), 1)
  t.equal(m.value('meshgate_registry_http_requests_total', { route: '/v1/bundles/:name', method: 'PUT', status: '403' }), 1)
  t.equal(m.value('meshgate_registry_http_requests_total', { route: '/bundles/:name', method: 'GET', status: '200' }), 1)
  t.equal(m.value('meshgate_registry_http_requests_total', { route: '/bundles/:name', method: 'GET', status: '304' }), 1)
  t.equal(m.value('meshgate_registry_http_request_duration_seconds_count', { route: '/bundles/:name', method: 'GET' }), 2)
  t.equal(m.types.get('meshgate_registry_http_request_duration_seconds'), 'histogram')
  t.equal(m.value('meshgate_registry_bundles'), 1)
  t.equal(m.value('meshgate_registry_bundle_info', { bundle: 'global', revision: 'g1' }), 1)
  t.equal(m.value('meshgate_registry_bundle_size_bytes', { bundle: 'global' }), g1.length)
  const published = m.value('meshgate_registry_bundle_published_timestamp_seconds', { bundle: 'global' })!
  t.ok(published > 1.7e9 && published <= Date.now() / 1000)
  t.equal(m.value('meshgate_registry_long_polls_held', { bundle: 'global' }), 0)
  t.equal(m.value('meshgate_registry_bundle_revisions', { bundle: 'global' }), 1)
  t.equal(m.value('meshgate_registry_blobs'), 1)
  t.equal(m.value('meshgate_registry_blob_bytes'), g1.length)

  // A held long poll shows, and goes when a publish answers it.
  const poll = fetch(`${reg.url}/bundles/global`, { headers: { 'if-none-match': etag, prefer: 'modes=snapshot,delta;wait=30' } })
  await held(reg, 'global', 1)
  t.equal((await scrape(reg.url)).value('meshgate_registry_long_polls_held', { bundle: 'global' }), 1)
  t.equal((await put(reg.url, 'global', await globalBundle('g2'), gov)).status, 201)
  t.equal((await poll).status, 200)
  t.equal((await put(reg.url, 'orders', await ordersBundle('o1'), await ordersTeam())).status, 201)

  // Rollbacks: one done, one refused.
  t.equal((await rollback(reg, 'global', { revision: 'g1' }, gov)).status, 200)
  t.equal((await rollback(reg, 'global', { revision: 'nope' }, gov)).status, 404)
  m = await scrape(reg.url)
  t.equal(m.value('meshgate_registry_long_polls_held', { bundle: 'global' }), 0)
  t.equal(m.value('meshgate_registry_rollbacks_total', { outcome: 'ok' }), 1)
  t.equal(m.value('meshgate_registry_rollbacks_total', { outcome: 'refused' }), 1)
  t.equal(m.value('meshgate_registry_revisions_committed_total', { action: 'publish' }), 3)
  t.equal(m.value('meshgate_registry_revisions_committed_total', { action: 'rollback' }), 1)
  t.equal(m.value('meshgate_registry_bundles'), 2)
  t.equal(m.value('meshgate_registry_bundle_revisions', { bundle: 'global' }), 3, 'g1, g2, and the rollback to g1')
  t.equal(m.value('meshgate_registry_bundle_revisions', { bundle: 'orders' }), 1)
  t.equal(m.value('meshgate_registry_blobs'), 3, 'g1, g2, o1: no retention, every archive kept')
  t.same(
    m
      .find('meshgate_registry_bundle_info')
      .map((s) => s.labels)
      .sort((a, b) => a.bundle!.localeCompare(b.bundle!)),
    [
      { bundle: 'global', revision: 'g1' },
      { bundle: 'orders', revision: 'o1' },
    ],
    'current revisions only: g2 is gone',
  )
  t.ok(m.value('meshgate_process_resident_memory_bytes') !== undefined || m.value('meshgate_nodejs_heap_size_total_bytes')! > 0, 'process metrics')
  t.notOk(
    m.samples.some((s) => !s.name.startsWith('meshgate_')),
    'every metric name has the prefix',
  )
})

t.test('sidecars known, stale, failing and behind, from status reports', async (t) => {
  const clock = testClock()
  const reg = await startTestRegistry(t, {}, { now: clock.now })
  await put(reg.url, 'global', await globalBundle('g2'), await governance())
  const report = (id: string, rev: string, code?: string) =>
    statusReport({ id, product: 'orders-api', domain: 'orders' }, [
      {
        name: 'global',
        active_revision: rev,
        last_successful_activation: '2025-05-01T09:59:00.000Z',
        ...(code ? { code, message: 'registry unreachable' } : {}),
      },
    ])
  const post = (body: unknown) => fetch(`${reg.url}/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  t.equal((await post(report('a', 'g2'))).status, 200)
  t.equal((await post(report('b', 'g1'))).status, 200)
  t.equal((await post(report('c', 'g2', 'bundle_download_error'))).status, 200)
  let m = await scrape(reg.url)
  t.equal(m.value('meshgate_registry_sidecars'), 3)
  t.equal(m.value('meshgate_registry_sidecars_stale'), 0)
  t.equal(m.value('meshgate_registry_sidecars_failing'), 1)
  t.equal(m.value('meshgate_registry_sidecars_behind'), 1)
  clock.advance(61) // past status.stale_after_seconds (60)
  t.equal((await post(report('a', 'g2'))).status, 200)
  m = await scrape(reg.url)
  t.equal(m.value('meshgate_registry_sidecars'), 3)
  t.equal(m.value('meshgate_registry_sidecars_stale'), 2, 'b and c went quiet')
})

t.test('route labels stay bounded whatever URLs clients send', async (t) => {
  const reg = await startTestRegistry(t)
  const paths = (id: string) => [`/${id}`, `/bundles/${id}`, `/v1/bundles/${id}/revisions`, `/v1/${id}/x?y=${id}`, `/status/${id}`, `/%ff${id}`]
  for (let i = 0; i < 50; i++) {
    const id = randomUUID()
    await Promise.all(paths(id).map((p) => fetch(`${reg.url}${p}`, { method: i % 2 ? 'GET' : 'POST' }).then((r) => r.arrayBuffer())))
  }
  const m = await scrape(reg.url)
  const requests = m.find('meshgate_registry_http_requests_total')
  // The router refuses a bad percent-encoding (`/%ff…`) before any hook runs, so those 50 are not counted.
  t.equal(
    requests.reduce((a, s) => a + s.value, 0),
    250,
    'every request a route or the 404 handler answered is counted',
  )
  const routes = new Set(requests.map((s) => s.labels.route))
  t.same([...routes].sort(), [UNMATCHED_ROUTE, '/bundles/:name', '/status/*', '/v1/bundles/:name/revisions'].sort())
  t.ok(requests.length <= 16, `${requests.length} series`)
  t.notOk(
    m.samples.some((s) => Object.values(s.labels).some((v) => /[0-9a-f]{8}-/.test(v))),
    'no URL text in any label',
  )
})

t.test('metrics.require_token: a valid bearer token is needed; open by default', async (t) => {
  const open = await startTestRegistry(t)
  t.equal((await fetch(`${open.url}/metrics`)).status, 200)
  const closed = await startTestRegistry(t, { extra: 'metrics:\n  require_token: true' })
  const none = await fetch(`${closed.url}/metrics`)
  t.equal(none.status, 401)
  t.equal(((await none.json()) as { code: string }).code, 'token_missing')
  const foreign = await fetch(`${closed.url}/metrics`, { headers: { authorization: `Bearer ${await mint({ sub: 'x' }, { foreignKey: true })}` } })
  t.equal(foreign.status, 401)
  t.equal(((await foreign.json()) as { code: string }).code, 'token_invalid')
  const m = await scrape(closed.url, await mint({ sub: 'prometheus' }))
  t.equal(m.value('meshgate_registry_bundles'), 0)
})

t.test('decisions stored, read from the decision store; two registry apps count apart', async (t) => {
  const reg = await startTestRegistry(t)
  const { config: file } = await registryDir(t)
  const config = parseRegistryConfig(readFileSync(file, 'utf8'), file)
  let stored = 42
  const decisions = { count: async () => stored } as unknown as DecisionStore
  const app = await buildRegistryApp({
    deps: { config, store: reg.store, loader: {} as never },
    tokens: new PublisherTokens(config.auth),
    feed: new ChangeFeed(reg.store),
    decisions,
  })
  t.teardown(() => app.close())
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  let m = await scrape(url)
  t.equal(m.value('meshgate_registry_decisions_stored'), 42)
  stored = 43
  m = await scrape(url)
  t.equal(m.value('meshgate_registry_decisions_stored'), 43)
  t.equal((await scrape(reg.url)).value('meshgate_registry_decisions_stored'), 0, "the other registry's own store: empty, counted apart")

  await fetch(`${url}/v1/bundles`)
  await fetch(`${url}/v1/bundles`)
  t.equal((await scrape(url)).value('meshgate_registry_http_requests_total', { route: '/v1/bundles', method: 'GET', status: '200' }), 2)
  t.equal((await scrape(reg.url)).value('meshgate_registry_http_requests_total', { route: '/v1/bundles', method: 'GET', status: '200' }), undefined)
})

t.test('registry.yaml: metrics.require_token', async (t) => {
  const { config: file } = await registryDir(t)
  const base = readFileSync(file, 'utf8')
  t.same(parseRegistryConfig(base, file).metrics, { requireToken: false })
  t.same(parseRegistryConfig(`${base}\nmetrics: { require_token: true }\n`, file).metrics, { requireToken: true })
  t.throws(() => parseRegistryConfig(`${base}\nmetrics: { path: /prom }\n`, file), { errors: [{ code: 'config_error' }] })
})
