// The governance console: a read-only web page on the registry, under
// /console (issue 10). Server-rendered HTML from the registry's own views:
// the fleet (sidecars.ts), the bundle store, and the decision store's
// queries and summaries; charts drawn in the browser by uPlot. One fastify
// plugin, registered by app.ts with the prefix /console:
//
//   GET  /console                      overview: domains, products, ports, charts, deny reasons, sidecars, bundles
//   GET  /console/decisions            the decision search (port, subject, outcome, decision_id, from, to)
//   GET  /console/decisions/:id        one event, in full, as JSON in the page
//   GET  /console/decisions/:id/json   the same event as a JSON download
//   GET  /console/login                the login form; POST /console/login signs in
//   POST /console/logout               signs out
//   GET  /console/assets/:name         uPlot, the page script, the stylesheet (open: nothing secret)
//
// Security, because decision events and sidecar labels are attacker-
// controlled text: every value is escaped by html.ts; every answer carries a
// Content-Security-Policy without inline script or style, nosniff and
// frame-ancestors 'none'; every page but login verifies the session token
// again (session.ts); the only state-changing requests, login and logout,
// must come from the console's own origin, and the session cookie is
// SameSite=Strict.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { kindOf, MeshgateError } from '../../errors/index.js'
import { toMeshgateError } from '../../server/index.js'
import type { RegistryContext } from '../context.js'
import type { DecisionQuery } from '../decision-store.js'
import type { DecisionOutcome } from '../../decision-log/index.js'
import { fleetView } from '../sidecars.js'
import { ConsoleAssets } from './assets.js'
import { errorPage, loginPage, LOGIN_NOTICES, type LoginNotice } from './layout.js'
import { DEFAULT_WINDOW, isWindow, meshProducts, windowQuery } from './mesh.js'
import { decisionsPage, eventPage, overviewPage, type DecisionSearch } from './pages.js'
import { clearedCookie, ConsoleAuth, readCookie, COOKIE, sameOrigin, secureRequest, sessionCookie, type ConsoleSession } from './session.js'

export const CONSOLE_PREFIX = '/console'

/** No inline script or style, nothing from elsewhere, never framed; forms post only here. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/** Decisions per page of the search, and in the overview's latest list. */
const PAGE_SIZE = 50
const LATEST = 10
const TOP_REASONS = 10
const OUTCOMES: readonly DecisionOutcome[] = ['allow', 'deny', 'answer', 'error']
const MAX_FIELD = 256
/** A date, or a date and time with an optional zone (UTC when absent). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/

const SEARCH_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    ['port', 'subject', 'outcome', 'decision_id', 'from', 'to']
      .map((k) => [k, { type: 'string', maxLength: MAX_FIELD }])
      .concat([['after', { type: 'string', maxLength: 2048 }]]),
  ),
} as const

function send(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body)
}

export function consoleRoutes(ctx: RegistryContext) {
  const { config, store } = ctx.deps
  const now = () => ctx.deps.now?.() ?? new Date()
  const auth = new ConsoleAuth(ctx)
  const assets = new ConsoleAssets()

  return async function consolePlugin(app: FastifyInstance): Promise<void> {
    // Only the login form's body is read: urlencoded, small.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })

    app.addHook('onSend', async (req, reply, payload) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
      reply.header('x-content-type-options', 'nosniff')
      reply.header('x-frame-options', 'DENY')
      // Not `no-referrer`: with it, browsers send `Origin: null` on the login form's POST, which
      // sameOrigin() must refuse. `same-origin` keeps console URLs (searches) from other sites all the same.
      reply.header('referrer-policy', 'same-origin')
      reply.header('cross-origin-opener-policy', 'same-origin')
      reply.header('cross-origin-resource-policy', 'same-origin')
      // Pages hold decisions: never cached. Assets are revalidated by their ETag.
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
      return payload
    })

    const sessions = new WeakMap<FastifyRequest, ConsoleSession>()
    const sessionOf = (req: FastifyRequest) => sessions.get(req)!

    /** Every page but login: the cookie's token verifies now, with the read role. */
    const requireSession = async (req: FastifyRequest, reply: FastifyReply) => {
      const r = await auth.fromRequest(req)
      if (r.ok) {
        sessions.set(req, r.session)
        return
      }
      const secure = secureRequest(req, config.console)
      if (r.status === 403) return send(reply.header('set-cookie', clearedCookie(secure)), 403, errorPage(403, r.message))
      const hadCookie = readCookie(req.headers.cookie, COOKIE) !== undefined
      if (hadCookie) reply.header('set-cookie', clearedCookie(secure))
      return reply
        .code(303)
        .header('location', hadCookie ? '/console/login?notice=expired' : '/console/login')
        .send()
    }

    app.setErrorHandler((err: FastifyError, req, reply) => {
      const known = toMeshgateError(err, req)
      if (!known) req.log.error({ err }, 'unexpected error')
      const e = known ?? new MeshgateError('internal_error', 'internal error; see the registry log')
      const status = kindOf(e.code).status
      if (status >= 500 && known) req.log.warn({ code: e.code, err: e.message }, 'console request failed')
      return send(reply, status, errorPage(status, e.message, sessions.get(req)))
    })
    app.setNotFoundHandler((req, reply) => send(reply, 404, errorPage(404, `no console page \`${req.url.split('?')[0]}\``)))

    app.get<{ Params: { name: string } }>('/assets/:name', async (req, reply) => {
      const a = assets.get(req.params.name)
      if (!a) return send(reply, 404, errorPage(404, `no console asset \`${req.params.name}\``))
      const asset = await a
      reply.header('etag', asset.etag).header('cache-control', 'no-cache')
      if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send()
      return reply.type(asset.type).send(asset.body)
    })

    app.get<{ Querystring: { notice?: string } }>('/login', async (req, reply) => {
      if ((await auth.fromRequest(req)).ok) return reply.code(303).header('location', '/console').send()
      const notice = req.query.notice && Object.hasOwn(LOGIN_NOTICES, req.query.notice) ? (req.query.notice as LoginNotice) : undefined
      return send(reply, 200, loginPage({ readRoles: config.decisionLogs.readRoles, ...(notice ? { notice } : {}) }))
    })

    app.post<{ Body: { token?: unknown } | undefined }>('/login', async (req, reply) => {
      if (!sameOrigin(req)) return send(reply, 403, errorPage(403, "sign in from the console's own login page (the request came from another origin)"))
      const raw = req.body?.token
      const r = await auth.check(typeof raw === 'string' ? raw.trim() : undefined)
      if (!r.ok) return send(reply, r.status, loginPage({ readRoles: config.decisionLogs.readRoles, error: r.message }))
      return (
        reply
          .code(303)
          // The token's exp is judged by the real clock (jose's), so the cookie's lifetime is too.
          .header('set-cookie', sessionCookie(r.token, r.session, new Date(), secureRequest(req, config.console)))
          .header('location', '/console')
          .send()
      )
    })

    app.post('/logout', async (req, reply) => {
      if (!sameOrigin(req)) return send(reply, 403, errorPage(403, "sign out from the console's own pages (the request came from another origin)"))
      return reply
        .code(303)
        .header('set-cookie', clearedCookie(secureRequest(req, config.console)))
        .header('location', '/console/login?notice=signed_out')
        .send()
    })

    app.get<{ Querystring: { window?: string } }>(
      '/',
      { onRequest: requireSession, schema: { querystring: { type: 'object', properties: { window: { type: 'string', maxLength: 8 } } } } },
      async (req, reply) => {
        const w = isWindow(req.query.window) ? req.query.window : DEFAULT_WINDOW
        const at = now()
        const bundles = await store.list()
        const current = new Map(bundles.map((b) => [b.name, b.current]))
        // The fleet view is GET /v1/sidecars's: the same stale, failing and behind verdicts.
        const fleet = fleetView(await store.statuses(), current, { now: at, staleAfterSeconds: config.status.staleAfterSeconds })
        let decisions
        if (ctx.decisions) {
          const [summary, stored, latest] = await Promise.all([
            ctx.decisions.summarize(windowQuery(w, at, TOP_REASONS)),
            ctx.decisions.count(),
            ctx.decisions.query({ limit: LATEST }),
          ])
          decisions = { summary, stored, latest: latest.decisions.slice(0, LATEST) }
        }
        return send(
          reply,
          200,
          overviewPage({
            session: sessionOf(req),
            window: w,
            now: at,
            products: meshProducts(fleet, decisions?.summary),
            fleet,
            bundles,
            ...(decisions ? { decisions } : {}),
          }),
        )
      },
    )

    app.get<{ Querystring: DecisionSearch }>('/decisions', { onRequest: requireSession, schema: { querystring: SEARCH_QUERY } }, async (req, reply) => {
      const search = Object.fromEntries(
        Object.entries(req.query)
          .map(([k, v]) => [k, v.trim()])
          .filter(([, v]) => v !== ''),
      ) as DecisionSearch
      const session = sessionOf(req)
      if (!ctx.decisions) return send(reply, 200, decisionsPage({ session, search, available: false }))
      const q: DecisionQuery = { limit: PAGE_SIZE }
      const problems: string[] = []
      for (const k of ['port', 'subject', 'decision_id', 'after'] as const) if (search[k]) q[k] = search[k]
      if (search.outcome) {
        if ((OUTCOMES as readonly string[]).includes(search.outcome)) q.outcome = search.outcome as DecisionOutcome
        else problems.push(`outcome \`${search.outcome}\` is not one of ${OUTCOMES.join(', ')}`)
      }
      for (const k of ['from', 'to'] as const) {
        const v = search[k]
        if (!v) continue
        // ISO 8601 only: Date.parse alone also reads free text in its legacy format.
        const ms = ISO_TIME.test(v) ? Date.parse(v) : NaN
        if (Number.isNaN(ms)) problems.push(`\`${k}\` \`${v}\` is not a time (ISO 8601, e.g. 2025-05-01T10:00:00Z)`)
        else q[k] = new Date(ms).toISOString()
      }
      if (problems.length) return send(reply, 400, decisionsPage({ session, search, available: true, error: problems.join('; ') }))
      const result = await ctx.decisions.query(q)
      return send(reply, 200, decisionsPage({ session, search, available: true, result }))
    })

    const findEvent = async (id: string) => {
      if (!ctx.decisions) return undefined
      const page = await ctx.decisions.query({ decision_id: id, limit: 1 })
      return page.decisions.find((d) => d.decision_id === id)
    }
    const ID_PARAMS = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: MAX_FIELD } } } as const

    app.get<{ Params: { id: string } }>('/decisions/:id', { onRequest: requireSession, schema: { params: ID_PARAMS } }, async (req, reply) => {
      const event = await findEvent(req.params.id)
      if (!event) return send(reply, 404, errorPage(404, `no decision \`${req.params.id}\` is stored`, sessionOf(req)))
      return send(reply, 200, eventPage({ session: sessionOf(req), event }))
    })

    app.get<{ Params: { id: string } }>('/decisions/:id/json', { onRequest: requireSession, schema: { params: ID_PARAMS } }, async (req, reply) => {
      const event = await findEvent(req.params.id)
      if (!event) return send(reply, 404, errorPage(404, `no decision \`${req.params.id}\` is stored`, sessionOf(req)))
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', 'attachment; filename="decision.json"')
        .send(JSON.stringify(event, null, 2))
    })
  }
}
