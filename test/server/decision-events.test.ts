// Every decision the sidecar answers becomes one event in OPA's decision-log
// shape, handed to the observers before the answer leaves; its decision_id is
// the answer's and the request's, never the client's.

import t from 'tap'
import { startJwks, startTestSidecar, type Jwks, type TestSidecar } from '../fixtures/server/sidecar.js'
import type { DecisionEvent, DecisionObserver } from '../../src/decision-log/index.js'

class Collect implements DecisionObserver {
  events: DecisionEvent[] = []
  records: { port: string; count: number }[] = []
  /** While set, record() waits for it: proves the answer waits for the observer. */
  gate: Promise<void> | undefined
  async record(e: DecisionEvent) {
    if (this.gate) await this.gate
    this.events.push(e)
  }
  recordsAnonymized(port: string, count: number) {
    this.records.push({ port, count })
  }
  byId(id: string) {
    return this.events.filter((e) => e.decision_id === id)
  }
}

let jwks: Jwks
let sc: TestSidecar
let token: string
const seen = new Collect()

t.before(async () => {
  jwks = await startJwks()
  sc = await startTestSidecar(jwks, { extra: 'budgets:\n  steps: 100000\nlabels:\n  team: orders-team', observers: [seen] })
  token = await jwks.mint({ sub: 'ann', realm: { roles: ['analyst'] }, clearance: 'low' })
})
t.teardown(async () => {
  await sc?.close()
  await jwks?.close()
})

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(sc.base + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, json: (await res.json().catch(() => undefined)) as any, headers: res.headers }
}

t.test("an access decision: one event with the answer's id, OPA's fields and the deny reasons", async (t) => {
  const r = await post('/v1/decisions/access', { port: 'orders-v1', purpose: 'marketing' }, { 'x-request-id': 'client-chosen', 'request-id': 'client-chosen' })
  t.equal(r.status, 200)
  const [e, ...more] = seen.byId(r.json.decision_id)
  t.equal(more.length, 0, 'exactly one event')
  t.ok(e, "the event carries the answer's decision_id")
  t.not(r.json.decision_id, 'client-chosen', "never the client's request id")
  t.equal(e!.kind, 'access')
  t.equal(e!.path, 'meshgate/access')
  t.equal(e!.outcome, 'deny')
  t.equal(e!.port, 'orders-v1')
  t.equal(e!.subject, 'ann')
  t.same(e!.deny, [{ layer: 'global', message: 'purpose `marketing` is not allowed on any port' }])
  t.same(e!.bundles, { global: { revision: 'g1' }, 'domains/orders': { revision: 'o1' } })
  t.match(e!.input, { subject: { id: 'ann' }, port: 'orders-v1', purpose: 'marketing' })
  t.match(e!.result, { allow: false, message: /marketing/ })
  t.match(e!.labels, { version: 'meshgate', product: String, domain: 'orders', port: 'orders-v1', team: 'orders-team', id: String })
  t.match(e!.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)
  t.ok(e!.metrics.timer_server_handler_ns! > 0)
  t.ok(e!.metrics.timer_rego_query_eval_ns! > 0)
  t.match(e!.requested_by, /^127\.0\.0\.1:\d+$/)
  t.equal(e!.cached, false)
  const again = await post('/v1/decisions/access', { port: 'orders-v1', purpose: 'marketing' })
  t.equal(seen.byId(again.json.decision_id)[0]!.cached, true, 'a cached answer is an event too, marked cached')
})

t.test('anonymization and schema compatibility decisions', async (t) => {
  const a = await post('/v1/decisions/anonymization', { port: 'orders-v1', purpose: 'reporting' })
  const ea = seen.byId(a.json.decision_id)[0]!
  t.equal(ea.kind, 'anonymization')
  t.equal(ea.outcome, 'answer')
  t.match(ea.result, { fields: { email: { transform: { action: 'hash' } } } })
  const c = await post('/v1/decisions/schema-compatibility', {
    port: 'orders-v1',
    proposed: { apiVersion: 'v3.0.2', kind: 'DataContract', id: 'x', version: '1.0.0', status: 'active', schema: [] },
  })
  t.equal(c.status, 200)
  const ec = seen.byId(c.json.decision_id)[0]!
  t.equal(ec.kind, 'schema_compatibility')
  t.equal(ec.outcome, c.json.compatible ? 'allow' : 'deny')
})

t.test("OPA's data API and POST / are decisions; a failed evaluation is an `error` event", async (t) => {
  const d = await post('/v1/data/global/meta', { input: { x: 1 } })
  t.equal(d.status, 200)
  const ed = seen.byId(d.json.decision_id)[0]!
  t.equal(ed.kind, 'data')
  t.equal(ed.path, 'global/meta')
  t.same(ed.input, { x: 1 })
  t.equal(ed.outcome, 'answer')
  const before = seen.events.length
  const bad = await post('/v1/data/global/spin', { input: {} })
  t.equal(bad.status, 500)
  const failed = seen.events.slice(before).filter((e) => e.path === 'global/spin')
  t.equal(failed.length, 1)
  t.equal(failed[0]!.outcome, 'error')
  t.equal(failed[0]!.error?.code, 'eval_budget_exceeded', 'the code the answer carried')
})

t.test("anonymize stream: the access decision's event, and the records counted when it ends", async (t) => {
  const res = await fetch(`${sc.base}/v1/ports/orders-v1/anonymize?purpose=reporting`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body: '{"order_id":"1","email":"a@b.c","amount":10,"status":"paid"}\n{"order_id":"2","email":"d@e.f","amount":20,"status":"paid"}\n',
  })
  t.equal(res.status, 200)
  await res.text()
  const id = res.headers.get('x-meshgate-decision-id')!
  const e = seen.byId(id)[0]!
  t.equal(e.kind, 'anonymize_stream')
  t.equal(e.outcome, 'allow')
  t.match(e.result, { access: { allow: true }, anonymization: { fields: Object } })
  t.same(seen.records.at(-1), { port: 'orders-v1', count: 2 })
  t.match(await (await fetch(`${sc.base}/metrics`)).text(), /meshgate_anonymized_records_total\{port="orders-v1"\} 2\n/, 'and in the metrics')
  const denied = await fetch(`${sc.base}/v1/ports/orders-v1/anonymize?purpose=marketing`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body: '{}\n',
  })
  t.equal(denied.status, 403)
  const ed = seen.byId(denied.headers.get('x-meshgate-decision-id')!)[0]!
  t.equal(ed.outcome, 'deny')
  t.equal(ed.error, undefined, 'a denial is an outcome, not an error')
})

t.test('forward auth', async (t) => {
  const res = await fetch(`${sc.base}/v1/forward-auth?port=orders-v1&purpose=reporting`, {
    headers: { authorization: `Bearer ${token}`, 'x-original-uri': '/orders' },
  })
  const body = (await res.json()) as any
  const e = seen.byId(body.decision_id)[0]!
  t.equal(e.kind, 'forward_auth')
  t.equal(e.outcome, body.allow ? 'allow' : 'deny')
  t.match(e.input, { request: { path: '/orders', method: 'GET' } })
})

t.test('requests that decide nothing make no event', async (t) => {
  const before = seen.events.length
  await fetch(`${sc.base}/health`)
  t.equal((await post('/v1/decisions/access', '{"port":')).status, 400)
  t.equal((await post('/v1/decisions/access', { port: 'nope' })).status, 404)
  t.equal(seen.events.length, before)
})

t.test('the answer leaves only after the observers took the event', async (t) => {
  let open!: () => void
  seen.gate = new Promise((r) => {
    open = r
  })
  let answered = false
  const pending = post('/v1/decisions/access', { port: 'orders-v1', purpose: 'reporting' }).then((r) => {
    answered = true
    return r
  })
  // Bounded: give the server every chance to answer early.
  for (let i = 0; i < 50 && !answered; i++) await new Promise((r) => setImmediate(r))
  await new Promise((r) => setTimeout(r, 50))
  t.equal(answered, false, 'no answer while the observer holds the event')
  open()
  seen.gate = undefined
  const r = await pending
  t.equal(seen.byId(r.json.decision_id).length, 1)
})

t.test('one id ties the log lines, the event and the answer', async (t) => {
  const lines: any[] = []
  const { Writable } = await import('node:stream')
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l))
      done()
    },
  })
  const { loadConfig } = await import('../../src/config/index.js')
  const { startSidecar } = await import('../../src/server/index.js')
  const own = new Collect()
  const cfg = await loadConfig(`${sc.dir}/meshgate.yaml`)
  const logged = await startSidecar(cfg, { logger: { level: 'info', stream }, observers: [own] })
  t.teardown(() => logged.close())
  const res = await fetch(`${logged.url}/v1/decisions/access`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ port: 'orders-v1', purpose: 'reporting' }),
  })
  const id = ((await res.json()) as any).decision_id
  t.equal(own.byId(id).length, 1)
  const mine = lines.filter((l) => l.reqId === id)
  t.ok(mine.some((l) => l.msg === 'incoming request') && mine.some((l) => l.msg === 'request completed'), "the request's log lines carry the decision id")
})
