// Decision logs: OPA's decision log service API, service side, and the
// queries the governance views read.
//
// `POST /logs` and `POST /logs/<partition>`: OPA's decision-log plugin (and
// meshgate's sidecar) uploads a gzip of a JSON array of events here. OPA
// takes only 200 as delivered, so that is the answer, after the batch is
// durable. The token is checked on arrival, before the body is read
// (`requireDecisionUploader`); the body is read within the
// `decision_logs` limits and checked by log-upload.ts; a refused upload
// stores nothing.
//
// `GET /v1/decisions` and `GET /v1/decisions/summary`: stored events, newest
// first, and per-port counts over time with the top deny reasons; always
// behind a reader's token (`requireDecisionReader`).

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { closeWhenBodyUnread, rawBodies } from './body.js'
import { MeshgateError } from '../../errors/index.js'
import { requireDecisionReader, requireDecisionUploader, type RegistryContext } from '../context.js'
import type { DecisionQuery, DecisionStore } from '../decision-store.js'
import { MAX_DECISION_PAGE, DEFAULT_DECISION_PAGE } from '../fs-decisions.js'
import { readDecisionBatch, readUploadBody, timeOf, type UploadEncoding } from '../log-upload.js'
import type { Publisher } from '../token.js'

const MAX_PARTITION = 256
const OUTCOMES = ['allow', 'deny', 'answer', 'error']
const name = { type: 'string', minLength: 1, maxLength: 1024 } as const
const time = { type: 'string', minLength: 1, maxLength: 64 } as const

const DECISIONS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    decision_id: { type: 'string', minLength: 1, maxLength: 256 },
    port: name,
    subject: name,
    product: name,
    domain: name,
    outcome: { type: 'string', enum: OUTCOMES },
    from: time,
    to: time,
    limit: { type: 'integer', minimum: 1, maximum: MAX_DECISION_PAGE },
    after: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const

const SUMMARY_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: time,
    to: time,
    bucket_seconds: { type: 'integer', minimum: 1, maximum: 86_400 },
    top: { type: 'integer', minimum: 0, maximum: 100 },
  },
} as const

/** Summary defaults: the last hour, in minutes, the ten most frequent deny reasons. */
const SUMMARY_DEFAULT_SECONDS = 3600
const SUMMARY_DEFAULT_BUCKET = 60
const SUMMARY_DEFAULT_TOP = 10

export function decisionRoutes(ctx: RegistryContext) {
  const { config } = ctx.deps
  const limits = {
    compressed: config.decisionLogs.maxUploadBytes,
    uncompressed: config.decisionLogs.maxUncompressedBytes,
    events: config.decisionLogs.maxEventsPerUpload,
  }
  const now = () => ctx.deps.now?.() ?? new Date()
  const store = (): DecisionStore => {
    if (!ctx.decisions) throw new MeshgateError('not_implemented', 'this registry keeps no decision logs (no decision store is configured)')
    return ctx.decisions
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    // The body is read by the route (log-upload.ts), within the upload limits, gzip or not.
    rawBodies(app)
    closeWhenBodyUnread(app)

    const uploaders = new WeakMap<object, Publisher | undefined>()
    const onRequest = async (req: FastifyRequest) => {
      uploaders.set(req, await requireDecisionUploader(ctx, req))
    }
    const receive = async (req: FastifyRequest, partition: string | undefined) => {
      const decisions = store()
      if (partition !== undefined && partition.length > MAX_PARTITION) {
        throw new MeshgateError('request_invalid', `the decision-log partition is longer than ${MAX_PARTITION} characters`)
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
      if (type !== 'application/json') {
        throw new MeshgateError(
          'request_media_type',
          type ? `unsupported media type \`${type.slice(0, 100)}\`; send \`application/json\`` : 'the upload has no `content-type`; send `application/json`',
        )
      }
      const encoding = encodingOf(req.headers['content-encoding'])
      if (Number(req.headers['content-length']) > limits.compressed) {
        throw new MeshgateError('request_too_large', `the decision-log upload is larger than the limit of ${limits.compressed} bytes (compressed)`, undefined, {
          limit: limits.compressed,
          kind: 'compressed',
        })
      }
      const body = (req.body as AsyncIterable<Uint8Array> | undefined) ?? new Uint8Array(0)
      const json = await readUploadBody(body, encoding, limits)
      const reporter = uploaders.get(req)?.subject
      const events = readDecisionBatch(json, limits, { receivedAt: now(), ...(reporter ? { reporter } : {}) })
      const result = await decisions.append(events)
      req.log.debug({ partition, reporter, ...result }, 'decision logs stored')
      return { result }
    }
    app.post('/logs', { onRequest }, async (req) => receive(req, undefined))
    app.post<{ Params: { '*': string } }>('/logs/*', { onRequest }, async (req) => receive(req, req.params['*'] || undefined))

    app.get<{ Querystring: DecisionQuery }>(
      '/v1/decisions',
      {
        schema: { querystring: DECISIONS_QUERY },
        onRequest: async (req) => {
          await requireDecisionReader(ctx, req)
        },
      },
      async (req) => {
        const q = req.query
        for (const k of ['from', 'to'] as const) checkTime(q[k], k)
        const page = await store().query({ ...q, limit: q.limit ?? DEFAULT_DECISION_PAGE })
        return { result: page.decisions, ...(page.next ? { next: page.next } : {}) }
      },
    )

    app.get<{ Querystring: { from?: string; to?: string; bucket_seconds?: number; top?: number } }>(
      '/v1/decisions/summary',
      {
        schema: { querystring: SUMMARY_QUERY },
        onRequest: async (req) => {
          await requireDecisionReader(ctx, req)
        },
      },
      async (req) => {
        const q = req.query
        checkTime(q.from, 'from')
        checkTime(q.to, 'to')
        const to = q.to ?? now().toISOString()
        const from = q.from ?? new Date(timeOf(to)! - SUMMARY_DEFAULT_SECONDS * 1000).toISOString()
        return { result: await store().summarize({ from, to, bucket_seconds: q.bucket_seconds ?? SUMMARY_DEFAULT_BUCKET, top: q.top ?? SUMMARY_DEFAULT_TOP }) }
      },
    )
  }
}

function checkTime(v: string | undefined, name: string): void {
  if (v !== undefined && timeOf(v) === undefined) {
    throw new MeshgateError('request_invalid', `\`${name}\` is not an RFC 3339 time (e.g. 2025-05-01T10:00:00Z): \`${v.slice(0, 64)}\``, undefined, [
      { path: name, message: 'must be RFC 3339' },
    ])
  }
}

function encodingOf(header: string | undefined): UploadEncoding {
  const e = (header ?? '').trim().toLowerCase()
  if (e === 'gzip' || e === 'x-gzip') return 'gzip'
  if (e === '' || e === 'identity') return 'identity'
  throw new MeshgateError('request_media_type', `unsupported content encoding \`${e.slice(0, 100)}\`; send gzip (OPA's) or none`)
}
