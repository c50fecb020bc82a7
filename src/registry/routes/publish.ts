// `PUT /v1/bundles/{name}`: the body is the bundle's tar.gz, whatever its
// content type (curl's --data-binary sends a form type), streamed into the
// publish checks so size limits apply while it arrives. A refusal sent
// before the body was read to the end closes the connection, so the unread
// rest is never parsed as a next request.

import type { FastifyInstance } from 'fastify'
import { closeWhenBodyUnread, rawBodies } from './body.js'
import { tooLargeCompressed } from '../../bundle/index.js'
import { revisionView, type RegistryContext } from '../context.js'
import { checkName, publish } from '../publish.js'

export function publishRoutes(ctx: RegistryContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    rawBodies(app)
    closeWhenBodyUnread(app)
    app.put<{ Params: { name: string } }>('/v1/bundles/:name', async (req, reply) => {
      const publisher = await ctx.tokens.verify(req.headers.authorization)
      const { name } = req.params
      checkName(name)
      const limit = ctx.deps.config.limits.compressed
      if (Number(req.headers['content-length']) > limit) throw tooLargeCompressed(name, limit)
      const body = (req.body as AsyncIterable<Uint8Array> | undefined) ?? req.raw
      const { record, created } = await publish(ctx.deps, name, body, publisher)
      req.log.info(
        { bundle: name, revision: record.revision, digest: record.digest, publisher: record.publisher, created },
        created ? 'bundle published' : 'bundle unchanged',
      )
      return reply.code(created ? 201 : 200).send({ result: revisionView(name, record) })
    })
  }
}
