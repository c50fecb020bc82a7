// Size limits against gzip bombs: a small gzip that inflates past the
// uncompressed limit, or a body past the compressed one, is refused while it
// is read, long before all of it is consumed or inflated.

import t from 'tap'
import { gzipSync } from 'node:zlib'
import { gunzipCapped, readBundle, readBundleAsync, unpackStream, writeBundle, writeTar } from '../../src/bundle/index.js'
import { gunzipCappedAsync, outputChunk } from '../../src/bundle/unpack.js'
import type { MeshgateError } from '../../src/errors/index.js'

// 64 MiB of zeros inside a tar member: about 64 KiB of gzip.
const BOMB_SIZE = 64 * 1024 * 1024
const bomb = gzipSync(writeTar([{ name: 'data.json', data: Buffer.alloc(BOMB_SIZE, 0x20) }]))
const MiB = 1024 * 1024

/** Hands out `gz` in 1 KiB pieces and counts how many were taken. */
function counted(gz: Uint8Array): { source: AsyncIterable<Uint8Array>; taken: () => number; total: number } {
  let taken = 0
  const piece = 1024
  return {
    total: Math.ceil(gz.length / piece),
    taken: () => taken,
    source: (async function* () {
      for (let i = 0; i < gz.length; i += piece) {
        taken++
        yield gz.subarray(i, i + piece)
      }
    })(),
  }
}

async function refusal(p: Promise<unknown>): Promise<MeshgateError> {
  try {
    await p
  } catch (e) {
    return e as MeshgateError
  }
  throw new Error('expected a refusal')
}

t.test('the bomb is small compressed and large inflated', async (t) => {
  t.ok(bomb.length < MiB, `${bomb.length} bytes of gzip`)
})

t.test('in memory: inflating stops at the uncompressed limit', async (t) => {
  let e: MeshgateError | undefined
  try {
    gunzipCapped(bomb, { compressed: MiB, uncompressed: MiB }, 'bomb.tar.gz')
  } catch (x) {
    e = x as MeshgateError
  }
  t.equal(e?.code, 'bundle_too_large')
  t.match(e?.message, '`bomb.tar.gz` inflates to more than the limit of 1048576 bytes (uncompressed)')
  t.same(e?.details, { limit: MiB, kind: 'uncompressed' })
  let c: MeshgateError | undefined
  try {
    readBundle(bomb, 'bomb.tar.gz', { compressed: 1000, uncompressed: 512 * MiB })
  } catch (x) {
    c = x as MeshgateError
  }
  t.equal(c?.code, 'bundle_too_large')
  t.match(c?.message, 'larger than the limit of 1000 bytes (compressed)')
})

// The sidecar inflates downloaded bundles off its main thread: the same two
// limits and the same errors as the synchronous form.
t.test('off-thread: the same limits and errors as in memory', async (t) => {
  const e = await refusal(gunzipCappedAsync(bomb, { compressed: MiB, uncompressed: MiB }, 'bomb.tar.gz'))
  t.equal(e.code, 'bundle_too_large')
  t.match(e.message, '`bomb.tar.gz` inflates to more than the limit of 1048576 bytes (uncompressed)')
  t.same(e.details, { limit: MiB, kind: 'uncompressed' })
  const c = await refusal(readBundleAsync(bomb, 'bomb.tar.gz', { compressed: 1000, uncompressed: 512 * MiB }))
  t.equal(c.code, 'bundle_too_large')
  t.match(c.message, 'larger than the limit of 1000 bytes (compressed)')
  const bad = await refusal(readBundleAsync(Buffer.from('not gzip at all'), 'x.tar.gz'))
  t.equal(bad.code, 'bundle_format_error')
  t.match(bad.message, '`x.tar.gz` is not a gzipped tar')
  const ok = writeBundle({ manifest: { revision: 'r1', roots: ['a'] }, data: { a: { x: 1 } } })
  t.same((await readBundleAsync(ok, 'ok')).data, readBundle(ok, 'ok').data, 'a bundle within the limits reads the same')
})

t.test('streamed: refused as soon as the output passes the limit, without reading the rest', async (t) => {
  const src = counted(bomb)
  const e = await refusal(unpackStream(src.source, { compressed: 16 * MiB, uncompressed: MiB }, 'bomb'))
  t.equal(e.code, 'bundle_too_large')
  t.match(e.message, 'uncompressed')
  t.ok(src.taken() < src.total / 4, `read ${src.taken()} of ${src.total} pieces before refusing`)
})

t.test('streamed: a body over the compressed limit is refused at the limit', async (t) => {
  const src = counted(bomb)
  const e = await refusal(unpackStream(src.source, { compressed: 10 * 1024, uncompressed: 512 * MiB }, 'big'))
  t.equal(e.code, 'bundle_too_large')
  t.match(e.message, 'compressed')
  t.equal(src.taken(), 11, 'the eleventh KiB crosses the 10 KiB limit; nothing after it is read')
})

t.test('streamed: a bundle within the limits comes back whole; corrupt and truncated gzip are format errors', async (t) => {
  const gz = writeBundle({ manifest: { roots: ['x'] }, data: { x: { a: 1 } } })
  const u = await unpackStream(counted(gz).source, { compressed: MiB, uncompressed: MiB })
  t.ok(u.compressed.equals(gz), 'the compressed bytes are kept as received')
  t.ok(u.tar.length > 0)
  const truncated = await refusal(unpackStream(gz.subarray(0, gz.length - 10), { compressed: MiB, uncompressed: MiB }))
  t.equal(truncated.code, 'bundle_format_error')
  const corrupt = Buffer.from(gz)
  corrupt[20] ^= 0xff
  t.equal((await refusal(unpackStream(corrupt, { compressed: MiB, uncompressed: MiB }))).code, 'bundle_format_error')
  t.equal((await refusal(unpackStream(Buffer.from('not gzip at all'), { compressed: MiB, uncompressed: MiB }))).code, 'bundle_format_error')
  t.equal((await refusal(unpackStream(new Uint8Array(), { compressed: MiB, uncompressed: MiB }))).code, 'bundle_format_error')
})

t.test('off-thread: one output chunk sized from the gzip trailer, bounded whatever the trailer says', async (t) => {
  const tar = writeTar([{ name: 'policy.wasm', data: Buffer.alloc(200_000, 7) }])
  const gz = gzipSync(tar)
  t.equal(outputChunk(gz, 512 * MiB), tar.length + 1, 'ISIZE + 1: the whole tar in one chunk')
  const out = await gunzipCappedAsync(gz, { compressed: MiB, uncompressed: MiB })
  t.ok(out.equals(tar), 'the same bytes')
  t.equal(out.buffer.byteLength, tar.length + 1, 'one buffer, not joined from 16 KiB pieces')
  const lying = Buffer.from(gz)
  lying.writeUInt32LE(0xffffffff, lying.length - 4)
  t.equal(outputChunk(lying, 512 * MiB), lying.length * 1032, 'a trailer claiming 4 GiB: no more than deflate can produce from these bytes')
  t.equal(outputChunk(lying, 300_000), 300_000, 'nor more than the limit')
  t.equal(outputChunk(Buffer.alloc(10), MiB), 16 * 1024, 'too short for a trailer: zlib’s default')
  // A bomb whose trailer claims a small size is still stopped at the limit.
  const small = Buffer.from(bomb)
  small.writeUInt32LE(1000, small.length - 4)
  t.equal(outputChunk(small, 8 * MiB), 16 * 1024)
  const e = await refusal(gunzipCappedAsync(small, { compressed: MiB, uncompressed: 8 * MiB }))
  t.match(e, { code: 'bundle_too_large', details: { kind: 'uncompressed' } })
})
