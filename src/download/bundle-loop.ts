// The activation pipeline of one bundle that comes from a service: restore
// the persisted copy (if any), then request → (verify, scope, load: the
// `activate` callback) → swap → persist, forever, with OPA's delays (long
// polling when the service offers it, jittered polling otherwise, backoff on
// errors). Whatever fails — the service down, 5xx, a stalled or truncated
// response, an archive over the limits, a bad signature, a wrong scope, a
// module that does not load — the layer keeps its last good bundle and the
// error is kept for health and status. The loop owns no engine: it calls
// `activate` and reports; the caller wires it to the engine.

import type { BundleStatus } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import { pollDelay, retryDelay, sleep } from './backoff.js'
import { requestBundle } from './http-client.js'
import type { BundlePersistence } from './persist.js'

export interface BundleLoopOptions {
  name: string
  /** The full URL of the bundle: service URL + resource. */
  url: string
  bearer?: string
  polling: { minDelaySeconds: number; maxDelaySeconds: number; longPollingTimeoutSeconds?: number }
  /** Compressed size limit for a download, in bytes. */
  maxBytes: number
  /** Abort a response with no progress for this long; default 10 s. */
  stallMs?: number
  /** Maximum age: past this long without a successful check the bundle is stale. */
  maxAgeSeconds?: number
  persistence?: BundlePersistence
  /** Verifies, loads and swaps the bundle in; resolves to its revision, throws to refuse it. */
  activate: (bytes: Uint8Array, origin: 'download' | 'disk') => Promise<string>
  /** Told when freshness changes (a check succeeded, or the bundle was restored). */
  onCheck?: (lastCheck: number) => void
  log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void }
  now?: () => number
}

export class BundleLoop {
  private readonly opts: BundleLoopOptions
  private readonly stop = new AbortController()
  private readonly now: () => number
  private etag = ''
  private longPoll: boolean
  private retries = 0
  private running?: Promise<void>
  private st: {
    lastRequest?: number
    lastSuccessfulRequest?: number
    lastDownload?: number
    lastActivation?: number
    lastCheck?: number
    revision?: string
    error?: MeshgateError
    restored?: boolean
  } = {}

  constructor(opts: BundleLoopOptions) {
    this.opts = opts
    this.now = opts.now ?? Date.now
    // As OPA: long polling is tried from the first request when configured.
    this.longPoll = opts.polling.longPollingTimeoutSeconds !== undefined
  }

  /** Restores the persisted bundle (awaited, so decisions can be served at once), then polls in the background. */
  async start(): Promise<void> {
    await this.restore()
    this.running = this.loop()
  }

  async close(): Promise<void> {
    this.stop.abort(new Error('closed'))
    await this.running
  }

  status(): BundleStatus {
    const iso = (t?: number) => (t === undefined ? undefined : new Date(t).toISOString())
    const s: BundleStatus = { name: this.opts.name }
    if (this.st.revision !== undefined) s.active_revision = this.st.revision
    const fields: [keyof BundleStatus, number | undefined][] = [
      ['last_request', this.st.lastRequest],
      ['last_successful_request', this.st.lastSuccessfulRequest],
      ['last_successful_download', this.st.lastDownload],
      ['last_successful_activation', this.st.lastActivation],
    ]
    for (const [k, v] of fields) if (v !== undefined) (s as unknown as Record<string, unknown>)[k] = iso(v)
    if (this.st.error) {
      s.code = this.st.error.code
      s.message = this.st.error.message
      s.errors = [{ code: this.st.error.code, message: this.st.error.message }]
    }
    if (this.st.restored) s.restored_from_disk = true
    s.stale = this.stale
    s.long_polling = this.longPoll
    return s
  }

  /** When the service last answered (or the persisted copy's time of that), epoch ms. */
  get lastCheck(): number | undefined {
    return this.st.lastCheck
  }

  get stale(): boolean {
    const max = this.opts.maxAgeSeconds
    if (!max) return false
    return this.st.lastCheck === undefined || this.now() - this.st.lastCheck > max * 1000
  }

  private async restore(): Promise<void> {
    const p = await this.opts.persistence?.load()
    if (!p) return
    try {
      this.st.revision = await this.opts.activate(p.bytes, 'disk')
      this.st.restored = true
      this.st.lastActivation = this.now()
      this.st.lastCheck = p.meta.lastCheck
      this.etag = p.meta.etag
      this.opts.onCheck?.(p.meta.lastCheck)
      this.opts.log?.info({ bundle: this.opts.name, revision: this.st.revision }, 'bundle restored from disk')
    } catch (e) {
      this.fail(e, 'the persisted bundle was refused')
    }
  }

  private async loop(): Promise<void> {
    const signal = this.stop.signal
    while (!signal.aborted) {
      let delay: number
      try {
        await this.once(signal)
        this.retries = 0
        const { minDelaySeconds, maxDelaySeconds, longPollingTimeoutSeconds } = this.opts.polling
        delay = this.longPoll && longPollingTimeoutSeconds ? 0 : pollDelay(minDelaySeconds * 1000, maxDelaySeconds * 1000)
      } catch (e) {
        if (signal.aborted) return
        // As OPA: forget the ETag, so the next answer is a full bundle.
        this.etag = ''
        this.fail(e, 'bundle update failed; keeping the last good bundle')
        delay = retryDelay(this.retries++, this.opts.polling.maxDelaySeconds * 1000)
      }
      await sleep(delay, signal)
    }
  }

  private async once(signal: AbortSignal): Promise<void> {
    this.st.lastRequest = this.now()
    const res = await requestBundle({
      url: this.opts.url,
      etag: this.etag,
      ...(this.longPoll && this.opts.polling.longPollingTimeoutSeconds ? { waitSeconds: this.opts.polling.longPollingTimeoutSeconds } : {}),
      ...(this.opts.bearer ? { bearer: this.opts.bearer } : {}),
      maxBytes: this.opts.maxBytes,
      stallMs: this.opts.stallMs ?? 10_000,
      signal,
    })
    this.longPoll = this.opts.polling.longPollingTimeoutSeconds !== undefined && res.longPoll
    const answered = this.now()
    if (res.modified) {
      this.st.lastDownload = answered
      const revision = await this.opts.activate(res.bytes, 'download')
      this.st.revision = revision
      this.st.lastActivation = this.now()
      this.st.restored = false
      this.etag = res.etag
      await this.opts.persistence?.save(res.bytes, { etag: res.etag, revision, lastCheck: answered }).catch((e) => {
        this.opts.log?.warn({ bundle: this.opts.name, err: (e as Error).message }, 'cannot persist the bundle')
      })
      this.opts.log?.info({ bundle: this.opts.name, revision }, 'bundle downloaded and activated')
    } else {
      this.etag = res.etag
      await this.opts.persistence?.saveMeta({ etag: res.etag, revision: this.st.revision ?? '', lastCheck: answered }).catch(() => undefined)
    }
    this.st.lastSuccessfulRequest = answered
    this.st.lastCheck = answered
    delete this.st.error
    this.opts.onCheck?.(answered)
  }

  private fail(e: unknown, msg: string): void {
    const err = e instanceof MeshgateError ? e : new MeshgateError('bundle_download_error', String((e as Error)?.message ?? e))
    this.st.error = err
    this.opts.log?.warn({ bundle: this.opts.name, code: err.code, err: err.message }, msg)
  }
}
