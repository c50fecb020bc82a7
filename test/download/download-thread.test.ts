// The download thread (download-thread.ts) against a real HTTP server on
// 127.0.0.1: a bundle inflated there under the bundle's limits arrives as
// its tar; a gzip bomb or a body that is not gzip arrives as the inflate's
// error beside the download (the bundle is refused, the download counted);
// a thread that dies fails what is in flight and the next request starts
// another; closing fails what is in flight. The HTTP cases themselves run
// on this thread and on the download thread in http-client.test.ts.

import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { readBundle, writeBundle } from '../../src/bundle/index.js'
import { DownloadThread, readDownloaded, type Downloaded } from '../../src/download/index.js'
import { ownBuffer } from '../../src/download/download-wire.js'
import { BUILT_DOWNLOAD_WORKER } from '../fixtures/workers/built.js'
import { fixtureModule } from '../fixtures/engine/fixture-module.js'

const LIMITS = { compressed: 1024 * 1024, uncompressed: 64 * 1024 }

async function serve(t: { teardown(fn: () => unknown): void }, bodies: Record<string, Uint8Array | 'hold'>) {
  const server = createServer((req, res) => {
    const body = bodies[req.url ?? '']
    if (body === undefined) return res.writeHead(404).end()
    if (body === 'hold') return // never answers
    res.writeHead(200, { etag: '"e"' }).end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const request = (url: string, signal = new AbortController().signal) => ({ url, maxBytes: LIMITS.compressed, stallMs: 5000, signal })

function modified(d: Downloaded) {
  if (!d.modified) throw new Error('expected a bundle')
  return d
}

t.test('a bundle is inflated on the thread under its limits; an inflate that fails travels beside the download', async (t) => {
  const gz = writeBundle({
    manifest: { revision: 'r7', roots: ['global'] },
    wasm: await fixtureModule(['global/access']),
    data: { global: { a: 1 } },
    sources: [],
  })
  const bomb = gzipSync(Buffer.alloc(1024 * 1024)) // 1 KiB that inflates to 1 MiB, over the 64 KiB limit
  const base = await serve(t, { '/ok': gz, '/bomb': bomb, '/plain': Buffer.from('not a gzip at all') })
  const thread = new DownloadThread(BUILT_DOWNLOAD_WORKER)
  t.teardown(() => thread.close())
  const inflate = { limits: { compressed: LIMITS.compressed, uncompressed: 1024 * 1024 }, name: 'global' }

  const ok = modified(await thread.request(request(`${base}/ok`), inflate))
  t.same(Buffer.from(ok.bytes), gz, 'the gzip, as served (what is persisted)')
  t.ok(ok.inflated && 'tar' in ok.inflated, 'and its tar')
  const bundle = await readDownloaded(ok.bytes, 'global', LIMITS, ok.inflated)
  const here = readBundle(gz, 'global')
  t.same(bundle.manifest, here.manifest, 'the same manifest as reading it here')
  t.same(bundle.data, here.data, 'the same data')
  t.same([...bundle.wasm.keys()], ['/policy.wasm'])
  t.same(Buffer.from(bundle.wasm.get('/policy.wasm')!), Buffer.from(here.wasm.get('/policy.wasm')!), 'the same module')

  const tight = { limits: LIMITS, name: 'global' }
  const bombed = modified(await thread.request(request(`${base}/bomb`), tight))
  t.same(Buffer.from(bombed.bytes), bomb, 'a gzip bomb is still a download')
  t.match(bombed.inflated, { error: { code: 'bundle_too_large', message: /`global` inflates to more than the limit of 65536 bytes/ } })
  await t.rejects(readDownloaded(bombed.bytes, 'global', LIMITS, bombed.inflated), { code: 'bundle_too_large' }, 'and is refused when read')
  const plain = modified(await thread.request(request(`${base}/plain`), tight))
  await t.rejects(readDownloaded(plain.bytes, 'global', LIMITS, plain.inflated), { code: 'bundle_format_error', message: /not a gzipped tar/ })

  const raw = modified(await thread.request(request(`${base}/ok`)))
  t.equal(raw.inflated, undefined, 'not inflated unless asked')
  t.same((await readDownloaded(raw.bytes, 'global', LIMITS)).manifest, here.manifest, 'then read here, as before')
})

t.test('a thread that dies fails what is in flight, and the next request starts another', async (t) => {
  // A worker that exits when it reads a request: without the restart, the second request would never be answered.
  const dies = new URL(
    `data:text/javascript,${encodeURIComponent("import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => process.exit(3))")}`,
  )
  const thread = new DownloadThread(dies)
  t.teardown(() => thread.close())
  await t.rejects(thread.request(request('http://127.0.0.1:1/b')), {
    code: 'bundle_download_error',
    message: /cannot download `http:\/\/127\.0\.0\.1:1\/b`: the download thread stopped \(exit 3\)/,
  })
  await t.rejects(thread.request(request('http://127.0.0.1:1/b')), { code: 'bundle_download_error', message: /stopped \(exit 3\)/ }, 'a new thread, same end')
})

t.test('an abort answers at once; closing fails what is in flight, and what comes after', async (t) => {
  const base = await serve(t, { '/held': 'hold' })
  const thread = new DownloadThread(BUILT_DOWNLOAD_WORKER)
  const stop = new AbortController()
  const aborted = thread.request(request(`${base}/held`, stop.signal))
  stop.abort(new Error('the loop closed'))
  await t.rejects(aborted, { code: 'bundle_download_error', message: /: the loop closed$/ })
  const held = t.rejects(thread.request(request(`${base}/held`)), { code: 'bundle_download_error', message: /the download thread is closed/ })
  await thread.close()
  await held
  await t.rejects(thread.request(request(`${base}/held`)), { message: /the download thread is closed/ })
})

t.test('ownBuffer: a view into a larger buffer is copied before its buffer is moved; a whole buffer is not', async (t) => {
  const pooled = Buffer.from('a small body') // Node's pool of small buffers
  const own = ownBuffer(pooled)
  t.not(own.buffer, pooled.buffer, 'copied')
  t.equal(own.byteLength, own.buffer.byteLength, 'into a buffer of its own')
  const { port1, port2 } = new MessageChannel()
  const got = new Promise<Uint8Array>((r) => port2.once('message', r))
  port1.postMessage(own, [own.buffer])
  t.equal(Buffer.from(await got).toString(), 'a small body', 'moved intact')
  t.equal(pooled.toString(), 'a small body', 'the original untouched')
  port1.close()
  const whole = new Uint8Array(16)
  t.equal(ownBuffer(whole), whole, 'a whole buffer is moved as it is')
})
