// Bundle stage: read OPA-built bundles, round-trip writeBundle, roots rules.

import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import t from 'tap'
import { readFile, mkdtemp, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { checkOverlap, checkRoots, readBundle, readTar, saveBundle, writeBundle, writeTar } from '../../src/bundle/index.js'
import { MeshgateError } from '../../src/errors/index.js'

const OPA_BUILT = new URL('../../../shared/opa-built/bundles/', import.meta.url)
// The OPA-built modules are test data beside the repository (../shared); without them these tests skip.
const SHARED = { skip: existsSync(fileURLToPath(OPA_BUILT)) ? false : `OPA-built modules not found at ${fileURLToPath(OPA_BUILT)}` }

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (e) {
    return (e as MeshgateError).code
  }
  return undefined
}

t.test('reads bundles written by opa build (leading `/`, roots [""])', SHARED, async (t) => {
  const b = readBundle(await readFile(new URL('dotnet-example.tar.gz', OPA_BUILT)), 'dotnet-example')
  t.same(b.manifest, { revision: '', roots: [''], wasm: [{ entrypoint: 'example/hello', module: '/policy.wasm' }], rego_version: 1 })
  t.ok(b.hasManifest)
  t.same([...b.wasm.keys()], ['/policy.wasm'])
  t.same(
    b.sources.map((s) => s.path),
    ['example.rego'],
  )
  t.match(b.sources[0]!.source, /package example/)
  const j = readBundle(await readFile(new URL('java-abi1_1.tar.gz', OPA_BUILT)), 'java')
  t.same(j.manifest.wasm?.[0]?.entrypoint, 'opa/wasm/test/allowed')
  t.equal(j.manifest.rego_version, undefined)
  t.ok(Object.keys(j.data).length > 0, 'root data.json merged into data')
})

t.test('writeBundle round-trips and is deterministic', async (t) => {
  const contents = {
    manifest: {
      revision: 'r1',
      roots: ['domains/orders'],
      wasm: [{ entrypoint: 'domains/orders/access/allow', module: '/policy.wasm' }],
      rego_version: 1,
      metadata: { by: 'test' },
    },
    wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]),
    data: { domains: { orders: { b: 1, a: [1, 2] } } },
    sources: [
      { path: 'domains/orders/z.rego', source: 'package domains.orders.z\n' },
      { path: 'domains/orders/access.rego', source: 'package domains.orders.access\n' },
    ],
    packages: ['domains.orders.access', 'data.domains.orders.z'],
  }
  const a = writeBundle(contents)
  const b = writeBundle({ ...contents, data: { domains: { orders: { a: [1, 2], b: 1 } } } })
  t.ok(a.equals(b), 'same content, same bytes')
  const back = readBundle(a)
  t.same(back.manifest, contents.manifest)
  t.same(back.data, contents.data)
  t.same([...back.wasm.get('/policy.wasm')!], [...contents.wasm])
  t.same(
    back.sources.map((s) => s.path),
    ['domains/orders/access.rego', 'domains/orders/z.rego'],
    'sources sorted',
  )
  const names = readTar(require_gunzip(a)).map((e) => e.name)
  t.same(names, ['data.json', 'domains/orders/access.rego', 'domains/orders/z.rego', 'policy.wasm', '.manifest'], 'OPA order, manifest last')
})

t.test('data files are placed by directory; yaml too; conflicts refused', async (t) => {
  const tar = writeTar([
    { name: '/domains/orders/data.json', data: Buffer.from('{"x":1}') },
    { name: 'domains/orders/limits/data.yaml', data: Buffer.from('max: 5\n') },
    { name: '.manifest', data: Buffer.from('{"roots":["domains/orders"]}') },
  ])
  const b = readBundle(gzipSync(tar))
  t.same(b.data, { domains: { orders: { x: 1, limits: { max: 5 } } } })
  t.equal(b.manifest.revision, '', 'revision defaults to ""')
  const clash = writeTar([
    { name: 'a/data.json', data: Buffer.from('{"b":1}') },
    { name: 'a/b/data.json', data: Buffer.from('{"c":1}') },
  ])
  t.equal(
    codeOf(() => readBundle(gzipSync(clash))),
    'bundle_format_error',
  )
})

t.test('long member names survive (pax records)', async (t) => {
  const long = 'domains/' + 'x'.repeat(150) + '/p.rego'
  const entries = readTar(writeTar([{ name: long, data: Buffer.from('package x') }]))
  t.equal(entries[0]!.name, long)
})

t.test('format errors', async (t) => {
  t.equal(
    codeOf(() => readBundle(Buffer.from('not gzip'))),
    'bundle_format_error',
  )
  const badManifest = gzipSync(writeTar([{ name: '.manifest', data: Buffer.from('{"roots": "x"}') }]))
  t.equal(
    codeOf(() => readBundle(badManifest)),
    'bundle_format_error',
  )
  const missingModule = gzipSync(writeTar([{ name: '.manifest', data: Buffer.from('{"wasm":[{"entrypoint":"a/b","module":"/policy.wasm"}]}') }]))
  t.equal(
    codeOf(() => readBundle(missingModule)),
    'bundle_format_error',
  )
  const corrupt = Buffer.from(writeTar([{ name: 'a', data: Buffer.from('x') }]))
  corrupt[0] = 0x41
  t.equal(
    codeOf(() => readBundle(gzipSync(corrupt))),
    'bundle_format_error',
  )
  t.equal(
    codeOf(() => writeBundle({ manifest: { roots: ['a'], wasm: [{ entrypoint: 'a/x', module: '/policy.wasm' }] } })),
    'bundle_format_error',
  )
})

t.test('checkRoots refuses packages, data and entrypoints outside roots', async (t) => {
  const m = { roots: ['global'] }
  t.doesNotThrow(() => checkRoots(m, ['global.access', 'data.global.anonymize'], { global: { x: 1 } }))
  t.equal(
    codeOf(() => checkRoots(m, ['globalx.access'])),
    'bundle_scope_error',
    'a root is a path prefix, not a string prefix',
  )
  t.equal(
    codeOf(() => checkRoots(m, ['domains.orders'])),
    'bundle_scope_error',
  )
  t.equal(
    codeOf(() => checkRoots(m, [], { domains: {} })),
    'bundle_scope_error',
  )
  t.equal(
    codeOf(() => checkRoots(m, [], ['domains/orders'])),
    'bundle_scope_error',
  )
  t.equal(
    codeOf(() => checkRoots({ roots: ['global'], wasm: [{ entrypoint: 'x/allow', module: '/policy.wasm' }] }, [])),
    'bundle_scope_error',
  )
  t.doesNotThrow(() => checkRoots({ roots: [''] }, ['anything.at.all'], { x: 1 }))
  try {
    checkRoots({ roots: ['domains/orders'] }, ['domains.customers.access'])
  } catch (e) {
    t.equal((e as MeshgateError).message, 'package `data.domains.customers.access` is outside the bundle roots `domains/orders`')
  }
  const leaking = gzipSync(
    writeTar([
      { name: 'data.json', data: Buffer.from('{"global":{"x":1}}') },
      { name: '.manifest', data: Buffer.from('{"roots":["domains/orders"]}') },
    ]),
  )
  t.equal(
    codeOf(() => readBundle(leaking)),
    'bundle_scope_error',
    'load time too',
  )
})

t.test('checkOverlap', async (t) => {
  t.doesNotThrow(() =>
    checkOverlap([
      { name: 'g', manifest: { roots: ['global'] } },
      { name: 'o', manifest: { roots: ['domains/orders'] } },
      { name: 'c', manifest: { roots: ['domains/customers'] } },
    ]),
  )
  t.equal(
    codeOf(() =>
      checkOverlap([
        { name: 'd', manifest: { roots: ['domains'] } },
        { name: 'o', manifest: { roots: ['domains/orders'] } },
      ]),
    ),
    'bundle_scope_error',
  )
  t.equal(
    codeOf(() =>
      checkOverlap([
        { name: 'all', manifest: { roots: [''] } },
        { name: 'g', manifest: { roots: ['global'] } },
      ]),
    ),
    'bundle_scope_error',
  )
})

t.test('saveBundle writes atomically', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-bundle-'))
  t.teardown(() => import('node:fs/promises').then((f) => f.rm(dir, { recursive: true, force: true })))
  const file = join(dir, 'b.tar.gz')
  await saveBundle(file, { manifest: { roots: ['global'], revision: 'x' } })
  t.same(await readdir(dir), ['b.tar.gz'], 'no temp file left')
  t.equal(readBundle(await readFile(file)).manifest.revision, 'x')
  await t.rejects(saveBundle(join(dir, 'missing', 'b.tar.gz'), { manifest: { roots: ['global'] } }), { code: 'io_error' })
  t.same(await readdir(dir), ['b.tar.gz'])
})

import { gunzipSync } from 'node:zlib'
function require_gunzip(b: Buffer): Buffer {
  return gunzipSync(b)
}
