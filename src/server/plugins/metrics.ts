// `GET /metrics`: the sidecar's metrics in the Prometheus text format
// (prom-client), open by default as OPA's is; `metrics.require_token: true`
// asks for a valid bearer token, checked as the decision endpoints check it.
//
// Every app has its own prom-client Registry (never prom-client's global
// one), so two sidecars in one process count apart; closing the app stops
// the process-metric samplers and clears the registry. SidecarMetrics
// gathers the three sources: the MetricsObserver (one event per decision,
// fed through ServerContext.observers), the per-layer bundle state and the
// decision logger's stats (both read at scrape time), and process metrics.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Registry } from 'prom-client'
import type { BundleStatus } from '../../bundle/index.js'
import type { DecisionLogStats } from '../../decision-log/index.js'
import type { Engine } from '../../engine/index.js'
import { MetricsObserver } from '../decision-metrics.js'
import { collectProcessMetrics } from '../process-metrics.js'
import { registerBundleMetrics, registerDecisionLogMetrics } from '../state-metrics.js'

export interface SidecarMetricsOptions {
  engine: Pick<Engine, 'layers'>
  /** The configured bundles (`config.bundles`), in layer order. */
  bundles: readonly { name: string }[]
  /** Each bundle's source status (ServerContext.bundleStatus). */
  bundleStatus?: () => BundleStatus[]
  /** The decision logger's figures; without it (decision logging off) no `meshgate_decision_log_*` metric is shown. */
  decisionLogStats?: () => DecisionLogStats
  /** Process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean
}

/** One sidecar's metrics: its own registry, the decision observer, and the scrape-time sources. */
export class SidecarMetrics {
  readonly register = new Registry()
  /** Add to ServerContext.observers: it counts every decision it is given. */
  readonly observer: MetricsObserver
  private readonly stopProcessMetrics: () => void

  constructor(o: SidecarMetricsOptions) {
    this.observer = new MetricsObserver(this.register)
    registerBundleMetrics(this.register, {
      layers: () => o.engine.layers,
      bundles: o.bundles,
      ...(o.bundleStatus ? { bundleStatus: o.bundleStatus } : {}),
    })
    if (o.decisionLogStats) registerDecisionLogMetrics(this.register, o.decisionLogStats)
    this.stopProcessMetrics = o.processMetrics === false ? () => {} : collectProcessMetrics(this.register)
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  scrape(): Promise<string> {
    return this.register.metrics()
  }

  get contentType(): string {
    return this.register.contentType
  }

  /** Stops the samplers and forgets every metric. */
  close(): void {
    this.stopProcessMetrics()
    this.register.clear()
  }
}

export interface MetricsRouteOptions {
  scrape(): Promise<string>
  contentType: string
  /** Throws (token_missing, token_invalid) when the caller may not read metrics; absent: open. */
  authorize?: (req: FastifyRequest) => Promise<unknown>
}

/** Adds `GET /metrics` to `app` (the sidecar's and the registry's). */
export function serveMetrics(app: FastifyInstance, o: MetricsRouteOptions): void {
  app.get(
    '/metrics',
    {
      ...(o.authorize
        ? {
            onRequest: async (req: FastifyRequest) => {
              await o.authorize!(req)
            },
          }
        : {}),
    },
    async (_req, reply) => {
      const text = await o.scrape()
      return reply.header('content-type', o.contentType).header('cache-control', 'no-store').send(text)
    },
  )
}

export interface MetricsPluginOptions {
  metrics: SidecarMetrics
  /** `metrics.require_token`: a valid bearer token is needed (the auth plugin's requireSubject). */
  requireToken: boolean
}

/** The sidecar's `GET /metrics`; needs the auth plugin when `requireToken`. Closes `metrics` with the app. */
export async function metricsPlugin(app: FastifyInstance, o: MetricsPluginOptions): Promise<void> {
  app.addHook('onClose', async () => o.metrics.close())
  serveMetrics(app, {
    scrape: () => o.metrics.scrape(),
    contentType: o.metrics.contentType,
    ...(o.requireToken ? { authorize: async (req: FastifyRequest) => app.requireSubject(req) } : {}),
  })
}
