// The sidecar's `GET /metrics` over real HTTP: decision events fed to the
// app's MetricsObserver come out as counters and histograms with the right
// values; per-layer bundle state and the decision logger's stats are read at
// each scrape; the endpoint is open by default and needs a valid token with
// `metrics.require_token`; a label fed from requests stays bounded; two apps
// in one process count apart; process metrics' samplers stop when an app
// closes.

import t from 'tap'
import { randomUUID } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Registry } from 'prom-client'
import { parseConfig } from '../../src/config/index.js'
import type { DecisionEvent, DecisionLogStats } from '../../src/decision-log/index.js'
import type { BundleStatus } from '../../src/download/index.js'
import { MeshgateError } from '../../src/errors/index.js'
import { buildApp, collectProcessMetrics, MAX_LABEL_VALUES, OTHER_LABEL } from '../../src/server/index.js'
import { parseExposition, scrape } from '../fixtures/metrics/exposition.js'
import { startJwks, startTestSidecar } from '../fixtures/server/sidecar.js'

function event(o: Partial<DecisionEvent> = {}): DecisionEvent {
  return {
    decision_id: randomUUID(),
    labels: { id: 'test' },
    path: 'meshgate/access',
    bundles: {},
    timestamp: new Date().toISOString(),
    metrics: { timer_server_handler_ns: 150_000, timer_rego_query_eval_ns: 80_000 },
    requested_by: '127.0.0.1:40000',
    kind: 'access',
    outcome: 'allow',
    ...o,
  }
}

const ACTIVATED = new Date('2025-05-01T10:00:00.000Z')

/** An app around a stand-in engine with two layers: `global` active at g7, `domains/orders` not activated (its last attempt failed). */
async function fakeApp(t: Tap.Test, o: { bundleStatus?: () => BundleStatus[]; decisionLogStats?: () => DecisionLogStats; metricsYaml?: string } = {}) {
  const engine = {
    ready: false,
    layers: [
      { name: 'global', root: 'global', active: { key: 'k', loaded: { name: 'global', revision: 'g7' }, activatedAt: ACTIVATED, bundleData: {} } },
      { name: 'domains/orders', root: 'domains/orders', lastError: new MeshgateError('bundle_signature_error', 'bundle `orders` is not signed') },
    ],
  } as any
  const app = await buildApp({
    engine,
    config: parseConfig(
      `product: { domain: orders }\nbundles: { global: { resource: g }, orders: { resource: o } }\nauth: { mode: none }\n${o.metricsYaml ?? ''}`,
      'meshgate.yaml',
      {},
    ),
    ...(o.bundleStatus ? { bundleStatus: o.bundleStatus } : {}),
    ...(o.decisionLogStats ? { decisionLogStats: o.decisionLogStats } : {}),
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  return { app, url: `http://127.0.0.1:${port}` }
}

t.test('decision events become counters and histograms', async (t) => {
  const { app, url } = await fakeApp(t)
  const obs = app.metrics.observer
  obs.record(event({ cached: false }))
  obs.record(event({ cached: true, metrics: { timer_server_handler_ns: 12_000, timer_rego_query_eval_ns: 0 } }))
  obs.record(event({ cached: true, metrics: { timer_server_handler_ns: 12_000, timer_rego_query_eval_ns: 0 } }))
  obs.record(
    event({
      outcome: 'deny',
      cached: false,
      deny: [
        { layer: 'global', message: 'purpose `marketing` is not allowed' },
        { layer: 'global', message: 'field `email` is pii' },
        { layer: 'domains/orders', message: 'no role' },
      ],
    }),
  )
  obs.record(event({ outcome: 'deny', deny: [{ layer: 'domains/orders', message: 'no role' }] }))
  obs.record(
    event({ kind: 'anonymize_stream', outcome: 'allow', port: 'orders-v1', metrics: { timer_server_handler_ns: 4_000_000, counter_records_anonymized: 1000 } }),
  )
  obs.record(
    event({ kind: 'anonymize_stream', outcome: 'allow', port: 'orders-v1', metrics: { timer_server_handler_ns: 2_000_000, counter_records_anonymized: 500 } }),
  )
  obs.record(event({ kind: 'data', outcome: 'error', error: { code: 'eval_error', message: 'x' }, metrics: { timer_server_handler_ns: Number.NaN } }))

  const m = await scrape(url)
  t.equal(m.types.get('meshgate_decisions_total'), 'counter')
  t.equal(m.value('meshgate_decisions_total', { kind: 'access', outcome: 'allow' }), 3)
  t.equal(m.value('meshgate_decisions_total', { kind: 'access', outcome: 'deny' }), 2)
  t.equal(m.value('meshgate_decisions_total', { kind: 'anonymize_stream', outcome: 'allow' }), 2)
  t.equal(m.value('meshgate_decisions_total', { kind: 'data', outcome: 'error' }), 1)
  t.equal(m.value('meshgate_decision_denies_total', { kind: 'access', layer: 'global' }), 1, 'two global reasons, one denied decision')
  t.equal(m.value('meshgate_decision_denies_total', { kind: 'access', layer: 'domains/orders' }), 2)

  t.equal(m.types.get('meshgate_decision_duration_seconds'), 'histogram')
  t.equal(m.value('meshgate_decision_duration_seconds_count', { kind: 'access' }), 5)
  t.equal(m.value('meshgate_decision_duration_seconds_bucket', { kind: 'access', le: '0.00001' }), 0)
  t.equal(m.value('meshgate_decision_duration_seconds_bucket', { kind: 'access', le: '0.000025' }), 2, 'the two cached answers (12 µs)')
  t.equal(m.value('meshgate_decision_duration_seconds_bucket', { kind: 'access', le: '0.00025' }), 5, 'the others at 150 µs')
  t.ok(Math.abs(m.value('meshgate_decision_duration_seconds_sum', { kind: 'access' })! - (3 * 150e-6 + 2 * 12e-6)) < 1e-12)
  t.equal(m.value('meshgate_decision_duration_seconds_bucket', { kind: 'anonymize_stream', le: '0.001' }), 0)
  t.equal(m.value('meshgate_decision_duration_seconds_bucket', { kind: 'anonymize_stream', le: '0.0025' }), 1)
  t.equal(m.value('meshgate_decision_duration_seconds_bucket', { kind: 'anonymize_stream', le: '0.005' }), 2)
  t.equal(m.value('meshgate_decision_duration_seconds_count', { kind: 'data' }), undefined, 'a NaN timer is left out, the decision still counted')
  t.equal(m.value('meshgate_decision_eval_duration_seconds_count', { kind: 'access' }), 5)
  t.equal(m.value('meshgate_decision_eval_duration_seconds_bucket', { kind: 'access', le: '0.00001' }), 2)
  t.equal(m.value('meshgate_decision_eval_duration_seconds_count', { kind: 'anonymize_stream' }), undefined, 'no eval timer given')

  t.equal(m.value('meshgate_decision_cache_hits_total', { kind: 'access' }), 2)
  t.equal(m.value('meshgate_decision_cache_misses_total', { kind: 'access' }), 2, 'an event without `cached` is neither')
  t.equal(m.value('meshgate_decision_cache_hit_ratio'), 0.5)
  t.equal(m.value('meshgate_anonymized_records_total', { port: 'orders-v1' }), 1500)
})

t.test('bundle state per layer is read at each scrape', async (t) => {
  let statuses: BundleStatus[] = [
    {
      name: 'global',
      active_revision: 'g7',
      last_successful_download: '2025-05-01T10:00:00.000Z',
      last_successful_request: '2025-05-01T10:04:00.000Z',
      last_successful_activation: '2025-05-01T10:00:00.000Z',
    },
    {
      name: 'orders',
      code: 'bundle_download_error',
      message: 'registry unreachable',
      errors: [{ code: 'bundle_download_error', message: 'connect ECONNREFUSED' }],
      last_request: '2025-05-01T10:05:00.000Z',
      stale: true,
    },
  ]
  const { url } = await fakeApp(t, { bundleStatus: () => statuses })
  let m = await scrape(url)
  t.equal(m.value('meshgate_bundle_info', { layer: 'global', bundle: 'global', revision: 'g7' }), 1)
  t.equal(m.find('meshgate_bundle_info').length, 1, 'only active layers have a revision')
  t.equal(m.value('meshgate_bundle_active', { layer: 'global' }), 1)
  t.equal(m.value('meshgate_bundle_active', { layer: 'domains/orders' }), 0)
  t.equal(m.value('meshgate_bundle_last_activation_timestamp_seconds', { layer: 'global', bundle: 'global' }), ACTIVATED.getTime() / 1000)
  t.equal(
    m.value('meshgate_bundle_last_successful_download_timestamp_seconds', { layer: 'global', bundle: 'global' }),
    Date.parse('2025-05-01T10:00:00.000Z') / 1000,
  )
  t.equal(
    m.value('meshgate_bundle_last_successful_request_timestamp_seconds', { layer: 'global', bundle: 'global' }),
    Date.parse('2025-05-01T10:04:00.000Z') / 1000,
  )
  t.equal(m.value('meshgate_bundle_error', { layer: 'domains/orders', bundle: 'orders', code: 'bundle_download_error' }), 1, 'the bundle name finds its layer')
  t.equal(m.value('meshgate_bundle_error', { layer: 'global' }), undefined)
  t.equal(m.value('meshgate_bundle_last_error_timestamp_seconds', { layer: 'domains/orders', bundle: 'orders' }), Date.parse('2025-05-01T10:05:00.000Z') / 1000)
  t.equal(m.value('meshgate_bundle_stale', { layer: 'domains/orders', bundle: 'orders' }), 1)
  t.equal(m.value('meshgate_bundle_stale', { layer: 'global', bundle: 'global' }), 0)

  // The orders bundle recovers: the error is gone, when it last failed is kept.
  statuses = [
    statuses[0]!,
    { name: 'orders', active_revision: 'o2', last_successful_download: '2025-05-01T10:06:00.000Z', last_request: '2025-05-01T10:06:00.000Z' },
  ]
  m = await scrape(url)
  t.equal(m.find('meshgate_bundle_error').length, 0)
  t.equal(m.value('meshgate_bundle_last_error_timestamp_seconds', { layer: 'domains/orders', bundle: 'orders' }), Date.parse('2025-05-01T10:05:00.000Z') / 1000)
  t.equal(
    m.value('meshgate_bundle_last_successful_download_timestamp_seconds', { layer: 'domains/orders', bundle: 'orders' }),
    Date.parse('2025-05-01T10:06:00.000Z') / 1000,
  )
})

t.test("without source statuses, a layer's activation error stands in (as /health does)", async (t) => {
  const { url } = await fakeApp(t)
  const m = await scrape(url)
  t.equal(m.value('meshgate_bundle_error', { layer: 'domains/orders', code: 'bundle_signature_error' }), 1)
  t.equal(m.find('meshgate_decision_log_spool_events').length, 0, 'no decision log metrics without a logger')
})

t.test('decision-log stats are read from the provider at each scrape', async (t) => {
  const stats: DecisionLogStats = {
    spool_events: 12,
    spool_bytes: 3456,
    spool_limit_bytes: 1 << 20,
    uploaded_events: 100,
    upload_batches: 4,
    upload_retries: 2,
    dropped_events: 0,
    policy_dropped_events: 3,
  }
  const { url } = await fakeApp(t, { decisionLogStats: () => stats })
  let m = await scrape(url)
  t.equal(m.value('meshgate_decision_log_spool_events'), 12)
  t.equal(m.value('meshgate_decision_log_spool_bytes'), 3456)
  t.equal(m.value('meshgate_decision_log_spool_limit_bytes'), 1 << 20)
  t.equal(m.types.get('meshgate_decision_log_uploaded_events_total'), 'counter')
  t.equal(m.value('meshgate_decision_log_uploaded_events_total'), 100)
  t.equal(m.value('meshgate_decision_log_upload_batches_total'), 4)
  t.equal(m.value('meshgate_decision_log_upload_retries_total'), 2)
  t.equal(m.value('meshgate_decision_log_dropped_events_total'), 0)
  t.equal(m.value('meshgate_decision_log_policy_dropped_events_total'), 3)
  t.equal(m.value('meshgate_decision_log_last_upload_timestamp_seconds'), 0, 'no upload yet')

  Object.assign(stats, {
    spool_events: 0,
    spool_bytes: 0,
    uploaded_events: 112,
    upload_batches: 5,
    dropped_events: 7,
    last_upload_at: '2025-05-01T10:07:00.000Z',
  })
  m = await scrape(url)
  t.equal(m.value('meshgate_decision_log_spool_events'), 0)
  t.equal(m.value('meshgate_decision_log_uploaded_events_total'), 112)
  t.equal(m.value('meshgate_decision_log_dropped_events_total'), 7)
  t.equal(m.value('meshgate_decision_log_last_upload_timestamp_seconds'), Date.parse('2025-05-01T10:07:00.000Z') / 1000)
})

t.test('label values from events stay bounded', async (t) => {
  const { app, url } = await fakeApp(t)
  // Without a mesh model any port name is accepted, so a caller picks it.
  for (let i = 0; i < 1000; i++) {
    app.metrics.observer.record(
      event({
        kind: 'anonymize_stream',
        port: randomUUID(),
        metrics: { counter_records_anonymized: 2 },
        outcome: 'deny',
        deny: [{ layer: randomUUID(), message: 'x' }],
      }),
    )
  }
  const m = await scrape(url)
  const ports = m.find('meshgate_anonymized_records_total')
  t.equal(ports.length, MAX_LABEL_VALUES + 1)
  t.equal(
    ports.reduce((a, s) => a + s.value, 0),
    2000,
    'nothing is lost, the excess is counted together',
  )
  t.equal(m.value('meshgate_anonymized_records_total', { port: OTHER_LABEL }), 2 * (1000 - MAX_LABEL_VALUES))
  t.equal(m.find('meshgate_decision_denies_total').length, MAX_LABEL_VALUES + 1)
  t.ok(m.samples.length < 2000, `${m.samples.length} samples`)
})

t.test('two apps in one process count apart, and a closed app lets go of its metrics', async (t) => {
  const a = await fakeApp(t)
  const b = await fakeApp(t)
  a.app.metrics.observer.record(event())
  a.app.metrics.observer.record(event())
  b.app.metrics.observer.record(event({ outcome: 'deny' }))
  const ma = await scrape(a.url)
  const mb = await scrape(b.url)
  t.equal(ma.value('meshgate_decisions_total', { kind: 'access', outcome: 'allow' }), 2)
  t.equal(ma.value('meshgate_decisions_total', { kind: 'access', outcome: 'deny' }), undefined)
  t.equal(mb.value('meshgate_decisions_total', { kind: 'access', outcome: 'deny' }), 1)
  t.equal(mb.value('meshgate_decisions_total', { kind: 'access', outcome: 'allow' }), undefined)
  t.ok(ma.value('meshgate_process_cpu_user_seconds_total')! >= 0, 'both have process metrics, with the prefix')
  t.ok(mb.value('meshgate_process_cpu_user_seconds_total')! >= 0)
  const register = a.app.metrics.register
  await a.app.close()
  t.equal(register.getMetricsAsArray().length, 0)
})

t.test('process metric samplers stop when asked', async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const stopped = new Registry()
  collectProcessMetrics(stopped)()
  const running = new Registry()
  t.teardown(collectProcessMetrics(running))
  const read = async (r: Registry) => {
    const m = parseExposition(await r.metrics())
    return {
      gcs: m.find('meshgate_nodejs_gc_duration_seconds_count').reduce((a, s) => a + s.value, 0),
      lagMin: m.value('meshgate_nodejs_eventloop_lag_min_seconds')!,
    }
  }
  // Until the running registry has seen a GC and an event-loop sample (bounded). Each scrape
  // resets the histogram, so a sample is looked for in any scrape, three sampling periods apart.
  let r = await read(running)
  let sampled = r.lagMin < 1
  for (let i = 0; i < 200 && (r.gcs === 0 || !sampled); i++) {
    gc()
    await new Promise((done) => setTimeout(done, 30))
    r = await read(running)
    sampled ||= r.lagMin < 1
  }
  t.ok(r.gcs > 0, 'the running GC observer saw a collection')
  t.ok(sampled, 'the running event-loop histogram sampled')
  const s = await read(stopped)
  t.equal(s.gcs, 0, 'the stopped GC observer saw none')
  t.ok(s.lagMin > 1e6, 'the stopped event-loop histogram never sampled (its empty minimum)')
})

t.test('a real sidecar: open by default, bundle revisions from its layers', async (t) => {
  const jwks = await startJwks()
  t.teardown(() => jwks.close())
  const sc = await startTestSidecar(jwks)
  t.teardown(() => sc.close())
  sc.app.metrics.observer.record(event({ outcome: 'deny', deny: [{ layer: 'global', message: 'no' }] }))
  const m = await scrape(sc.base)
  t.equal(m.value('meshgate_bundle_info', { layer: 'global', bundle: 'global', revision: 'g1' }), 1)
  t.equal(m.value('meshgate_bundle_info', { layer: 'domains/orders', bundle: 'orders', revision: 'o1' }), 1)
  t.ok(m.value('meshgate_bundle_last_activation_timestamp_seconds', { layer: 'domains/orders', bundle: 'orders' })! > 1.7e9)
  t.equal(m.value('meshgate_decision_denies_total', { kind: 'access', layer: 'global' }), 1)
  t.ok(m.find('meshgate_nodejs_heap_size_total_bytes').length === 1)
  t.notOk(
    m.samples.some((s) => !s.name.startsWith('meshgate_')),
    'every metric name has the prefix',
  )
})

t.test('metrics.require_token: a valid bearer token is needed', async (t) => {
  const jwks = await startJwks()
  t.teardown(() => jwks.close())
  const sc = await startTestSidecar(jwks, { extra: 'metrics:\n  require_token: true' })
  t.teardown(() => sc.close())
  const none = await fetch(`${sc.base}/metrics`)
  t.equal(none.status, 401)
  t.equal(((await none.json()) as { code: string }).code, 'token_missing')
  const forged = await fetch(`${sc.base}/metrics`, { headers: { authorization: `Bearer ${await jwks.mint({ sub: 'x' }, { aud: 'someone-else' })}` } })
  t.equal(forged.status, 401)
  t.equal(((await forged.json()) as { code: string }).code, 'token_invalid')
  const m = await scrape(sc.base, await jwks.mint({ sub: 'prometheus' }))
  t.equal(m.value('meshgate_bundle_info', { layer: 'global', bundle: 'global', revision: 'g1' }), 1)
})
