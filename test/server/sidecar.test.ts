// The sidecar over real HTTP: every endpoint, every bad-input class, and the
// server still serving afterwards. A real JWKS endpoint signs the tokens.

import t from 'tap'
import { SignJWT, base64url } from 'jose'
import { createHmac } from 'node:crypto'
import { startJwks, startTestSidecar, type Jwks, type TestSidecar } from '../fixtures/server/sidecar.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

let jwks: Jwks
let sc: TestSidecar
let analyst: string

t.before(async () => {
  jwks = await startJwks()
  sc = await startTestSidecar(jwks, { extra: 'budgets:\n  steps: 100000' })
  analyst = await jwks.mint({ sub: 'ann', realm: { roles: ['analyst'] }, clearance: 'low' })
})
t.teardown(async () => {
  await sc?.close()
  await jwks?.close()
})

async function call(path: string, init: { method?: string; body?: unknown; raw?: string; token?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers }
  const token = init.token === undefined ? analyst : init.token
  if (token) headers.authorization = `Bearer ${token}`
  let body: string | undefined = init.raw
  if (init.body !== undefined) body = JSON.stringify(init.body)
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json'
  const res = await fetch(sc.base + path, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, ...(body !== undefined ? { body } : {}) })
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text, headers: res.headers }
}

const access = (body: unknown, token?: string | null) => call('/v1/decisions/access', { body, ...(token !== undefined ? { token } : {}) })

t.test('GET /health and /health?bundles', async (t) => {
  t.same((await call('/health', { token: null })).json, {})
  const r = await call('/health?bundles', { token: null })
  t.equal(r.status, 200)
  t.same(r.json, {})
})

t.test('POST /v1/decisions/access', async (t) => {
  const ok = await access({ port: 'orders-v1', purpose: 'reporting', fields: ['order_id', 'amount'] })
  t.equal(ok.status, 200)
  t.match(ok.json.decision_id, UUID)
  t.equal(ok.json.allow, true)
  t.same(ok.json.allowed_by, ['domains/orders'])
  t.same(ok.json.revisions, { global: 'g1', 'domains/orders': 'o1' })
  const denied = await access({ port: 'orders-v1', purpose: 'marketing' })
  t.equal(denied.status, 200)
  t.equal(denied.json.allow, false)
  t.same(denied.json.deny, [{ layer: 'global', message: 'purpose `marketing` is not allowed on any port' }])
  const pii = await access({ port: 'orders-v1', purpose: 'reporting', fields: ['email'] })
  t.equal(pii.json.allow, false, 'global layer reads data.mesh pii from the contract')
  const noRole = await access({ port: 'orders-v1' }, await jwks.mint({ sub: 'bob' }))
  t.equal(noRole.json.allow, false)
  t.equal(noRole.json.message, 'no layer allows the request (default deny)')
  t.not(ok.json.decision_id, denied.json.decision_id)
})

t.test('POST /v1/decisions/anonymization', async (t) => {
  const r = await call('/v1/decisions/anonymization', { body: { port: 'orders-v1', purpose: 'reporting' } })
  t.equal(r.status, 200)
  t.match(r.json.decision_id, UUID)
  t.same(r.json.fields.email, { transform: { action: 'hash' }, layer: 'global', source: 'policy' })
  t.same(r.json.fields.phone.source, 'pii_default', 'pii no rule mentions is never in clear')
  t.same(r.json.fields.phone.transform, { action: 'redact' })
  t.equal(r.json.fields.amount.transform.action, 'generalize')
  t.equal(r.json.fields.amount.layer, 'domains/orders')
  t.match(r.json.row_filters, [{ field: 'status', op: '!=', value: 'test', layer: 'domains/orders' }])
  t.same(r.json.revisions, { global: 'g1', 'domains/orders': 'o1' })
})

t.test('POST /v1/decisions/schema-compatibility', async (t) => {
  const proposed = {
    apiVersion: 'v3.0.2',
    kind: 'DataContract',
    id: 'shop-contract',
    name: 'shop',
    version: '2.0.0',
    status: 'active',
    schema: [
      {
        name: 'orders',
        logicalType: 'object',
        properties: [
          { name: 'order_id', logicalType: 'string', required: true, classification: 'public' },
          { name: 'email', logicalType: 'string', classification: 'pii' },
          { name: 'phone', logicalType: 'string', classification: 'pii' },
          { name: 'amount', logicalType: 'string', required: true, classification: 'public' },
          { name: 'status', logicalType: 'string', required: true, classification: 'public' },
        ],
      },
    ],
  }
  const r = await call('/v1/decisions/schema-compatibility', { body: { port: 'orders-v1', proposed } })
  t.equal(r.status, 200, r.text)
  t.match(r.json.decision_id, UUID)
  t.equal(r.json.compatible, false)
  t.equal(r.json.mode, 'backward')
  t.equal(r.json.bump, 'major')
  t.match(r.json.violations, [{ layer: 'global', field: 'amount', consumers: ['finance'] }])
  t.same(r.json.affected_consumers, ['finance'])
  t.same(r.json.revisions, { global: 'g1', 'domains/orders': 'o1' })
  const same = await call('/v1/decisions/schema-compatibility', {
    body: {
      port: 'orders-v1',
      proposed: {
        ...proposed,
        schema: [
          { ...proposed.schema[0]!, properties: proposed.schema[0]!.properties.map((p) => (p.name === 'amount' ? { ...p, logicalType: 'number' } : p)) },
        ],
      },
    },
  })
  t.equal(same.json.compatible, true)
  t.equal(same.json.bump, 'none')
})

t.test('POST /v1/ports/:port/anonymize streams JSON arrays and NDJSON', async (t) => {
  const records = [
    { order_id: 'a1', email: 'ann@example.com', phone: '555', amount: 123, status: 'paid' },
    { order_id: 'a2', email: 'bob@example.com', phone: '556', amount: 7, status: 'test' },
  ]
  const r = await call('/v1/ports/orders-v1/anonymize?purpose=reporting', { raw: JSON.stringify(records) })
  t.equal(r.status, 200, r.text)
  t.match(r.headers.get('content-type'), /application\/json/)
  t.match(r.headers.get('x-meshgate-decision-id'), UUID)
  t.same(JSON.parse(r.headers.get('x-meshgate-revisions')!), { global: 'g1', 'domains/orders': 'o1' })
  const expectedHash = createHmac('sha256', 'test-key-0123456789abcdef').update('ann@example.com').digest('hex')
  t.same(r.json, [{ order_id: 'a1', email: expectedHash, phone: null, amount: '100-199', status: 'paid' }], 'hashed, redacted, generalized, test row filtered')
  const nd = await call('/v1/ports/orders-v1/anonymize', {
    raw: records.map((x) => JSON.stringify(x)).join('\n') + '\n',
    headers: { 'content-type': 'application/x-ndjson' },
  })
  t.equal(nd.status, 200)
  t.match(nd.headers.get('content-type'), /ndjson/)
  t.same(
    nd.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).order_id),
    ['a1'],
  )
  // A large body streams through (bigger than the 64kb body limit).
  const many = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ order_id: `o${i}`, email: 'x@y.z', amount: i, status: 'paid' })).join('\n')
  const big = await call('/v1/ports/orders-v1/anonymize', { raw: many, headers: { 'content-type': 'application/x-ndjson' } })
  t.equal(big.status, 200)
  t.equal(big.text.trim().split('\n').length, 5000)
  const bad = await call('/v1/ports/orders-v1/anonymize', { raw: '{not json', headers: { 'content-type': 'application/x-ndjson' } })
  t.equal(bad.status, 400)
  t.equal(bad.json.code, 'anonymize_input_error')
  const unknown = await call('/v1/ports/nope/anonymize', { raw: '[]' })
  t.equal(unknown.status, 404)
  t.equal(unknown.json.code, 'port_not_found')
  const anon = await call('/v1/ports/orders-v1/anonymize', { raw: '[]', token: null })
  t.equal(anon.status, 401)
})

t.test('OPA Data API', async (t) => {
  const echo = await call('/v1/data/domains/orders/echo', { body: { input: { x: 1 } }, token: null })
  t.equal(echo.status, 200)
  t.same(echo.json.result, { x: 1 })
  t.match(echo.json.decision_id, UUID)
  t.same(JSON.parse(echo.headers.get('x-meshgate-revisions')!), { global: 'g1', 'domains/orders': 'o1' })
  const undef = await call('/v1/data/domains/orders/undefined', { body: { input: {} }, token: null })
  t.equal(undef.status, 200)
  t.notOk('result' in undef.json, 'no result when undefined')
  t.match(undef.json.decision_id, UUID)
  const allow = await call('/v1/data/domains/orders/access/allow', { body: { input: { subject: { roles: ['analyst'] } } }, token: null })
  t.equal(allow.json.result, true)
  const domains = await call('/v1/data/domains', { body: { input: {} }, token: null })
  t.same(Object.keys(domains.json.result), ['orders'], 'a document above the layer roots')
  t.same(domains.json.result.orders.access, { allow: false, deny: [] })
  const whole = await call('/v1/data', { body: { input: {} }, token: null })
  t.equal(whole.status, 500, 'the whole document includes global/spin, which runs past the step budget')
  t.equal(whole.json.code, 'eval_budget_exceeded')
  const get = await call(`/v1/data/domains/orders/echo?input=${encodeURIComponent('{"y":2}')}`, { token: null })
  t.same(get.json.result, { y: 2 })
  const empty = await call('/v1/data/global/limits', { raw: '', token: null })
  t.same(empty.json.result, { max_rows: 10 }, 'empty body: no input, as in OPA')
  const prov = await call('/v1/data/global/limits?provenance', { token: null })
  t.same(prov.json.provenance, { bundles: { global: { revision: 'g1' }, 'domains/orders': { revision: 'o1' } } })
  const badInput = await call('/v1/data/x?input=%7Bnope', { token: null })
  t.equal(badInput.status, 400)
  t.equal(badInput.json.code, 'request_malformed')
  const malformed = await call('/v1/data/x', { raw: '{"input":', token: null })
  t.equal(malformed.status, 400)
  t.equal(malformed.json.code, 'request_malformed')
})

t.test('evaluation budget: cut off, answered as an error, others still served', async (t) => {
  const r = await call('/v1/data/global/spin', { body: { input: {} }, token: null })
  t.equal(r.status, 500)
  t.equal(r.json.code, 'eval_budget_exceeded')
  t.equal((await access({ port: 'orders-v1' })).json.allow, true)
})

t.test('bad input classes', async (t) => {
  const malformed = await call('/v1/decisions/access', { raw: '{"port": ' })
  t.equal(malformed.status, 400)
  t.equal(malformed.json.code, 'request_malformed')
  t.type(malformed.json.message, 'string')

  const oversize = await call('/v1/decisions/access', {
    body: { port: 'orders-v1', purpose: 'x'.repeat(100), fields: Array.from({ length: 800 }, (_, i) => 'f'.repeat(90) + i) },
  })
  t.equal(oversize.status, 413)
  t.equal(oversize.json.code, 'request_too_large')

  const invalid = await access({ purpose: 'reporting' })
  t.equal(invalid.status, 400)
  t.equal(invalid.json.code, 'request_invalid')
  t.match(invalid.json.message, /port/)

  const media = await call('/v1/decisions/access', { raw: '<port/>', headers: { 'content-type': 'application/xml' } })
  t.equal(media.status, 415)
  t.equal(media.json.code, 'request_media_type')

  const unknownPort = await access({ port: 'nope' })
  t.equal(unknownPort.status, 404)
  t.equal(unknownPort.json.code, 'port_not_found')
  t.match(unknownPort.json.message, /`nope`/)

  const route = await call('/v2/nothing', { token: null })
  t.equal(route.status, 404)
  t.equal(route.json.code, 'resource_not_found')

  const proto = await call('/v1/decisions/access', { raw: '{"port":"orders-v1","__proto__":{"x":1}}' })
  t.equal(proto.status, 400)
})

t.test('tokens: missing, invalid, expired, wrong issuer/audience, alg none, HS/RS confusion, unknown key', async (t) => {
  const body = { port: 'orders-v1' }
  const expect401 = async (token: string | null, code: string, what: string, msg?: RegExp) => {
    const r = await access(body, token)
    t.equal(r.status, 401, what)
    t.equal(r.json.code, code, what)
    t.match(r.headers.get('www-authenticate'), /^Bearer/, what)
    if (msg) t.match(r.json.message, msg, what)
  }
  await expect401(null, 'token_missing', 'no token')
  await expect401('not.a.jwt', 'token_invalid', 'garbage', /malformed/)
  await expect401(await jwks.mint({ sub: 'a' }, { exp: Math.floor(Date.now() / 1000) - 60 }), 'token_invalid', 'expired', /expired/)
  await expect401(await jwks.mint({ sub: 'a' }, { iss: 'https://evil.test' }), 'token_invalid', 'wrong issuer', /`iss`/)
  await expect401(await jwks.mint({ sub: 'a' }, { aud: 'someone-else' }), 'token_invalid', 'wrong audience', /`aud`/)
  const claims = { sub: 'a', iss: 'https://idp.test', aud: 'meshgate', exp: Math.floor(Date.now() / 1000) + 300, realm: { roles: ['analyst'] } }
  const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(claims))}.`
  await expect401(none, 'token_invalid', 'alg none')
  // HS/RS confusion: HMAC-signed with the RSA public key's JWK text as the secret.
  const secret = new TextEncoder().encode(JSON.stringify(jwks.jwk))
  const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(secret)
  await expect401(hs, 'token_invalid', 'HS256 with the public key', /algorithm/)
  await expect401(await jwks.mint({ sub: 'a' }, { kid: 'other' }), 'token_invalid', 'unknown key id', /no key/)
  const tampered = analyst.split('.')
  tampered[1] = base64url.encode(JSON.stringify({ ...claims, realm: { roles: ['admin'] } }))
  await expect401(tampered.join('.'), 'token_invalid', 'tampered payload', /signature/)
  const noExp = await new SignJWT({ sub: 'a' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer('https://idp.test')
    .setAudience('meshgate')
    .sign(jwks.privateKey)
  await expect401(noExp, 'token_invalid', 'no exp', /`exp`/)
  await expect401('', 'token_missing', 'empty bearer')
  const ok = await access(body)
  t.equal(ok.status, 200, 'the server keeps serving')
})

t.test('a verified token is not trusted past its exp', async (t) => {
  const token = await jwks.mint({ sub: 'short', realm: { roles: ['analyst'] } }, { exp: Math.floor(Date.now() / 1000) + 2 })
  t.equal((await access({ port: 'orders-v1' }, token)).status, 200, 'verified and cached')
  // Bounded wait for the clock to pass exp (this tests expiry, not ordering).
  await new Promise((r) => setTimeout(r, 2100 - (Date.now() % 1000 === 0 ? 0 : 0)))
  const later = await access({ port: 'orders-v1' }, token)
  t.equal(later.status, 401)
  t.match(later.json.message, /expired/)
})

t.test('forward auth', async (t) => {
  const fa = (headers: Record<string, string>, token?: string | null) =>
    call('/v1/forward-auth?port=orders-v1&purpose=reporting', { headers, ...(token !== undefined ? { token } : {}) })
  const ok = await fa({ 'x-original-uri': '/orders?fields=order_id', 'x-original-method': 'GET' })
  t.equal(ok.status, 200)
  t.match(ok.headers.get('x-meshgate-decision-id'), UUID)
  t.equal(ok.headers.get('x-meshgate-subject'), 'ann')
  t.equal((await fa({ 'x-forwarded-uri': '/orders', 'x-forwarded-method': 'DELETE' })).status, 403, 'Traefik headers; domain deny')
  t.equal((await fa({ 'x-original-uri': '/orders?fields=email' })).status, 403, 'pii field without clearance')
  t.equal((await fa({}, null)).status, 401)
  t.equal((await fa({}, 'bad')).status, 401)
  const noPort = await call('/v1/forward-auth', {})
  t.equal(noPort.status, 403)
  t.equal(noPort.json.code, 'request_invalid')
  const unknownPort = await call('/v1/forward-auth?port=nope', {})
  t.equal(unknownPort.status, 403)
  t.equal(unknownPort.json.code, 'port_not_found')
})

t.test('fail closed: no valid domain bundle → 503, health?bundles → 500', async (t) => {
  const half = await startTestSidecar(jwks, { domain: false })
  t.teardown(() => half.close())
  const h = await fetch(`${half.base}/health?bundles`)
  t.equal(h.status, 500)
  t.match(await h.json(), { error: /domains\/orders/ })
  t.equal((await fetch(`${half.base}/health`)).status, 200)
  const r = await fetch(`${half.base}/v1/decisions/access`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${analyst}` },
    body: JSON.stringify({ port: 'orders-v1' }),
  })
  t.equal(r.status, 503)
  t.match(await r.json(), { code: 'bundle_unavailable', message: /`domains\/orders`/ })
  const fa = await fetch(`${half.base}/v1/forward-auth?port=orders-v1`, { headers: { authorization: `Bearer ${analyst}` } })
  t.equal(fa.status, 503, 'forward auth fails closed too')
  const d = await fetch(`${half.base}/v1/data/global/limits`)
  t.equal(d.status, 503)
})

// The route asks the engine's `accessNow`: an error it rejects with and one it
// throws at once must both end as the same generic 500, logged, and a decision
// event that says error, never allow.
for (const [how, fail] of [
  ['rejected', async () => Promise.reject(new Error('secret detail'))],
  [
    'thrown at once',
    () => {
      throw new Error('secret detail')
    },
  ],
] as const) {
  t.test(`an unknown error (${how}) is a generic 500; the real one only goes to the log`, async (t) => {
    const { buildApp } = await import('../../src/server/index.js')
    const { parseConfig } = await import('../../src/config/index.js')
    const logged: string[] = []
    const events: { outcome: string; error?: { code: string } }[] = []
    const engine = { access: async () => fail(), accessNow: fail, ready: true, layers: [] } as any
    const app = await buildApp({
      engine,
      config: parseConfig('bundles: { global: { resource: g } }\nauth: { mode: none }\n'),
      observers: [{ record: (e: any) => void events.push(e) }],
      logger: { level: 'error', stream: { write: (l: string) => logged.push(l) } } as any,
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
    t.teardown(() => app.close())
    const { port } = app.server.address() as { port: number }
    const r = await fetch(`http://127.0.0.1:${port}/v1/decisions/access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"port":"p"}',
    })
    t.equal(r.status, 500)
    t.same(await r.json(), { code: 'internal_error', message: 'internal error; see the sidecar log' })
    t.ok(
      logged.some((l) => l.includes('secret detail')),
      'logged',
    )
    t.match(events, [{ outcome: 'error', error: { code: 'internal_error' } }], 'the decision event says error, never allow')
  })
}
