// OPA's Data API: `POST|GET /v1/data/{path}` and `POST|GET /v1/data`. The
// body is `{"input": …}` (optional, as in OPA); GET takes `?input=<json>`.
// The answer is `{"result": …, "decision_id": …}`, with no `result` when the
// document is undefined, so OPA's clients and the Kong and APISIX OPA plugins
// work unchanged. Revisions go in `x-meshgate-revisions` (and in OPA's
// `provenance` when `?provenance` is asked for).
//
// The path is read from the raw URL and each segment decoded once, as OPA
// does (an encoded `/` stays inside its segment); JSON bodies and `?input=`
// pass the nesting limit of json-body.ts.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { MeshgateError } from '../../errors/index.js'
import type { ServerContext } from '../context.js'
import { noteDecision, timed } from '../decision-events.js'
import { asciiJson } from '../headers.js'
import { checkJsonDepth, depthLimited } from '../json-body.js'

export function dataRoutes(ctx: ServerContext) {
  return async function routes(app: FastifyInstance) {
    // OPA accepts an empty body; so does this scope.
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: ctx.config.server.bodyLimit },
      depthLimited((_req, text, done) => {
        if (text.trim() === '') return done(null, undefined)
        try {
          done(null, JSON.parse(text))
        } catch (e) {
          done(new MeshgateError('request_malformed', `the request body is not valid JSON: ${(e as Error).message}`))
        }
      }),
    )

    const answer = async (req: FastifyRequest, reply: FastifyReply, input: unknown) => {
      const path = dataPath(req.url)
      noteDecision(req, { kind: 'data', path: path.join('/'), ...(input !== undefined ? { input } : {}) })
      const doc = await timed(req, () => ctx.engine.document(path, input))
      noteDecision(req, { kind: 'data', path: path.join('/'), outcome: 'answer', result: doc.value, revisions: doc.revisions, cached: doc.cached })
      const out: Record<string, unknown> = { decision_id: req.id }
      if (doc.value !== undefined) out.result = doc.value
      if ('provenance' in (req.query as object)) {
        out.provenance = { bundles: Object.fromEntries(Object.entries(doc.revisions).map(([k, v]) => [k, { revision: v }])) }
      }
      reply.header('x-meshgate-revisions', asciiJson(doc.revisions))
      return out
    }

    const post = async (req: FastifyRequest, reply: FastifyReply) => {
      const body = req.body as unknown
      if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
        throw new MeshgateError('request_invalid', 'the request body must be an object `{"input": …}`')
      }
      return answer(req, reply, (body as { input?: unknown } | undefined)?.input)
    }
    const get = async (req: FastifyRequest, reply: FastifyReply) => {
      const q = (req.query as { input?: string }).input
      let input: unknown
      if (q !== undefined) {
        checkJsonDepth(q, 'query parameter `input`')
        try {
          input = JSON.parse(q)
        } catch {
          throw new MeshgateError('request_malformed', 'query parameter `input` is not valid JSON')
        }
      }
      return answer(req, reply, input)
    }
    // OPA's default decision: `POST /` with the input itself as the body
    // answers the bare value of data.system.main (404 when it is undefined).
    app.post('/', async (req, reply) => {
      noteDecision(req, { kind: 'query', path: 'system/main', ...(req.body !== undefined ? { input: req.body } : {}) })
      const doc = await timed(req, () => ctx.engine.document(['system', 'main'], req.body))
      noteDecision(req, { kind: 'query', path: 'system/main', outcome: 'answer', result: doc.value, revisions: doc.revisions, cached: doc.cached })
      reply.header('x-meshgate-revisions', asciiJson(doc.revisions))
      if (doc.value === undefined) {
        throw new MeshgateError('undefined_document', 'document missing: data.system.main')
      }
      return doc.value
    })
    app.post('/v1/data', post)
    app.post('/v1/data/*', post)
    app.get('/v1/data', get)
    app.get('/v1/data/*', get)
  }
}

/**
 * The segments below `data` of a `/v1/data[/…]` URL, each percent-decoded
 * once. The router's `*` parameter is already decoded (so `%2F` became a
 * separator and `%25` a `%` that a second decode would misread); OPA splits
 * the encoded path and unescapes each part, and so does this.
 */
function dataPath(url: string): string[] {
  const rest = url.split('?', 1)[0]!.replace(/^\/v1\/data\/?/, '')
  return rest
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s)
      } catch {
        throw new MeshgateError('request_malformed', 'the request path is not valid percent-encoded UTF-8', undefined, [
          { path: `/${s}`, message: 'bad percent-encoding' },
        ])
      }
    })
}
