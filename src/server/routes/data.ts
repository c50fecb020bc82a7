// OPA's Data API: `POST|GET /v1/data/{path}` and `POST|GET /v1/data`. The
// body is `{"input": …}` (optional, as in OPA); GET takes `?input=<json>`.
// The answer is `{"result": …, "decision_id": …}`, with no `result` when the
// document is undefined, so OPA's clients and the Kong and APISIX OPA plugins
// work unchanged. Revisions go in `x-meshgate-revisions` (and in OPA's
// `provenance` when `?provenance` is asked for).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { MeshgateError } from '../../errors/index.js'
import { decisionId, type ServerContext } from '../context.js'

export function dataRoutes(ctx: ServerContext) {
  return async function routes(app: FastifyInstance) {
    // OPA accepts an empty body; so does this scope.
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: ctx.config.server.bodyLimit }, (_req, text, done) => {
      if ((text as string).trim() === '') return done(null, undefined)
      try {
        done(null, JSON.parse(text as string))
      } catch (e) {
        done(new MeshgateError('request_malformed', `the request body is not valid JSON: ${(e as Error).message}`))
      }
    })

    const answer = async (req: FastifyRequest, reply: FastifyReply, input: unknown) => {
      const raw = (req.params as { '*'?: string })['*'] ?? ''
      const path = raw.split('/').filter(Boolean).map((s) => decodeURIComponent(s))
      const doc = await ctx.engine.document(path, input)
      const out: Record<string, unknown> = { decision_id: decisionId() }
      if (doc.value !== undefined) out.result = doc.value
      if ('provenance' in (req.query as object)) {
        out.provenance = { bundles: Object.fromEntries(Object.entries(doc.revisions).map(([k, v]) => [k, { revision: v }])) }
      }
      reply.header('x-meshgate-revisions', JSON.stringify(doc.revisions))
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
      const doc = await ctx.engine.document(['system', 'main'], req.body)
      reply.header('x-meshgate-revisions', JSON.stringify(doc.revisions))
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
