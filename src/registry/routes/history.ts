// History: `GET /v1/bundles` (every bundle and its current revision),
// `GET /v1/bundles/{name}/revisions` (newest first, each with who made it
// current and when, whether its bytes are still stored, and `seq`, its place
// in the history from 1; a page at a time: `limit`, and `after` = the `next`
// of the page before) and `POST /v1/bundles/{name}/rollback` with
// `{"revision": "…"}` or `{"digest": "sha256:…"}`, scoped by the token's
// roots exactly as a publish is.

import type { FastifyInstance } from 'fastify'
import { BUNDLE_DIGEST } from '../../bundle/index.js'
import { MeshgateError } from '../../errors/index.js'
import { requireReader, revisionView, type RegistryContext } from '../context.js'
import { checkName, rollback, type RollbackTarget } from '../publish.js'
import type { Publisher } from '../token.js'

/** Largest page of revisions; a larger `limit` is refused (400). */
export const MAX_REVISION_PAGE = 1000
export const DEFAULT_REVISION_PAGE = 100

const REVISIONS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: MAX_REVISION_PAGE },
    after: { type: 'integer', minimum: 1 },
  },
} as const

const ROLLBACK_BODY = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: { revision: { type: 'string', minLength: 1 }, digest: { type: 'string', pattern: BUNDLE_DIGEST.source } },
} as const

export function historyRoutes(ctx: RegistryContext) {
  const { store } = ctx.deps
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/v1/bundles', async (req) => {
      await requireReader(ctx, req)
      return { result: (await store.list()).map((b) => revisionView(b.name, b.current)) }
    })
    app.get<{ Params: { name: string }; Querystring: { limit?: number; after?: number } }>(
      '/v1/bundles/:name/revisions',
      // The token is checked before the query, as for a rollback's body.
      {
        schema: { querystring: REVISIONS_QUERY },
        onRequest: async (req) => {
          await requireReader(ctx, req)
        },
      },
      async (req) => {
        const { name } = req.params
        checkName(name)
        const history = await store.history(name)
        if (!history.length) throw new MeshgateError('resource_not_found', `no bundle \`${name}\``)
        // Newest first: seq from `after - 1` (or the newest) down, `limit` of them.
        const top = Math.min(history.length, (req.query.after ?? history.length + 1) - 1)
        const bottom = Math.max(0, top - (req.query.limit ?? DEFAULT_REVISION_PAGE))
        const result = []
        for (let seq = top; seq > bottom; seq--) {
          const r = history[seq - 1]!
          result.push({ ...revisionView(name, r, seq === history.length), seq, stored: await store.stored(r.digest) })
        }
        return { result, ...(bottom > 0 ? { next: bottom + 1 } : {}) }
      },
    )
    // The token is checked before the body: an unauthenticated caller learns nothing from validation errors.
    const publishers = new WeakMap<object, Publisher>()
    app.post<{ Params: { name: string }; Body: RollbackTarget }>(
      '/v1/bundles/:name/rollback',
      {
        schema: { body: ROLLBACK_BODY },
        preValidation: async (req) => {
          publishers.set(req, await ctx.tokens.verify(req.headers.authorization))
        },
      },
      async (req, reply) => {
        const publisher = publishers.get(req)!
        const { record, created } = await rollback(ctx.deps, req.params.name, req.body, publisher)
        req.log.info(
          { bundle: req.params.name, revision: record.revision, publisher: record.publisher, created },
          created ? 'bundle rolled back' : 'rollback: already current',
        )
        return reply.code(200).send({ result: revisionView(req.params.name, record, true) })
      },
    )
  }
}
