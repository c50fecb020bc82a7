// Engine: OPA-built bundles served alone, layered access combination, fail
// closed, atomic swap keeping the last good bundle, cache invalidation,
// memory limit, step budget, wall-clock budget in the worker pool.

import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { writeBundle } from '../../src/bundle/index.js'
import { Engine, domainLayer, globalLayer, standaloneLayer, type EngineOptions } from '../../src/engine/index.js'
import { MeshgateError } from '../../src/errors/index.js'
import { BUILTINS_MODULE, customersBundle, globalBundle, ordersBundle } from '../fixtures/engine/bundles.js'

const OPA_BUILT = new URL('../../../shared/opa-built/', import.meta.url)
// The OPA-built modules are test data beside the repository (../shared); without them these tests skip.
const SHARED = { skip: existsSync(fileURLToPath(OPA_BUILT)) ? false : `OPA-built modules not found at ${fileURLToPath(OPA_BUILT)}` }

function layered(extra: Partial<EngineOptions> = {}): Engine {
  return new Engine({ layers: [globalLayer(), domainLayer('orders')], builtinsModule: BUILTINS_MODULE, mesh: { pii: ['email'] }, ...extra })
}

async function ready(extra: Partial<EngineOptions> = {}, hazards = false): Promise<Engine> {
  const e = layered(extra)
  t.teardown(() => e.close())
  await e.activate('global', await globalBundle('g1', hazards))
  await e.activate('domains/orders', await ordersBundle())
  return e
}

const analyst = { subject: { sub: 'ann', roles: ['analyst'], clearance: 'low' }, port: 'orders-v1', purpose: 'analytics', fields: ['id'] }

t.test('OPA-built modules, wrapped or as built, answer as the SDK did', SHARED, async (t) => {
  for (const dir of ['dotnet-rbac', 'java-abi1_1', 'python-sprintf']) {
    const wasm = await readFile(new URL(`${dir}/policy.wasm`, OPA_BUILT))
    const data = JSON.parse(await readFile(new URL(`${dir}/data.json`, OPA_BUILT), 'utf8'))
    const cases = JSON.parse(await readFile(new URL(`${dir}/cases.json`, OPA_BUILT), 'utf8')) as {
      entrypoint: string
      input: unknown
      result: { result: unknown }[]
    }[]
    const e = new Engine({ layers: [standaloneLayer(dir)] })
    t.teardown(() => e.close())
    await e.activate(dir, writeBundle({ manifest: { roots: [''], revision: dir }, wasm, data }))
    for (const c of cases) {
      const got = await e.document(c.entrypoint.split('/'), c.input)
      t.same(got.value, c.result[0]?.result, `${dir} ${c.entrypoint} ${JSON.stringify(c.input)}`)
      t.same(got.revisions, { [dir]: dir })
    }
  }
  const e = new Engine({ layers: [standaloneLayer('example')] })
  t.teardown(() => e.close())
  await e.activate('example', await readFile(new URL('bundles/dotnet-example.tar.gz', OPA_BUILT)))
  t.same((await e.document(['example', 'hello'], { message: 'world' })).value, false)
  t.same((await e.document([], {})).value, { example: { hello: false } }, 'whole virtual document')
  t.equal((await e.document(['nothing', 'here'], {})).value, undefined, 'undefined stays undefined')
  const j = new Engine({ layers: [standaloneLayer('java')] })
  t.teardown(() => j.close())
  await j.activate('java', await readFile(new URL('bundles/java-abi1_1.tar.gz', OPA_BUILT)))
  t.same((await j.document(['opa', 'wasm', 'test', 'allowed'], { user: 'alice' })).value, true, 'ABI 1.1 slow path')
})

t.test('a bundle claiming the whole tree cannot be a layer', SHARED, async (t) => {
  const e = layered()
  t.teardown(() => e.close())
  const err = await e.activate('global', await readFile(new URL('bundles/dotnet-example.tar.gz', OPA_BUILT))).catch((x) => x)
  t.equal(err.code, 'bundle_scope_error')
  t.match(err.message, /outside its layer `global`/)
  t.throws(() => new Engine({ layers: [standaloneLayer('x'), globalLayer()] }), { code: 'config_error' })
})

t.test('a domain bundle cannot reach into the global root', async (t) => {
  const e = layered()
  t.teardown(() => e.close())
  await t.rejects(e.activate('domains/orders', await customersBundle()), { code: 'bundle_scope_error' })
  const sneaky = writeBundle({
    manifest: { roots: ['domains/orders'] },
    wasm: new Uint8Array(8),
    sources: [{ path: 'x.rego', source: 'package global.access\n' }],
  })
  await t.rejects(e.activate('domains/orders', sneaky), { code: 'bundle_scope_error', message: /package `data.global.access`/ })
})

t.test('federated access: some allow and no deny', async (t) => {
  const e = await ready()
  t.teardown(() => e.close())
  const ok = await e.access(analyst)
  t.equal(ok.value.allow, true)
  t.same(ok.value.allowed_by, ['domains/orders'])
  t.same(ok.value.deny, [])
  t.equal(ok.value.message, 'allowed by layer `domains/orders`')
  t.same(ok.revisions, { global: 'g1', 'domains/orders': 'o1' })

  const nobody = await e.access({ ...analyst, subject: { roles: [] } })
  t.equal(nobody.value.allow, false, 'default deny')
  t.same(nobody.value.deny, [])
  t.equal(nobody.value.message, 'no layer allows the request (default deny)')

  const marketing = await e.access({ ...analyst, purpose: 'marketing' })
  t.equal(marketing.value.allow, false, 'a global deny wins over a domain allow')
  t.same(marketing.value.deny, [{ layer: 'global', message: 'purpose `marketing` is not allowed on any port' }])
  t.same(marketing.value.allowed_by, ['domains/orders'])

  const del = await e.access({ ...analyst, request: { method: 'DELETE' } })
  t.equal(del.value.allow, false, 'a domain deny refuses too')
  t.same(del.value.deny, [{ layer: 'domains/orders', message: 'orders are read-only', code: 'ro', details: { message: 'orders are read-only', code: 'ro' } }])

  const pii = await e.access({ ...analyst, fields: ['email'] })
  t.equal(pii.value.allow, false, 'policies see data.mesh')
  const cleared = await e.access({ ...analyst, fields: ['email'], subject: { ...analyst.subject, clearance: 'high' } })
  t.equal(cleared.value.allow, true)
  t.same(
    cleared.value.layers.map((l) => [l.layer, l.revision, l.allow, l.deny.length]),
    [
      ['global', 'g1', false, 0],
      ['domains/orders', 'o1', true, 0],
    ],
  )
})

t.test('fail closed with a layer missing', async (t) => {
  const e = layered()
  t.teardown(() => e.close())
  await e.activate('global', await globalBundle())
  t.equal(e.ready, false)
  const err = await e.access(analyst).catch((x) => x)
  t.ok(err instanceof MeshgateError)
  t.equal(err.code, 'bundle_unavailable')
  t.equal(err.status, 503)
  t.match(err.message, /`domains\/orders`/)
  await t.rejects(e.document([], {}), { code: 'bundle_unavailable' })
})

t.test('swap keeps the last good bundle; a new revision invalidates the cache', async (t) => {
  const e = await ready({ cacheSize: 100 })
  t.teardown(() => e.close())
  t.equal((await e.access(analyst)).cached, false)
  t.equal((await e.access(analyst)).cached, true, 'same revisions and input: cached')
  await t.rejects(e.activate('domains/orders', Buffer.from('garbage')), { code: 'bundle_format_error' })
  t.equal(e.layers[1]!.lastError?.code, 'bundle_format_error')
  const still = await e.access(analyst)
  t.equal(still.value.allow, true, 'last good bundle still serves')
  t.same(still.revisions, { global: 'g1', 'domains/orders': 'o1' })
  await e.activate('domains/orders', await ordersBundle('o2'))
  const fresh = await e.access(analyst)
  t.equal(fresh.cached, false, 'new revision, new key')
  t.same(fresh.revisions, { global: 'g1', 'domains/orders': 'o2' })
  t.equal(e.layers[1]!.lastError, undefined)
  const off = await ready({ cacheSize: 0 })
  t.teardown(() => off.close())
  await off.access(analyst)
  t.equal((await off.access(analyst)).cached, false, 'cache off')
})

t.test('virtual documents across layers', async (t) => {
  const e = await ready()
  t.teardown(() => e.close())
  const all = (await e.document([], analyst)).value as any
  t.same(all.global.limits, { max_rows: 10 }, 'base data')
  t.same(all.global.access, { allow: false, deny: [] })
  t.same(all.domains.orders.access, { allow: true, deny: [] })
  t.same(all.mesh, { pii: ['email'] })
  t.notOk('undefined' in all.domains.orders, 'undefined rules are absent')
  t.same((await e.document(['domains', 'orders', 'echo', 'subject', 'sub'], analyst)).value, 'ann', 'path below an entrypoint')
  t.equal((await e.document(['domains', 'orders', 'undefined'], {})).value, undefined)
  t.same((await e.document(['global', 'limits', 'max_rows'], {})).value, 10, 'base data below a layer root')
  const q = await e.query('anonymization', {})
  t.same(q.value[0], { layer: 'global', revision: 'g1', result: { fields: { email: 'hash' } } })
  t.same(q.value[1]!.layer, 'domains/orders')
  const none = await e.query('nothing', {})
  t.same(
    none.value.map((l) => l.result),
    [undefined, undefined],
    'a layer without the package has nothing to say',
  )
})

t.test('setMesh reaches every layer and invalidates', async (t) => {
  const e = await ready()
  t.teardown(() => e.close())
  t.same((await e.document(['global', 'meta'], {})).value, { ports: [] })
  await e.setMesh({ pii: [], ports: { 'orders-v1': {} } })
  t.same((await e.document(['global', 'meta'], {})).value, { ports: ['orders-v1'] })
  t.equal((await e.access({ ...analyst, fields: ['email'] })).value.allow, true, 'email no longer pii')
})

t.test('memory limit per bundle', async (t) => {
  const e = await ready({ memoryMiB: 8 }, true)
  t.teardown(() => e.close())
  await t.rejects(e.document(['global', 'hog'], {}), { code: 'eval_memory_exceeded' })
  t.equal((await e.access(analyst)).value.allow, true, 'the instance still serves after the failure')
})

t.test('step budget cuts a runaway evaluation off', async (t) => {
  const e = await ready({ budgets: { steps: 10_000 } }, true)
  t.teardown(() => e.close())
  const err = await e.document(['global', 'spin'], {}).catch((x) => x)
  t.equal(err.code, 'eval_budget_exceeded')
  t.match(err.message, /step budget/)
  t.equal((await e.access(analyst)).value.allow, true)
})

t.test('wall-clock budget in the worker pool never stalls other requests', async (t) => {
  const e = await ready({ budgets: { timeMs: 400, workers: 2 } }, true)
  t.teardown(() => e.close())
  t.equal((await e.access(analyst)).value.allow, true, 'workers answer')
  const spinning = e.document(['global', 'spin'], {}).catch((x) => x)
  const other = await e.access({ ...analyst, purpose: 'other' })
  t.equal(other.value.allow, true, 'answered while another worker spins')
  const err = await spinning
  t.equal(err.code, 'eval_budget_exceeded')
  // The killed worker is replaced and loaded with every bundle.
  await e.activate('domains/orders', await ordersBundle('o3'))
  for (let i = 0; i < 4; i++) t.equal((await e.access({ ...analyst, fields: [String(i)] })).value.allow, true)
})

t.test('an engine evaluating in process keeps a module compiled only; a worker pool keeps its bytes to start workers', async (t) => {
  const moduleBytes = (e: Engine) => e.layers.map((l) => l.active!.loaded.image.modules.map((m) => m.bytes.length))
  const inProcess = await ready()
  t.same(moduleBytes(inProcess), [[0], [0]], 'the bytes are dropped once loaded (issue 13)')
  t.equal((await inProcess.access(analyst)).value.allow, true, 'and the compiled module answers')
  await inProcess.activate('domains/orders', await ordersBundle('o2'))
  t.equal((await inProcess.access(analyst)).value.allow, true, 'a new revision too')
  const pooled = await ready({ budgets: { timeMs: 400, workers: 1 } })
  t.ok(
    moduleBytes(pooled)
      .flat()
      .every((n) => n > 0),
    'a pool restarts workers from the bytes',
  )
  t.equal((await pooled.access(analyst)).value.allow, true)
})
