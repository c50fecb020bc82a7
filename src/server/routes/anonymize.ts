// POST /v1/ports/{port}/anonymize: records in (a JSON array or NDJSON), the
// same records out with the port's anonymization decision applied, streamed
// so memory is bounded by the largest record, not the body. Two decisions are
// made before the first byte is read, on the same input as the decision
// endpoints: access first (a denied subject gets 403 `access_denied` with the
// deny reasons and no records), then anonymization. `?fields=` narrows the
// records to the named fields (select-fields.ts). A body that is malformed
// from the start is answered 400 with a code, a record that goes bad later
// aborts the stream.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import { decisionInput, type DecisionRequest } from '../../engine/index.js'
import { CompiledPlans, createAnonymizeStream, type AnonymizeStream, type AnonymizeStreamOptions, type RecordFormat } from '../../product/index.js'
import { MeshgateError } from '../../errors/index.js'
import { portOf, type ServerContext } from '../context.js'
import { noteDecision, timed } from '../decision-events.js'
import { asciiJson } from '../headers.js'
import { nestingGuard } from '../json-body.js'
import { MAX_FIELD_NAME, MAX_SELECTED_FIELDS, selectFields } from '../select-fields.js'
import { anonymizationPlan, notedAccess } from './decisions.js'

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
  // Compiled plans per (port, decision), for this server's key (a new key, a new cache).
  let plans: CompiledPlans | undefined
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
        reply.header('x-meshgate-decision-id', req.id)
        const purpose = req.query.purpose ?? header(req, 'x-meshgate-purpose')
        const fields = selectedFields(req.query.fields)
        const body: DecisionRequest = { port: req.params.port }
        if (purpose !== undefined) body.purpose = purpose
        if (fields) body.fields = fields
        const input = decisionInput(subject, body)
        portOf(ctx, req.params.port)
        // Access first: records leave only for a request the mesh allows.
        const access = await notedAccess(req, ctx.engine, input, 'anonymize_stream')
        if (!access.allow) {
          reply.header('x-meshgate-revisions', asciiJson(access.revisions))
          throw new MeshgateError('access_denied', access.message, undefined, access.deny)
        }
        // Allowed: the stream's outcome waits for the plan, so that an error in it makes the event `error`.
        req.decision!.outcome = undefined
        const decided = await timed(req, () => anonymizationPlan(ctx, input, req.params.port))
        const plan = fields ? selectFields(decided.plan, fields) : decided.plan
        noteDecision(req, {
          kind: 'anonymize_stream',
          path: 'meshgate/anonymize_stream',
          outcome: 'allow',
          result: { access: req.decision!.result, anonymization: plan },
        })
        const revisions = decided.revisions
        const source = req.body as Readable | undefined
        if (!source) throw new MeshgateError('anonymize_input_error', 'the request has no body')
        const ct = String(req.headers['content-type'] ?? '')
        const format: RecordFormat | undefined = NDJSON.test(ct) ? 'ndjson' : undefined
        const opts: AnonymizeStreamOptions = { maxRecordBytes: ctx.config.server.bodyLimit }
        if (ctx.config.anonymize.key) opts.key = ctx.config.anonymize.key
        if (format) opts.format = format
        if (plans === undefined || plans.keys.key !== opts.key) plans = new CompiledPlans(opts.key ? { key: opts.key } : {})
        opts.compiled = plans.get(req.params.port, plan)
        const out = createAnonymizeStream(plan, opts)
        // The nesting limit of every JSON body, on the bytes as they stream by.
        const guard = nestingGuard()
        source.on('error', (e) => out.destroy(e))
        guard.on('error', (e) => out.destroy(e))
        source.pipe(guard).pipe(out)
        const observers = ctx.observers ?? []
        if (observers.length) {
          const port = req.params.port
          out.once('end', () => {
            for (const o of observers) o.recordsAnonymized?.(port, out.recordsOut)
          })
        }
        await firstOutput(out)
        reply.header('content-type', out.format === 'ndjson' ? 'application/x-ndjson' : 'application/json').header('x-meshgate-revisions', asciiJson(revisions))
        return reply.send(out)
      },
    )
  }
}

/** `?fields=a,b.c` → the names; absent or empty means every field, as in a decision body. */
function selectedFields(q: string | undefined): string[] | undefined {
  const names = (q ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
  if (!names.length) return undefined
  if (names.length > MAX_SELECTED_FIELDS || names.some((f) => f.length > MAX_FIELD_NAME)) {
    throw new MeshgateError(
      'request_invalid',
      `query parameter \`fields\` names more than ${MAX_SELECTED_FIELDS} fields or a name longer than ${MAX_FIELD_NAME} characters`,
    )
  }
  return [...new Set(names)]
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}
