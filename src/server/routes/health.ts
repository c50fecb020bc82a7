// OPA's Health API: `GET /health` answers 200 `{}` while the server runs
// (liveness). With `?bundles` (or `?plugins`) it answers 500 until the
// sidecar can decide (readiness): every configured bundle active (one
// restored from disk counts, also while its service is unreachable), none
// past its maximum age in `deny` mode, and the auth keys available. The
// body always shows each bundle's source status, so degraded states
// (service unreachable, last download refused, stale) are visible while the
// sidecar still serves, as OPA reports plugin status.

import type { FastifyInstance } from 'fastify'
import type { ServerContext } from '../context.js'

export function healthRoutes(ctx: ServerContext) {
  return async function routes(app: FastifyInstance) {
    app.get('/health', async (req, reply) => {
      const q = req.query as Record<string, unknown>
      if (!('bundles' in q) && !('plugins' in q)) return {}
      const auth = app.authStatus()
      const statuses = ctx.bundleStatus?.() ?? []
      const stale = new Set(ctx.engine.staleLayers().map((l) => l.name))
      const missing = ctx.engine.layers.filter((l) => !l.active)
      const staleDeny = ctx.engine.layers.filter((l) => stale.has(l.name) && l.onStale !== 'serve')
      const degraded = statuses.filter((s) => s.code !== undefined || s.stale)
      const problems: string[] = []
      const body: Record<string, unknown> = {}
      if (missing.length) problems.push(`not all configured bundles have been activated: ${missing.map((l) => l.name).join(', ')}`)
      if (staleDeny.length) problems.push(`past their maximum age: ${staleDeny.map((l) => l.name).join(', ')}`)
      if (statuses.length || missing.length) {
        const byLayer = Object.fromEntries(missing.map((l) => [l.name, l.lastError ? { code: l.lastError.code, message: l.lastError.message } : { message: 'not loaded yet' }]))
        body.bundles = { ...byLayer, ...Object.fromEntries(statuses.map((s) => [s.name, s])) }
      }
      if (auth && !auth.ready) {
        problems.push('bearer tokens cannot be verified yet')
        body.auth = { code: auth.code, message: auth.message, attempts: auth.attempts, retry_in_ms: auth.retry_in_ms }
      }
      if ('plugins' in q) {
        body.plugins = { bundle: { state: missing.length || staleDeny.length ? 'NOT_READY' : degraded.length ? 'ERR' : 'OK', ...(degraded.length ? { message: degraded.map((d) => `${d.name}: ${d.stale ? 'stale' : d.message}`).join('; ') } : {}) } }
      }
      if (problems.length === 0) {
        if (degraded.length) body.degraded = degraded.map((d) => `${d.name}: ${d.stale ? 'stale' : d.message}`)
        return Object.keys(body).length && (degraded.length || 'plugins' in q) ? body : {}
      }
      return reply.code(500).send({ error: problems.join('; '), ...body })
    })
  }
}
