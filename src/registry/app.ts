// The registry's fastify app: the sidecar's errors plugin (OPA's error
// envelope) and one route plugin per API: publish, bundle downloads (OPA's
// bundle service API), history, and OPA's status API with the fleet view
// built from it (`POST /status`, `GET /v1/sidecars`), OPA's decision log
// service API with the queries over what it collected (`POST /logs`,
// `GET /v1/decisions`, `GET /v1/decisions/summary`), `GET /metrics`
// (metrics.ts), and the governance console (`/console`, console/index.ts):
// read-only HTML over the same stores.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { errorsPlugin } from '../server/index.js'
import { consoleRoutes, CONSOLE_PREFIX } from './console/index.js'
import type { RegistryContext } from './context.js'
import { RegistryMetrics, registryMetricsPlugin } from './metrics.js'
import { downloadRoutes } from './routes/download.js'
import { historyRoutes } from './routes/history.js'
import { publishRoutes } from './routes/publish.js'
import { statusRoutes } from './routes/status.js'
import { decisionRoutes } from './routes/decisions.js'

export interface RegistryAppOptions {
  logger?: FastifyServerOptions['logger']
  /** Process metrics on `GET /metrics` (default true). */
  processMetrics?: boolean
}

export async function buildRegistryApp(ctx: RegistryContext, opts: RegistryAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // JSON bodies here are small (rollback); bundle bodies bypass this limit and get the bundle limits instead.
    bodyLimit: 64 * 1024,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Long polls hold requests for up to server.max_wait_seconds.
    requestTimeout: 0,
    // On close, held polls are answered (preClose) and then every connection
    // is closed: a client's keep-alive or half-aborted poll must not keep a
    // stopping registry alive.
    forceCloseConnections: true,
    // An unknown query or body field is refused (400), not dropped without a
    // word: a misspelt `limit` would otherwise answer a different page.
    // Query strings still coerce to the schema's numbers.
    ajv: { customOptions: { removeAdditional: false } },
  })
  await app.register(errorsPlugin)
  // Before the routes: its request hook must see every one of them.
  const metrics = new RegistryMetrics(ctx, opts.processMetrics !== undefined ? { processMetrics: opts.processMetrics } : {})
  await app.register(registryMetricsPlugin, { metrics, requireToken: ctx.deps.config.metrics.requireToken, tokens: ctx.tokens })
  // Held long polls answer 304 at once when the registry shuts down.
  app.addHook('preClose', async () => ctx.feed.close())
  app.get('/health', async () => ({ status: 'ok' }))
  await app.register(publishRoutes(ctx))
  await app.register(downloadRoutes(ctx))
  await app.register(historyRoutes(ctx))
  await app.register(statusRoutes(ctx))
  await app.register(decisionRoutes(ctx))
  if (ctx.deps.config.console.enabled) await app.register(consoleRoutes(ctx), { prefix: CONSOLE_PREFIX })
  return app
}
