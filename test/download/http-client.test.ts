// One bundle request against a real HTTP server on 127.0.0.1: the headers
// OPA's downloader sends, 304 and long-poll detection, and every way a
// response can go wrong ending in a `bundle_download_error` (never a hang):
// HTTP errors, redirects, size limits declared and streamed, no headers, a
// body that stalls or is cut short, the loop's own abort, no server at all.

import t from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { requestBundle, LONG_POLL_CONTENT_TYPE, type BundleRequest } from '../../src/download/index.js'

async function serve(t: { teardown(fn: () => unknown): void }, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: IncomingMessage['headers'][] = []
  const server = createServer((req, res) => {
    seen.push(req.headers)
    handler(req, res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  )
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bundles/global`, seen }
}

const base = (url: string, extra: Partial<BundleRequest> = {}): BundleRequest => ({
  url,
  maxBytes: 1000,
  stallMs: 300,
  signal: new AbortController().signal,
  ...extra,
})

t.test("OPA's headers; 200 with the body, 304 keeps the ETag; the content type says long polling", async (t) => {
  const body = Buffer.from('a bundle, as bytes')
  const svc = await serve(t, (req, res) => {
    if (req.headers['if-none-match'] === '"r1"') return res.writeHead(304, { 'content-type': `${LONG_POLL_CONTENT_TYPE}; x=1` }).end()
    res.writeHead(200, { 'content-type': req.headers.prefer?.includes('wait') ? LONG_POLL_CONTENT_TYPE : 'application/gzip', etag: '"r1"' }).end(body)
  })
  const first = await requestBundle(base(svc.url, { waitSeconds: 7, bearer: 'tok' }))
  t.same(first, { modified: true, bytes: body, etag: '"r1"', longPoll: true })
  t.match(svc.seen[0], { prefer: 'modes=snapshot;wait=7', authorization: 'Bearer tok' })
  t.notOk(svc.seen[0]!['if-none-match'], 'no ETag yet: no If-None-Match')
  t.notOk(svc.seen[0]!['accept-encoding'], 'no compressed transfer asked for')
  const again = await requestBundle(base(svc.url, { etag: '"r1"' }))
  t.same(again, { modified: false, etag: '"r1"', longPoll: true }, '304 without an ETag header keeps the one sent')
  t.match(svc.seen[1], { prefer: 'modes=snapshot', 'if-none-match': '"r1"' })
  t.notOk(svc.seen[1]!.authorization, 'no credentials unless configured')
  const plain = await requestBundle(base(svc.url))
  t.equal(plain.longPoll, false, 'another content type: the service does not long-poll')
})

t.test('HTTP errors and redirects are download errors with the status', async (t) => {
  const svc = await serve(t, (req, res) => {
    if (req.url?.endsWith('/moved')) return res.writeHead(302, { location: '/bundles/global' }).end()
    res.writeHead(503).end('down')
  })
  await t.rejects(requestBundle(base(svc.url)), { code: 'bundle_download_error', message: /answered HTTP 503/, details: { status: 503 } })
  await t.rejects(requestBundle(base(svc.url + '/moved')), { code: 'bundle_download_error', message: /answered HTTP 302/ }, 'a redirect is not followed')
  t.equal(svc.seen.length, 2)
})

t.test('the compressed size limit: a declared length over it, and a body that passes it while streaming', async (t) => {
  const svc = await serve(t, (req, res) => {
    if (req.url?.endsWith('/declared')) return res.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000))
    res.writeHead(200) // chunked: no length declared
    const timer = setInterval(() => res.write(Buffer.alloc(400, 1)), 5)
    res.on('close', () => clearInterval(timer))
  })
  await t.rejects(requestBundle(base(svc.url + '/declared')), { code: 'bundle_download_error', message: /larger than 1000 bytes/ })
  await t.rejects(
    requestBundle(base(svc.url, { stallMs: 5000 })),
    { code: 'bundle_download_error', message: /larger than 1000 bytes/ },
    'an endless body is cut off',
  )
})

t.test('no headers, or a body that stalls, is aborted after the stall time', async (t) => {
  const svc = await serve(t, (req, res) => {
    if (req.url?.endsWith('/body')) {
      res.writeHead(200, { 'content-length': '100' })
      res.write(Buffer.alloc(10)) // then nothing
    }
    // else: never answers
  })
  await t.rejects(requestBundle(base(svc.url)), { code: 'bundle_download_error', message: /no response/ })
  await t.rejects(requestBundle(base(svc.url, { waitSeconds: 1, stallMs: 100 })), { message: /no response/ }, 'a long poll waits its wait, then the stall time')
  await t.rejects(requestBundle(base(svc.url + '/body')), { code: 'bundle_download_error', message: /the response stalled/ })
})

t.test('a body cut short, the loop closing, and no server are download errors', async (t) => {
  const svc = await serve(t, (req, res) => {
    if (req.url?.endsWith('/short')) {
      res.writeHead(200, { 'content-length': '100' })
      res.write(Buffer.alloc(10), () => res.destroy())
    }
  })
  await t.rejects(requestBundle(base(svc.url + '/short', { stallMs: 5000 })), { code: 'bundle_download_error', message: /closed before the body ended/ })
  const stop = new AbortController()
  const held = requestBundle(base(svc.url, { stallMs: 5000, signal: stop.signal }))
  stop.abort(new Error('closed'))
  await t.rejects(held, { code: 'bundle_download_error', message: /cannot download .*: closed/ })
  await t.rejects(requestBundle(base(svc.url, { signal: AbortSignal.abort(new Error('closed')) })), { message: /closed/ }, 'already aborted')
  await t.rejects(requestBundle(base('http://127.0.0.1:1/bundles/global')), { code: 'bundle_download_error', message: /cannot download .*ECONNREFUSED/ })
  await t.rejects(requestBundle(base('ftp://127.0.0.1/bundles/global')), { code: 'bundle_download_error', message: /unsupported protocol/ })
})
