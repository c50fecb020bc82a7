// Fuzz test of bundle loading (issue 8): random mutations of a valid domain
// bundle (bit flips and truncation of the archive, renamed, dropped and
// duplicated members, swapped manifests, extra exports, hostile data) are
// activated into a running two-layer engine. Property: activation either
// succeeds or fails with a catalogued error (never a crash), nothing reaches
// Object.prototype, the global layer keeps serving with its own answers, and
// no request that the valid bundles deny is ever allowed.
//
// The module's own bytes are mutated only through the archive (where gzip's
// CRC refuses them): a wasm module that still validates after a bit flip is
// a different policy, and telling it from a new revision is the job of
// bundle signatures (registry tests), not of the loader.

import t from 'tap'
import fc from 'fast-check'
import { gunzipSync, gzipSync } from 'node:zlib'
import { readTar, writeBundle, writeTar, type TarEntry } from '../../src/bundle/index.js'
import { compile } from '../../src/compiler.js'
import { Engine, domainLayer, globalLayer } from '../../src/engine/index.js'
import { MeshgateError } from '../../src/errors/index.js'
import { ERROR_CATALOG } from '../../src/errors/catalog.js'

const SEED = 0x5eed_b0d1
const RUNS = 150

const GLOBAL_REGO = 'package global.access\n\ndeny contains "marketing is not allowed" if input.purpose == "marketing"\n'
const ORDERS_REGO =
  'package domains.orders.access\n\nallow if input.subject.role in data.domains.orders.readers\n\ndeny contains "interns cannot read orders" if input.subject.role == "intern"\n'

async function build(root: string, source: string, entrypoints: string[], data: Record<string, unknown>, revision: string): Promise<Buffer> {
  const { wasm } = await compile({ modules: [{ path: `${root}/p.rego`, source }], entrypoints, strictBuiltinErrors: true })
  return writeBundle({
    manifest: { revision, roots: [root], wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })) },
    wasm,
    data,
    sources: [{ path: `${root}/p.rego`, source }],
  })
}

const requests = [
  { subject: { role: 'analyst' }, purpose: 'analytics' },
  { subject: { role: 'analyst' }, purpose: 'marketing' },
  { subject: { role: 'intern' }, purpose: 'analytics' },
  { subject: { role: 'guest' }, purpose: 'analytics' },
  { subject: { role: 'reader' }, purpose: 'marketing' },
]

t.test('mutated domain bundles never crash, never allow what the valid one denies', async (t) => {
  const global = await build('global', GLOBAL_REGO, ['global/access'], {}, 'g1')
  const orders = await build('domains/orders', ORDERS_REGO, ['domains/orders/access'], { domains: { orders: { readers: ['analyst', 'reader'] } } }, 'o1')
  const customers = await build('domains/customers', 'package domains.customers.access\n\nallow := true\n', ['domains/customers/access'], {}, 'c1')
  const evilExports = (
    await compile({
      modules: [
        { path: 'e.rego', source: 'package global.access\n\nallow := true\n\ndeny := set()\n' },
        { path: 'o.rego', source: 'package domains.orders.access\n\nallow := true\n' },
      ],
      entrypoints: ['global/access/allow', 'global/access/deny', 'domains/orders/access'],
    })
  ).wasm

  const e = new Engine({ layers: [globalLayer(), domainLayer('orders')], cacheSize: 0 })
  t.teardown(() => e.close())
  await e.activate('global', global)
  await e.activate('domains/orders', orders)
  const valid = await Promise.all(requests.map(async (r) => (await e.access(r)).value.allow))
  t.same(valid, [true, false, false, false, false], 'the valid bundles answer as written')
  const globalAllow = (await e.document(['global', 'access'], requests[1])).value

  const entries = readTar(gunzipSync(orders))
  const names = entries.map((x) => x.name)
  const manifestOf = (roots: string[]) => Buffer.from(JSON.stringify({ revision: 'swapped', roots }))
  const otherManifests = [
    readTar(gunzipSync(global)).find((x) => x.name === '.manifest')!.data,
    readTar(gunzipSync(customers)).find((x) => x.name === '.manifest')!.data,
    manifestOf(['']),
    manifestOf(['domains']),
    manifestOf(['domains/orders', 'global']),
    Buffer.from('{"roots": '),
  ]
  const renameTargets = [
    'global/data.json',
    'data.json',
    'domains/orders/__proto__/data.json',
    '__proto__/data.json',
    'x/policy.wasm',
    '.manifest',
    '.signatures.json',
    'global/p.rego',
    '../escape.rego',
    'domains/orders/p.rego',
    'policy.wasm',
  ]
  const hostileData = [
    '{"__proto__": {"allow": true}}',
    '{"domains": {"orders": {"readers": {"__proto__": ["intern"]}}}}',
    '[1, 2',
    '"str"',
    '{"global": {"x": 1}}',
    '{"system": {}}',
  ]

  type Mutation = { kind: string; apply: (tar: TarEntry[], gz: Buffer) => Buffer }
  // writeTar itself refuses some names (`../x`); such a mutation leaves the archive as it was.
  const tarred = (es: TarEntry[]) => {
    try {
      return gzipSync(writeTar(es))
    } catch {
      return gzipSync(writeTar(entries))
    }
  }
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.array(fc.nat(), { minLength: 1, maxLength: 8 }).map((bits) => ({
      kind: 'gzip bit flips',
      apply: (_t, gz) => {
        const b = Buffer.from(gz)
        for (const n of bits) b[(n >> 3) % b.length]! ^= 1 << (n & 7)
        return b
      },
    })),
    fc.nat().map((n) => ({ kind: 'truncation', apply: (_t, gz) => gz.subarray(0, n % gz.length) })),
    fc
      .tuple(fc.nat(), fc.constantFrom(...renameTargets))
      .map(([i, to]) => ({ kind: `rename to ${to}`, apply: (tar) => tarred(tar.map((x, j) => (j === i % tar.length ? { ...x, name: to } : x))) })),
    fc.nat().map((i) => ({ kind: 'dropped member', apply: (tar) => tarred(tar.filter((_, j) => j !== i % tar.length)) })),
    fc.nat().map((i) => ({ kind: 'duplicated member', apply: (tar) => tarred([...tar, tar[i % tar.length]!]) })),
    fc
      .constantFrom(...otherManifests)
      .map((m) => ({ kind: 'swapped manifest', apply: (tar) => tarred(tar.map((x) => (x.name === '.manifest' ? { ...x, data: Buffer.from(m) } : x))) })),
    fc.constant({
      kind: 'extra exports',
      apply: (tar: TarEntry[]) => tarred(tar.map((x) => (x.name === 'policy.wasm' ? { ...x, data: Buffer.from(evilExports) } : x))),
    }),
    fc.constantFrom(...hostileData).map((d) => ({
      kind: 'hostile data',
      apply: (tar) => tarred([...tar.filter((x) => x.name !== 'data.json'), { name: 'data.json', data: Buffer.from(d) }]),
    })),
    fc.tuple(fc.nat(), fc.nat()).map(([i, bit]) => ({
      kind: 'manifest bit flip',
      apply: (tar) =>
        tarred(
          tar.map((x) => {
            if (x.name !== '.manifest') return x
            const b = Buffer.from(x.data)
            b[i % b.length]! ^= 1 << (bit & 7)
            return { ...x, data: b }
          }),
        ),
    })),
  )

  const protoKeys = Object.getOwnPropertyNames(Object.prototype).length
  const outcomes = new Map<string, number>()
  await fc.assert(
    fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
      let bytes: Buffer = orders
      for (const m of ms) bytes = m.apply(readTarSafe(bytes) ?? entries, bytes)
      const kind = ms.map((m) => m.kind).join(' + ')
      let outcome = 'loaded'
      try {
        await e.activate('domains/orders', bytes)
      } catch (err) {
        if (!(err instanceof MeshgateError) || !(err.code in ERROR_CATALOG)) throw new Error(`${kind}: activation threw a non-catalogued error: ${String(err)}`)
        outcome = err.code
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
      if (Object.getOwnPropertyNames(Object.prototype).length !== protoKeys || ({} as Record<string, unknown>).allow !== undefined) {
        throw new Error(`${kind}: Object.prototype was written`)
      }
      for (const [i, r] of requests.entries()) {
        const d = await e.access(r)
        if (d.value.allow && !valid[i]) throw new Error(`${kind}: ${JSON.stringify(r)} is allowed; the valid bundle denies it`)
      }
      const g = (await e.document(['global', 'access'], requests[1])).value
      if (JSON.stringify(g) !== JSON.stringify(globalAllow)) throw new Error(`${kind}: the global layer answers ${JSON.stringify(g)}`)
      // Back to the valid bundle, so each run starts from the same state.
      if (e.revisions()['domains/orders'] !== 'o1') await e.activate('domains/orders', orders)
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  )
  t.comment(`outcomes over ${RUNS} runs (seed ${SEED}): ${JSON.stringify(Object.fromEntries(outcomes))}`)
  t.ok((outcomes.get('bundle_format_error') ?? 0) > 0 && (outcomes.get('bundle_scope_error') ?? 0) > 0, 'both refusal classes were exercised')
})

/** The archive's members when it still reads, so later mutations compose. */
function readTarSafe(gz: Buffer): TarEntry[] | undefined {
  try {
    return readTar(gunzipSync(gz))
  } catch {
    return undefined
  }
}
