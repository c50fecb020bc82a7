// Uploading spooled events to an OPA-compatible decision-log service (OPA's
// "Decision Log Service API"): `POST <service url>/<resource>` with a gzip
// of a JSON array, `Content-Encoding: gzip`, `Content-Type:
// application/json`, the service's bearer token. A batch's gzip stays within
// `upload_size_limit_bytes`, as OPA's chunking does.
//
// What an answer does (docs/observability.md, "Upload"):
// - 2xx: the batch is acknowledged; the spool's cursor moves past it durably.
// - no answer, a timeout, 5xx, 408, 429, or any other 4xx that says nothing
//   about the events (401, 403, 404 …): nothing is acknowledged; the batch is
//   sent again after a backoff. A collector down, slow or failing loses nothing.
// - 400, 413, 422 refuse the content: the batch is split in halves and each
//   sent on its own, down to a single event. A single event refused, or
//   whose gzip alone is larger than the upload limit, is sent again reduced
//   (`reduceEvent`: input and result erased, then everything but the
//   decision's identity and outcome), so that a client cannot keep its
//   decisions out of the audit trail by making them large; only an event
//   refused even reduced is counted as rejected, logged with its decision_id
//   and skipped, so that one poison event cannot block the pipe forever.
// Acknowledgements only ever move forward, in spool order.

import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { gzip as gzipCb } from 'node:zlib'
import { promisify } from 'node:util'
import { MeshgateError } from '../errors/index.js'
import type { DecisionLogLog } from './log.js'
import type { Spool, SpooledLine } from './spool.js'

const gzip = promisify(gzipCb)

/**
 * zlib's level 3, not its default 6: on spooled events (repetitive JSON) it
 * takes about half the CPU for bodies about a fifth larger, and a sidecar's
 * cores are worth more than its upload bytes. Any level is a valid gzip.
 */
const GZIP_LEVEL = 3

/** Answers that refuse the batch's content rather than the request. */
const REFUSES_CONTENT = new Set([400, 413, 422])

export interface UploadTarget {
  /** Full URL: the service's `url` joined with `decision_logs.resource`. */
  url: string
  bearer?: string
  /** OPA's `reporting.upload_size_limit_bytes`: the compressed size of one request body. */
  uploadSizeLimitBytes: number
  /** A request without a complete answer after this is aborted and retried. */
  timeoutMs: number
}

export interface UploadCounters {
  uploaded_events: number
  upload_batches: number
  rejected_events: number
  spool_corrupt_lines: number
  last_upload_at?: string
}

export class Uploader {
  /** Uncompressed bytes per compressed byte, learnt from each batch (OPA adapts its limit the same way). */
  private ratio = 8

  constructor(
    private readonly spool: Spool,
    private readonly target: UploadTarget,
    private readonly counters: UploadCounters,
    private readonly log?: DecisionLogLog,
  ) {}

  /**
   * Uploads what the spool holds when called; events spooled meanwhile wait
   * for the next run. Chasing them instead kept a busy sidecar sending a
   * batch of a few events per round trip, each with its request, gzip and
   * durable cursor write: per event, a profile at full load put that at
   * about a quarter of what decision logging cost. Throws
   * `decision_log_upload_error` when a batch must be retried later.
   */
  async uploadAll(signal: AbortSignal): Promise<void> {
    const until = this.spool.end()
    for (let guard = 0; guard < 1_000_000; guard++) {
      if (signal.aborted) throw uploadError('the upload was stopped')
      const budget = Math.round(this.target.uploadSizeLimitBytes * this.ratio * 0.9)
      const lines = await this.spool.read(Math.max(1024, budget), until)
      if (lines.length === 0) return
      await this.deliver(lines, signal)
    }
  }

  private async deliver(part: SpooledLine[], signal: AbortSignal): Promise<void> {
    const events = part.filter((l) => l.valid)
    if (events.length === 0) return this.ack(part, 0)
    const raw = jsonArray(events)
    const body = await gzip(raw, { level: GZIP_LEVEL })
    this.ratio = Math.min(32, Math.max(1, raw.length / Math.max(1, body.length)))
    if (body.length > this.target.uploadSizeLimitBytes) {
      if (events.length === 1)
        return this.reduceOrReject(
          part,
          events[0]!,
          signal,
          `its gzip (${body.length} bytes) is larger than upload_size_limit_bytes (${this.target.uploadSizeLimitBytes})`,
        )
      return this.split(part, signal)
    }
    const status = await this.post(body, signal)
    if (status >= 200 && status < 300) {
      this.counters.upload_batches++
      this.counters.last_upload_at = new Date().toISOString()
      return this.ack(part, events.length)
    }
    if (REFUSES_CONTENT.has(status)) {
      if (events.length === 1) return this.reduceOrReject(part, events[0]!, signal, `the collector refused it with HTTP ${status}`)
      return this.split(part, signal)
    }
    throw uploadError(`\`${this.target.url}\` answered HTTP ${status}`, status)
  }

  /** One event that cannot go as it is: sent again smaller, or (already at its smallest) rejected. */
  private async reduceOrReject(part: SpooledLine[], event: SpooledLine, signal: AbortSignal, why: string): Promise<void> {
    const smaller = reduceEvent(event.line)
    if (smaller === undefined) {
      this.reject(event, why)
      return this.ack(part, 0)
    }
    this.log?.warn({ code: 'decision_log_upload_error', decision_id: decisionIdOf(event.line) }, `decision log event sent reduced: ${why}`)
    return this.deliver(
      part.map((l) => (l === event ? { line: smaller, end: l.end, valid: l.valid } : l)),
      signal,
    )
  }

  private async split(part: SpooledLine[], signal: AbortSignal): Promise<void> {
    const half = Math.ceil(part.length / 2)
    await this.deliver(part.slice(0, half), signal)
    await this.deliver(part.slice(half), signal)
  }

  private async ack(part: SpooledLine[], uploaded: number): Promise<void> {
    const corrupt = part.filter((l) => !l.valid).length
    if (corrupt) {
      this.counters.spool_corrupt_lines += corrupt
      this.log?.warn({ code: 'decision_log_spool_error', lines: corrupt }, 'spooled lines that are not JSON events were skipped')
    }
    // Count first: once the collector has them they are uploaded, whether or not the cursor write below succeeds.
    this.counters.uploaded_events += uploaded
    await this.spool.ack(part[part.length - 1]!.end)
  }

  private reject(l: SpooledLine, why: string): void {
    this.counters.rejected_events++
    this.log?.error({ code: 'decision_log_upload_error', decision_id: decisionIdOf(l.line) }, `decision log event rejected and skipped: ${why}`)
  }

  /**
   * One request with node:http(s), not fetch: fetch's machinery cost about
   * twice the CPU per batch (a measured 700 against 300 µs for a 50 KB body).
   * A redirect is not followed (it is an answer like any other non-2xx:
   * retried later), as fetch's `redirect: 'error'` did not follow it either.
   */
  private post(body: Buffer, signal: AbortSignal): Promise<number> {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length }
    if (this.target.bearer) headers.authorization = `Bearer ${this.target.bearer}`
    const timeout = AbortSignal.timeout(this.target.timeoutMs)
    const failed = (e: unknown) => {
      const why = timeout.aborted
        ? `no answer within ${this.target.timeoutMs} ms`
        : signal.aborted
          ? 'the upload was stopped'
          : ((e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e))
      return uploadError(`cannot upload to \`${this.target.url}\`: ${why}`)
    }
    return new Promise<number>((resolve, reject) => {
      try {
        const url = new URL(this.target.url)
        const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined
        if (!send) throw new Error(`\`${url.protocol}\` is not http or https`)
        const req = send(url, { method: 'POST', headers, signal: AbortSignal.any([signal, timeout]) }, (res) => {
          // The answer's body says nothing we act on; read and discarded, never buffered.
          res.on('error', () => {})
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', (e) => reject(failed(e)))
        req.end(body)
      } catch (e) {
        reject(failed(e))
      }
    })
  }
}

/** `[line,line,…]` as UTF-8, from the lines' stored bytes where they have them (no decoding and encoding again). */
function jsonArray(lines: SpooledLine[]): Buffer {
  let size = 1 + lines.length
  for (const l of lines) size += l.bytes ? l.bytes.length : Buffer.byteLength(l.line)
  const out = Buffer.allocUnsafe(size)
  let o = 0
  out[o++] = 0x5b // [
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) out[o++] = 0x2c // ,
    const l = lines[i]!
    o += l.bytes ? l.bytes.copy(out, o) : out.write(l.line, o)
  }
  out[o++] = 0x5d // ]
  return out
}

function uploadError(message: string, status?: number): MeshgateError {
  return new MeshgateError('decision_log_upload_error', message, undefined, status !== undefined ? { status } : undefined)
}

function decisionIdOf(line: string): unknown {
  try {
    return (JSON.parse(line) as { decision_id?: unknown }).decision_id
  } catch {
    return undefined
  }
}

/** Fields that say which decision it was and how it went; what a reduced event keeps at its smallest. */
const IDENTITY = ['decision_id', 'labels', 'path', 'bundles', 'timestamp', 'requested_by', 'kind', 'outcome', 'port', 'subject', 'cached'] as const
const MAX_KEPT_TEXT = 512

/**
 * The next smaller form of an event that is too large (or refused): first
 * without `input`, `result` and `nd_builtin_cache` (listed in `erased`, as
 * masking lists them), then only its identity and outcome, each string cut
 * to 512 characters, with the error's and the deny reasons' codes.
 * Undefined when the event is already at its smallest.
 */
export function reduceEvent(line: string): string | undefined {
  let e: Record<string, unknown>
  try {
    e = JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (e.reduced === 'identity') return undefined
  const erased = new Set(Array.isArray(e.erased) ? (e.erased as unknown[]).filter((x): x is string => typeof x === 'string') : [])
  if (e.reduced === undefined && ['input', 'result', 'nd_builtin_cache'].some((k) => k in e)) {
    const { input: _i, result: _r, nd_builtin_cache: _n, ...rest } = e
    for (const k of ['input', 'result', 'nd_builtin_cache']) if (k in e) erased.add(`/${k}`)
    return JSON.stringify({ ...rest, erased: [...erased], reduced: 'erased' })
  }
  const out: Record<string, unknown> = {}
  for (const k of IDENTITY) if (k in e) out[k] = cut(e[k])
  const err = e.error as { code?: unknown } | undefined
  if (err && typeof err.code === 'string') out.error = { code: cut(err.code), message: 'removed: the event was too large' }
  if (Array.isArray(e.deny))
    out.deny = (e.deny as { layer?: unknown; code?: unknown }[])
      .slice(0, 16)
      .map((d) => ({ layer: cut(d?.layer), message: 'removed: the event was too large', ...(typeof d?.code === 'string' ? { code: cut(d.code) } : {}) }))
  out.erased = [...erased, '/deny', '/error'].filter((x, i, a) => a.indexOf(x) === i)
  out.reduced = 'identity'
  const text = JSON.stringify(out)
  return text.length < line.length ? text : undefined
}

/** Strings cut to MAX_KEPT_TEXT; objects (labels, bundles) with their strings cut, at most 64 entries. */
function cut(v: unknown): unknown {
  if (typeof v === 'string') return v.length > MAX_KEPT_TEXT ? `${v.slice(0, MAX_KEPT_TEXT)}…` : v
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .slice(0, 64)
        .map(([k, x]) => [cut(k) as string, cut(x)]),
    )
  }
  return v
}
