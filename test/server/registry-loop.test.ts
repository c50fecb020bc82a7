// The whole loop on loopback: a real registry (in process) and a sidecar
// whose layers come from it as OPA bundles from a service. Publishing a new
// revision reaches the sidecar through long polling; signatures are checked
// with keys bound to roots (a domain bundle signed by another domain's key
// is refused even when served by a server that is not our registry); the
// last good bundles are persisted and serve at once after a restart with the
// registry gone; health shows every bundle's source.

import t from 'tap'
import { createServer } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { parseConfig } from '../../src/config/index.js'
import { startSidecar, type Sidecar } from '../../src/server/index.js'
import { BUILTINS_MODULE } from '../fixtures/engine/bundles.js'
import {
  BUILT_WORKER,
  bundle,
  globalBundle,
  governance,
  KEYS,
  ordersBundle,
  ordersTeam,
  put,
  startTestRegistry,
  ORDERS_EPS,
} from '../fixtures/registry/harness.js'
import { until } from '../fixtures/wait/until.js'

const analyst = { subject: { sub: 'ann', roles: ['analyst'] }, port: 'orders-v1', purpose: 'analytics', fields: ['id'] }

function sidecarConfig(registryUrl: string, persistDir: string, o: { ordersUrl?: string } = {}): string {
  const key = (pem: string) => JSON.stringify(pem)
  return `
server: { addr: 127.0.0.1:0 }
product: { domain: orders }
auth: { mode: none }
services:
  registry: { url: ${registryUrl} }
  other: { url: ${o.ordersUrl ?? registryUrl} }
keys:
  global: { algorithm: ES256, key: ${key(KEYS.global.pub)}, roots: [global] }
  orders: { algorithm: ES256, key: ${key(KEYS.orders.pub)}, roots: [domains/orders] }
  customers: { algorithm: ES256, key: ${key(KEYS.customers.pub)}, roots: [domains/customers] }
persistence_directory: ${persistDir}
bundles:
  global:
    service: registry
    resource: bundles/global
    persist: true
    signing: {}
    polling: { min_delay_seconds: 1, max_delay_seconds: 2, long_polling_timeout_seconds: 10 }
  orders:
    service: ${o.ordersUrl ? 'other' : 'registry'}
    resource: bundles/orders
    persist: true
    signing: {}
    polling: { min_delay_seconds: 1, max_delay_seconds: 2, long_polling_timeout_seconds: 10 }
`
}

async function sidecar(t: { teardown(fn: () => unknown): void }, yaml: string): Promise<Sidecar> {
  const sc = await startSidecar(parseConfig(yaml), { builtinsModule: BUILTINS_MODULE })
  t.teardown(() => sc.close())
  return sc
}

t.test('publish → every sidecar serves the new revision; restart with the registry gone serves from disk', async (t) => {
  const persist = mkdtempSync(join(tmpdir(), 'mg-sidecar-persist-'))
  t.teardown(() => rmSync(persist, { recursive: true, force: true }))
  const reg = await startTestRegistry(t)
  t.equal((await put(reg.url, 'global', await globalBundle('g1'), await governance())).ok, true)
  t.equal((await put(reg.url, 'orders', await ordersBundle('o1'), await ordersTeam())).ok, true)

  const sc = await sidecar(t, sidecarConfig(reg.url, persist))
  t.ok(await until(() => sc.engine.ready), 'both layers downloaded and active')
  t.same(sc.engine.revisions(), { global: 'g1', 'domains/orders': 'o1' })
  t.equal((await sc.engine.access(analyst)).value.allow, true)
  const h = (await (await fetch(`${sc.url}/health?bundles`)).json()) as Record<string, unknown>
  t.same(h, {}, "healthy: OPA's empty body")

  t.equal((await put(reg.url, 'global', await globalBundle('g2'), await governance())).ok, true)
  t.ok(await until(() => sc.engine.revisions().global === 'g2'), 'the published revision reaches the sidecar')
  const res = await fetch(`${sc.url}/v1/decisions/access`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ port: 'orders-v1', purpose: 'analytics', fields: ['id'] }),
  })
  t.match(await res.json(), { revisions: { global: 'g2' } }, 'answers carry the new revision')

  await sc.close()
  await reg.close()
  const again = await sidecar(t, sidecarConfig(reg.url, persist))
  t.same(again.engine.revisions(), { global: 'g2', 'domains/orders': 'o1' }, 'restored from disk before any download')
  t.equal((await again.engine.access(analyst)).value.allow, true)
  const health = await fetch(`${again.url}/health?bundles`)
  t.equal(health.status, 200, 'ready: every layer has an active bundle, though the registry is down')
  t.ok(
    await until(async () => {
      const b = (await (await fetch(`${again.url}/health?plugins`)).json()) as {
        plugins?: { bundle?: { state?: string } }
        bundles?: Record<string, { restored_from_disk?: boolean; code?: string }>
      }
      return b.plugins?.bundle?.state === 'ERR' && b.bundles?.global?.restored_from_disk === true && b.bundles.global.code === 'bundle_download_error'
    }),
    '?plugins shows the degraded state: restored from disk, registry unreachable',
  )
})

t.test("a domain bundle signed by another domain's key is refused, whoever serves it", async (t) => {
  const persist = mkdtempSync(join(tmpdir(), 'mg-sidecar-persist-'))
  t.teardown(() => rmSync(persist, { recursive: true, force: true }))
  const reg = await startTestRegistry(t)
  t.equal((await put(reg.url, 'global', await globalBundle('g1'), await governance())).ok, true)
  // A server that is not our registry (no publish-time checks) serves the forged bundle.
  const forged = await bundle({ roots: ['domains/orders'], revision: 'forged', exports: ORDERS_EPS, sign: { key: KEYS.customers, kid: 'customers' } })
  const rogue = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/gzip', etag: '"f"' }).end(forged)
  })
  await new Promise<void>((r) => rogue.listen(0, '127.0.0.1', r))
  t.teardown(
    () =>
      new Promise<void>((r) => {
        rogue.closeAllConnections()
        rogue.close(() => r())
      }),
  )
  const rogueUrl = `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`
  const sc = await sidecar(t, sidecarConfig(reg.url, persist, { ordersUrl: rogueUrl }))
  t.ok(await until(() => sc.sources.statuses().find((s) => s.name === 'orders')?.code === 'bundle_signature_error'), 'refused with bundle_signature_error')
  t.equal(sc.engine.revisions()['domains/orders'], undefined, 'never activated')
  const res = await fetch(`${sc.url}/v1/decisions/access`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ port: 'orders-v1', purpose: 'analytics', fields: ['id'] }),
  })
  t.equal(res.status, 503, 'decisions fail closed')
  const health = await fetch(`${sc.url}/health?bundles`)
  t.equal(health.status, 500)
  t.match(await health.json(), { bundles: { orders: { code: 'bundle_signature_error' } } })
})

t.test('registry down at start with nothing persisted; a missing signature; the registry restarting', async (t) => {
  const persist = mkdtempSync(join(tmpdir(), 'mg-sidecar-persist-'))
  t.teardown(() => rmSync(persist, { recursive: true, force: true }))
  // Nothing listens on this port (we just closed it).
  const probe = createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  const deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`
  await new Promise<void>((r) => probe.close(() => r()))

  const down = await sidecar(t, sidecarConfig(deadUrl, persist))
  t.notOk(down.engine.ready, 'no layer can be active')
  const res = await fetch(`${down.url}/v1/decisions/access`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ port: 'orders-v1' }),
  })
  t.equal(res.status, 503, 'decisions fail closed')
  t.equal((await fetch(`${down.url}/health`)).status, 200, 'liveness stays 200')
  t.ok(
    await until(async () => {
      const h = await fetch(`${down.url}/health?bundles`)
      const b = (await h.json()) as { bundles?: Record<string, { code?: string }> }
      return h.status === 500 && b.bundles?.global?.code === 'bundle_download_error'
    }),
    'readiness 500, and the body says the registry cannot be reached',
  )
  await down.close()

  // A registry serving an unsigned bundle, to a sidecar that requires signatures.
  const unsigned = await bundle({ roots: ['global'], revision: 'unsigned', exports: ['global/access'], sign: false })
  const plain = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/gzip', etag: '"u"' }).end(unsigned)
  })
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r))
  t.teardown(
    () =>
      new Promise<void>((r) => {
        plain.closeAllConnections()
        plain.close(() => r())
      }),
  )
  const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`
  const sc = await sidecar(t, sidecarConfig(plainUrl, persist))
  t.ok(
    await until(() => /not signed/.test(sc.sources.statuses().find((s) => s.name === 'global')?.message ?? '')),
    'an unsigned bundle is refused when signing is configured',
  )
  t.equal(sc.engine.revisions().global, undefined)
  await sc.close()

  // The registry restarts (same data folder): the sidecar keeps serving, then follows the new registry.
  const reg = await startTestRegistry(t)
  t.ok((await put(reg.url, 'global', await globalBundle('g1'), await governance())).ok)
  t.ok((await put(reg.url, 'orders', await ordersBundle('o1'), await ordersTeam())).ok)
  const follower = await sidecar(t, sidecarConfig(reg.url, persist))
  t.ok(await until(() => follower.engine.revisions().global === 'g1'))
  const port = Number(new URL(reg.url).port)
  await reg.close()
  t.ok(await until(() => follower.sources.statuses().find((s) => s.name === 'global')?.code === 'bundle_download_error'), 'the outage is reported')
  t.equal((await follower.engine.access(analyst)).value.allow, true, 'and the last good bundles keep serving')
  const { readFileSync } = await import('node:fs')
  const { parseRegistryConfig, startRegistry } = await import('../../src/registry/index.js')
  const again = await startRegistry(
    parseRegistryConfig(readFileSync(join(reg.dir, 'registry.yaml'), 'utf8').replace('127.0.0.1:0', `127.0.0.1:${port}`), join(reg.dir, 'registry.yaml')),
    { loadCheckWorker: BUILT_WORKER },
  )
  t.teardown(() => again.close())
  const republished = await put(again.url, 'global', await globalBundle('g2'), await governance())
  t.ok(republished.ok, `a publish to the restarted registry${republished.ok ? '' : `: ${republished.status} ${await republished.text()}`}`)
  t.ok(await until(() => follower.engine.revisions().global === 'g2', 20_000), 'reaches the sidecar after its backoff')
  t.ok(await until(() => follower.sources.statuses().find((s) => s.name === 'global')?.code === undefined), 'and the error clears')
})
