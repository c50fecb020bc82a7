// The sidecar's fastify app: one plugin per concern (errors, auth, metrics)
// and one route plugin per API (decisions, port streams, OPA data, health,
// forward auth). buildApp wires them to an engine and opens the auth key source (a
// JWKS file that cannot be read fails it; an unreachable JWKS URL does not);
// serve.ts builds the engine from a config and listens.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { MeshgateError } from '../errors/index.js'
import { depthLimited } from './json-body.js'
import { DEFAULT_RETRY, openKeySource, type KeyStatus, type RetryPolicy } from './jwks.js'
import { authPlugin, TokenVerifier } from './plugins/auth.js'
import { clientErrorHandler, errorsPlugin, sendError, toMeshgateError } from './plugins/errors.js'
import { metricsPlugin, SidecarMetrics } from './plugins/metrics.js'
import type { DecisionLogStats } from '../decision-log/index.js'
import { instanceLabels, type ServerContext } from './context.js'
import { decisionEventsPlugin, genDecisionId } from './decision-events.js'
import { anonymizeRoutes } from './routes/anonymize.js'
import { dataRoutes } from './routes/data.js'
import { decisionRoutes } from './routes/decisions.js'
import { forwardAuthRoutes } from './routes/forward-auth.js'
import { healthRoutes } from './routes/health.js'

export interface AppOptions extends ServerContext {
  /** The instance's labels for decision events (default: instanceLabels of the config). */
  labels?: Record<string, string>
  logger?: FastifyServerOptions['logger']
  /** Backoff of the background JWKS fetch while the URL cannot be reached. */
  jwksRetry?: RetryPolicy
  /** The decision logger's figures for `GET /metrics` (the logger is one of `observers`). */
  decisionLogStats?: () => DecisionLogStats
  /** Process metrics on `GET /metrics` (default true). */
  processMetrics?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether tokens can be verified now; `undefined` when no auth is configured. */
    authStatus(): KeyStatus | undefined
    /** This app's metrics (`GET /metrics`); its `observer` is in the routes' observers. */
    metrics: SidecarMetrics
  }
}

/** Logged at start, and printed by `policy serve`, whenever authentication is off. */
export const NO_AUTH_WARNING =
  'AUTHENTICATION IS OFF: no bearer token is checked and every request is decided as the anonymous subject; never expose this sidecar beyond a development machine'

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const ctx: ServerContext = {
    engine: opts.engine,
    config: opts.config,
    observers: [...(opts.observers ?? [])],
    ...(opts.mesh ? { mesh: opts.mesh } : {}),
    ...(opts.bundleStatus ? { bundleStatus: opts.bundleStatus } : {}),
    ...(opts.decisionLogStats ? { decisionLogStats: opts.decisionLogStats } : {}),
  }
  const labels = opts.labels ?? instanceLabels(ctx.config, opts.mesh ? { id: opts.mesh.data.product.id, domain: opts.mesh.data.product.domain } : undefined)
  const app = Fastify({
    logger: opts.logger ?? false,
    // The request id is the decision id (decision-events.ts): random, never the client's.
    genReqId: genDecisionId,
    bodyLimit: ctx.config.server.bodyLimit,
    // Decisions are small JSON; refuse prototype pollution outright.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
    // OPA's data paths can be long; the router's default (100) cut them off.
    routerOptions: { maxParamLength: 2000 },
    // Errors the router raises before any route runs (bad percent-encoding,
    // an over-long path parameter) leave in our envelope too.
    frameworkErrors: (err, req, reply) => {
      void sendError(reply, toMeshgateError(err, req) ?? new MeshgateError('request_malformed', 'the request URL cannot be read'))
    },
    // And what node's HTTP parser refuses before fastify sees a request.
    clientErrorHandler,
  })
  // JSON only: fastify would read `text/plain` as a string body, which a
  // decision endpoint then misreports (or, on `POST /`, evaluates).
  app.removeContentTypeParser('text/plain')
  // fastify's JSON parser (prototype poisoning refused), behind the nesting limit.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, depthLimited(app.getDefaultJsonParser('error', 'error')))
  await app.register(errorsPlugin)
  const auth = ctx.config.auth
  const keys = auth.mode === 'jwt' ? await openKeySource(auth, app.log, opts.jwksRetry ?? DEFAULT_RETRY) : undefined
  app.addHook('onClose', async () => keys?.close())
  app.decorate('authStatus', () => keys?.status())
  if (auth.mode === 'none') {
    app.log.warn({ auth: 'none', via: auth.via === 'flag' ? '--insecure-no-auth' : 'auth.mode: none' }, NO_AUTH_WARNING)
  }
  await app.register(authPlugin, keys && auth.mode === 'jwt' ? { verifier: new TokenVerifier(auth, keys, ctx.config.cache.tokens) } : {})
  // Made here, after the last step that can fail, and closed with the app.
  const metrics = new SidecarMetrics({
    engine: ctx.engine,
    bundles: ctx.config.bundles,
    ...(ctx.bundleStatus ? { bundleStatus: ctx.bundleStatus } : {}),
    ...(opts.decisionLogStats ? { decisionLogStats: opts.decisionLogStats } : {}),
    ...(opts.processMetrics !== undefined ? { processMetrics: opts.processMetrics } : {}),
  })
  ctx.observers = [...(opts.observers ?? []), metrics.observer]
  await app.register(decisionEventsPlugin({ observers: ctx.observers, labels }))
  app.decorate('metrics', metrics)
  await app.register(metricsPlugin, { metrics, requireToken: ctx.config.metrics.requireToken })
  await app.register(healthRoutes(ctx))
  await app.register(decisionRoutes(ctx))
  await app.register(anonymizeRoutes(ctx))
  await app.register(dataRoutes(ctx))
  await app.register(forwardAuthRoutes(ctx))
  return app
}
