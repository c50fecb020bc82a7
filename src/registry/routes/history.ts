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
        // Newest first: the records below `after` (or from the newest), `limit` of them.
        const page = await store.revisions(name, { ...(req.query.after ? { before: req.query.after } : {}), limit: req.query.limit ?? DEFAULT_REVISION_PAGE })
        if (!page.total) throw new MeshgateError('resource_not_found', `no bundle \`${name}\``)
        const result = []
        for (const { seq, record } of page.entries) {
          result.push({ ...revisionView(name, record, seq === page.total), seq, stored: await store.stored(record.digest) })
        }
        const last = page.entries[page.entries.length - 1]?.seq
        return { result, ...(last !== undefined && last > 1 ? { next: last } : {}) }
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
        // 200 either way; `changed` tells a rollback from a revision that was already current.
        return reply.code(200).send({ result: { ...revisionView(req.params.name, record, true), changed: created } })
      },
    )
  }
}
