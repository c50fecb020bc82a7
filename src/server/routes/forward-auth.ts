// Forward auth for gateways that judge only a status code (nginx
// `auth_request`, Traefik ForwardAuth): 200 when the access decision allows
// the forwarded request, 401 without a valid token, 403 when denied, 5xx when
// no decision can be made (which both gateways treat as a refusal). The
// original request comes from `X-Original-URI`/`X-Original-Method` (nginx) or
// `X-Forwarded-Uri`/`X-Forwarded-Method`/`X-Forwarded-Host` (Traefik); the
// port and purpose from `?port=`/`?purpose=`, `X-Meshgate-Port`/`-Purpose`,
// or the config's `forward_auth.routes` prefix table. The verified subject
// goes back in `X-Meshgate-Subject`, percent-encoded where it is not
// printable ASCII (headers.ts), so no claim can split or break a header.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import { kindOf, MeshgateError } from '../../errors/index.js'
import { toMeshgateError } from '../plugins/errors.js'
import { portOf, type ServerContext } from '../context.js'
import { noteDecisionError } from '../decision-events.js'
import { asciiJson, headerText } from '../headers.js'
import { decisionInput, type DecisionRequest } from '../../engine/index.js'
import { notedAccess } from './decisions.js'

const PASSED_HEADERS = ['x-forwarded-for', 'x-real-ip', 'user-agent', 'x-request-id']

function h(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

export function forwardAuthRoutes(ctx: ServerContext) {
  return async function routes(app: FastifyInstance) {
    // The gateway's subrequest carries the client's headers but no body.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (_req: FastifyRequest, payload: Readable, done: (e: Error | null, body?: unknown) => void) => {
      payload.resume()
      done(null, undefined)
    })

    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const id = req.id
      reply.header('x-meshgate-decision-id', id)
      try {
        const uri = h(req, 'x-original-uri') ?? h(req, 'x-forwarded-uri') ?? '/'
        const method = (h(req, 'x-original-method') ?? h(req, 'x-forwarded-method') ?? 'GET').toUpperCase()
        const url = originalUrl(uri)
        const q = req.query as { port?: string | string[]; purpose?: string | string[] }
        const route = ctx.config.forwardAuth.routes
          .filter((r) => url.pathname === r.prefix || url.pathname.startsWith(r.prefix.endsWith('/') ? r.prefix : `${r.prefix}/`))
          .sort((a, b) => b.prefix.length - a.prefix.length)[0]
        const port = single(q.port, 'port') ?? h(req, 'x-meshgate-port') ?? route?.port
        if (!port)
          throw new MeshgateError('request_invalid', 'no output port for the forwarded request: set `?port=`, `X-Meshgate-Port` or `forward_auth.routes`')
        const purpose = single(q.purpose, 'purpose') ?? h(req, 'x-meshgate-purpose') ?? route?.purpose
        const subject = await app.requireSubject(req)
        portOf(ctx, port)
        const headers: Record<string, string> = {}
        for (const name of PASSED_HEADERS) {
          const v = h(req, name)
          if (v !== undefined) headers[name] = v
        }
        const host = h(req, 'x-forwarded-host')
        if (host !== undefined) headers.host = host
        const body: DecisionRequest = { port, request: { method, path: url.pathname, headers } }
        if (purpose !== undefined) body.purpose = purpose
        const fields = url.searchParams.get('fields')
        if (fields) body.fields = fields.split(',').filter(Boolean)
        const d = await notedAccess(req, ctx.engine, decisionInput(subject, body), 'forward_auth')
        reply.header('x-meshgate-revisions', asciiJson(d.revisions))
        if (subject.id) reply.header('x-meshgate-subject', headerText(subject.id))
        return reply.code(d.allow ? 200 : 403).send({ decision_id: id, allow: d.allow, message: d.message })
      } catch (e) {
        const err = toMeshgateError(e) ?? new MeshgateError('internal_error', 'internal error; see the sidecar log')
        // Caught here, so the onError hook never sees it: a decision that failed says so in its event.
        noteDecisionError(req, err)
        if (err.code === 'internal_error') req.log.error({ err: e }, 'unexpected error')
        const status = kindOf(err.code).status
        // Anything a client caused that is not a token problem refuses (403).
        const out = status === 401 ? 401 : status < 500 ? 403 : status
        if (out === 401) reply.header('www-authenticate', 'Bearer realm="meshgate"')
        return reply.code(out).send({ code: err.code, message: err.message, decision_id: id })
      }
    }
    app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/v1/forward-auth', handler })
  }
}

/** The gateway's original URI (a path, or Traefik's absolute URL); one that is not a URL is the client's fault. */
function originalUrl(uri: string): URL {
  try {
    return new URL(uri, 'http://gateway.invalid')
  } catch {
    throw new MeshgateError('request_invalid', 'the original URI of the forwarded request is not a URL', undefined, [
      { path: 'x-original-uri', message: 'not a URL' },
    ])
  }
}

/** A query parameter given once; twice is ambiguous, so refused rather than guessed. */
function single(v: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(v)) throw new MeshgateError('request_invalid', `query parameter \`${name}\` is given more than once`)
  return v
}
