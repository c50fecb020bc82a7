// What the registry's upload routes (publish, status reports, decision logs)
// share about request bodies.

import type { FastifyInstance } from 'fastify'

/**
 * A route that answers before it read the whole body (a token refused, a
 * size over the limit) closes the connection, so the unread rest is never
 * parsed as the next request on it.
 */
export function closeWhenBodyUnread(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    if (!req.raw.complete) reply.header('connection', 'close')
    return payload
  })
}

/** Every content type reaches the route as the raw stream; the route reads it within its own limits. */
export function rawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload))
}
