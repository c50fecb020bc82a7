// Decision logs on the registry, against a real registry (in-process
// fastify on 127.0.0.1, called with fetch): OPA's decision log service API
// (`POST /logs`, gzip or plain JSON, meshgate's events and OPA's own),
// exactly-once storage of retried uploads, every refusal per class of attack
// (encoding, size, count, nesting, shape, tokens), each leaving what was
// stored intact, a fuzz test of the upload, a restart, and the read side:
// `GET /v1/decisions` (filters, paging, parameters) and its summary, behind
// a reader's token.

import t, { type Test } from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { parseRegistryConfig, startRegistry } from '../../src/registry/index.js'
import { mint, registryDir, startTestRegistry, type InProcess } from '../fixtures/registry/harness.js'
import { decisionEvent, gzipJson, opaEvent, T0, upload } from '../fixtures/registry/decisions.js'

const LIMITS = `
decision_logs:
  max_upload_size: 64kib
  max_uncompressed_size: 1mib
  max_events_per_upload: 500
`

const sidecar = () => mint({ sub: 'sidecar-orders-1' })
const reader = () => mint({ sub: 'console', roles: ['decision-reader'] })

async function envelope(r: Response): Promise<{ code: string; message: string; errors?: unknown[] }> {
  return (await r.json()) as { code: string; message: string; errors?: unknown[] }
}

async function decisions(reg: { url: string }, query = '', token?: string): Promise<{ result: any[]; next?: string }> {
  const r = await fetch(`${reg.url}/v1/decisions${query}`, { headers: { authorization: `Bearer ${token ?? (await reader())}` } })
  if (r.status !== 200) throw new Error(`GET /v1/decisions${query}: ${r.status} ${await r.text()}`)
  return (await r.json()) as { result: any[]; next?: string }
}

/** Asserts a refusal: status, code, and that the store holds exactly what it held before. */
async function refused(
  t: Test,
  reg: InProcess,
  send: () => Promise<Response>,
  status: number,
  code: string,
  what: string,
): Promise<{ code: string; message: string; errors?: unknown[] }> {
  const before = await reg.decisions.count()
  const r = await send()
  t.equal(r.status, status, `${what}: ${status}`)
  const body = await envelope(r)
  t.equal(body.code, code, `${what}: ${code}`)
  t.equal(await reg.decisions.count(), before, `${what}: nothing stored`)
  return body
}

/** A registry holding three events already, so refusals can show they leave them intact. */
async function seeded(t: Test, extra = LIMITS, auth = ''): Promise<InProcess> {
  const reg = await startTestRegistry(t, { extra, auth })
  const r = await upload(
    reg.url,
    [0, 1, 2].map((i) => decisionEvent(i)),
    { token: await sidecar() },
  )
  if (r.status !== 200) throw new Error(`seed upload: ${r.status} ${await r.text()}`)
  return reg
}

t.test('an upload as OPA sends it is stored and read back, with what the registry knows of its arrival', async (t) => {
  const reg = await startTestRegistry(t, { extra: LIMITS })
  const events = [decisionEvent(1), decisionEvent(2, { outcome: 'deny', port: 'orders-us' })]
  const r = await upload(reg.url, events, { token: await sidecar() })
  t.equal(r.status, 200, 'OPA takes only 200 as delivered')
  t.same(await r.json(), { result: { stored: 2, duplicates: 0 } })

  const { result, next } = await decisions(reg)
  t.notOk(next)
  t.same(
    result.map((d) => d.decision_id),
    [events[1]!.decision_id, events[0]!.decision_id],
    'newest first',
  )
  t.match(result[0], { ...events[1], reporter: 'sidecar-orders-1', received_at: String })
  t.same(result[0].deny, events[1]!.deny)

  const plain = await upload(reg.url, [decisionEvent(3)], { token: await sidecar(), gzip: false })
  t.equal(plain.status, 200, 'an uncompressed JSON array is taken too')
  const part = await upload(reg.url, [decisionEvent(4)], { token: await sidecar(), path: '/logs/edge-eu' })
  t.equal(part.status, 200, 'POST /logs/<partition>')
  t.equal(await reg.decisions.count(), 4)
  t.same(await (await upload(reg.url, [], { token: await sidecar() })).json(), { result: { stored: 0, duplicates: 0 } }, 'an empty batch')
})

t.test("OPA's own events: kind `data`, outcome from the result (boolean, `{allow}`), else `answer`; an error is `error`", async (t) => {
  const reg = await startTestRegistry(t, { extra: LIMITS })
  const events = [
    opaEvent(1, true),
    opaEvent(2, false),
    opaEvent(3, { allow: false, reasons: ['x'] }),
    opaEvent(4, { allow: true }),
    opaEvent(5, { items: [1, 2] }),
    opaEvent(6, undefined, { error: { code: 'eval_conflict_error', message: 'conflict' } }),
    { decision_id: 'opa-bare' },
  ]
  t.equal((await upload(reg.url, events, { token: await sidecar() })).status, 200)
  const byId = new Map((await decisions(reg)).result.map((d) => [d.decision_id, d]))
  t.same(
    [1, 2, 3, 4, 5, 6].map((i) => byId.get(`opa-${i}`).outcome),
    ['allow', 'deny', 'deny', 'allow', 'answer', 'error'],
  )
  t.ok([...byId.values()].every((d) => d.kind === 'data'))
  t.match(byId.get('opa-1'), { labels: { app: 'my-example-app' }, path: 'http/example/authz/allow', bundles: { authz: { revision: String } } })
  t.match(byId.get('opa-bare'), { outcome: 'answer', labels: {}, timestamp: byId.get('opa-bare').received_at }, 'a bare event is dated by its arrival')
  t.equal((await decisions(reg, '?outcome=deny')).result.length, 2)
})

t.test('a retried upload (the sidecar never saw the answer) is stored once: exactly-once storage of at-least-once delivery', async (t) => {
  const reg = await startTestRegistry(t, { extra: LIMITS })
  const token = await sidecar()
  const events = Array.from({ length: 50 }, (_, i) => decisionEvent(i))
  t.same(await (await upload(reg.url, events.slice(0, 30), { token })).json(), { result: { stored: 30, duplicates: 0 } })
  t.same(await (await upload(reg.url, events, { token })).json(), { result: { stored: 20, duplicates: 30 } })
  t.same(await (await upload(reg.url, events, { token })).json(), { result: { stored: 0, duplicates: 50 } })
  const all = (await decisions(reg, '?limit=1000')).result
  t.equal(all.length, 50)
  t.equal(new Set(all.map((d) => d.decision_id)).size, 50)
})

t.test('encoding: malformed gzip, malformed JSON, invalid UTF-8, `__proto__`, other media types and encodings are refused; nothing stored', async (t) => {
  const reg = await seeded(t)
  const token = await sidecar()
  const gz = gzipJson([decisionEvent(9)])
  await refused(t, reg, async () => upload(reg.url, null, { token, raw: Buffer.from('definitely not gzip') }), 400, 'request_malformed', 'not gzip')
  await refused(t, reg, async () => upload(reg.url, null, { token, raw: gz.subarray(0, gz.length - 12) }), 400, 'request_malformed', 'a truncated gzip')
  await refused(
    t,
    reg,
    async () => upload(reg.url, null, { token, raw: gzipSync('[{"decision_id": "x",') }),
    400,
    'request_malformed',
    'gzip of malformed JSON',
  )
  await refused(
    t,
    reg,
    async () => upload(reg.url, null, { token, gzip: false, raw: Buffer.from('[{"decision_id": ') }),
    400,
    'request_malformed',
    'malformed JSON',
  )
  await refused(
    t,
    reg,
    async () => upload(reg.url, null, { token, raw: gzipSync(Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d])) }),
    400,
    'request_malformed',
    'invalid UTF-8',
  )
  await refused(
    t,
    reg,
    async () => upload(reg.url, null, { token, raw: gzipSync('[{"decision_id": "p", "input": {"__proto__": {"admin": true}}}]') }),
    400,
    'request_malformed',
    '__proto__',
  )
  await refused(t, reg, async () => upload(reg.url, [decisionEvent(9)], { token, type: 'text/plain' }), 415, 'request_media_type', 'text/plain')
  await refused(t, reg, async () => upload(reg.url, [decisionEvent(9)], { token, encoding: 'br' }), 415, 'request_media_type', 'brotli')
  t.equal((await decisions(reg)).result.length, 3, 'the three stored before are intact')
})

t.test('shape: not an array, an event without a string decision_id, wrong types, a bad timestamp; one bad event refuses the batch', async (t) => {
  const reg = await seeded(t)
  const token = await sidecar()
  await refused(t, reg, async () => upload(reg.url, { events: [decisionEvent(9)] }, { token }), 400, 'request_invalid', 'an object')
  await refused(t, reg, async () => upload(reg.url, 'x', { token }), 400, 'request_invalid', 'a string')
  const noId = await refused(
    t,
    reg,
    async () => upload(reg.url, [decisionEvent(9), { ...decisionEvent(10), decision_id: undefined }], { token }),
    400,
    'request_invalid',
    'no decision_id',
  )
  t.match(noId.message, /`\/1`/, 'names the event')
  const numId = await refused(
    t,
    reg,
    async () => upload(reg.url, [decisionEvent(9), { ...decisionEvent(10), decision_id: 10 }], { token }),
    400,
    'request_invalid',
    'a number id',
  )
  t.match(numId.errors, [{ path: '/1/decision_id' }])
  await refused(t, reg, async () => upload(reg.url, [decisionEvent(9), 'event'], { token }), 400, 'request_invalid', 'an event that is a string')
  await refused(t, reg, async () => upload(reg.url, [{ ...decisionEvent(9), outcome: 'maybe' }], { token }), 400, 'request_invalid', 'an unknown outcome')
  await refused(
    t,
    reg,
    async () => upload(reg.url, [{ ...decisionEvent(9), labels: { port: 7 } }], { token }),
    400,
    'request_invalid',
    'a label that is no string',
  )
  await refused(
    t,
    reg,
    async () => upload(reg.url, [{ ...decisionEvent(9), deny: [{ layer: 'global' }] }], { token }),
    400,
    'request_invalid',
    'a deny reason without message',
  )
  await refused(t, reg, async () => upload(reg.url, [{ ...decisionEvent(9), timestamp: 'yesterday' }], { token }), 400, 'request_invalid', 'a bad timestamp')
  t.equal((await decisions(reg)).result.length, 3)
})

t.test('size: compressed over the limit (declared or streamed), a gzip bomb, too many events, nesting too deep', async (t) => {
  const reg = await seeded(t)
  const token = await sidecar()
  // Random bytes do not compress: a body over 64 KiB on the wire, whatever it holds.
  const big = Buffer.from(
    JSON.stringify([{ ...decisionEvent(9), input: { blob: Buffer.from(Array.from({ length: 80_000 }, (_, i) => (i * 7919) % 251)).toString('base64') } }]),
  )
  const declared = await refused(
    t,
    reg,
    async () => upload(reg.url, null, { token, raw: gzipSync(big, { level: 0 }) }),
    413,
    'request_too_large',
    'over max_upload_size',
  )
  t.match(declared.errors, [{ kind: 'compressed', limit: 65536 }])
  const streamed = () =>
    fetch(`${reg.url}/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${token}` },
      body: new ReadableStream({
        start(c) {
          const gz = gzipSync(big, { level: 0 })
          for (let i = 0; i < gz.length; i += 8192) c.enqueue(gz.subarray(i, i + 8192))
          c.close()
        },
      }),
      duplex: 'half',
    } as RequestInit)
  t.match((await refused(t, reg, streamed, 413, 'request_too_large', 'over the limit without content-length')).errors, [{ kind: 'compressed' }])

  // 32 MiB of JSON whitespace in a ~32 KiB gzip: refused once 1 MiB has inflated.
  const bomb = gzipSync(Buffer.concat([Buffer.from('['), Buffer.alloc(32 * 1024 * 1024, 0x20), Buffer.from(']')]), { level: 9 })
  t.ok(bomb.length < 65536, `the bomb is ${bomb.length} bytes on the wire`)
  const b = await refused(t, reg, async () => upload(reg.url, null, { token, raw: bomb }), 413, 'request_too_large', 'a gzip bomb')
  t.match(b.errors, [{ kind: 'uncompressed', limit: 1048576 }])
  const plainBig = Buffer.concat([Buffer.from('['), Buffer.alloc(2 * 1024 * 1024, 0x20), Buffer.from(']')])
  await refused(
    t,
    reg,
    async () => upload(reg.url, null, { token, gzip: false, raw: plainBig }),
    413,
    'request_too_large',
    'an uncompressed body over the limit',
  )

  const many = await refused(
    t,
    reg,
    async () =>
      upload(
        reg.url,
        Array.from({ length: 501 }, (_, i) => ({ decision_id: `m${i}` })),
        { token },
      ),
    413,
    'request_too_large',
    '501 events',
  )
  t.match(many.errors, [{ kind: 'events', limit: 500 }])
  t.equal(
    (
      await upload(
        reg.url,
        Array.from({ length: 500 }, (_, i) => ({ decision_id: `m${i}` })),
        { token },
      )
    ).status,
    200,
    '500 events are fine',
  )

  let deep: unknown = 1
  for (let i = 0; i < 200; i++) deep = { a: deep }
  await refused(t, reg, async () => upload(reg.url, [{ ...decisionEvent(9), input: deep }], { token }), 400, 'request_invalid', 'nested 200 deep')
  let ok: unknown = 1
  for (let i = 0; i < 128; i++) ok = { a: ok }
  t.equal((await upload(reg.url, [{ ...decisionEvent(9), input: ok }], { token })).status, 200, 'an input as deep as the sidecar accepts (128) is fine')
})

t.test("tokens: uploads need a valid token of the registry's IdP; refused before the body is read, nothing stored", async (t) => {
  const reg = await seeded(t)
  const events = [decisionEvent(9)]
  const none = await refused(t, reg, async () => upload(reg.url, events), 401, 'token_missing', 'no token')
  t.match(none.message, /Authorization/)
  await refused(
    t,
    reg,
    async () => upload(reg.url, events, { token: await mint({ sub: 'x' }, { foreignKey: true }) }),
    401,
    'token_invalid',
    'a token of another signer',
  )
  await refused(
    t,
    reg,
    async () => upload(reg.url, events, { token: await mint({ sub: 'x' }, { exp: Math.floor(Date.now() / 1000) - 3600 }) }),
    401,
    'token_invalid',
    'an expired token',
  )
  await refused(
    t,
    reg,
    async () => upload(reg.url, events, { token: await mint({ sub: 'x' }, { iss: 'https://other-idp' }) }),
    401,
    'token_invalid',
    'another issuer',
  )
  await refused(
    t,
    reg,
    async () => upload(reg.url, null, { token: 'nope', raw: Buffer.from('not gzip') }),
    401,
    'token_invalid',
    'the token is checked before the body',
  )
  t.equal((await upload(reg.url, events, { token: await sidecar() })).status, 200, 'any valid token of the IdP uploads (no roots needed)')
})

t.test('decision_logs.open_upload: uploads without a token are taken; a token that is sent must still verify', async (t) => {
  const reg = await seeded(t, `${LIMITS}  open_upload: true\n`)
  const r = await upload(reg.url, [decisionEvent(9)])
  t.equal(r.status, 200)
  t.notOk((await decisions(reg, `?decision_id=${decisionEvent(9).decision_id}`)).result[0].reporter, 'no token, no reporter')
  await refused(
    t,
    reg,
    async () => upload(reg.url, [decisionEvent(10)], { token: await mint({ sub: 'x' }, { foreignKey: true }) }),
    401,
    'token_invalid',
    'a bad token',
  )
  const forged = await upload(reg.url, [{ ...decisionEvent(11), reporter: 'governance', received_at: '1999-01-01T00:00:00Z' }])
  t.equal(forged.status, 200)
  const d = (await decisions(reg, `?decision_id=${decisionEvent(11).decision_id}`)).result[0]
  t.notOk(d.reporter, 'a reporter the upload names itself is dropped')
  t.not(d.received_at, '1999-01-01T00:00:00Z', "received_at is the registry's")
})

t.test('reading needs a token with a reader role, even where downloads are open', async (t) => {
  const reg = await seeded(t)
  const get = async (token?: string, path = '/v1/decisions') => fetch(`${reg.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  for (const path of ['/v1/decisions', '/v1/decisions/summary']) {
    t.equal((await envelope(await get(undefined, path))).code, 'token_missing', `${path}: no token`)
    const foreign = await get(await mint({ sub: 'x', roles: ['decision-reader'] }, { foreignKey: true }), path)
    t.equal(foreign.status, 401, `${path}: a token of another signer`)
    const expired = await get(await mint({ sub: 'x', roles: ['decision-reader'] }, { exp: Math.floor(Date.now() / 1000) - 3600 }), path)
    t.equal(expired.status, 401, `${path}: expired`)
    const noRole = await get(await sidecar(), path)
    t.equal(noRole.status, 403, `${path}: a valid token without the role`)
    t.equal((await envelope(noRole)).code, 'decision_read_forbidden')
    t.equal((await get(await mint({ sub: 'auditor', roles: 'viewer decision-reader' }), path)).status, 200, `${path}: roles as one string`)
  }
})

t.test('decision_logs.read_claim and read_roles; read_roles: [] lets any valid token read', async (t) => {
  const custom = await seeded(t, `${LIMITS}  read_claim: realm_access.roles\n  read_roles: [governance, auditor]\n`)
  t.equal(
    (await fetch(`${custom.url}/v1/decisions`, { headers: { authorization: `Bearer ${await mint({ sub: 'a', realm_access: { roles: ['auditor'] } })}` } }))
      .status,
    200,
  )
  t.equal(
    (await fetch(`${custom.url}/v1/decisions`, { headers: { authorization: `Bearer ${await reader()}` } })).status,
    403,
    'the default role is not one of these',
  )
  const any = await seeded(t, `${LIMITS}  read_roles: []\n`)
  t.equal((await fetch(`${any.url}/v1/decisions`, { headers: { authorization: `Bearer ${await sidecar()}` } })).status, 200)
  t.equal((await fetch(`${any.url}/v1/decisions`)).status, 401, 'but a token still')
})

t.test('GET /v1/decisions: filters, time range, paging with `next`; bad parameters are 400 request_invalid', async (t) => {
  const reg = await startTestRegistry(t, { extra: LIMITS })
  const token = await sidecar()
  const events = Array.from({ length: 60 }, (_, i) =>
    decisionEvent(i, {
      port: i % 2 ? 'orders-eu' : 'orders-us',
      subject: `u${i % 3}`,
      outcome: i % 5 === 0 ? 'deny' : 'allow',
      product: i % 4 ? 'orders-api' : 'billing-api',
      domain: i % 4 ? 'orders' : 'billing',
    }),
  )
  t.equal((await upload(reg.url, events, { token })).status, 200)
  const ids = (r: { result: any[] }) => r.result.map((d) => d.decision_id)
  const want = (f: (i: number) => boolean) =>
    events
      .map((e, i) => [e, i] as const)
      .filter(([, i]) => f(i))
      .map(([e]) => e.decision_id)
      .reverse()

  t.same(
    ids(await decisions(reg, '?port=orders-eu&outcome=deny')),
    want((i) => i % 2 === 1 && i % 5 === 0),
  )
  t.same(
    ids(await decisions(reg, '?subject=u1&limit=1000')),
    want((i) => i % 3 === 1),
  )
  t.same(
    ids(await decisions(reg, '?product=billing-api&domain=billing&limit=1000')),
    want((i) => i % 4 === 0),
  )
  t.same(ids(await decisions(reg, `?decision_id=${events[7]!.decision_id}`)), [events[7]!.decision_id])
  const from = new Date(T0 + 10_000).toISOString()
  const to = new Date(T0 + 20_000).toISOString()
  t.same(
    ids(await decisions(reg, `?from=${from}&to=${to}`)),
    want((i) => i >= 10 && i < 20),
    'from inclusive, to exclusive',
  )

  const pages: string[] = []
  let q = '?limit=7&port=orders-us'
  for (let n = 0; n < 20; n++) {
    const page = await decisions(reg, q)
    pages.push(...ids(page))
    t.ok(page.result.length <= 7)
    if (!page.next) break
    q = `?limit=7&port=orders-us&after=${page.next}`
  }
  t.same(
    pages,
    want((i) => i % 2 === 0),
    'pages in order, each once',
  )
  t.equal((await decisions(reg)).result.length, 60, 'default limit 100')

  const auth = { headers: { authorization: `Bearer ${await reader()}` } }
  for (const bad of ['from=yesterday', 'to=2025-13-01T00:00:00Z', 'outcome=maybe', 'limit=0', 'limit=1001', 'limit=ten', 'after=bm9wZQ']) {
    const r = await fetch(`${reg.url}/v1/decisions?${bad}`, auth)
    t.equal(r.status, 400, bad)
    t.equal((await envelope(r)).code, 'request_invalid', `${bad}: request_invalid`)
  }
})

t.test('GET /v1/decisions/summary: per-port buckets and top deny reasons match what was stored', async (t) => {
  const reg = await startTestRegistry(t, { extra: LIMITS })
  const events = Array.from({ length: 90 }, (_, i) =>
    decisionEvent(i, {
      port: i % 3 ? 'orders-eu' : 'orders-us',
      outcome: i % 4 === 0 ? 'deny' : i % 9 === 0 ? 'error' : 'allow',
      deny:
        i % 8 === 0 ? [{ layer: 'global', message: 'no purpose given' }] : [{ layer: 'domains/orders', message: 'not a consumer', code: 'consumer_unknown' }],
    }),
  )
  t.equal((await upload(reg.url, events, { token: await sidecar() })).status, 200)
  const r = await fetch(`${reg.url}/v1/decisions/summary?from=2025-05-01T10:00:00Z&to=2025-05-01T10:01:00Z&bucket_seconds=20&top=5`, {
    headers: { authorization: `Bearer ${await reader()}` },
  })
  t.equal(r.status, 200)
  const { result: s } = (await r.json()) as { result: any }
  const inRange = events.slice(0, 60)
  t.equal(s.total, 60)
  t.equal(s.deny, inRange.filter((e) => e.outcome === 'deny').length)
  t.equal(s.error, inRange.filter((e) => e.outcome === 'error').length)
  t.same(
    s.ports.map((p: any) => [p.product, p.domain, p.port]),
    [
      ['orders-api', 'orders', 'orders-eu'],
      ['orders-api', 'orders', 'orders-us'],
    ],
  )
  for (const p of s.ports) {
    t.same(
      p.buckets.map((b: any) => b.total),
      [0, 1, 2].map((k) => inRange.filter((e, i) => e.port === p.port && Math.floor(i / 20) === k).length),
      `${p.port} totals`,
    )
    t.same(
      p.buckets.map((b: any) => b.deny),
      [0, 1, 2].map((k) => inRange.filter((e, i) => e.port === p.port && e.outcome === 'deny' && Math.floor(i / 20) === k).length),
      `${p.port} denies`,
    )
  }
  const denies = inRange.filter((e) => e.outcome === 'deny')
  t.same(
    s.top_deny_reasons,
    [
      {
        layer: 'domains/orders',
        message: 'not a consumer',
        code: 'consumer_unknown',
        count: denies.filter((e) => e.deny![0]!.layer === 'domains/orders').length,
      },
      { layer: 'global', message: 'no purpose given', count: denies.filter((e) => e.deny![0]!.layer === 'global').length },
    ].sort((a, b) => b.count - a.count),
    'most frequent first',
  )
  const auth = { headers: { authorization: `Bearer ${await reader()}` } }
  for (const bad of [
    'from=later',
    'bucket_seconds=0',
    'top=101',
    'from=2025-05-01T10:00:00Z&to=2025-05-01T09:00:00Z',
    'from=2025-01-01T00:00:00Z&to=2025-05-01T00:00:00Z&bucket_seconds=1',
  ]) {
    const b = await fetch(`${reg.url}/v1/decisions/summary?${bad}`, auth)
    t.equal(b.status, 400, bad)
  }
})

t.test('a restarted registry finds what it stored: indexes rebuilt, de-duplication kept', async (t) => {
  const { config } = await registryDir(t, { extra: LIMITS })
  const start = () => startRegistry(parseRegistryConfig(readFileSync(config, 'utf8'), config))
  let reg = await start()
  const events = Array.from({ length: 40 }, (_, i) => decisionEvent(i, { outcome: i % 2 ? 'deny' : 'allow' }))
  t.equal((await upload(reg.url, events, { token: await sidecar() })).status, 200)
  const before = await decisions(reg, '?outcome=deny&limit=1000')
  await reg.close()
  reg = await start()
  t.teardown(() => reg.close())
  t.same(await decisions(reg, '?outcome=deny&limit=1000'), before)
  t.same(await (await upload(reg.url, events, { token: await sidecar() })).json(), { result: { stored: 0, duplicates: 40 } })
})

t.test('fuzz: random bodies and random events get 200 or 4xx, never 5xx; a refusal stores nothing, an acceptance stores exactly the new ids', async (t) => {
  const reg = await startTestRegistry(t, { extra: LIMITS })
  const token = await sidecar()
  const idArb = fc.oneof(fc.constantFrom('a', 'b', 'c', 'd'), fc.string({ maxLength: 8 }), fc.integer())
  const eventArb = fc.oneof(
    fc.record(
      {
        decision_id: idArb,
        outcome: fc.constantFrom('allow', 'deny', 'answer', 'error', 'nope'),
        port: fc.oneof(fc.string(), fc.integer()),
        timestamp: fc.oneof(fc.constant('2025-05-01T10:00:00Z'), fc.string()),
        labels: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string(), fc.integer())),
        deny: fc.array(fc.record({ layer: fc.string(), message: fc.string() }, { requiredKeys: ['layer'] }), { maxLength: 2 }),
        result: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue(),
  )
  const bodyArb = fc.oneof(
    fc.record({ kind: fc.constant('events' as const), events: fc.array(eventArb, { maxLength: 6 }), gzip: fc.boolean() }),
    fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue(), gzip: fc.boolean() }),
    fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 300 }), gzip: fc.boolean() }),
  )
  const known = new Set<string>()
  await fc.assert(
    fc.asyncProperty(bodyArb, async (b) => {
      const payload = b.kind === 'bytes' ? Buffer.from(b.bytes) : Buffer.from(JSON.stringify(b.kind === 'events' ? b.events : b.value) ?? 'null')
      const before = await reg.decisions.count()
      const r = await upload(reg.url, null, { token, gzip: b.gzip, raw: b.gzip ? gzipSync(payload) : payload })
      const text = await r.text()
      if (r.status >= 500) throw new Error(`5xx: ${text}`)
      const after = await reg.decisions.count()
      if (r.status === 200) {
        const { stored } = (JSON.parse(text) as { result: { stored: number } }).result
        const ids = (JSON.parse(payload.toString()) as { decision_id: string }[]).map((e) => e.decision_id)
        const fresh = new Set(ids.filter((id) => !known.has(id)))
        for (const id of ids) known.add(id)
        if (stored !== fresh.size) throw new Error(`stored ${stored}, expected the ${fresh.size} new ids`)
        if (after - before !== stored) throw new Error(`stored ${stored} but the count moved by ${after - before}`)
      } else {
        if (r.status < 400 || r.status >= 500) throw new Error(`unexpected ${r.status}`)
        if (after !== before) throw new Error(`a refused upload (${r.status}) changed the store`)
      }
    }),
    { numRuns: 150 },
  )
  t.pass('150 random uploads')
})
