// The registry's `GET /metrics` (Prometheus text format, prom-client): HTTP
// requests by route, method and status with their latency, publishes and
// rollbacks by outcome, revisions committed, held long polls per bundle,
// sidecars known / stale / failing / behind (from the status store), bundles
// and their current revisions, history lengths, the archives stored and
// their bytes, decisions stored (when a decision store is
// configured), and process metrics. Open by default as OPA's is;
// `metrics.require_token: true` asks for a valid bearer token (any token
// the registry verifies, as for reading history).
//
// Request metrics come from an onResponse hook on every route. Their route
// label is the route's pattern (`/v1/bundles/:name`), never the URL a
// client sent, and requests no route matched share one label, so the
// number of series is bounded by the routes the app declares. Store-backed
// figures are read once per scrape (`scrape()`), not kept up to date.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { collectProcessMetrics, globalPlugin, LabelChildren, serveMetrics } from '../server/index.js'
import type { RegistryContext } from './context.js'
import { sidecarView } from './sidecars.js'
import type { PublisherTokens } from './token.js'

/** The route label of requests no route matched (404s, whatever their URL). */
export const UNMATCHED_ROUTE = '(unmatched)'

/** Methods node's HTTP parser can deliver that a route label keeps; others count as `other`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])

/** Request latency, from a few ms to a long poll's wait (server.max_wait_seconds, up to an hour). */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]

// The routes whose answers are publish and rollback outcomes (routes/publish.ts, routes/history.ts).
const PUBLISH_ROUTE = 'PUT /v1/bundles/:name'
const ROLLBACK_ROUTE = 'POST /v1/bundles/:name/rollback'

export interface RegistryMetricsOptions {
  /** Process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean
}

type CounterChild = { inc(value?: number): void }
type HistogramChild = { observe(value: number): void }

export class RegistryMetrics {
  readonly register = new Registry()
  private readonly requests: LabelChildren<LabelChildren<{ count: CounterChild; duration: HistogramChild }>>
  private readonly publishes: Counter
  private readonly rollbacks: Counter
  private readonly refresh: () => Promise<void>
  private readonly stop: (() => void)[] = []

  constructor(
    private readonly ctx: RegistryContext,
    o: RegistryMetricsOptions = {},
  ) {
    const registers = [this.register]
    const requests = new Counter({
      name: 'meshgate_registry_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
    })
    const duration = new Histogram({
      name: 'meshgate_registry_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (long polls included: they are held up to their wait), by route pattern and method.',
      labelNames: ['route', 'method'],
      buckets: REQUEST_BUCKETS,
      registers,
    })
    this.requests = new LabelChildren(
      (route) =>
        new LabelChildren((methodStatus) => {
          const [method, status] = methodStatus.split(' ') as [string, string]
          return { count: requests.labels(route, method, status), duration: duration.labels(route, method) }
        }),
    )
    this.publishes = new Counter({
      name: 'meshgate_registry_publishes_total',
      help: 'Bundle publishes (PUT /v1/bundles/{name}) by outcome: created, unchanged (already current), refused (4xx), failed (5xx).',
      labelNames: ['outcome'],
      registers,
    })
    this.rollbacks = new Counter({
      name: 'meshgate_registry_rollbacks_total',
      help: 'Rollback requests by outcome: ok (rolled back, or already current), refused (4xx), failed (5xx).',
      labelNames: ['outcome'],
      registers,
    })
    const committed = new Counter({
      name: 'meshgate_registry_revisions_committed_total',
      help: 'Revisions made current in the store, by action (publish, rollback).',
      labelNames: ['action'],
      registers,
    })
    this.stop.push(ctx.deps.store.subscribe((c) => committed.inc({ action: c.current.action })))

    const held = new Gauge({
      name: 'meshgate_registry_long_polls_held',
      help: 'Bundle download requests held open (long polling), by bundle.',
      labelNames: ['bundle'],
      registers,
    })
    const bundles = new Gauge({ name: 'meshgate_registry_bundles', help: 'Bundles the registry serves.', registers })
    const info = new Gauge({
      name: 'meshgate_registry_bundle_info',
      help: "Each bundle's current revision (value 1).",
      labelNames: ['bundle', 'revision'],
      registers,
    })
    const published = new Gauge({
      name: 'meshgate_registry_bundle_published_timestamp_seconds',
      help: "When each bundle's current revision was made current (Unix time).",
      labelNames: ['bundle'],
      registers,
    })
    const size = new Gauge({
      name: 'meshgate_registry_bundle_size_bytes',
      help: "Compressed size of each bundle's current revision.",
      labelNames: ['bundle'],
      registers,
    })
    const revisions = new Gauge({
      name: 'meshgate_registry_bundle_revisions',
      help: "Records in each bundle's history (publishes and rollbacks; retention keeps them all).",
      labelNames: ['bundle'],
      registers,
    })
    const blobs = new Gauge({
      name: 'meshgate_registry_blobs',
      help: 'Bundle archives whose bytes the store keeps, one per distinct digest (storage.retention.revisions bounds them).',
      registers,
    })
    const blobBytes = new Gauge({ name: 'meshgate_registry_blob_bytes', help: 'Total size of the bundle archives the store keeps.', registers })
    const sidecars = new Gauge({ name: 'meshgate_registry_sidecars', help: 'Sidecars (and OPAs) whose status reports the registry keeps.', registers })
    const stale = new Gauge({
      name: 'meshgate_registry_sidecars_stale',
      help: 'Sidecars not heard from within status.stale_after_seconds, or reporting a bundle past its maximum age.',
      registers,
    })
    const failing = new Gauge({ name: 'meshgate_registry_sidecars_failing', help: 'Sidecars reporting a bundle error or a plugin in state ERR.', registers })
    const behind = new Gauge({
      name: 'meshgate_registry_sidecars_behind',
      help: "Sidecars running a bundle revision other than the registry's current one.",
      registers,
    })
    const decisions = ctx.decisions
      ? new Gauge({ name: 'meshgate_registry_decisions_stored', help: "Decision log events in the registry's decision store.", registers })
      : undefined

    this.refresh = async () => {
      const { store, config } = this.ctx.deps
      const [list, statuses, stored, usage] = await Promise.all([store.list(), store.statuses(), this.ctx.decisions?.count(), store.usage()])
      for (const g of [held, info, published, size, revisions]) g.reset()
      bundles.set(list.length)
      blobs.set(usage.blobs)
      blobBytes.set(usage.bytes)
      for (const b of list) {
        held.set({ bundle: b.name }, this.ctx.feed.held(b.name))
        info.set({ bundle: b.name, revision: b.current.revision }, 1)
        const at = Date.parse(b.current.published_at)
        if (Number.isFinite(at)) published.set({ bundle: b.name }, at / 1000)
        size.set({ bundle: b.name }, b.current.size)
        revisions.set({ bundle: b.name }, b.revisions)
      }
      const current = new Map(list.map((b) => [b.name, b.current]))
      const fleet = { now: this.ctx.deps.now?.() ?? new Date(), staleAfterSeconds: config.status.staleAfterSeconds }
      let nStale = 0,
        nFailing = 0,
        nBehind = 0
      for (const s of statuses) {
        const v = sidecarView(s, current, fleet)
        if (v.stale) nStale++
        if (v.failing) nFailing++
        if (v.behind) nBehind++
      }
      sidecars.set(statuses.length)
      stale.set(nStale)
      failing.set(nFailing)
      behind.set(nBehind)
      if (decisions && stored !== undefined) decisions.set(stored)
    }
    if (o.processMetrics !== false) this.stop.push(collectProcessMetrics(this.register))
  }

  /** Counts one answered request (the onResponse hook). */
  observe(req: FastifyRequest, reply: FastifyReply): void {
    const route = req.routeOptions.url ?? UNMATCHED_ROUTE
    const method = METHODS.has(req.method) ? req.method : 'other'
    const status = reply.statusCode
    const m = this.requests.get(route).get(`${method} ${status}`)
    m.count.inc()
    m.duration.observe(reply.elapsedTime / 1000)
    if (route === UNMATCHED_ROUTE) return
    const key = `${method} ${route}`
    if (key === PUBLISH_ROUTE) this.publishes.inc({ outcome: status === 201 ? 'created' : status < 300 ? 'unchanged' : status < 500 ? 'refused' : 'failed' })
    else if (key === ROLLBACK_ROUTE) this.rollbacks.inc({ outcome: status < 300 ? 'ok' : status < 500 ? 'refused' : 'failed' })
  }

  /** Reads the store-backed figures, then the exposition text. */
  async scrape(): Promise<string> {
    await this.refresh()
    return this.register.metrics()
  }

  get contentType(): string {
    return this.register.contentType
  }

  /** Stops the samplers and the store subscription; forgets every metric. */
  close(): void {
    for (const stop of this.stop.splice(0)) stop()
    this.register.clear()
  }
}

export interface RegistryMetricsPluginOptions {
  metrics: RegistryMetrics
  /** `metrics.require_token`: scrapes need a token these verify. */
  requireToken: boolean
  tokens: PublisherTokens
}

/**
 * The request hook (on every route: not encapsulated, and registered before
 * the routes) and `GET /metrics`. Closes `metrics` with the app.
 */
export const registryMetricsPlugin = globalPlugin(async function registryMetrics(app: FastifyInstance, o: RegistryMetricsPluginOptions): Promise<void> {
  app.addHook('onResponse', async (req, reply) => o.metrics.observe(req, reply))
  app.addHook('onClose', async () => o.metrics.close())
  serveMetrics(app, {
    scrape: () => o.metrics.scrape(),
    contentType: o.metrics.contentType,
    ...(o.requireToken ? { authorize: (req: FastifyRequest) => o.tokens.verify(req.headers.authorization) } : {}),
  })
}, 'meshgate-registry-metrics')
