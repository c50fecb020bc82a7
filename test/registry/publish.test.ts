// Publishing to a real registry (in-process fastify on 127.0.0.1, files in a
// temp dir), per class of attack: scope (token roots, names, contents, wasm
// exports), signature, size, loading, tokens. After every refusal the
// previous revision is still the one served, and the refused bytes never are.

import t from 'tap'
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { writeTar } from '../../src/bundle/index.js'
import {
  bundle,
  customersTeam,
  globalBundle,
  governance,
  KEYS,
  mint,
  ORDERS_EPS,
  ordersBundle,
  ordersTeam,
  put,
  startTestRegistry,
} from '../fixtures/registry/harness.js'

const digestOf = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`

async function served(base: string, name: string): Promise<{ status: number; etag: string | null; body: Buffer }> {
  const r = await fetch(`${base}/bundles/${name}`)
  return { status: r.status, etag: r.headers.get('etag'), body: Buffer.from(await r.arrayBuffer()) }
}

async function json(r: Response): Promise<Record<string, any>> {
  return (await r.json()) as Record<string, any>
}

t.test('a governance token publishes global; the bundle is served as published, with its digest as ETag', async (t) => {
  const reg = await startTestRegistry(t)
  const g1 = await globalBundle('g1')
  const r = await put(reg.url, 'global', g1, await governance())
  t.equal(r.status, 201)
  const body = await json(r)
  t.match(body.result, {
    name: 'global',
    revision: 'g1',
    digest: digestOf(g1),
    size: g1.length,
    roots: ['global'],
    publisher: 'governance-ci',
    action: 'publish',
    signed_by: 'global',
  })
  t.match(body.result.published_at, /^\d{4}-\d\d-\d\dT/)
  const s = await served(reg.url, 'global')
  t.equal(s.status, 200)
  t.equal(s.etag, `"${digestOf(g1)}"`)
  t.ok(s.body.equals(g1), 'the exact bytes published, signature included')
  const again = await put(reg.url, 'global', g1, await governance())
  t.equal(again.status, 200, 'the same bundle again changes nothing')
  t.equal((await json(await fetch(`${reg.url}/v1/bundles/global/revisions`))).result.length, 1)
})

t.test('scope: a domain team cannot publish global, another domain, or a name it does not own', async (t) => {
  const reg = await startTestRegistry(t)
  const g1 = await globalBundle('g1')
  t.equal((await put(reg.url, 'global', g1, await governance())).status, 201)
  t.equal((await put(reg.url, 'orders', await ordersBundle('o1'), await ordersTeam())).status, 201)

  const cases: [string, string, Buffer, string][] = [
    ['a global bundle', 'global', await globalBundle('evil'), await ordersTeam()],
    ['its own roots under the name global (pinned)', 'global', await ordersBundle('o-squat'), await ordersTeam()],
    [
      "another domain's bundle",
      'customers',
      await bundle({ roots: ['domains/customers'], exports: ['domains/customers/access'], sign: { key: KEYS.customers, kid: 'customers' } }),
      await ordersTeam(),
    ],
    [
      "over another team's name",
      'orders',
      await bundle({
        roots: ['domains/customers'],
        revision: 'c-over',
        exports: ['domains/customers/access'],
        sign: { key: KEYS.customers, kid: 'customers' },
      }),
      await customersTeam(),
    ],
    [
      'a bundle claiming the whole tree',
      'orders',
      await bundle({ roots: [''], revision: 'all', exports: ['domains/orders/access/allow'], sign: { key: KEYS.orders, kid: 'orders' } }),
      await ordersTeam(),
    ],
  ]
  for (const [what, name, b, token] of cases) {
    const r = await put(reg.url, name, b, token)
    const body = await json(r)
    t.equal(r.status, 403, what)
    t.equal(body.code, 'roots_forbidden', `${what}: ${body.message}`)
  }
  t.match(
    (await json(await put(reg.url, 'global', await globalBundle('evil'), await ordersTeam()))).message,
    "the token may publish under `domains/orders`, not the bundle's roots (root `global`)",
  )
  t.match((await json(await put(reg.url, 'global', await ordersBundle('o-squat'), await ordersTeam()))).message, 'bundle `global` is pinned to roots `global`')

  const tokenless = await mint({ sub: 'nobody' })
  t.match(await json(await put(reg.url, 'orders', await ordersBundle('o2'), tokenless)), { code: 'roots_forbidden', message: /carries no roots/ })

  // Nothing refused was stored or served.
  t.ok((await served(reg.url, 'global')).body.equals(g1))
  t.equal((await served(reg.url, 'customers')).status, 404)
  const list = (await json(await fetch(`${reg.url}/v1/bundles`))).result as { name: string; revision: string }[]
  t.same(
    list.map((b) => `${b.name}@${b.revision}`),
    ['global@g1', 'orders@o1'],
  )
})

t.test('scope: contents must stay under the roots, whatever the manifest claims', async (t) => {
  const reg = await startTestRegistry(t)
  const token = await ordersTeam()
  const base = { roots: ['domains/orders'], exports: ORDERS_EPS, sign: { key: KEYS.orders, kid: 'orders' } as const }
  const cases: [string, Buffer, string, RegExp][] = [
    [
      'data outside the roots',
      await bundle({ ...base, revision: 'd', data: { global: { limits: { max_rows: 1e9 } } } }),
      'bundle_scope_error',
      /data at `\/global` is outside the bundle roots/,
    ],
    [
      'a .rego package outside the roots',
      await bundle({ ...base, revision: 'p', sources: { 'x.rego': '# package domains.orders.x\npackage global.access\n' } }),
      'bundle_scope_error',
      /package `data\.global\.access` is outside the bundle roots/,
    ],
    [
      'a declared entrypoint outside the roots',
      await bundle({ ...base, revision: 'e', exports: [...ORDERS_EPS, 'global/access'] }),
      'bundle_scope_error',
      /entrypoint `global\/access` is outside the bundle roots/,
    ],
    [
      'a wasm export outside the roots, not declared',
      await bundle({ ...base, revision: 'x', exports: [...ORDERS_EPS, 'global/access'], declared: ORDERS_EPS }),
      'bundle_scope_error',
      /exports entrypoint `global\/access` outside the bundle roots/,
    ],
  ]
  for (const [what, b, code, message] of cases) {
    const r = await put(reg.url, 'orders', b, token)
    const body = await json(r)
    t.equal(body.code, code, what)
    t.match(body.message, message, what)
    t.equal(r.status, 400, what)
  }
  t.equal((await served(reg.url, 'orders')).status, 404, 'none was stored')
})

t.test("signature: unsigned, tampered, or signed by another domain's key is refused", async (t) => {
  const reg = await startTestRegistry(t)
  const token = await ordersTeam()
  t.equal((await put(reg.url, 'orders', await ordersBundle('o1'), token)).status, 201)
  const cases: [string, Buffer, RegExp][] = [
    ['unsigned', await ordersBundle('o2', { sign: false }), /not signed/],
    [
      'signed by the customers key, saying so',
      await ordersBundle('o2', { sign: { key: KEYS.customers, kid: 'customers' } }),
      /key `customers` may not sign for the bundle's roots `domains\/orders`/,
    ],
    [
      'signed by the customers key, claiming to be orders',
      await ordersBundle('o2', { sign: { key: KEYS.customers, kid: 'orders' } }),
      /does not verify with key `orders`/,
    ],
    ['signed by the customers key, no kid', await ordersBundle('o2', { sign: { key: KEYS.customers } }), /does not verify with key `orders`/],
    ['signed by the global key', await ordersBundle('o2', { sign: { key: KEYS.global, kid: 'global' } }), /key `global` may not sign/],
    [
      'data changed after signing',
      await ordersBundle('o2', {
        after: (es) => es.map((e) => (e.name === 'data.json' ? { ...e, data: Buffer.from('{"domains":{"orders":{"rev":"forged"}}}') } : e)),
      }),
      /`data.json` does not match its signed digest/,
    ],
    [
      'a file added after signing',
      await ordersBundle('o2', { after: (es) => [{ name: 'domains/orders/extra.rego', data: Buffer.from('package domains.orders.extra\n') }, ...es] }),
      /`domains\/orders\/extra.rego` is in the bundle but not in its signature/,
    ],
  ]
  for (const [what, b, message] of cases) {
    const r = await put(reg.url, 'orders', b, token)
    const body = await json(r)
    t.equal(r.status, 400, what)
    t.equal(body.code, 'bundle_signature_error', what)
    t.match(body.message, message, what)
  }
  const s = await served(reg.url, 'orders')
  t.equal((await json(await fetch(`${reg.url}/v1/bundles/orders/revisions`))).result.length, 1, 'only o1 was ever stored')
  t.equal(s.status, 200)
})

t.test('size: a gzip bomb and an oversized body are refused; the previous revision keeps serving', async (t) => {
  const reg = await startTestRegistry(t)
  const g1 = await globalBundle('g1')
  t.equal((await put(reg.url, 'global', g1, await governance())).status, 201)
  const bomb = gzipSync(writeTar([{ name: 'global/data.json', data: Buffer.alloc(64 * 1024 * 1024, 0x20) }]))
  const r = await put(reg.url, 'global', bomb, await governance())
  t.equal(r.status, 413)
  t.match(await json(r), { code: 'bundle_too_large', message: /inflates to more than the limit of 8388608 bytes \(uncompressed\)/ })
  const big = Buffer.concat([g1, Buffer.alloc(3 * 1024 * 1024)])
  const r2 = await put(reg.url, 'global', big, await governance())
  t.equal(r2.status, 413)
  t.match(await json(r2), { code: 'bundle_too_large', message: /larger than the limit of 2097152 bytes \(compressed\)/ })
  t.ok((await served(reg.url, 'global')).body.equals(g1))
})

t.test('a bundle that does not load is refused; so is a reused revision with other content', async (t) => {
  const reg = await startTestRegistry(t)
  const token = await ordersTeam()
  const broken = await ordersBundle('o1', { wasm: Buffer.from([0, 97, 115, 109, 1, 0, 0, 0, 1, 2, 3]) })
  const r = await put(reg.url, 'orders', broken, token)
  t.equal(r.status, 400)
  t.match(await json(r), { code: 'bundle_format_error', message: /cannot be loaded/ })
  const noWasm = await ordersBundle('o1', { after: (es) => es.filter((e) => e.name !== 'policy.wasm') })
  t.match(
    await json(await put(reg.url, 'orders', noWasm, token)),
    { code: 'bundle_format_error', message: /names module `\/policy.wasm`, which the bundle does not hold/ },
    'no module at all',
  )
  t.equal((await put(reg.url, 'orders', await ordersBundle('o1'), token)).status, 201)
  const other = await ordersBundle('o1', { data: { domains: { orders: { changed: true } } } })
  const c = await put(reg.url, 'orders', other, token)
  t.equal(c.status, 409)
  t.match(await json(c), { code: 'revision_conflict', message: /already has a revision `o1` with other content/ })
  const noRevision = await ordersBundle('', { data: { domains: { orders: { anonymous: true } } } })
  const nr = await json(await put(reg.url, 'orders', noRevision, token))
  t.equal(nr.result.revision, digestOf(noRevision), 'without a manifest revision, the digest is the revision')
})

t.test('tokens: missing, expired, foreign issuer, wrong audience or unknown signer are refused', async (t) => {
  const reg = await startTestRegistry(t)
  const b = await globalBundle('g1')
  const cases: [string, string | undefined, string, RegExp][] = [
    ['no token', undefined, 'token_missing', /no `Authorization: Bearer` token/],
    ['expired', await mint({ sub: 'g', roots: ['global'] }, { exp: Math.floor(Date.now() / 1000) - 60 }), 'token_invalid', /expired/],
    ['foreign issuer', await mint({ sub: 'g', roots: ['global'] }, { iss: 'https://evil.test' }), 'token_invalid', /claim `iss`/],
    ['wrong audience', await mint({ sub: 'g', roots: ['global'] }, { aud: 'sidecar' }), 'token_invalid', /claim `aud`/],
    ['signed by a key the IdP never had', await mint({ sub: 'g', roots: ['global'] }, { foreignKey: true }), 'token_invalid', /signature does not verify/],
  ]
  for (const [what, token, code, message] of cases) {
    const r = await put(reg.url, 'global', b, token)
    t.equal(r.status, 401, what)
    t.match(await json(r), { code, message }, what)
    t.equal(r.headers.get('www-authenticate'), 'Bearer realm="meshgate"')
  }
  const rb = await fetch(`${reg.url}/v1/bundles/global/rollback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"nonsense": 1}' })
  t.equal(rb.status, 401, 'rollback checks the token before the body')
  t.equal((await served(reg.url, 'global')).status, 404)
})

t.test('history and rollback: who did what when; rollback scoped like publish', async (t) => {
  const reg = await startTestRegistry(t)
  const g1 = await globalBundle('g1')
  const g2 = await globalBundle('g2')
  await put(reg.url, 'global', g1, await governance())
  await put(reg.url, 'global', g2, await governance())
  await put(reg.url, 'orders', await ordersBundle('o1'), await ordersTeam())

  const rollback = (name: string, body: unknown, token: string) =>
    fetch(`${reg.url}/v1/bundles/${name}/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const denied = await rollback('global', { revision: 'g1' }, await ordersTeam())
  t.equal(denied.status, 403)
  t.equal((await json(denied)).code, 'roots_forbidden')
  t.ok((await served(reg.url, 'global')).body.equals(g2), 'still g2')
  t.equal((await rollback('global', { revision: 'nope' }, await governance())).status, 404)
  t.equal((await rollback('global', { revision: 'g1', digest: digestOf(g1) }, await governance())).status, 400, 'one of revision or digest')

  const ok = await rollback('global', { revision: 'g1' }, await mint({ sub: 'alice', roots: ['global'] }))
  t.equal(ok.status, 200)
  t.match((await json(ok)).result, { revision: 'g1', digest: digestOf(g1), action: 'rollback', publisher: 'alice', current: true, changed: true })
  const same = await rollback('global', { revision: 'g1' }, await governance())
  t.equal(same.status, 200)
  t.match((await json(same)).result, { revision: 'g1', publisher: 'alice', current: true, changed: false }, 'already current: no new record')
  t.ok((await served(reg.url, 'global')).body.equals(g1), 'g1 is served again')

  const revs = (await json(await fetch(`${reg.url}/v1/bundles/global/revisions`))).result as Record<string, unknown>[]
  t.same(
    revs.map((r) => [r.revision, r.action, r.publisher, r.current]),
    [
      ['g1', 'rollback', 'alice', true],
      ['g2', 'publish', 'governance-ci', false],
      ['g1', 'publish', 'governance-ci', false],
    ],
  )
  const byDigest = await rollback('global', { digest: digestOf(g2) }, await governance())
  t.equal((await json(byDigest)).result.revision, 'g2')
})

t.test('retention and pages: old revisions keep their records, lose their bytes; a rollback to one is refused (410)', async (t) => {
  const reg = await startTestRegistry(t, { storage: '  retention: { revisions: 2 }' })
  const token = await governance()
  const bundles = []
  for (const r of ['g1', 'g2', 'g3']) {
    bundles.push(await globalBundle(r))
    t.equal((await put(reg.url, 'global', bundles.at(-1)!, token)).status, 201)
  }
  const all = (await json(await fetch(`${reg.url}/v1/bundles/global/revisions`))).result as Record<string, unknown>[]
  t.same(
    all.map((r) => [r.seq, r.revision, r.stored, r.current]),
    [
      [3, 'g3', true, true],
      [2, 'g2', true, false],
      [1, 'g1', false, false],
    ],
  )
  const rollback = (revision: string) =>
    fetch(`${reg.url}/v1/bundles/global/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ revision }),
    })
  const gone = await rollback('g1')
  t.equal(gone.status, 410)
  t.match(await json(gone), { code: 'revision_pruned', errors: [{ revision: 'g1', digest: digestOf(bundles[0]!) }] })
  t.ok((await served(reg.url, 'global')).body.equals(bundles[2]!), 'g3 keeps serving')
  t.equal((await rollback('g2')).status, 200, 'a kept revision rolls back')
  t.equal((await put(reg.url, 'global', bundles[0]!, token)).status, 201, 'g1 published again with the same bytes')
  t.equal((await rollback('g2')).status, 200)

  // Pages, newest first: `next` is the `after` of the page that follows.
  const page = async (q: string) => json(await fetch(`${reg.url}/v1/bundles/global/revisions?${q}`))
  const p1 = await page('limit=2')
  t.same(
    p1.result.map((r: Record<string, unknown>) => [r.seq, r.revision, r.action]),
    [
      [6, 'g2', 'rollback'],
      [5, 'g1', 'publish'],
    ],
  )
  const p2 = await page(`limit=2&after=${p1.next}`)
  t.same(
    p2.result.map((r: Record<string, unknown>) => r.seq),
    [4, 3],
  )
  const p3 = await page(`limit=2&after=${p2.next}`)
  t.same(
    p3.result.map((r: Record<string, unknown>) => r.seq),
    [2, 1],
  )
  t.notOk('next' in p3, 'the last page has no next')
  t.same((await page('after=1')).result, [], 'nothing older than the first')
  for (const q of ['limit=0', 'limit=1001', 'after=0', 'after=x', 'offset=3']) {
    const r = await fetch(`${reg.url}/v1/bundles/global/revisions?${q}`)
    t.equal(r.status, 400, q)
    t.equal((await json(r)).code, 'request_invalid', q)
  }
  const typo = await json(await fetch(`${reg.url}/v1/bundles/global/revisions?limt=2`))
  t.equal(typo.message, 'request querystring has unknown field `limt`', 'the message names the unknown field')
})

t.test('restart: a new registry on the same data folder serves the same revisions and history', async (t) => {
  const reg = await startTestRegistry(t)
  const g1 = await globalBundle('g1')
  await put(reg.url, 'global', g1, await governance())
  await put(reg.url, 'global', await globalBundle('g2'), await governance())
  await reg.close()
  const { FsBundleStore } = await import('../../src/registry/index.js')
  const store = await FsBundleStore.open({ dir: `${reg.dir}/data` })
  t.equal((await store.current('global'))?.revision, 'g2')
  t.same(
    (await store.revisions('global', { limit: 10 })).entries.map((e) => e.record.revision),
    ['g2', 'g1'],
  )
  t.ok(Buffer.from((await store.read(digestOf(g1)))!).equals(g1), 'older revisions stay stored for rollback')
  await store.close()
})

t.test('downloads and history can require a token', async (t) => {
  const reg = await startTestRegistry(t, { auth: '  require_for_download: true' })
  await put(reg.url, 'global', await globalBundle('g1'), await governance())
  t.equal((await fetch(`${reg.url}/bundles/global`)).status, 401)
  t.equal((await fetch(`${reg.url}/v1/bundles`)).status, 401)
  const reader = await mint({ sub: 'sidecar-7' })
  const r = await fetch(`${reg.url}/bundles/global`, { headers: { authorization: `Bearer ${reader}` } })
  t.equal(r.status, 200, "any valid token reads, as OPA's services.<s>.credentials.bearer sends it")
  t.equal((await fetch(`${reg.url}/bundles/global`, { headers: { authorization: `Bearer ${await mint({}, { iss: 'https://evil.test' })}` } })).status, 401)
})
