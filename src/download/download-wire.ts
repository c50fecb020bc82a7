// What the download thread and its caller (download-thread.ts,
// download-worker.ts) send each other: requests, replies, errors as plain
// data, and buffers that can be moved. Kept apart from both so the worker
// imports only this, the HTTP client and the inflate.

import type { SizeLimits } from '../bundle/unpack.js'
import { MeshgateError, type ErrorCode } from '../errors/index.js'
import type { BundleRequest } from './http-client.js'

/** An error as it crosses threads (a class instance would arrive as a plain object). */
export interface WireError {
  code: ErrorCode
  message: string
  details?: unknown
}

export type DownloadRequest =
  | { type: 'get'; id: number; request: Omit<BundleRequest, 'signal'>; inflate?: { limits: SizeLimits; name: string } }
  | { type: 'abort'; id: number; reason: string }

export type DownloadReply =
  | { id: number; ok: true; modified: false; etag: string; longPoll: boolean }
  | { id: number; ok: true; modified: true; etag: string; longPoll: boolean; bytes: Uint8Array; tar?: Uint8Array; inflateError?: WireError }
  | { id: number; ok: false; error: WireError }

export function toWire(e: unknown): WireError {
  if (e instanceof MeshgateError) return { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) }
  return { code: 'bundle_download_error', message: String((e as Error)?.message ?? e) }
}

export function fromWire(w: WireError): MeshgateError {
  return new MeshgateError(w.code, w.message, undefined, w.details)
}

/**
 * A view whose buffer holds nothing else, so moving the buffer moves only
 * these bytes. A view into a larger buffer (a socket read's, Node's pool of
 * small buffers) is copied: moving its buffer would detach every other view
 * into it (Node 20 quietly copies a pooled one instead, others it moves).
 */
export function ownBuffer(u: Uint8Array): Uint8Array<ArrayBuffer> {
  if (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && u.buffer instanceof ArrayBuffer) return u as Uint8Array<ArrayBuffer>
  return new Uint8Array(u)
}
