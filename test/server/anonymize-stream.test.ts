// POST /v1/ports/{port}/anonymize over real HTTP: the access decision comes
// first (a subject the access endpoint denies gets 403 and the deny reasons,
// never records), and `?fields=` narrows the records to the named fields.

import t from 'tap'
import { startJwks, startTestSidecar, type Jwks, type TestSidecar } from '../fixtures/server/sidecar.js'

let jwks: Jwks
let sc: TestSidecar

t.before(async () => {
  jwks = await startJwks()
  sc = await startTestSidecar(jwks)
})
t.teardown(async () => {
  await sc?.close()
  await jwks?.close()
})

const records = [
  { order_id: 'a1', email: 'ann@example.com', phone: '555', amount: 123, status: 'paid', note: 'not in the contract' },
  { order_id: 'a2', email: 'bob@example.com', phone: '556', amount: 7, status: 'test' },
]

async function anonymize(token: string, query: string, body: string = JSON.stringify(records)) {
  const res = await fetch(`${sc.base}/v1/ports/orders-v1/anonymize${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  })
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text, headers: res.headers }
}

async function accessOf(token: string, body: Record<string, unknown>) {
  const res = await fetch(`${sc.base}/v1/decisions/access`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ port: 'orders-v1', ...body }),
  })
  return (await res.json()) as { allow: boolean; deny: unknown[]; message: string }
}

t.test('a subject the access decision denies gets 403 and the deny reasons, no records', async (t) => {
  const analyst = await jwks.mint({ sub: 'ann', realm: { roles: ['analyst'] }, clearance: 'low' })
  const cases: [string, string, Record<string, unknown>][] = [
    ['a purpose the global layer denies', await jwks.mint({ sub: 'ann', realm: { roles: ['analyst'] } }), { purpose: 'marketing' }],
    ['pii fields without clearance', analyst, { purpose: 'reporting', fields: ['order_id', 'email'] }],
    ['no layer allows (default deny)', await jwks.mint({ sub: 'bob' }), { purpose: 'reporting' }],
  ]
  for (const [what, token, body] of cases) {
    const decision = await accessOf(token, body)
    t.equal(decision.allow, false, `${what}: the access endpoint denies`)
    const q = new URLSearchParams({ purpose: body.purpose as string, ...(body.fields ? { fields: (body.fields as string[]).join(',') } : {}) })
    const r = await anonymize(token, `?${q}`)
    t.equal(r.status, 403, `${what}: 403`)
    t.same(Object.keys(r.json).sort(), ['code', 'errors', 'message'], `${what}: our envelope`)
    t.equal(r.json.code, 'access_denied', what)
    t.equal(r.json.message, decision.message, `${what}: the access decision's message`)
    t.same(r.json.errors, decision.deny, `${what}: the deny reasons, with their layers`)
    t.notMatch(r.text, /ann@example\.com|a1/, `${what}: no record leaves`)
    t.match(r.headers.get('x-meshgate-decision-id'), /^[0-9a-f-]{36}$/)
  }
  // The decision is made before the body is read: a broken body does not change the answer.
  const broken = await anonymize(await jwks.mint({ sub: 'bob' }), '', '{not json')
  t.equal(broken.status, 403)
})

t.test('?fields= keeps only the named fields, each with its transform', async (t) => {
  const token = await jwks.mint({ sub: 'ann', realm: { roles: ['analyst'] }, clearance: 'high' })
  const all = await anonymize(token, '?purpose=reporting')
  t.equal(all.status, 200, all.text)
  t.same(Object.keys(all.json[0]).sort(), ['amount', 'email', 'order_id', 'phone', 'status'], 'without fields: every contract field, unknown ones dropped')

  const some = await anonymize(token, '?purpose=reporting&fields=order_id,amount')
  t.equal(some.status, 200, some.text)
  t.same(some.json, [{ order_id: 'a1', amount: '100-199' }], 'only the named fields; the row filter on `status` still applies')

  const pii = await anonymize(token, '?purpose=reporting&fields=email')
  t.equal(pii.status, 200)
  t.equal(pii.json.length, 1)
  t.same(Object.keys(pii.json[0]), ['email'])
  t.match(pii.json[0].email, /^[0-9a-f]{64}$/, 'a named pii field keeps its transform (hash), never in clear')

  const unknown = await anonymize(token, '?purpose=reporting&fields=note,order_id')
  t.same(unknown.json, [{ order_id: 'a1' }], 'naming a field the contract does not declare does not let it out')

  const nd = await fetch(`${sc.base}/v1/ports/orders-v1/anonymize?fields=${encodeURIComponent(' order_id , ,status')}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body: records.map((r) => JSON.stringify(r)).join('\n'),
  })
  t.same(
    (await nd.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [{ order_id: 'a1', status: 'paid' }],
    'NDJSON too; blanks around names are ignored',
  )

  const tooMany = await anonymize(token, `?fields=${Array.from({ length: 1001 }, (_, i) => `f${i}`).join(',')}`)
  t.equal(tooMany.status, 400)
  t.equal(tooMany.json.code, 'request_invalid')
})
