// History: `GET /v1/bundles` (every bundle and its current revision),
// `GET /v1/bundles/{name}/revisions` (newest first, each with who made it
// current and when) and `POST /v1/bundles/{name}/rollback` with
// `{"revision": "…"}` or `{"digest": "sha256:…"}`, scoped by the token's
// roots exactly as a publish is.

import type { FastifyInstance } from 'fastify'
import { MeshgateError } from '../../errors/index.js'
import { requireReader, revisionView, type RegistryContext } from '../context.js'
import { checkName, rollback, type RollbackTarget } from '../publish.js'
import type { Publisher } from '../token.js'

const ROLLBACK_BODY = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: { revision: { type: 'string', minLength: 1 }, digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } },
} as const

export function historyRoutes(ctx: RegistryContext) {
  const { store } = ctx.deps
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/v1/bundles', async (req) => {
      await requireReader(ctx, req)
      return { result: (await store.list()).map((b) => revisionView(b.name, b.current)) }
    })
    app.get<{ Params: { name: string } }>('/v1/bundles/:name/revisions', async (req) => {
      await requireReader(ctx, req)
      const { name } = req.params
      checkName(name)
      const history = await store.history(name)
      if (!history.length) throw new MeshgateError('resource_not_found', `no bundle \`${name}\``)
      return { result: history.map((r, i) => revisionView(name, r, i === history.length - 1)).reverse() }
    })
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
