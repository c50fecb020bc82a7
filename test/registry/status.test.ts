// OPA's status API on the registry and the fleet view built from it, against
// a real registry (in-process fastify on 127.0.0.1): reports as the sidecar
// side builds them (download/status-reporter.ts) and as OPA sends them,
// stored per instance and listed beside the registry's current revisions
// (behind, stale, failing, filters); per class of attack on the body (shape,
// size, nesting, encoding, with a fuzz test of the checks); tokens. The
// registry's clock is injected, so staleness is tested without waiting.

import t from 'tap'
import fc from 'fast-check'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { statusReport, StatusReporter } from '../../src/download/index.js'
import { FsBundleStore, MAX_KEPT_ERRORS, MAX_STATUS_DEPTH, readStatusReport, type SidecarStatus } from '../../src/registry/index.js'
import { MeshgateError } from '../../src/errors/index.js'
import { globalBundle, governance, mint, ordersBundle, ordersTeam, put, startTestRegistry, type InProcess } from '../fixtures/registry/harness.js'

/** A clock the test moves; the registry reads it for `received_at` and staleness. */
function testClock(start = '2025-05-01T10:00:00.000Z') {
  let now = new Date(start)
  return {
    now: () => now,
    advance: (seconds: number) => {
      now = new Date(now.getTime() + seconds * 1000)
    },
  }
}

const labels = (id: string, product = 'orders-api', domain = 'orders') => ({ id, product, domain, version: '0.1.0' })

/** A report as meshgate's sidecar builds it, for bundles `global` and `orders` at the given revisions. */
function sidecarReport(id: string, revs: { global?: string; orders?: string }, extra: { code?: string; stale?: boolean } = {}) {
  const t0 = '2025-05-01T09:59:00.000Z'
  return statusReport(labels(id), [
    {
      name: 'global',
      ...(revs.global ? { active_revision: revs.global, last_successful_download: t0, last_successful_activation: t0 } : {}),
      ...(extra.stale ? { stale: true } : {}),
    },
    {
      name: 'orders',
      ...(revs.orders ? { active_revision: revs.orders, last_successful_activation: t0 } : {}),
      ...(extra.code ? { code: extra.code, message: 'registry unreachable', errors: [{ code: extra.code, message: 'connect ECONNREFUSED' }] } : {}),
    },
  ])
}

function post(reg: InProcess, body: unknown, o: { path?: string; token?: string; type?: string; raw?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': o.type ?? 'application/json' }
  if (o.token) headers.authorization = `Bearer ${o.token}`
  return fetch(`${reg.url}${o.path ?? '/status'}`, { method: 'POST', headers, body: o.raw ?? JSON.stringify(body) })
}

async function sidecars(reg: InProcess, query = '', token?: string): Promise<any[]> {
  const r = await fetch(`${reg.url}/v1/sidecars${query}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  if (r.status !== 200) throw new Error(`GET /v1/sidecars${query}: ${r.status} ${await r.text()}`)
  return ((await r.json()) as { result: any[] }).result
}

/** OPA's error envelope, from a JSON answer. */
async function envelope(r: Response): Promise<{ code: string; message: string; errors?: unknown[]; type: string | undefined }> {
  return { ...((await r.json()) as { code: string; message: string; errors?: unknown[] }), type: r.headers.get('content-type')?.split(';')[0] }
}

async function publishBoth(reg: InProcess, g: string, o: string): Promise<void> {
  const statuses = [
    (await put(reg.url, 'global', await globalBundle(g), await governance())).status,
    (await put(reg.url, 'orders', await ordersBundle(o), await ordersTeam())).status,
  ]
  if (statuses.some((s) => s !== 201)) throw new Error(`publish failed: ${statuses}`)
}

t.test("reports are stored per instance and listed with the registry's revisions; a newer report replaces the older", async (t) => {
  const clock = testClock()
  const reg = await startTestRegistry(t, {}, { now: clock.now })
  await publishBoth(reg, 'g1', 'o1')
  t.same(await sidecars(reg), [], 'no reports yet')

  const r = await post(reg, sidecarReport('sc-b', { global: 'g1', orders: 'o1' }))
  t.equal(r.status, 200, 'OPA takes any 2xx as delivered')
  t.same(await r.json(), { result: { id: 'sc-b', received_at: '2025-05-01T10:00:00.000Z' } })
  clock.advance(5)
  t.equal((await post(reg, sidecarReport('sc-a', { global: 'g1', orders: 'o1' }))).status, 200)

  let list = await sidecars(reg)
  t.same(
    list.map((s) => s.id),
    ['sc-a', 'sc-b'],
    'by id',
  )
  t.match(list[0], {
    id: 'sc-a',
    product: 'orders-api',
    domain: 'orders',
    labels: labels('sc-a'),
    received_at: '2025-05-01T10:00:05.000Z',
    stale: false,
    failing: false,
    behind: false,
    bundles: [
      {
        name: 'global',
        active_revision: 'g1',
        registry_bundle: 'global',
        registry_revision: 'g1',
        current: true,
        last_successful_download: '2025-05-01T09:59:00.000Z',
      },
      { name: 'orders', active_revision: 'o1', registry_bundle: 'orders', registry_revision: 'o1', current: true },
    ],
    plugins: { bundle: { state: 'OK' } },
  })
  t.notOk('reporter' in list[0], 'no token, no reporter')

  clock.advance(5)
  t.equal((await post(reg, sidecarReport('sc-a', { global: 'g1' }, { code: 'bundle_download_error' }))).status, 200)
  list = await sidecars(reg)
  t.equal(list.length, 2, 'replaced, not added')
  t.match(list[0], { id: 'sc-a', received_at: '2025-05-01T10:00:10.000Z', failing: true, behind: true })
  t.match(list[0].bundles[1], {
    name: 'orders',
    current: false,
    code: 'bundle_download_error',
    errors: [{ code: 'bundle_download_error', message: 'connect ECONNREFUSED' }],
  })
  t.notOk('active_revision' in list[0].bundles[1], 'the newer report has no revision for orders')
})

t.test('after a publish, sidecars still on the old revision are behind until they report the new one', async (t) => {
  const clock = testClock()
  const reg = await startTestRegistry(t, {}, { now: clock.now })
  await publishBoth(reg, 'g1', 'o1')
  await post(reg, sidecarReport('sc-1', { global: 'g1', orders: 'o1' }))
  await post(reg, sidecarReport('sc-2', { global: 'g1', orders: 'o1' }))
  t.same(await sidecars(reg, '?behind=true'), [])

  t.equal((await put(reg.url, 'global', await globalBundle('g2'), await governance())).status, 201)
  const behind = await sidecars(reg, '?behind=true')
  t.same(
    behind.map((s) => s.id),
    ['sc-1', 'sc-2'],
    'both run g1 while g2 is current',
  )
  t.match(behind[0].bundles[0], { name: 'global', active_revision: 'g1', registry_revision: 'g2', current: false })
  t.match(behind[0].bundles[1], { name: 'orders', current: true })
  t.equal(behind[0].stale, false, 'behind is not stale: it reported just now')

  clock.advance(1)
  await post(reg, sidecarReport('sc-1', { global: 'g2', orders: 'o1' }))
  t.same(
    (await sidecars(reg, '?behind=true')).map((s) => s.id),
    ['sc-2'],
  )
  t.same(
    (await sidecars(reg, '?behind=false')).map((s) => s.id),
    ['sc-1'],
  )
})

t.test('stale: no report within status.stale_after_seconds, or a bundle the sidecar says is stale', async (t) => {
  const clock = testClock()
  const reg = await startTestRegistry(t, { extra: 'status: { stale_after_seconds: 30 }' }, { now: clock.now })
  await publishBoth(reg, 'g1', 'o1')
  await post(reg, sidecarReport('quiet', { global: 'g1', orders: 'o1' }))
  await post(reg, sidecarReport('max-age', { global: 'g1', orders: 'o1' }, { stale: true }))
  t.same(
    (await sidecars(reg, '?stale=true')).map((s) => s.id),
    ['max-age'],
    "the sidecar's own word",
  )

  clock.advance(30)
  await post(reg, sidecarReport('chatty', { global: 'g1', orders: 'o1' }))
  t.same(
    (await sidecars(reg, '?stale=true')).map((s) => s.id),
    ['max-age'],
    'exactly the window is not past it',
  )
  clock.advance(1)
  t.same(
    (await sidecars(reg, '?stale=true')).map((s) => s.id),
    ['max-age', 'quiet'],
    'silent for 31 s with a 30 s window',
  )
  t.same(
    (await sidecars(reg, '?stale=false')).map((s) => s.id),
    ['chatty'],
  )

  clock.advance(1)
  await post(reg, sidecarReport('quiet', { global: 'g1', orders: 'o1' }))
  t.same(
    (await sidecars(reg, '?stale=true')).map((s) => s.id),
    ['max-age'],
    'a new report makes it fresh again',
  )
})

t.test("the sidecar's own StatusReporter, pointed at `<registry>/status` with its download token, is listed", async (t) => {
  const reg = await startTestRegistry(t, { auth: '  require_for_download: true' })
  await publishBoth(reg, 'g1', 'o1')
  const token = await mint({ sub: 'sidecar-orders-1' })
  const warnings: object[] = []
  const reporter = new StatusReporter({
    url: `${reg.url}/status`,
    bearer: token,
    labels: labels('orders-1'),
    intervalMs: 60_000,
    bundles: () => [
      { name: 'global', active_revision: 'g1' },
      { name: 'orders', active_revision: 'o1' },
    ],
    log: {
      warn: (o) => {
        warnings.push(o)
      },
    },
  })
  t.teardown(() => reporter.close())
  reporter.start()
  // Bounded: the first report is sent at start; poll the fleet view until it shows (at most 10 s).
  const deadline = Date.now() + 10_000
  let list: any[] = []
  while (!list.length && !warnings.length && Date.now() < deadline) {
    list = await sidecars(reg, '', token)
    if (!list.length) await new Promise((r) => setTimeout(r, 10))
  }
  t.same(warnings, [], 'the registry took the report')
  t.match(list, [
    {
      id: 'orders-1',
      product: 'orders-api',
      domain: 'orders',
      reporter: 'sidecar-orders-1',
      behind: false,
      failing: false,
      stale: false,
      plugins: { bundle: { state: 'OK' } },
    },
  ])
})

t.test('failing and the other filters; a bad filter is a 400', async (t) => {
  const reg = await startTestRegistry(t)
  await publishBoth(reg, 'g1', 'o1')
  await post(reg, sidecarReport('ok', { global: 'g1', orders: 'o1' }))
  await post(reg, sidecarReport('down', { global: 'g1', orders: 'o1' }, { code: 'bundle_download_error' }))
  const plugin = sidecarReport('plugin-err', { global: 'g1', orders: 'o1' })
  plugin.plugins.decision_logs = { state: 'ERR', message: 'upload failed' }
  plugin.labels = labels('plugin-err', 'customers-api', 'customers')
  await post(reg, plugin)

  t.same(
    (await sidecars(reg, '?failing=true')).map((s) => s.id),
    ['down', 'plugin-err'],
  )
  t.same(
    (await sidecars(reg, '?failing=false')).map((s) => s.id),
    ['ok'],
  )
  t.same(
    (await sidecars(reg, '?domain=customers')).map((s) => s.id),
    ['plugin-err'],
  )
  t.same(
    (await sidecars(reg, '?product=orders-api&failing=true')).map((s) => s.id),
    ['down'],
  )
  const bad = await fetch(`${reg.url}/v1/sidecars?stale=maybe`)
  t.equal(bad.status, 400)
  t.match(await envelope(bad), { code: 'request_invalid', message: /querystring \/stale must be boolean/ })
})

t.test('GET /v1/sidecars pages by id: limit, after = next, with the filters; bad pages are 400', async (t) => {
  const reg = await startTestRegistry(t)
  await publishBoth(reg, 'g1', 'o1')
  // Sent out of order; listed by id. Every third one is behind.
  const ids = Array.from({ length: 7 }, (_, i) => `sc-${i}`)
  for (const id of [...ids].reverse()) {
    const r = await post(reg, sidecarReport(id, { global: 'g1', orders: Number(id.slice(3)) % 3 === 0 ? 'o0' : 'o1' }))
    t.equal(r.status, 200)
  }
  const page = async (query: string) => {
    const r = await fetch(`${reg.url}/v1/sidecars${query}`)
    t.equal(r.status, 200, query)
    const body = (await r.json()) as { result: { id: string }[]; next?: string }
    return { ids: body.result.map((s) => s.id), next: body.next }
  }
  t.same(await page('?limit=3'), { ids: ['sc-0', 'sc-1', 'sc-2'], next: 'sc-2' })
  t.same(await page('?limit=3&after=sc-2'), { ids: ['sc-3', 'sc-4', 'sc-5'], next: 'sc-5' })
  t.same(await page('?limit=3&after=sc-5'), { ids: ['sc-6'], next: undefined }, 'the last page has no next')
  t.same(await page('?limit=1&after=sc-6'), { ids: [], next: undefined }, 'past the end: empty')
  t.same(await page('?limit=2&after=sc-1x'), { ids: ['sc-2', 'sc-3'], next: 'sc-3' }, 'after need not be a listed id')
  t.same(await page(''), { ids: ids, next: undefined }, 'the default page holds them all')
  t.same(await page('?behind=true&limit=2'), { ids: ['sc-0', 'sc-3'], next: 'sc-3' }, 'pages of the filtered list')
  t.same(await page('?behind=true&limit=2&after=sc-3'), { ids: ['sc-6'], next: undefined })
  for (const q of ['?limit=0', '?limit=1001', '?limit=x', '?after=', '?limt=3']) {
    const r = await fetch(`${reg.url}/v1/sidecars${q}`)
    t.equal(r.status, 400, q)
    t.equal((await envelope(r)).code, 'request_invalid', q)
  }
})

t.test('DELETE /v1/sidecars/<id>: the governance token forgets an instance, durably; a later report lists it again', async (t) => {
  const reg = await startTestRegistry(t)
  await publishBoth(reg, 'g1', 'o1')
  // Any id a sidecar reports: longer than a path parameter, with a slash, a space and non-ASCII.
  const odd = `host/${'x'.repeat(200)} é`
  for (const id of ['gone', 'kept', odd]) t.equal((await post(reg, sidecarReport(id, { global: 'g1', orders: 'o1' }))).status, 200)
  const remove = (id: string, token?: string) =>
    fetch(`${reg.url}/v1/sidecars/${encodeURIComponent(id)}`, { method: 'DELETE', ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) })

  const anonymous = await remove('gone')
  t.equal(anonymous.status, 401)
  t.equal((await envelope(anonymous)).code, 'token_missing')
  const domain = await remove('gone', await ordersTeam())
  t.equal(domain.status, 403, 'a domain team cannot remove sidecars')
  t.equal((await envelope(domain)).code, 'roots_forbidden')
  t.same((await sidecars(reg)).map((s) => s.id).sort(), ['gone', 'kept', odd].sort(), 'nothing removed by the refusals')

  const ok = await remove('gone', await governance())
  t.equal(ok.status, 200)
  t.same(((await ok.json()) as { result: unknown }).result, { id: 'gone', removed_by: 'governance-ci' })
  t.equal((await remove(odd, await governance())).status, 200, 'an id longer than a path parameter, with a slash')
  t.same(
    (await sidecars(reg)).map((s) => s.id),
    ['kept'],
  )
  const again = await remove('gone', await governance())
  t.equal(again.status, 404)
  t.equal((await envelope(again)).code, 'resource_not_found')
  t.equal((await remove('', await governance())).status, 400, 'no id')

  // Durable: a store opened on the same folder does not list it.
  const store = await FsBundleStore.open({ dir: join(reg.dir, 'data') })
  t.same(
    (await store.statuses()).map((s) => s.id),
    ['kept'],
  )
  await store.close()

  t.equal((await post(reg, sidecarReport('gone', { global: 'g1', orders: 'o1' }))).status, 200)
  t.same((await sidecars(reg)).map((s) => s.id).sort(), ['gone', 'kept'], 'reporting again lists it again')
})

t.test("OPA's own report: partitions, Go zero times, errors OPA cannot describe, metrics, the old single `bundle`", async (t) => {
  const reg = await startTestRegistry(t)
  await publishBoth(reg, 'g1', 'o1')
  const opa = {
    labels: { id: '1780d507-aea2-45cc-ae50-fa153c8e4a5a', version: '1.4.0', app: 'edge' },
    bundles: {
      'authz/global': {
        name: 'authz/global',
        active_revision: 'g1',
        last_successful_activation: '2025-05-01T09:00:00.123456789Z',
        last_successful_download: '2025-05-01T09:00:00Z',
        last_request: '2025-05-01T09:00:00Z',
        last_successful_request: '2025-05-01T09:00:00Z',
        type: 'snapshot',
        size: 1234,
        metrics: { timer_bundle_request_ns: 5 },
      },
      orders: {
        name: 'orders',
        last_successful_activation: '0001-01-01T00:00:00Z',
        last_successful_download: '0001-01-01T00:00:00Z',
        last_request: '2025-05-01T09:00:01Z',
        code: 'bundle_error',
        message: 'server replied with HTTP 500',
        http_code: 500,
        errors: [{}],
      },
      other: { name: 'other', active_revision: 'x1', last_successful_activation: '2025-05-01T09:00:00Z' },
    },
    plugins: { bundle: { state: 'NOT_READY' }, status: { state: 'OK' }, discovery: { state: 'OK' } },
    decision_logs: { code: 'decision_logs_error', message: 'x' },
    metrics: {
      prometheus: {
        http_request_duration_seconds: {
          name: 'x',
          type: 'HISTOGRAM',
          metric: [{ label: [{ name: 'code', value: '200' }], histogram: { bucket: [{ cumulative_count: 1, upper_bound: 0.1 }] } }],
        },
      },
    },
  }
  t.equal((await post(reg, opa, { path: '/status/edge-eu' })).status, 200, 'OPA posts to /status/<partition_name>')
  const [s] = await sidecars(reg)
  t.match(s, { id: opa.labels.id, product: null, domain: null, partition: 'edge-eu', failing: true, behind: true })
  t.match(s.bundles, [
    { name: 'authz/global', registry_bundle: 'global', current: true, last_successful_activation: '2025-05-01T09:00:00.123456789Z' },
    { name: 'orders', registry_bundle: 'orders', current: false, code: 'bundle_error', errors: [{}] },
    { name: 'other', registry_bundle: null, registry_revision: null, current: null },
  ])
  t.notOk('last_successful_activation' in s.bundles[1], "Go's zero time means never")
  t.notOk('metrics' in s.bundles[0] || 'size' in s.bundles[0], 'fields the fleet view does not use are not kept')

  const legacy = {
    labels: { id: 'old-opa', version: '0.11.0' },
    bundle: { name: 'global', active_revision: 'g1', last_successful_activation: '2025-05-01T09:00:00Z' },
  }
  t.equal((await post(reg, legacy, { path: '/status/' })).status, 200, 'an empty partition')
  const old = (await sidecars(reg)).find((x) => x.id === 'old-opa')
  t.match(old, { behind: false, bundles: [{ name: 'global', current: true }] })
  t.notOk('partition' in old)
})

t.test("refused bodies: shape, encoding, size, nesting; each a 4xx in OPA's envelope, and nothing stored", async (t) => {
  const reg = await startTestRegistry(t, { extra: 'status: { max_report_size: 4kib }' })
  const ok = sidecarReport('sc', { global: 'g1' })
  const cases: [string, Promise<Response>, number, string, RegExp][] = [
    ['not JSON', post(reg, null, { raw: '{"labels": {"id": ' }), 400, 'request_malformed', /not valid JSON/],
    ['empty body', post(reg, null, { raw: '' }), 400, 'request_malformed', /empty/],
    ["not JSON's media type", post(reg, ok, { type: 'text/plain' }), 415, 'request_media_type', /unsupported media type `text\/plain`/],
    ['a JSON array', post(reg, [ok]), 400, 'request_invalid', /`\/` must be object/],
    ['no labels', post(reg, { bundles: {} }), 400, 'request_invalid', /`\/` must have required property 'labels'/],
    ['no id', post(reg, { labels: { product: 'p' } }), 400, 'request_invalid', /`\/labels` must have required property 'id'/],
    ['an empty id', post(reg, { labels: { id: '' } }), 400, 'request_invalid', /`\/labels\/id` must NOT have fewer than 1 characters/],
    ['a numeric id (never coerced)', post(reg, { labels: { id: 42 } }), 400, 'request_invalid', /`\/labels\/id` must be string/],
    ['a label that is not a string', post(reg, { labels: { id: 'x', n: { deep: 1 } } }), 400, 'request_invalid', /`\/labels\/n` must be string/],
    [
      'a revision that is not a string',
      post(reg, { labels: { id: 'x' }, bundles: { g: { name: 'g', active_revision: 7 } } }),
      400,
      'request_invalid',
      /`\/bundles\/g\/active_revision` must be string/,
    ],
    [
      'a plugin without state',
      post(reg, { labels: { id: 'x' }, plugins: { bundle: {} } }),
      400,
      'request_invalid',
      /`\/plugins\/bundle` must have required property 'state'/,
    ],
    [
      'too many labels',
      post(reg, { labels: Object.fromEntries([['id', 'x'], ...Array.from({ length: 40 }, (_, i) => [`l${i}`, 'v'])]) }),
      400,
      'request_invalid',
      /`\/labels` must NOT have more than 32 properties/,
    ],
    ['prototype poisoning', post(reg, null, { raw: '{"labels": {"id": "x"}, "__proto__": {"polluted": true}}' }), 400, 'request_malformed', /not valid JSON/],
    [
      'over status.max_report_size',
      post(reg, { labels: { id: 'x' }, metrics: { pad: 'x'.repeat(5000) } }),
      413,
      'request_too_large',
      /larger than the configured limit/,
    ],
    [
      'nested past the bound',
      post(reg, null, { raw: `{"labels": {"id": "x"}, "metrics": ${'['.repeat(MAX_STATUS_DEPTH)}${']'.repeat(MAX_STATUS_DEPTH)}}` }),
      400,
      'request_invalid',
      new RegExp(`nested deeper than ${MAX_STATUS_DEPTH}`),
    ],
  ]
  for (const [what, res, status, code, message] of cases) {
    const r = await res
    t.equal(r.status, status, what)
    t.match(await envelope(r), { code, message, type: 'application/json' }, what)
  }
  const deepButFine = `{"labels": {"id": "x"}, "metrics": ${'['.repeat(MAX_STATUS_DEPTH - 1)}${']'.repeat(MAX_STATUS_DEPTH - 1)}}`
  t.equal((await post(reg, null, { raw: deepButFine })).status, 200, 'exactly the bound is accepted')
  t.same(
    (await sidecars(reg)).map((s) => s.id),
    ['x'],
    'none of the refused reports was stored',
  )
  t.equal((await post(reg, ok)).status, 200)
})

t.test('the checks never throw anything but request_invalid, and never keep more than was sent (fuzz)', async (t) => {
  const at = new Date('2025-05-01T10:00:00Z')
  const str = fc.string({ maxLength: 40 })
  const long = fc.string({ maxLength: 2000 })
  const errorArb = fc.oneof(long, fc.record({ code: str, message: long, location: fc.anything() }, { requiredKeys: [] }), fc.constant({}))
  const bundleArb = fc.record(
    {
      name: str,
      active_revision: str,
      code: str,
      message: long,
      errors: fc.array(errorArb, { maxLength: 20 }),
      stale: fc.boolean(),
      last_successful_activation: fc.constantFrom('0001-01-01T00:00:00Z', '2025-05-01T09:00:00Z'),
      http_code: fc.integer(),
      metrics: fc.anything(),
    },
    { requiredKeys: [] },
  )
  // Mostly well-formed reports (so the projection is exercised), and open-ended JSON.
  const wellFormed = fc.record(
    {
      labels: fc.record({ id: fc.string({ minLength: 1, maxLength: 40 }), product: str, domain: str }, { requiredKeys: ['id'] }),
      bundles: fc.dictionary(str, bundleArb, { maxKeys: 5 }),
      bundle: bundleArb,
      plugins: fc.dictionary(str, fc.record({ state: fc.constantFrom('OK', 'ERR', 'NOT_READY', 'WARN'), message: long }, { requiredKeys: ['state'] }), {
        maxKeys: 4,
      }),
      metrics: fc.anything(),
    },
    { requiredKeys: ['labels'] },
  )
  const reportArb = fc.oneof(
    { weight: 4, arbitrary: wellFormed },
    { weight: 1, arbitrary: fc.record({ labels: fc.anything(), bundles: fc.anything(), bundle: fc.anything(), plugins: fc.anything() }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.jsonValue() },
  )
  let accepted = 0
  fc.assert(
    fc.property(reportArb, (body) => {
      const parsed: unknown = JSON.parse(JSON.stringify(body) ?? 'null')
      let kept: SidecarStatus
      try {
        kept = readStatusReport(parsed, { receivedAt: at })
      } catch (e) {
        if (!(e instanceof MeshgateError) || e.code !== 'request_invalid') throw e
        return
      }
      accepted++
      const { received_at: _r, ...rest } = kept
      // What can grow: the id beside the labels, empty `bundles` and `plugins`, a name per bundle, `{"message": …}` around string errors.
      const bound = JSON.stringify(parsed).length + 64 + kept.id.length + kept.bundles.length * (16 + MAX_KEPT_ERRORS * 16)
      if (JSON.stringify(rest).length > bound) throw new Error(`kept more than was sent: ${JSON.stringify(kept)}`)
      for (const b of kept.bundles) if ((b.errors?.length ?? 0) > MAX_KEPT_ERRORS) throw new Error('errors not cut')
    }),
    { numRuns: 500 },
  )
  t.ok(accepted > 200, `most generated reports pass the checks, so what is kept is checked too (${accepted} of 500)`)
})

t.test('tokens: required with auth.require_for_download; otherwise open, but a token sent must verify', async (t) => {
  await t.test('require_for_download: true', async (t) => {
    const reg = await startTestRegistry(t, { auth: '  require_for_download: true' })
    const report = sidecarReport('sc', { global: 'g1' })
    const none = await post(reg, report)
    t.equal(none.status, 401)
    t.match(await envelope(none), { code: 'token_missing' })
    t.equal(none.headers.get('www-authenticate'), 'Bearer realm="meshgate"')
    const expired = await post(reg, report, { token: await mint({ sub: 'sidecar-sc' }, { exp: Math.floor(Date.now() / 1000) - 3600 }) })
    t.equal(expired.status, 401)
    t.match(await envelope(expired), { code: 'token_invalid' })
    t.equal((await post(reg, report, { token: await mint({ sub: 'x' }, { foreignKey: true }) })).status, 401, 'a token of another signer')
    const garbage = await post(reg, null, { raw: '{', token: 'nope' })
    t.equal(garbage.status, 401, 'the token is checked before the body is read')

    const sidecarToken = await mint({ sub: 'sidecar-sc' })
    t.equal((await post(reg, report, { token: sidecarToken })).status, 200, 'any valid token of the IdP reports (no roots needed)')
    t.equal((await fetch(`${reg.url}/v1/sidecars`)).status, 401, 'the fleet view is read like /v1/bundles')
    const [s] = await sidecars(reg, '', sidecarToken)
    t.match(s, { id: 'sc', reporter: 'sidecar-sc' })
  })

  await t.test('open (the default)', async (t) => {
    const reg = await startTestRegistry(t)
    const report = sidecarReport('sc', { global: 'g1' })
    t.equal((await post(reg, report)).status, 200, 'no token needed')
    const bad = await post(reg, report, { token: await mint({ sub: 'x' }, { aud: 'someone-else' }) })
    t.equal(bad.status, 401, 'but a token that is sent must verify')
    t.match(await envelope(bad), { code: 'token_invalid' })
    t.equal((await post(reg, report, { token: await mint({ sub: 'sidecar-sc' }) })).status, 200)
    t.match((await sidecars(reg))[0], { id: 'sc', reporter: 'sidecar-sc' })
  })
})

t.test('the filesystem store: one file per instance, bounded, the latest kept across a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-status-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const status = (id: string, at: string, rev = 'g1'): SidecarStatus => ({
    id,
    received_at: at,
    labels: { id },
    bundles: [{ name: 'global', active_revision: rev }],
    plugins: {},
  })

  let store = await FsBundleStore.open({ dir })
  await store.putStatus(status('../../etc/passwd', '2025-05-01T10:00:00.000Z'), 3)
  await store.putStatus(status('b', '2025-05-01T10:00:01.000Z'), 3)
  await store.putStatus(status('c', '2025-05-01T10:00:02.000Z'), 3)
  await store.putStatus(status('b', '2025-05-01T10:00:03.000Z', 'g2'), 3)
  await store.putStatus(status('d', '2025-05-01T10:00:04.000Z'), 3)
  t.same(
    (await store.statuses()).map((s) => s.id),
    ['c', 'b', 'd'],
    'the instance heard from longest ago is forgotten first',
  )
  await store.close()
  const files = readdirSync(join(dir, 'sidecars'))
  t.equal(files.length, 3, 'its file is gone too')
  t.ok(
    files.every((f) => /^[0-9a-f]{64}\.json$/.test(f)),
    'files are named by a hash of the id, whatever the id',
  )

  writeFileSync(join(dir, 'sidecars', `.${files[0]}.0123456789ab.tmp`), '{"id": "half-writ')
  writeFileSync(join(dir, 'sidecars', `${'0'.repeat(64)}.json`), 'damaged outside the registry')
  store = await FsBundleStore.open({ dir })
  t.teardown(() => store.close())
  const after = await store.statuses()
  t.same(
    after.map((s) => s.id),
    ['c', 'b', 'd'],
    'the same reports after a restart, oldest first',
  )
  t.equal(after[1]!.bundles[0]!.active_revision, 'g2', "b's newer report")
  t.equal(readdirSync(join(dir, 'sidecars')).length, 3, 'temp files and unreadable reports are cleared at start')
})
