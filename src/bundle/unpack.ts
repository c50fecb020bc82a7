// Inflating a bundle's gzip under two limits, compressed and uncompressed, so
// a gzip bomb (a few KiB that inflate to GiB) is refused while inflating, as
// soon as the output passes the limit, never after it is all in memory. OPA
// guards the same way with its bundle size limit (1 GiB per file by
// default). The stream form also counts the compressed bytes as they arrive,
// for bodies and downloads read from the network.

import { constants as bufferConstants } from 'node:buffer'
import { createGunzip, gunzip, gunzipSync } from 'node:zlib'
import { MeshgateError } from '../errors/index.js'

export interface SizeLimits {
  /** Largest gzip accepted, in bytes. */
  compressed: number
  /** Largest tar the gzip may inflate to, in bytes. */
  uncompressed: number
}

/** What readBundle applies when no limits are given (local files). */
export const DEFAULT_SIZE_LIMITS: SizeLimits = { compressed: 512 * 1024 * 1024, uncompressed: 512 * 1024 * 1024 }

export function tooLargeCompressed(name: string, limit: number): MeshgateError {
  return new MeshgateError('bundle_too_large', `\`${name}\` is larger than the limit of ${limit} bytes (compressed)`, undefined, { limit, kind: 'compressed' })
}

export function tooLargeUncompressed(name: string, limit: number): MeshgateError {
  return new MeshgateError(
    'bundle_too_large',
    `\`${name}\` inflates to more than the limit of ${limit} bytes (uncompressed); refused as a possible gzip bomb`,
    undefined,
    { limit, kind: 'uncompressed' },
  )
}

function notGzip(name: string, e: unknown): MeshgateError {
  return new MeshgateError('bundle_format_error', `\`${name}\` is not a gzipped tar: ${(e as Error).message}`)
}

/** Inflates a whole gzip held in memory; zlib stops at the limit. */
export function gunzipCapped(gz: Uint8Array, limits: SizeLimits, name = 'bundle'): Buffer {
  if (gz.length > limits.compressed) throw tooLargeCompressed(name, limits.compressed)
  const max = Math.min(limits.uncompressed, bufferConstants.MAX_LENGTH)
  try {
    return gunzipSync(gz, { maxOutputLength: Math.max(1, max) })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLargeUncompressed(name, limits.uncompressed)
    throw notGzip(name, e)
  }
}

/**
 * gunzipCapped off the calling thread (zlib runs in libuv's pool): for a
 * bundle that arrives while the process serves decisions, so inflating it
 * does not stall them. Same limits, same errors.
 */
export function gunzipCappedAsync(gz: Uint8Array, limits: SizeLimits, name = 'bundle'): Promise<Buffer> {
  if (gz.length > limits.compressed) return Promise.reject(tooLargeCompressed(name, limits.compressed))
  const max = Math.min(limits.uncompressed, bufferConstants.MAX_LENGTH)
  return new Promise((resolve, reject) => {
    gunzip(gz, { maxOutputLength: Math.max(1, max), chunkSize: outputChunk(gz, max) }, (e, out) => {
      if (!e) resolve(out)
      else if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(tooLargeUncompressed(name, limits.uncompressed))
      else reject(notGzip(name, e))
    })
  })
}

/**
 * The output chunk for inflating `gz` in one piece. zlib's default, 16 KiB,
 * means one round trip to the pool, one callback on the calling thread and
 * one buffer per 16 KiB, then a copy to join them (for a 200 KiB bundle, half
 * a millisecond of the thread that serves decisions, and twice its size in
 * buffers). The gzip trailer's ISIZE (RFC 1952: the inflated size mod 2^32)
 * gives the size; it is only a hint, so it is bounded by what deflate can
 * produce from this many bytes (at most 1032:1) and by the limit: a trailer
 * that lies costs more rounds or an unused tail, never more memory than the
 * limits allow.
 */
export function outputChunk(gz: Uint8Array, max: number): number {
  const DEFAULT = 16 * 1024
  if (gz.length < 18) return DEFAULT
  const isize = new DataView(gz.buffer, gz.byteOffset + gz.length - 4, 4).getUint32(0, true)
  // One byte more than the content, so zlib ends with room left and allocates no further chunk.
  return Math.max(DEFAULT, Math.min(isize + 1, gz.length * 1032, max))
}

export interface Unpacked {
  /** The gzip as received (what a registry stores and digests). */
  compressed: Buffer
  /** The tar it inflated to. */
  tar: Buffer
}

/**
 * Reads a gzip from `source` chunk by chunk, inflating as it goes; stops
 * reading the moment either limit is passed (the rest of the source is left
 * unread, for its owner to discard).
 */
export async function unpackStream(source: AsyncIterable<Uint8Array> | Uint8Array, limits: SizeLimits, name = 'bundle'): Promise<Unpacked> {
  const gunzip = createGunzip()
  const inChunks: Buffer[] = []
  const outChunks: Buffer[] = []
  let inBytes = 0
  let outBytes = 0
  let failure: MeshgateError | undefined
  gunzip.on('data', (chunk: Buffer) => {
    outBytes += chunk.length
    if (outBytes > limits.uncompressed) {
      failure ??= tooLargeUncompressed(name, limits.uncompressed)
      gunzip.destroy()
      return
    }
    outChunks.push(chunk)
  })
  const closed = new Promise<void>((resolve) => gunzip.once('close', resolve))
  const ended = new Promise<void>((resolve) => {
    gunzip.on('end', resolve)
    gunzip.on('close', resolve)
    gunzip.on('error', (e) => {
      failure ??= notGzip(name, e)
      resolve()
    })
  })
  const chunks: AsyncIterable<Uint8Array> = source instanceof Uint8Array ? slices(source) : source
  // Iterated by hand: leaving early must not destroy the source (a request
  // body), so an HTTP server can still answer why it stopped reading.
  const it = chunks[Symbol.asyncIterator]()
  for (let r = await it.next(); !r.done; r = await it.next()) {
    const chunk = r.value
    inBytes += chunk.length
    if (inBytes > limits.compressed) {
      failure ??= tooLargeCompressed(name, limits.compressed)
      gunzip.destroy()
    }
    if (failure) break
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    inChunks.push(buf)
    // Wait until zlib has inflated this chunk before taking the next, so a
    // bomb is caught within one chunk of passing the limit.
    await Promise.race([new Promise<void>((r) => gunzip.write(buf, () => r())), closed])
    if (failure) break
  }
  if (!failure) gunzip.end()
  else gunzip.destroy()
  await ended
  if (failure) throw failure
  if (inBytes === 0) throw notGzip(name, new Error('it is empty'))
  return { compressed: Buffer.concat(inChunks, inBytes), tar: Buffer.concat(outChunks, outBytes) }
}

/** Feeds an in-memory gzip in pieces, so a bomb is cut off early here too. */
async function* slices(b: Uint8Array): AsyncIterable<Uint8Array> {
  for (let i = 0; i < b.length; i += 64 * 1024) yield b.subarray(i, i + 64 * 1024)
}
