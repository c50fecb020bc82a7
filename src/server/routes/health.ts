// OPA's Health API: `GET /health` answers 200 `{}` while the server runs
// (liveness). With `?bundles` (or `?plugins`) it answers 500 until the
// sidecar can decide (readiness): every configured bundle activated, and the
// auth keys available (a JWKS URL that has not answered yet makes every
// request that needs a token a 503). The body says what is missing.

import type { FastifyInstance } from 'fastify'
import type { ServerContext } from '../context.js'

export function healthRoutes(ctx: ServerContext) {
  return async function routes(app: FastifyInstance) {
    app.get('/health', async (req, reply) => {
      const q = req.query as Record<string, unknown>
      if (!('bundles' in q) && !('plugins' in q)) return {}
      const auth = app.authStatus()
      if (ctx.engine.ready && (!auth || auth.ready)) return {}
      const missing = ctx.engine.layers.filter((l) => !l.active)
      const problems: string[] = []
      const body: Record<string, unknown> = {}
      if (missing.length) {
        problems.push(`not all configured bundles have been activated: ${missing.map((l) => l.name).join(', ')}`)
        body.bundles = Object.fromEntries(missing.map((l) => [l.name, l.lastError ? { code: l.lastError.code, message: l.lastError.message } : { message: 'not loaded yet' }]))
      }
      if (auth && !auth.ready) {
        problems.push('bearer tokens cannot be verified yet')
        body.auth = { code: auth.code, message: auth.message, attempts: auth.attempts, retry_in_ms: auth.retry_in_ms }
      }
      return reply.code(500).send({ error: problems.join('; '), ...body })
    })
  }
}
