// OPA's Health API: `GET /health` answers 200 `{}` while the server runs;
// with `?bundles` (or `?plugins`) it answers 500 until every configured
// bundle is activated, so orchestrators can gate traffic on readiness.

import type { FastifyInstance } from 'fastify'
import type { ServerContext } from '../context.js'

export function healthRoutes(ctx: ServerContext) {
  return async function routes(app: FastifyInstance) {
    app.get('/health', async (req, reply) => {
      const q = req.query as Record<string, unknown>
      if (!('bundles' in q) && !('plugins' in q)) return {}
      if (ctx.engine.ready) return {}
      const missing = ctx.engine.layers.filter((l) => !l.active)
      return reply.code(500).send({
        error: `not all configured bundles have been activated: ${missing.map((l) => l.name).join(', ')}`,
        bundles: Object.fromEntries(missing.map((l) => [l.name, l.lastError ? { code: l.lastError.code, message: l.lastError.message } : { message: 'not loaded yet' }])),
      })
    })
  }
}
