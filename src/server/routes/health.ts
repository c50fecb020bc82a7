// OPA's Health API: `GET /health` answers 200 `{}` while the server runs
// (liveness). With `?bundles` (or `?plugins`) it answers 500 until the
// sidecar can decide (readiness): every configured bundle active (one
// restored from disk counts, also while its service is unreachable), none
// past its maximum age in `deny` mode, and the auth keys available. When
// something is missing or degraded (service unreachable, last update
// refused, stale), the body shows each bundle's source status, keyed by the
// bundle's name in the config, as OPA reports plugin status. Decision
// logging never makes the sidecar unready (decisions are still right), but
// events dropped past the spool's bound, or uploads failing, make the
// `decision_logs` plugin WARN and put its figures in the body.

import type { FastifyInstance } from 'fastify'
import type { BundleStatus } from '../../download/index.js'
import type { ServerContext } from '../context.js'

export function healthRoutes(ctx: ServerContext) {
  return async function routes(app: FastifyInstance) {
    app.get('/health', async (req, reply) => {
      const q = req.query as Record<string, unknown>
      if (!('bundles' in q) && !('plugins' in q)) return {}
      const auth = app.authStatus()
      const missing = ctx.engine.layers.filter((l) => !l.active)
      const staleDeny = ctx.engine.staleLayers().filter((l) => l.onStale !== 'serve')
      // Without sources (an app built around an engine directly), the layers' own errors stand in.
      const statuses: BundleStatus[] =
        ctx.bundleStatus?.() ??
        missing.map((l) => ({
          name: l.name,
          ...(l.lastError ? { code: l.lastError.code, message: l.lastError.message } : { message: 'not loaded yet' }),
        }))
      const degraded = statuses.filter((s) => s.code !== undefined || s.stale).map((s) => `${s.name}: ${s.stale ? 'stale' : s.message}`)

      const problems: string[] = []
      if (missing.length) problems.push(`not all configured bundles have been activated: ${missing.map((l) => l.name).join(', ')}`)
      if (staleDeny.length) problems.push(`past their maximum age: ${staleDeny.map((l) => l.name).join(', ')}`)
      if (auth && !auth.ready) problems.push('bearer tokens cannot be verified yet')
      const log = ctx.decisionLogStats?.()
      const logProblem =
        log && (log.dropped_events > 0 || log.last_upload_error !== undefined)
          ? [
              log.dropped_events > 0 ? `${log.dropped_events} decision log events dropped past the spool's bound` : '',
              log.last_upload_error !== undefined ? `last upload failed: ${log.last_upload_error}` : '',
            ]
              .filter(Boolean)
              .join('; ')
          : undefined
      if (!problems.length && !degraded.length && logProblem === undefined && !('plugins' in q)) return {}

      const body: Record<string, unknown> = {}
      if (problems.length) body.error = problems.join('; ')
      if (degraded.length) body.degraded = degraded
      body.bundles = Object.fromEntries(statuses.map((s) => [s.name, s]))
      if (log && (logProblem !== undefined || 'plugins' in q)) body.decision_logs = log
      if (auth && !auth.ready) body.auth = { code: auth.code, message: auth.message, attempts: auth.attempts, retry_in_ms: auth.retry_in_ms }
      if ('plugins' in q) {
        const state = missing.length || staleDeny.length ? 'NOT_READY' : degraded.length ? 'ERR' : 'OK'
        body.plugins = { bundle: { state, ...(degraded.length ? { message: degraded.join('; ') } : {}) } }
        if (log)
          (body.plugins as Record<string, unknown>).decision_logs = {
            state: logProblem !== undefined ? 'WARN' : 'OK',
            ...(logProblem !== undefined ? { message: logProblem } : {}),
          }
      }
      return problems.length ? reply.code(500).send(body) : body
    })
  }
}
