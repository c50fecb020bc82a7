// The download loop against a real HTTP server on 127.0.0.1 that serves
// bundles as OPA's bundle service does (ETag, 304, long polling) and
// misbehaves on demand (5xx, a response that stalls mid-body, truncated and
// corrupt archives, oversized bodies, going away). Each fault asserts: no
// decision fails or flips to allow, the last good revision keeps serving,
// the error is reported.

import t from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { writeBundle } from '../../src/bundle/index.js'
import { compile } from '../../src/compiler.js'
import { BundleLoop, BundlePersistence, LONG_POLL_CONTENT_TYPE, type BundleLoopOptions } from '../../src/download/index.js'
import { Engine, globalLayer } from '../../src/engine/index.js'
import { until } from '../fixtures/wait/until.js'

async function globalBundle(revision: string, denyMarketing: boolean): Promise<Buffer> {
  const source = `package global.access\n\nallow if input.subject.role == "analyst"\n${denyMarketing ? '\ndeny contains "marketing" if input.purpose == "marketing"\n' : ''}`
  const { wasm } = await compile({ modules: [{ path: 'g.rego', source }], entrypoints: ['global/access'], strictBuiltinErrors: true })
  return writeBundle({
    manifest: { revision, roots: ['global'], wasm: [{ entrypoint: 'global/access', module: '/policy.wasm' }] },
    wasm,
    data: {},
    sources: [{ path: 'g.rego', source }],
  })
}

type Fault = 'none' | '500' | 'stall' | 'truncated' | 'corrupt' | 'huge'

/** A bundle service: `publish` changes the bundle and answers waiting long polls at once. */
async function bundleService(t: { teardown(fn: () => unknown): void }) {
  let bundle: { bytes: Buffer; etag: string } | undefined
  let fault: Fault = 'none'
  const waiting = new Set<() => void>()
  const seen: { prefer?: string; ifNoneMatch?: string }[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ prefer: req.headers.prefer, ifNoneMatch: req.headers['if-none-match'] as string | undefined })
    const answer = () => {
      if (fault === '500') return res.writeHead(500).end('boom')
      if (!bundle) return res.writeHead(404).end()
      if (fault === 'stall') {
        res.writeHead(200, { 'content-type': LONG_POLL_CONTENT_TYPE, etag: bundle.etag })
        res.write(bundle.bytes.subarray(0, 10)) // then nothing, forever
        return
      }
      if (req.headers['if-none-match'] === bundle.etag) return res.writeHead(304, { etag: bundle.etag, 'content-type': LONG_POLL_CONTENT_TYPE }).end()
      let body = bundle.bytes
      if (fault === 'truncated') body = body.subarray(0, body.length >> 1)
      if (fault === 'corrupt') {
        body = Buffer.from(body)
        body[body.length >> 1]! ^= 0xff
      }
      if (fault === 'huge') body = Buffer.alloc(2 * 1024 * 1024, 1)
      res.writeHead(200, { 'content-type': LONG_POLL_CONTENT_TYPE, etag: bundle.etag }).end(body)
    }
    const wait = /wait=(\d+)/.exec(String(req.headers.prefer ?? ''))
    if (wait && bundle && req.headers['if-none-match'] === bundle.etag && fault === 'none') {
      // Long poll: hold until a publish or the wait ends.
      let done = false
      const go = () => {
        if (done) return
        done = true
        clearTimeout(timer)
        waiting.delete(go)
        answer()
      }
      const timer = setTimeout(go, Number(wait[1]) * 1000)
      waiting.add(go)
      req.on('close', () => {
        done = true
        clearTimeout(timer)
        waiting.delete(go)
      })
      return
    }
    answer()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bundles/global`
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections()
      server.close(() => r())
    })
  t.teardown(close)
  return {
    url,
    seen,
    publish(bytes: Buffer, etag: string) {
      bundle = { bytes, etag }
      for (const w of [...waiting]) w()
    },
    setFault(f: Fault) {
      fault = f
      if (f !== 'none') for (const w of [...waiting]) w()
    },
    close,
  }
}

const analyst = { subject: { role: 'analyst' }, purpose: 'analytics' }
const marketing = { subject: { role: 'analyst' }, purpose: 'marketing' }

function setup(t: { teardown(fn: () => unknown): void }, extra: Partial<BundleLoopOptions> & { url: string }) {
  const engine = new Engine({ layers: [globalLayer()], cacheSize: 0 })
  t.teardown(() => engine.close())
  const loop = new BundleLoop({
    name: 'global',
    polling: { minDelaySeconds: 0.05, maxDelaySeconds: 0.2, longPollingTimeoutSeconds: 5 },
    maxBytes: 1024 * 1024,
    stallMs: 300,
    activate: async (bytes) => (await engine.activate('global', bytes)).loaded.revision,
    ...extra,
  })
  t.teardown(() => loop.close())
  return { engine, loop }
}

t.test('downloads, long-polls, and picks up a publish while the request is held', async (t) => {
  const svc = await bundleService(t)
  svc.publish(await globalBundle('r1', false), '"r1"')
  const { engine, loop } = setup(t, { url: svc.url })
  await loop.start()
  t.ok(await until(() => engine.revisions().global === 'r1'), 'first revision active')
  t.equal((await engine.access(marketing)).value.allow, true)
  t.ok(await until(() => svc.seen.some((s) => s.ifNoneMatch === '"r1"' && /wait=5/.test(s.prefer ?? ''))), 'then a long poll with the ETag')
  svc.publish(await globalBundle('r2', true), '"r2"')
  t.ok(await until(() => engine.revisions().global === 'r2'), 'the publish answers the held request')
  t.equal((await engine.access(marketing)).value.allow, false, 'the new deny applies')
  const st = loop.status()
  t.match(st, { name: 'global', active_revision: 'r2', long_polling: true, stale: false })
  t.notOk(st.code, 'no error')
  t.match(svc.seen[0]?.prefer, /^modes=snapshot;wait=5$/, "OPA's Prefer header")
})

t.test('every fault keeps the last good bundle and is reported', async (t) => {
  const svc = await bundleService(t)
  svc.publish(await globalBundle('good', true), '"good"')
  const { engine, loop } = setup(t, { url: svc.url })
  await loop.start()
  t.ok(await until(() => engine.revisions().global === 'good'))
  const faults: [Fault, RegExp][] = [
    ['500', /HTTP 500/],
    ['stall', /stalled|no response/],
    ['truncated', /bundle|gzip|tar|end/i],
    ['corrupt', /bundle|gzip|tar|check/i],
    ['huge', /larger than/],
  ]
  let n = 0
  for (const [fault, why] of faults) {
    // A new revision, served broken: the loop must refuse it and keep `good`.
    const bad = await globalBundle(`bad-${++n}`, false)
    svc.setFault(fault)
    svc.publish(bad, `"bad-${n}"`)
    t.ok(await until(() => loop.status().message !== undefined && why.test(loop.status().message!)), `${fault}: reported (${loop.status().message})`)
    t.equal(engine.revisions().global, 'good', `${fault}: the last good revision serves`)
    t.equal((await engine.access(marketing)).value.allow, false, `${fault}: no flip to allow`)
    t.equal((await engine.access(analyst)).value.allow, true, `${fault}: decisions still answer`)
    const good = await globalBundle('good', true)
    svc.setFault('none')
    svc.publish(good, '"good"')
    t.ok(await until(() => loop.status().code === undefined), `${fault}: recovers`)
  }
  await svc.close()
  t.ok(await until(() => /cannot download/.test(loop.status().message ?? '')), 'service down: reported')
  t.equal((await engine.access(marketing)).value.allow, false, 'service down: last good bundle serves')
})

t.test('the last good bundle is persisted and restored while the service is down', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-persist-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const svc = await bundleService(t)
  svc.publish(await globalBundle('kept', true), '"kept"')
  const first = setup(t, { url: svc.url, persistence: new BundlePersistence(dir, 'global') })
  await first.loop.start()
  t.ok(await until(() => first.engine.revisions().global === 'kept'))
  await first.loop.close()
  const lastCheck = first.loop.lastCheck
  await svc.close()

  // A new sidecar, the service gone: it serves from disk at once.
  let checked: number | undefined
  const second = setup(t, {
    url: svc.url,
    persistence: new BundlePersistence(dir, 'global'),
    maxAgeSeconds: 3600,
    onCheck: (at) => {
      checked = at
    },
  })
  await second.loop.start()
  t.equal(second.engine.revisions().global, 'kept', 'restored before the first download attempt')
  t.equal((await second.engine.access(marketing)).value.allow, false)
  t.match(second.loop.status(), { restored_from_disk: true, active_revision: 'kept', stale: false })
  t.ok(lastCheck !== undefined)
  t.equal(checked, lastCheck, 'the restored copy keeps the time of its last successful check')
  t.ok(await until(() => /cannot download/.test(second.loop.status().message ?? '')), 'the download error is reported too')
})

t.test('maximum bundle age: a stale layer fails closed', async (t) => {
  const svc = await bundleService(t)
  svc.publish(await globalBundle('aging', false), '"aging"')
  let clock = Date.now()
  const { engine, loop } = setup(t, {
    url: svc.url,
    maxAgeSeconds: 60,
    now: () => clock,
    onCheck: (at) => engine.setFreshness('global', at + 60_000),
  })
  await loop.start()
  t.ok(await until(() => engine.revisions().global === 'aging'))
  t.equal((await engine.access(analyst)).value.allow, true)
  await svc.close()
  t.ok(await until(() => loop.status().code === 'bundle_download_error'))
  clock += 61_000
  t.equal(loop.status().stale, true, 'status says stale once the maximum age has passed without a check')
  // The engine reads the real clock: a deadline in the past is what the
  // sidecar's wiring sets when the last check is older than the maximum age.
  engine.setFreshness('global', Date.now() - 1)
  const stale = await engine.access(analyst).then(
    () => undefined,
    (e) => e,
  )
  t.equal(stale?.code, 'bundle_stale', 'fails closed with bundle_stale')
  t.equal(stale?.status, 503)
  engine.setFreshness('global', Date.now() - 1, 'serve')
  t.equal((await engine.access(analyst)).value.allow, true, '`serve` keeps answering')
})
