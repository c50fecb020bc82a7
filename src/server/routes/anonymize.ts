// POST /v1/ports/{port}/anonymize: records in (a JSON array or NDJSON), the
// same records out with the port's anonymization decision applied, streamed
// so memory is bounded by the largest record, not the body. The decision is
// made before the first byte is read; a body that is malformed from the start
// is answered 400 with a code, a record that goes bad later aborts the stream.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import { createAnonymizeStream, type AnonymizeStream, type RecordFormat } from '../../engine/anonymize/index.js'
import { MeshgateError } from '../../errors/index.js'
import { decisionId, type ServerContext } from '../context.js'
import { asciiJson } from '../headers.js'
import { anonymizationPlan, policyInput } from './decisions.js'

const NDJSON = /^application\/(x-ndjson|ndjson|jsonl|x-jsonlines|jsonlines)\b/i

/** Resolves once the stream has output (or ended); rejects if it fails first. */
function firstOutput(s: AnonymizeStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      s.off('readable', onReadable)
      s.off('error', done)
      if (err) reject(err)
      else resolve()
    }
    const onReadable = () => done()
    s.once('readable', onReadable)
    s.once('error', done)
  })
}

export function anonymizeRoutes(ctx: ServerContext) {
  return async function routes(app: FastifyInstance) {
    // Raw body stream, whatever the content type: the stream parses it.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (_req: FastifyRequest, payload: Readable, done: (e: Error | null, body?: unknown) => void) => done(null, payload))

    app.post<{ Params: { port: string }; Querystring: { purpose?: string; fields?: string } }>(
      '/v1/ports/:port/anonymize',
      {
        schema: {
          params: { type: 'object', properties: { port: { type: 'string', minLength: 1 } } },
          querystring: { type: 'object', additionalProperties: false, properties: { purpose: { type: 'string' }, fields: { type: 'string' } } },
        },
      },
      async (req, reply) => {
        const subject = await app.requireSubject(req)
        const purpose = req.query.purpose ?? header(req, 'x-meshgate-purpose')
        const fields = req.query.fields ? req.query.fields.split(',').filter(Boolean) : undefined
        const body: { port: string; purpose?: string; fields?: string[] } = { port: req.params.port }
        if (purpose !== undefined) body.purpose = purpose
        if (fields) body.fields = fields
        const { plan, revisions } = await anonymizationPlan(ctx, policyInput(subject, body), req.params.port)
        const source = req.body as Readable | undefined
        if (!source) throw new MeshgateError('anonymize_input_error', 'the request has no body')
        const ct = String(req.headers['content-type'] ?? '')
        const format: RecordFormat | undefined = NDJSON.test(ct) ? 'ndjson' : undefined
        const opts: { key?: string; format?: RecordFormat; maxRecordBytes: number } = { maxRecordBytes: ctx.config.server.bodyLimit }
        if (ctx.config.anonymize.key) opts.key = ctx.config.anonymize.key
        if (format) opts.format = format
        const out = createAnonymizeStream(plan, opts)
        source.on('error', (e) => out.destroy(e))
        source.pipe(out)
        await firstOutput(out)
        reply
          .header('content-type', out.format === 'ndjson' ? 'application/x-ndjson' : 'application/json')
          .header('x-meshgate-decision-id', decisionId())
          .header('x-meshgate-revisions', asciiJson(revisions))
        return reply.send(out)
      },
    )
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}
