// One bundle request, as OPA's downloader makes it (v1/download/download.go):
// `If-None-Match` with the last ETag, `Prefer: modes=snapshot;wait=N` while
// long polling is on (meshgate does not read delta bundles, so it does not
// offer them), a service's bearer token. 304 is "not modified"; the response
// Content-Type `application/vnd.openpolicyagent.bundles` says the service
// long-polls. Every way a response can go wrong is an error with a code: the
// body is read with a cap (a compressed size limit, checked as bytes arrive),
// and a response that stalls (no headers, or no bytes for a while) is
// aborted, so a slow or broken registry never hangs the loop.

import { MeshgateError } from '../errors/index.js'

export const LONG_POLL_CONTENT_TYPE = 'application/vnd.openpolicyagent.bundles'

export interface BundleRequest {
  url: string
  etag?: string
  /** Seconds the service may hold the request (long polling), when on. */
  waitSeconds?: number
  bearer?: string
  /** Compressed size limit, in bytes. */
  maxBytes: number
  /** Abort when no headers or no body bytes arrive for this long (plus the wait). */
  stallMs: number
  signal: AbortSignal
}

export type BundleResponse = { modified: true; bytes: Uint8Array; etag: string; longPoll: boolean } | { modified: false; etag: string; longPoll: boolean }

export async function requestBundle(r: BundleRequest): Promise<BundleResponse> {
  const headers: Record<string, string> = { Prefer: r.waitSeconds ? `modes=snapshot;wait=${r.waitSeconds}` : 'modes=snapshot' }
  if (r.etag) headers['If-None-Match'] = r.etag
  if (r.bearer) headers.Authorization = `Bearer ${r.bearer}`
  const stall = new AbortController()
  const onAbort = () => stall.abort(r.signal.reason)
  r.signal.addEventListener('abort', onAbort, { once: true })
  let timer = setTimeout(() => stall.abort(new Error('no response')), r.stallMs + (r.waitSeconds ?? 0) * 1000)
  const rearm = () => {
    clearTimeout(timer)
    timer = setTimeout(() => stall.abort(new Error('the response stalled')), r.stallMs)
  }
  try {
    let res: Response
    try {
      res = await fetch(r.url, { headers, signal: stall.signal, redirect: 'error' })
    } catch (e) {
      throw unavailable(r.url, e, stall.signal)
    }
    const longPoll = (res.headers.get('content-type') ?? '').split(';')[0]!.trim() === LONG_POLL_CONTENT_TYPE
    const etag = res.headers.get('etag') ?? ''
    if (res.status === 304) {
      await res.body?.cancel()
      return { modified: false, etag: etag || (r.etag ?? ''), longPoll }
    }
    if (res.status !== 200) {
      await res.body?.cancel()
      throw new MeshgateError('bundle_download_error', `\`${r.url}\` answered HTTP ${res.status}`, undefined, { status: res.status })
    }
    const declared = Number(res.headers.get('content-length') ?? NaN)
    if (declared > r.maxBytes) {
      await res.body?.cancel()
      throw tooLarge(r.url, r.maxBytes)
    }
    rearm()
    const chunks: Uint8Array[] = []
    let size = 0
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength
        if (size > r.maxBytes) {
          stall.abort(new Error('too large'))
          throw tooLarge(r.url, r.maxBytes)
        }
        chunks.push(chunk)
        rearm()
      }
    } catch (e) {
      if (e instanceof MeshgateError) throw e
      throw unavailable(r.url, e, stall.signal)
    }
    return { modified: true, bytes: Buffer.concat(chunks, size), etag, longPoll }
  } finally {
    clearTimeout(timer)
    r.signal.removeEventListener('abort', onAbort)
  }
}

function tooLarge(url: string, max: number): MeshgateError {
  return new MeshgateError('bundle_download_error', `the bundle at \`${url}\` is larger than ${max} bytes`)
}

function unavailable(url: string, e: unknown, signal: AbortSignal): MeshgateError {
  // Our own abort says why (stalled, too large); fetch's errors keep the socket's reason in `cause`.
  const reason = signal.aborted ? signal.reason : ((e as { cause?: unknown })?.cause ?? e)
  const why = reason instanceof Error ? reason.message : String(reason)
  return new MeshgateError('bundle_download_error', `cannot download \`${url}\`: ${why}`)
}
