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
//   sent on its own, down to a single event, which is then counted as
//   rejected, logged with its decision_id and skipped, so that one poison
//   event cannot block the pipe forever. An event whose gzip alone is larger
//   than the upload limit is rejected the same way (OPA drops it too).
// Acknowledgements only ever move forward, in spool order.

import { gzip as gzipCb } from 'node:zlib'
import { promisify } from 'node:util'
import { MeshgateError } from '../errors/index.js'
import type { DecisionLogLog } from './log.js'
import type { Spool, SpooledLine } from './spool.js'

const gzip = promisify(gzipCb)

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

  /** Uploads until the spool is empty. Throws `decision_log_upload_error` when a batch must be retried later. */
  async uploadAll(signal: AbortSignal): Promise<void> {
    for (let guard = 0; guard < 1_000_000; guard++) {
      if (signal.aborted) throw uploadError('the upload was stopped')
      const budget = Math.round(this.target.uploadSizeLimitBytes * this.ratio * 0.9)
      const lines = await this.spool.read(Math.max(1024, budget))
      if (lines.length === 0) return
      await this.deliver(lines, signal)
    }
  }

  private async deliver(part: SpooledLine[], signal: AbortSignal): Promise<void> {
    const events = part.filter((l) => l.valid)
    if (events.length === 0) return this.ack(part, 0)
    const raw = `[${events.map((l) => l.line).join(',')}]`
    const body = await gzip(raw)
    this.ratio = Math.min(32, Math.max(1, raw.length / Math.max(1, body.length)))
    if (body.length > this.target.uploadSizeLimitBytes) {
      if (events.length === 1) {
        this.reject(events[0]!, `its gzip (${body.length} bytes) is larger than upload_size_limit_bytes (${this.target.uploadSizeLimitBytes})`)
        return this.ack(part, 0)
      }
      return this.split(part, signal)
    }
    const status = await this.post(body, signal)
    if (status >= 200 && status < 300) {
      this.counters.upload_batches++
      this.counters.last_upload_at = new Date().toISOString()
      return this.ack(part, events.length)
    }
    if (REFUSES_CONTENT.has(status)) {
      if (events.length === 1) {
        this.reject(events[0]!, `the collector refused it with HTTP ${status}`)
        return this.ack(part, 0)
      }
      return this.split(part, signal)
    }
    throw uploadError(`\`${this.target.url}\` answered HTTP ${status}`, status)
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
    let id: unknown
    try { id = (JSON.parse(l.line) as { decision_id?: unknown }).decision_id } catch { /* valid lines parse */ }
    this.log?.error({ code: 'decision_log_upload_error', decision_id: id }, `decision log event rejected and skipped: ${why}`)
  }

  private async post(body: Buffer, signal: AbortSignal): Promise<number> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-encoding': 'gzip' }
    if (this.target.bearer) headers.authorization = `Bearer ${this.target.bearer}`
    const timeout = AbortSignal.timeout(this.target.timeoutMs)
    try {
      const res = await fetch(this.target.url, { method: 'POST', headers, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as Uint8Array<ArrayBuffer>, signal: AbortSignal.any([signal, timeout]), redirect: 'error' })
      // The answer's body says nothing we act on; never buffer what a collector sends.
      await res.body?.cancel().catch(() => undefined)
      return res.status
    } catch (e) {
      const why = timeout.aborted ? `no answer within ${this.target.timeoutMs} ms`
        : signal.aborted ? 'the upload was stopped'
        : ((e as { cause?: { code?: string; message?: string } }).cause?.code ?? (e as Error).message)
      throw uploadError(`cannot upload to \`${this.target.url}\`: ${why}`)
    }
  }
}

function uploadError(message: string, status?: number): MeshgateError {
  return new MeshgateError('decision_log_upload_error', message, undefined, status !== undefined ? { status } : undefined)
}
