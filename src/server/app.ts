// The sidecar's fastify app: one plugin per concern (errors, auth) and one
// route plugin per API (decisions, port streams, OPA data, health, forward
// auth). buildApp wires them to an engine; serve.ts builds the engine from
// a config and listens.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { authPlugin } from './plugins/auth.js'
import { errorsPlugin } from './plugins/errors.js'
import type { ServerContext } from './context.js'
import { anonymizeRoutes } from './routes/anonymize.js'
import { dataRoutes } from './routes/data.js'
import { decisionRoutes } from './routes/decisions.js'
import { forwardAuthRoutes } from './routes/forward-auth.js'
import { healthRoutes } from './routes/health.js'

export interface AppOptions extends ServerContext {
  logger?: FastifyServerOptions['logger']
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const ctx: ServerContext = { engine: opts.engine, config: opts.config, ...(opts.mesh ? { mesh: opts.mesh } : {}) }
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: ctx.config.server.bodyLimit,
    // Decisions are small JSON; refuse prototype pollution outright.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
  })
  await app.register(errorsPlugin)
  const authOpts = { cacheSize: ctx.config.cache.tokens, ...(ctx.config.auth ? { auth: ctx.config.auth } : {}) }
  await app.register(authPlugin, authOpts)
  await app.register(healthRoutes(ctx))
  await app.register(decisionRoutes(ctx))
  await app.register(anonymizeRoutes(ctx))
  await app.register(dataRoutes(ctx))
  await app.register(forwardAuthRoutes(ctx))
  return app
}
