// Local hot reload: `policy serve --config` with bundles from files picks up a
// rebuilt file (written by rename, as policy build does) without a restart;
// a bad rewrite keeps the last good bundle and shows in health.

import t from 'tap'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfig } from '../../src/config/index.js'
import { startSidecar } from '../../src/server/index.js'
import { BUILTINS_MODULE, globalBundle, ordersBundle } from '../fixtures/engine/bundles.js'
import { until } from '../fixtures/wait/until.js'

t.test('a rebuilt bundle file is swapped in; a broken one is refused and reported', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-reload-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, bytes: Uint8Array) => {
    const tmp = join(dir, `${name}.tmp`)
    writeFileSync(tmp, bytes)
    renameSync(tmp, join(dir, name))
  }
  write('global.tar.gz', await globalBundle('g1'))
  write('orders.tar.gz', await ordersBundle('o1'))
  const config = parseConfig(`
server: { addr: 127.0.0.1:0 }
product: { domain: orders }
auth: { mode: none }
bundles:
  global: { resource: ${join(dir, 'global.tar.gz')} }
  orders: { resource: ${join(dir, 'orders.tar.gz')} }
`)
  const sc = await startSidecar(config, { builtinsModule: BUILTINS_MODULE })
  t.teardown(() => sc.close())
  t.same(sc.engine.revisions(), { global: 'g1', 'domains/orders': 'o1' })

  write('global.tar.gz', await globalBundle('g2'))
  t.ok(await until(() => sc.engine.revisions().global === 'g2'), 'the rebuilt file is live without a restart')

  write('orders.tar.gz', Buffer.from('not a bundle'))
  t.ok(await until(() => sc.sources.statuses().find((s) => s.name === 'orders')?.code === 'bundle_format_error'), 'the broken rewrite is reported')
  t.equal(sc.engine.revisions()['domains/orders'], 'o1', 'and the last good bundle keeps serving')
  const h = (await (await fetch(`${sc.url}/health?bundles`)).json()) as { degraded?: string[] }
  t.match(h.degraded?.[0], /^orders: /, 'health shows it')

  write('orders.tar.gz', await ordersBundle('o2'))
  t.ok(await until(() => sc.engine.revisions()['domains/orders'] === 'o2'), 'a fixed file recovers')
  t.notOk(sc.sources.statuses().find((s) => s.name === 'orders')?.code)
})
