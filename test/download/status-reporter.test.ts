// Status reports reach a collector in OPA's status API shape, again when a
// bundle's state changes, and a collector that fails never breaks anything.

import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { StatusReporter, statusReport, type BundleStatus } from '../../src/download/index.js'

t.test("reports in OPA's shape, on change, and survives a failing collector", async (t) => {
  const got: unknown[] = []
  let failNext = 1
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      if (failNext-- > 0) return res.writeHead(503).end()
      got.push({ path: req.url, auth: req.headers.authorization, body: JSON.parse(body) })
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  let bundles: BundleStatus[] = [{ name: 'global', active_revision: 'g1' }, { name: 'orders' }]
  const rep = new StatusReporter({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`,
    bearer: 'tok',
    labels: { id: 'i-1', product: 'orders', domain: 'sales' },
    bundles: () => bundles,
    intervalMs: 60_000,
  })
  t.teardown(() => rep.close())
  rep.start()
  const until = async (n: number) => {
    for (let i = 0; i < 250 && got.length < n; i++) await new Promise((r) => setTimeout(r, 20))
  }
  rep.changed() // the first report was refused (503): the same state is sent again
  await until(1)
  t.match(got[0], {
    path: '/status',
    auth: 'Bearer tok',
    body: { labels: { id: 'i-1', product: 'orders' }, bundles: { global: { active_revision: 'g1' } }, plugins: { bundle: { state: 'NOT_READY' } } },
  })
  rep.changed()
  await new Promise((r) => setTimeout(r, 100))
  t.equal(got.length, 1, 'no change, no report')
  bundles = [
    { name: 'global', active_revision: 'g1' },
    { name: 'orders', active_revision: 'o1', code: 'bundle_download_error', message: 'down' },
  ]
  rep.changed()
  await until(2)
  t.match(got[1], {
    body: { bundles: { orders: { active_revision: 'o1', code: 'bundle_download_error' } }, plugins: { bundle: { state: 'ERR', message: /orders: down/ } } },
  })
})

t.test('plugin state: OK only when every bundle is active, fresh and error-free', async (t) => {
  t.equal(statusReport({}, [{ name: 'a', active_revision: 'x' }]).plugins.bundle!.state, 'OK')
  t.equal(statusReport({}, [{ name: 'a', active_revision: 'x', stale: true }]).plugins.bundle!.state, 'ERR')
  t.equal(statusReport({}, [{ name: 'a' }]).plugins.bundle!.state, 'NOT_READY')
})
