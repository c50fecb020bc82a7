// A bare fastify process answering `POST /v1/decisions/access` with a
// constant, importing nothing of meshgate: the baseline for the sidecar's
// start-up time and resident memory (sidecar-footprint.ts). Prints its URL.

import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.post('/v1/decisions/access', async () => ({ decision_id: 'constant', allow: true, deny: [] }))
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
process.stdout.write(`bare fastify listening on ${url}\n`)
