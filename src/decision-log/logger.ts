// The sidecar's decision logger: a DecisionObserver that masks each event,
// drops it when the log policy says so, prints it (console mode), and spools
// it for upload to a decision-log service (docs/observability.md).
//
//   record(event) ─► mask (config `erase`, then the log policy; fail closed)
//                 ─► console line (when on)
//                 ─► spool: group-committed append; resolves once written to the OS
//   timer ─► upload batches from the spool ─► acknowledge (durable cursor)
//
// What survives what: an event whose `record` resolved is in the OS's page
// cache, so a crash or SIGKILL of the process loses none of them; power loss
// loses at most the last `fsyncIntervalMs` of them. Delivery is at least
// once: a crash between the collector's 2xx and the cursor write sends that
// batch again, and the collector de-duplicates by `decision_id`.
//
// Console-only logging does not spool (as OPA's console logger): a line on
// stdout is already in the log shipper's hands.

import { MeshgateError } from '../errors/index.js'
import { pollDelay, retryDelay, sleep } from '../download/index.js'
import type { DecisionEvent, DecisionLogStats, DecisionObserver } from './event.js'
import type { DecisionLogLog } from './log.js'
import { applyMask, eraseAll, eraseOps, maskEventNow, type MaskOp, type MaskOutcome, type MaskPolicy } from './mask.js'
import { Spool } from './spool.js'
import { Uploader, type UploadCounters, type UploadTarget } from './upload.js'

/** A sink for console mode: one JSON line per event. */
export interface LineSink {
  write(line: string): unknown
}

export interface DecisionLoggerOptions {
  /** The spool's folder; required with `upload`. The server passes `<persistence_directory>/decision-logs`. */
  dir?: string
  /** Where batches go; without it nothing is spooled (console-only). */
  upload?: UploadTarget & {
    /** OPA's `reporting.min_delay_seconds` / `max_delay_seconds`, in ms: the random wait between uploads. */
    minDelayMs: number
    maxDelayMs: number
  }
  /** Console mode: `true` for stdout, or a sink (tests). */
  console?: boolean | LineSink
  /** JSON pointers erased from every event (config `decision_logs.erase`). */
  erase?: readonly string[]
  /** The log policy (`data.global.log.mask` / `.drop`), evaluated by the caller. */
  maskPolicy?: MaskPolicy
  /** A policy answer slower than this fails closed; default 5000. */
  maskTimeoutMs?: number
  /** The spool's bound on unacknowledged events; default 64 MiB. */
  maxSpoolBytes?: number
  /** fsync period of the spool (power-loss window); default 1000. */
  fsyncIntervalMs?: number
  /** Spool segment size; default maxSpoolBytes/16 within [64 KiB, 8 MiB]. */
  segmentBytes?: number
  /** Lines held in memory while the disk refuses writes; default 8 MiB. */
  memoryQueueBytes?: number
  /** `record` resolves after this even if the disk has not answered; default 5000. */
  recordTimeoutMs?: number
  /** Time `close` gives its last upload; default 5000. */
  closeTimeoutMs?: number
  log?: DecisionLogLog
  /** For tests: the randomness of delays. */
  random?: () => number
}

export const DEFAULT_SPOOL_BYTES = 64 * 1024 * 1024
export const DEFAULT_FSYNC_INTERVAL_MS = 1000

export class DecisionLogger implements DecisionObserver {
  private readonly erase: MaskOp[]
  private readonly sink?: LineSink
  private readonly counters: UploadCounters & { policy_dropped_events: number; mask_errors: number; upload_retries: number; recorded_events: number } = {
    uploaded_events: 0,
    upload_batches: 0,
    rejected_events: 0,
    spool_corrupt_lines: 0,
    policy_dropped_events: 0,
    mask_errors: 0,
    upload_retries: 0,
    recorded_events: 0,
  }
  private lastUploadError?: string
  private readonly uploader?: Uploader
  private readonly stop = new AbortController()
  private wake?: AbortController
  private uploading: Promise<boolean> = Promise.resolve(true)
  private loop?: Promise<void>
  private closed = false

  private constructor(
    private readonly o: DecisionLoggerOptions,
    private readonly spool?: Spool,
  ) {
    this.erase = eraseOps(o.erase ?? [])
    if (o.console) this.sink = o.console === true ? process.stdout : o.console
    if (spool && o.upload) this.uploader = new Uploader(spool, o.upload, this.counters, o.log)
  }

  /**
   * Opens the spool (recovering what a previous process left: those events
   * are uploaded first) and starts the upload timer. Throws `config_error`
   * for an erase pointer OPA would not accept, `io_error` when the spool
   * folder cannot be created.
   */
  static async open(o: DecisionLoggerOptions): Promise<DecisionLogger> {
    try {
      eraseOps(o.erase ?? [])
    } catch (e) {
      throw new MeshgateError('config_error', `decision_logs.erase: ${(e as Error).message}`)
    }
    if (o.upload && !o.dir) throw new MeshgateError('config_error', 'decision log upload needs a spool folder')
    let spool: Spool | undefined
    if (o.upload) {
      try {
        spool = await Spool.open({
          dir: o.dir!,
          maxBytes: o.maxSpoolBytes ?? DEFAULT_SPOOL_BYTES,
          fsyncIntervalMs: o.fsyncIntervalMs ?? DEFAULT_FSYNC_INTERVAL_MS,
          ...(o.segmentBytes ? { segmentBytes: o.segmentBytes } : {}),
          ...(o.memoryQueueBytes ? { memoryQueueBytes: o.memoryQueueBytes } : {}),
          ...(o.recordTimeoutMs ? { appendTimeoutMs: o.recordTimeoutMs } : {}),
          ...(o.log ? { log: o.log } : {}),
        })
      } catch (e) {
        throw new MeshgateError('io_error', `cannot open the decision log spool \`${o.dir}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
      }
    }
    const logger = new DecisionLogger(o, spool)
    logger.start()
    return logger
  }

  /**
   * Masks, prints and spools one event. Resolves once the event is written
   * to the OS (or counted: dropped by policy, kept in memory because the
   * disk failed, or past `recordTimeoutMs`). Never rejects.
   */
  record(event: DecisionEvent): Promise<void> {
    try {
      this.counters.recorded_events++
      if (!this.o.maskPolicy) return this.emit(this.maskSync(event))
      const m = maskEventNow(event, { erase: this.erase, policy: this.o.maskPolicy, timeoutMs: this.o.maskTimeoutMs ?? 5000 })
      if (!(m instanceof Promise)) return this.emitMasked(m)
      return m.then((o) => this.emitMasked(o)).catch((e) => this.emit(this.failClosed(event, e)))
    } catch (e) {
      return this.emit(this.failClosed(event, e))
    }
  }

  private emitMasked(m: MaskOutcome): Promise<void> {
    if (m.drop) {
      this.counters.policy_dropped_events++
      return Promise.resolve()
    }
    if (m.failed) this.maskFailed(m.event)
    return this.emit(m.event, m.json)
  }

  stats(): DecisionLogStats & {
    rejected_events: number
    mask_errors: number
    spool_write_errors: number
    spool_corrupt_lines: number
    memory_queue_events: number
  } {
    const depth = this.spool?.depth() ?? { events: 0, bytes: 0, memoryEvents: 0 }
    const s: ReturnType<DecisionLogger['stats']> = {
      spool_events: depth.events,
      spool_bytes: depth.bytes,
      spool_limit_bytes: this.spool ? (this.o.maxSpoolBytes ?? DEFAULT_SPOOL_BYTES) : 0,
      uploaded_events: this.counters.uploaded_events,
      upload_batches: this.counters.upload_batches,
      upload_retries: this.counters.upload_retries,
      dropped_events: this.spool?.counters.dropped_events ?? 0,
      policy_dropped_events: this.counters.policy_dropped_events,
      rejected_events: this.counters.rejected_events,
      mask_errors: this.counters.mask_errors,
      spool_write_errors: this.spool?.counters.spool_write_errors ?? 0,
      spool_corrupt_lines: this.counters.spool_corrupt_lines,
      memory_queue_events: depth.memoryEvents,
    }
    if (this.lastUploadError !== undefined) s.last_upload_error = this.lastUploadError
    if (this.counters.last_upload_at !== undefined) s.last_upload_at = this.counters.last_upload_at
    return s
  }

  /**
   * Uploads what is spooled now (after writing what is being recorded).
   * Resolves with what is left; never rejects (a failure is in `error` and
   * in stats, and the events stay spooled).
   */
  async flush(signal?: AbortSignal): Promise<{ remaining: number; error?: string }> {
    if (!this.spool) return { remaining: 0 }
    await this.spool.drain()
    const ok = await this.upload(signal)
    const remaining = this.spool.depth().events
    return ok ? { remaining } : { remaining, error: this.lastUploadError ?? 'upload failed' }
  }

  /** Stops the timer, makes one last upload attempt of at most `closeTimeoutMs`, and closes the spool. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stop.abort()
    await this.loop
    if (this.spool) {
      await this.spool.drain()
      if (this.uploader) await this.flush(AbortSignal.timeout(this.o.closeTimeoutMs ?? 5000))
      await this.spool.close()
    }
  }

  private start(): void {
    if (!this.uploader) return
    const up = this.o.upload!
    const random = this.o.random ?? Math.random
    this.loop = (async () => {
      let retries = 0
      let delay = pollDelay(up.minDelayMs, up.maxDelayMs, random)
      for (let guard = 0; guard < Number.MAX_SAFE_INTEGER && !this.stop.signal.aborted; guard++) {
        this.wake = new AbortController()
        await sleep(delay, AbortSignal.any([this.stop.signal, this.wake.signal]))
        if (this.stop.signal.aborted) return
        const ok = await this.upload(this.stop.signal)
        retries = ok ? 0 : retries + 1
        delay = ok ? pollDelay(up.minDelayMs, up.maxDelayMs, random) : retryDelay(retries, up.maxDelayMs, random)
      }
    })()
  }

  /** One upload run at a time; the timer's and flush()'s runs queue behind each other. */
  private upload(signal?: AbortSignal): Promise<boolean> {
    const run = this.uploading.then(async () => {
      try {
        await this.uploader!.uploadAll(signal ?? new AbortController().signal)
        this.lastUploadError = undefined
        return true
      } catch (e) {
        this.counters.upload_retries++
        this.lastUploadError = (e as Error).message
        this.o.log?.warn(
          { code: (e as MeshgateError).code ?? 'decision_log_upload_error', err: this.lastUploadError, spooled: this.spool?.depth().events },
          'decision log upload failed; the events stay spooled and are retried',
        )
        return false
      }
    })
    this.uploading = run
    return run
  }

  /** Config pointers only: no policy to wait for, so no promise. applyMask copies through JSON; a value that is not JSON throws and record fails closed. */
  private maskSync(event: DecisionEvent): DecisionEvent {
    return this.erase.length === 0 ? event : applyMask(event, this.erase)
  }

  /** `json`: the event's JSON text when the caller has it (the log policy serialized the unmasked event). */
  private emit(event: DecisionEvent, json?: string): Promise<void> {
    let line: string
    try {
      line = json ?? JSON.stringify(event)
    } catch (e) {
      // Not JSON (a cycle, a BigInt): what of it can be written is written, in no case in clear.
      try {
        line = JSON.stringify(this.failClosed(event, e))
      } catch (e2) {
        line = bareLine(event, (e2 as Error)?.message ?? String(e2))
      }
    }
    if (this.sink) {
      try {
        this.sink.write(`${line}\n`)
      } catch (e) {
        this.o.log?.warn({ err: (e as Error).message }, 'decision log console write failed')
      }
    }
    if (!this.spool) return Promise.resolve()
    // Spool early bound: with OPA's long default delays a busy sidecar would
    // fill the bound before the timer fires; a quarter full wakes the upload.
    const p = this.spool.append(line)
    if (this.wake && this.lastUploadError === undefined && this.spool.depth().bytes * 4 >= (this.o.maxSpoolBytes ?? DEFAULT_SPOOL_BYTES)) this.wake.abort()
    return p
  }

  private failClosed(event: DecisionEvent, e: unknown): DecisionEvent {
    const out = eraseAll(event, (e as Error)?.message ?? String(e))
    this.maskFailed(out)
    return out
  }

  private maskFailed(event: DecisionEvent): void {
    this.counters.mask_errors++
    this.o.log?.error(
      { code: 'decision_log_mask_error', decision_id: event.decision_id, err: event.mask_error?.message },
      'decision log masking failed; input and result erased',
    )
  }
}

/** The line for an event that cannot be written as it is: its id, time and why; nothing else. */
function bareLine(event: DecisionEvent, why: string): string {
  const id = typeof event?.decision_id === 'string' ? event.decision_id : ''
  const timestamp = typeof event?.timestamp === 'string' ? event.timestamp : new Date().toISOString()
  return JSON.stringify({ decision_id: id, timestamp, erased: ['/input', '/result'], mask_error: { code: 'decision_log_mask_error', message: why } })
}
