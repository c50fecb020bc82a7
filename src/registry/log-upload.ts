// A decision-log upload (OPA's decision log service API, `POST /logs`):
// body → checked events, ready for the DecisionStore. OPA sends a gzip of a
// JSON array of events (`Content-Encoding: gzip`); an uncompressed array is
// taken too (curl, tests, collectors that forward).
//
// Checked in order, each refusal naming the class of attack, before anything
// is stored (a refused upload stores nothing):
//   1. size on the wire and inflated, while the body streams in (a gzip bomb
//      stops within one chunk of the limit: bundle/unpack.ts's inflater)
//   2. UTF-8, JSON, no `__proto__` keys
//   3. nesting depth (on the parsed value, without recursion)
//   4. a JSON array of at most `max_events_per_upload` events
//   5. each event's shape (JSON Schema, types not coerced)
// then each event is completed: OPA's own events carry no meshgate fields,
// so `kind` defaults to `data` and `outcome` is derived from `result`.

import AjvModule from 'ajv'
import type { DecisionEvent, DecisionOutcome } from '../decision-log/index.js'
import { unpackStream } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import { MAX_JSON_DEPTH } from '../server/index.js'
import type { StoredDecision } from './decision-store.js'
import { nestedDeeperThan } from './status-report.js'

export interface UploadLimits {
  /** Largest body as sent, in bytes. */
  compressed: number
  /** Largest it may inflate to (the JSON text), in bytes. */
  uncompressed: number
  /** Most events in one upload. */
  events: number
}

/**
 * Deepest nesting an upload may have, its array counting as 1: the event is
 * level 2 and its `input` level 3, and the sidecar accepts inputs
 * MAX_JSON_DEPTH deep, so an event of any decision it answered fits.
 */
export const MAX_LOG_DEPTH = MAX_JSON_DEPTH + 8

const OUTCOMES = ['allow', 'deny', 'answer', 'error'] as const
const KINDS = ['access', 'anonymization', 'schema_compatibility', 'anonymize_stream', 'data', 'query', 'forward_auth'] as const
const text = (max: number) => ({ type: 'string', maxLength: max }) as const

export const DECISION_EVENT_SCHEMA = {
  type: 'object',
  required: ['decision_id'],
  properties: {
    decision_id: { type: 'string', minLength: 1, maxLength: 256 },
    labels: { type: 'object', maxProperties: 64, propertyNames: { maxLength: 128 }, additionalProperties: text(1024) },
    path: text(4096),
    timestamp: text(64),
    bundles: { type: 'object', maxProperties: 64, additionalProperties: { type: 'object', properties: { revision: { type: 'string' } } } },
    metrics: { type: 'object', additionalProperties: { type: 'number' } },
    requested_by: text(512),
    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
    erased: { type: 'array', items: { type: 'string' } },
    masked: { type: 'array', items: { type: 'string' } },
    kind: { enum: KINDS },
    outcome: { enum: OUTCOMES },
    port: text(256),
    subject: text(1024),
    deny: {
      type: 'array',
      maxItems: 256,
      items: {
        type: 'object',
        required: ['layer', 'message'],
        properties: { layer: text(256), message: text(4096), code: text(256) },
      },
    },
    cached: { type: 'boolean' },
  },
  // OPA adds fields over versions (req_id, nd_builtin_cache, custom, trace_id …): kept as sent.
  additionalProperties: true,
} as const

const Ajv = AjvModule.default ?? AjvModule
const validate = new Ajv({ allErrors: false, strict: true }).compile(DECISION_EVENT_SCHEMA)

/** How the body arrived: OPA's `Content-Encoding: gzip`, or plain JSON. */
export type UploadEncoding = 'gzip' | 'identity'

/** Reads the body within the limits; the JSON text it carries. */
export async function readUploadBody(body: AsyncIterable<Uint8Array> | Uint8Array, encoding: UploadEncoding, limits: UploadLimits): Promise<Buffer> {
  if (encoding === 'identity') return readCapped(body, Math.min(limits.compressed, limits.uncompressed))
  try {
    return (await unpackStream(body, limits, 'upload')).tar
  } catch (e) {
    // The inflater is the bundle stage's; its codes are translated here (by code and kind, never by text).
    const me = e as MeshgateError
    if (me.code === 'bundle_too_large') {
      const kind = (me.details as { kind?: string } | undefined)?.kind
      throw kind === 'uncompressed'
        ? tooLarge('inflates to more than', limits.uncompressed, 'uncompressed')
        : tooLarge('is larger than', limits.compressed, 'compressed')
    }
    if (me.code === 'bundle_format_error') throw new MeshgateError('request_malformed', 'the upload is not valid gzip (`Content-Encoding: gzip`)')
    throw e
  }
}

function tooLarge(what: string, limit: number, kind: string): MeshgateError {
  return new MeshgateError('request_too_large', `the decision-log upload ${what} the limit of ${limit} bytes (${kind})`, undefined, { limit, kind })
}

async function readCapped(body: AsyncIterable<Uint8Array> | Uint8Array, limit: number): Promise<Buffer> {
  if (body instanceof Uint8Array) {
    if (body.length > limit) throw tooLarge('is larger than', limit, 'compressed')
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  }
  const chunks: Buffer[] = []
  let n = 0
  // Iterated by hand: stopping early must not destroy the request, so the refusal can still be sent.
  const it = body[Symbol.asyncIterator]()
  for (let r = await it.next(); !r.done; r = await it.next()) {
    n += r.value.length
    if (n > limit) throw tooLarge('is larger than', limit, 'compressed')
    chunks.push(Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength))
  }
  return Buffer.concat(chunks, n)
}

export interface UploadContext {
  receivedAt: Date
  /** Subject of the upload's token, when it came with one. */
  reporter?: string
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Parses and checks an upload's JSON text; the events as the store keeps them. */
export function readDecisionBatch(json: Uint8Array, limits: Pick<UploadLimits, 'events'>, ctx: UploadContext): StoredDecision[] {
  let body: unknown
  try {
    const s = utf8.decode(json)
    // A reviver costs a second walk; only text that mentions the key pays it.
    body = s.includes('"__proto__"') ? JSON.parse(s, noProto) : JSON.parse(s)
  } catch (e) {
    if (e instanceof MeshgateError) throw e
    throw new MeshgateError('request_malformed', `the decision-log upload is not valid JSON: ${(e as Error).message.slice(0, 200)}`)
  }
  if (nestedDeeperThan(body, MAX_LOG_DEPTH)) {
    throw new MeshgateError('request_invalid', `the decision-log upload is nested deeper than ${MAX_LOG_DEPTH} levels of arrays and objects`, undefined, [
      { path: '', message: `nests deeper than ${MAX_LOG_DEPTH}` },
    ])
  }
  if (!Array.isArray(body)) {
    throw new MeshgateError('request_invalid', "the decision-log upload must be a JSON array of decision events (OPA's decision log service API)", undefined, [
      { path: '', message: 'must be array' },
    ])
  }
  if (body.length > limits.events) {
    throw new MeshgateError('request_too_large', `the decision-log upload has ${body.length} events, more than the limit of ${limits.events}`, undefined, {
      limit: limits.events,
      kind: 'events',
    })
  }
  const received_at = ctx.receivedAt.toISOString()
  return body.map((e: unknown, i) => {
    if (!validate(e)) {
      const err = validate.errors![0]!
      const path = `/${i}${err.instancePath}`
      throw new MeshgateError('request_invalid', `decision event \`${path}\` ${err.message ?? 'is invalid'}`, undefined, [
        { path, message: err.message ?? 'is invalid' },
      ])
    }
    const ev = e as Partial<DecisionEvent> & { decision_id: string }
    if (ev.timestamp !== undefined && timeOf(ev.timestamp) === undefined) {
      throw new MeshgateError('request_invalid', `decision event \`/${i}/timestamp\` is not an RFC 3339 time`, undefined, [
        { path: `/${i}/timestamp`, message: 'must be RFC 3339' },
      ])
    }
    const stored: StoredDecision = {
      ...ev,
      labels: ev.labels ?? {},
      path: ev.path ?? '',
      bundles: ev.bundles ?? {},
      timestamp: ev.timestamp ?? received_at,
      metrics: ev.metrics ?? {},
      requested_by: ev.requested_by ?? '',
      kind: ev.kind ?? 'data',
      outcome: ev.outcome ?? outcomeOf(ev),
      received_at,
    }
    // What the registry knows of the arrival is the registry's to say.
    if (ctx.reporter) stored.reporter = ctx.reporter
    else delete stored.reporter
    return stored
  })
}

function noProto(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new MeshgateError('request_malformed', 'the decision-log upload has a `__proto__` key')
  return value
}

/**
 * An OPA event's outcome: a failed decision is `error`; a boolean result,
 * or an object with a boolean `allow` (the usual authz rule shape), is an
 * access decision; anything else is a document answered.
 */
export function outcomeOf(ev: Pick<DecisionEvent, 'result' | 'error'>): DecisionOutcome {
  if (ev.error !== undefined) return 'error'
  const r = ev.result
  if (typeof r === 'boolean') return r ? 'allow' : 'deny'
  if (typeof r === 'object' && r !== null && !Array.isArray(r) && typeof (r as { allow?: unknown }).allow === 'boolean') {
    return (r as { allow: boolean }).allow ? 'allow' : 'deny'
  }
  return 'answer'
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/

/**
 * Milliseconds since the epoch of an RFC 3339 time (OPA writes nanoseconds:
 * digits past milliseconds are dropped); undefined when it is not one.
 */
export function timeOf(s: string): number | undefined {
  const m = RFC3339.exec(s)
  if (!m) return undefined
  const ms = Date.parse(`${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}${m[4]!.toUpperCase()}`)
  return Number.isNaN(ms) ? undefined : ms
}
