// Bundle downloads on a thread of their own (download-worker.ts), shared by
// every bundle loop of a process. A sidecar downloads while it answers
// decisions on its main thread; there, Node's HTTP client (making the next
// long-poll request, parsing the response, its stream) and zlib's callbacks
// took ≈ 0.9 of the ≈ 3 ms a reload cost that thread (docs/benchmarks.md,
// sixteenth round). On this thread the same requestBundle runs with the same
// limits and deadlines, so every way a download can fail fails the same way;
// the caller gets the gzip and, when asked, the tar it inflates to.
//
// The worker is started on the first request and started again after it
// dies: a crash fails the requests in flight (each with
// `bundle_download_error`, so the loops back off and retry as after any
// failed download) and nothing else.

import { Worker } from 'node:worker_threads'
import { bundleFromEntries, readBundleAsync, readTar, type Bundle } from '../bundle/index.js'
import type { SizeLimits } from '../bundle/unpack.js'
import { MeshgateError } from '../errors/index.js'
import { fromWire, type DownloadReply, type DownloadRequest } from './download-wire.js'
import type { BundleRequest } from './http-client.js'

export const DOWNLOAD_WORKER = new URL(`./download-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

/** A downloaded gzip inflated on the download thread: its tar, or why it did not inflate. */
export type Inflated = { tar: Uint8Array } | { error: MeshgateError }

/** A download's answer: as requestBundle's, plus the inflated tar (or why it did not inflate) when asked for. */
export type Downloaded =
  { modified: false; etag: string; longPoll: boolean } | { modified: true; etag: string; longPoll: boolean; bytes: Uint8Array; inflated?: Inflated }

/**
 * The bundle a download holds: its tar read when the download thread
 * inflated it (under `limits` there), else inflated here off the thread
 * (zlib's pool) under `limits`; an inflate that failed there throws here.
 */
export async function readDownloaded(bytes: Uint8Array, name: string, limits: SizeLimits, inflated?: Inflated): Promise<Bundle> {
  if (!inflated) return readBundleAsync(bytes, name, limits)
  if ('error' in inflated) throw inflated.error
  return bundleFromEntries(readTar(inflated.tar, { views: true }), name)
}

interface Pending {
  url: string
  resolve: (d: Downloaded) => void
  reject: (e: MeshgateError) => void
}

export class DownloadThread {
  private worker?: Worker
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private closed = false

  /** `workerUrl`: the worker's entry (tests start the built one: a TypeScript worker starts slowly). */
  constructor(private readonly workerUrl: URL = DOWNLOAD_WORKER) {}

  /** requestBundle on the download thread; `inflate` also inflates a bundle that came back, under these limits. */
  request(r: BundleRequest, inflate?: { limits: SizeLimits; name: string }): Promise<Downloaded> {
    if (this.closed) return Promise.reject(new MeshgateError('bundle_download_error', `cannot download \`${r.url}\`: the download thread is closed`))
    if (r.signal.aborted) return Promise.reject(new MeshgateError('bundle_download_error', `cannot download \`${r.url}\`: ${reasonOf(r.signal.reason)}`))
    const worker = (this.worker ??= this.spawn())
    const id = this.nextId++
    const { signal, ...request } = r
    return new Promise<Downloaded>((resolve, reject) => {
      // An abort answers at once; the worker drops the request when it reads the message.
      const onAbort = () => {
        const reason = reasonOf(signal.reason)
        this.settle(id)?.reject(new MeshgateError('bundle_download_error', `cannot download \`${r.url}\`: ${reason}`))
        worker.postMessage({ type: 'abort', id, reason } satisfies DownloadRequest)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      const done = () => signal.removeEventListener('abort', onAbort)
      this.pending.set(id, {
        url: r.url,
        resolve: (d) => (done(), resolve(d)),
        reject: (e) => (done(), reject(e)),
      })
      // A request in flight keeps the process alive, as an open socket on this thread would; an idle worker does not.
      worker.ref()
      worker.postMessage({ type: 'get', id, request, ...(inflate ? { inflate } : {}) } satisfies DownloadRequest)
    })
  }

  /** Fails what is in flight and stops the worker. */
  async close(): Promise<void> {
    this.closed = true
    const w = this.worker
    this.worker = undefined
    this.failAll('the download thread is closed')
    await w?.terminate()
  }

  private spawn(): Worker {
    // A built (.js) worker needs none of the parent's loader hooks.
    const w = new Worker(this.workerUrl, this.workerUrl.pathname.endsWith('.js') ? { execArgv: [] } : {})
    w.unref()
    w.on('message', (m: DownloadReply) => this.onReply(m))
    const lost = (why: string) => {
      if (this.worker !== w) return
      this.worker = undefined
      this.failAll(why)
    }
    w.on('error', (e) => lost(`the download thread failed: ${e.message}`))
    w.on('exit', (code) => lost(`the download thread stopped (exit ${code})`))
    return w
  }

  private onReply(m: DownloadReply): void {
    const p = this.settle(m.id)
    if (!p) return // aborted meanwhile
    if (!m.ok) return p.reject(fromWire(m.error))
    if (!m.modified) return p.resolve({ modified: false, etag: m.etag, longPoll: m.longPoll })
    const d: Downloaded = { modified: true, etag: m.etag, longPoll: m.longPoll, bytes: m.bytes }
    if (m.tar) d.inflated = { tar: m.tar }
    else if (m.inflateError) d.inflated = { error: fromWire(m.inflateError) }
    p.resolve(d)
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id)
    this.pending.delete(id)
    if (this.pending.size === 0) this.worker?.unref()
    return p
  }

  private failAll(why: string): void {
    const all = [...this.pending.values()]
    this.pending.clear()
    this.worker?.unref()
    for (const p of all) p.reject(new MeshgateError('bundle_download_error', `cannot download \`${p.url}\`: ${why}`))
  }
}

function reasonOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason)
}
