// `GET <bundle_prefix>/{name}` (default `/bundles/{name}`): OPA's bundle
// service API. 200 with the bundle as published (its signature inside), the
// digest as ETag and OPA's long-polling content type; 304 when the client's
// `If-None-Match` is current, at once or, under `Prefer: …;wait=N`, when the
// wait ends without a new revision (see long-poll.ts).

import type { FastifyInstance } from 'fastify'
import { MeshgateError } from '../../errors/index.js'
import { requireReader, type RegistryContext } from '../context.js'
import { BUNDLE_CONTENT_TYPE, etagOf, ifNoneMatch, waitSeconds } from '../long-poll.js'
import { checkName } from '../publish.js'

export function downloadRoutes(ctx: RegistryContext) {
  const { store, config } = ctx.deps
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { name: string } }>(`${config.server.bundlePrefix}/:name`, async (req, reply) => {
      await requireReader(ctx, req)
      const { name } = req.params
      checkName(name)
      let current = await store.current(name)
      if (!current) throw new MeshgateError('resource_not_found', `no bundle \`${name}\``)
      if (ifNoneMatch(req.headers['if-none-match'], etagOf(current.digest))) {
        const wait = waitSeconds(req.headers.prefer, config.server.maxWaitSeconds)
        if (wait === 0) return reply.code(304).header('etag', etagOf(current.digest)).send()
        const gone = new AbortController()
        reply.raw.once('close', () => gone.abort())
        const waiting = ctx.feed.wait(name, current.digest, wait * 1000, gone.signal)
        // A commit may have landed between reading `current` and starting to wait.
        const latest = await store.current(name)
        let change
        if (latest && latest.digest !== current.digest) {
          gone.abort()
          await waiting
          change = { current: latest }
        } else change = await waiting
        if (!change) return reply.code(304).header('etag', etagOf(current.digest)).send()
        current = change.current
      }
      const bytes = await store.read(current.digest)
      if (!bytes) throw new MeshgateError('internal_error', `bundle \`${name}\`: the bytes of ${current.digest} are missing from the store`)
      return reply
        .code(200)
        .header('etag', etagOf(current.digest))
        .header('content-type', BUNDLE_CONTENT_TYPE)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    })
  }
}
