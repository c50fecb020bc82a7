// The download thread's entry (DownloadThread starts it): each request is
// one requestBundle (http-client.ts) and, for a bundle that came back, the
// inflate under the bundle's size limits. A sidecar downloads while it
// answers decisions; here neither Node's HTTP client (the long-poll request,
// the response's parser and stream) nor zlib's callbacks run on the thread
// that answers them (issue 9). What comes back is the gzip (persisted as it
// is) and the tar, both moved, not copied, to the caller.
//
// An inflate that fails is not a failed download (the service answered; the
// loop records the download, then refuses the bundle), so its error travels
// beside the gzip instead of replacing the answer.

import { parentPort, type MessagePort } from 'node:worker_threads'
import { gunzipCapped } from '../bundle/unpack.js'
import { ownBuffer, toWire, type DownloadReply, type DownloadRequest, type WireError } from './download-wire.js'
import { requestBundle } from './http-client.js'

function serve(port: MessagePort): void {
  const inFlight = new Map<number, AbortController>()
  port.on('message', async (m: DownloadRequest) => {
    if (m.type === 'abort') {
      inFlight.get(m.id)?.abort(new Error(m.reason))
      return
    }
    const stop = new AbortController()
    inFlight.set(m.id, stop)
    try {
      const res = await requestBundle({ ...m.request, signal: stop.signal })
      if (!res.modified) {
        port.postMessage({ id: m.id, ok: true, modified: false, etag: res.etag, longPoll: res.longPoll } satisfies DownloadReply)
        return
      }
      const bytes = ownBuffer(res.bytes)
      let tar: Uint8Array<ArrayBuffer> | undefined
      let inflateError: WireError | undefined
      if (m.inflate) {
        try {
          tar = ownBuffer(gunzipCapped(bytes, m.inflate.limits, m.inflate.name))
        } catch (e) {
          inflateError = toWire(e)
        }
      }
      const reply: DownloadReply = { id: m.id, ok: true, modified: true, etag: res.etag, longPoll: res.longPoll, bytes }
      if (tar) reply.tar = tar
      if (inflateError) reply.inflateError = inflateError
      port.postMessage(reply, tar ? [bytes.buffer, tar.buffer] : [bytes.buffer])
    } catch (e) {
      port.postMessage({ id: m.id, ok: false, error: toWire(e) } satisfies DownloadReply)
    } finally {
      inFlight.delete(m.id)
    }
  })
}

serve(parentPort!)
