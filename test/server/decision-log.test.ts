// A sidecar with `decision_logs` on, uploading to a real registry: what the
// registry stores is masked before it left the sidecar (the config's `erase`
// pointers, then the global bundle's `package global.log` mask and drop
// rules); a log policy that fails erases input and result rather than
// letting them out; dropped and failing uploads show in health and metrics.

import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeBundle } from '../../src/bundle/index.js'
import { compile } from '../../src/compiler.js'
import { loadConfig } from '../../src/config/index.js'
import { startSidecar, type Sidecar } from '../../src/server/index.js'
import { mint, startTestRegistry } from '../fixtures/registry/harness.js'
import { waitFor } from '../fixtures/wait/until.js'

const ACCESS = `package global.access

allow if input.subject.id != "nobody"
deny contains "marketing needs consent" if input.purpose == "marketing"
`

const LOG = `package global.log

mask contains "/input/request/headers/x-forwarded-for"
mask contains {"op": "upsert", "path": "/input/purpose", "value": "<masked>"} if input.input.purpose == "secret-project"
drop if input.input.purpose == "noise"
mask contains "/input/x" if 1 / to_number(input.input.fields[0]) == 0
`

async function globalBundle(modules: Record<string, string>, entrypoints: string[]) {
  const { wasm } = await compile({ modules: Object.entries(modules).map(([path, source]) => ({ path, source })), entrypoints, strictBuiltinErrors: true })
  return writeBundle({
    manifest: { revision: 'g1', roots: ['global'], wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })) },
    wasm,
    data: {},
    sources: Object.entries(modules).map(([path, source]) => ({ path, source })),
  })
}

async function sidecarLoggingTo(t: Tap.Test, url: string, bundle: Buffer, extra = ''): Promise<Sidecar> {
  const dir = mkdtempSync(join(tmpdir(), 'mg-dlog-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'global.tar.gz'), bundle)
  writeFileSync(
    join(dir, 'meshgate.yaml'),
    `
server: { addr: 127.0.0.1:0 }
auth: { mode: none }
services:
  registry: { url: ${url}, credentials: { bearer: { token: ${await mint({ sub: 'sidecar-1' })} } } }
bundles:
  global: { resource: global.tar.gz }
labels: { team: audit }
decision_logs:
  service: registry
  reporting: { min_delay_seconds: 0.05, max_delay_seconds: 0.1 }
  erase: [/input/request/headers/authorization]
${extra}`,
  )
  const sc = await startSidecar(await loadConfig(join(dir, 'meshgate.yaml')))
  t.teardown(() => sc.close())
  return sc
}

const decide = async (sc: Sidecar, body: unknown) => {
  const res = await fetch(`${sc.url}/v1/decisions/access`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return ((await res.json()) as { decision_id: string }).decision_id
}

async function storedEvent(base: string, id: string): Promise<any> {
  const reader = await mint({ sub: 'auditor', roles: ['decision-reader'] })
  let found: any[] = []
  await waitFor(
    `decision ${id} to be stored`,
    async () => {
      const res = await fetch(`${base}/v1/decisions?decision_id=${id}`, { headers: { authorization: `Bearer ${reader}` } })
      found = ((await res.json()) as { result: any[] }).result
      return found.length > 0
    },
    20_000,
  )
  return found[0]
}

t.test('events reach the registry masked by the erase list and the global log policy; dropped ones never leave', async (t) => {
  const registry = await startTestRegistry(t)
  const sc = await sidecarLoggingTo(t, registry.url, await globalBundle({ 'a.rego': ACCESS, 'log.rego': LOG }, ['global/access', 'global/log']))
  const request = { method: 'GET', path: '/orders', headers: { authorization: 'Bearer leaked', 'x-forwarded-for': '10.1.2.3', 'user-agent': 'curl' } }
  const id = await decide(sc, { port: 'orders-v1', purpose: 'secret-project', fields: ['1'], request })
  const e = await storedEvent(registry.url, id)
  t.equal(e.input.request.headers.authorization, undefined, 'the config erase list')
  t.equal(e.input.request.headers['x-forwarded-for'], undefined, "the policy's mask pointer")
  t.equal(e.input.request.headers['user-agent'], 'curl', 'what no rule masks stays')
  t.equal(e.input.purpose, '<masked>', "the policy's upsert")
  t.same(new Set(e.erased), new Set(['/input/request/headers/authorization', '/input/request/headers/x-forwarded-for']))
  t.same(e.masked, ['/input/purpose'])
  t.equal(e.kind, 'access')
  t.equal(e.outcome, 'deny', 'no layer allows the anonymous subject')
  t.equal(e.labels.team, 'audit')
  t.equal(e.reporter, 'sidecar-1')

  const dropped = await decide(sc, { port: 'orders-v1', purpose: 'noise', fields: ['1'] })
  const after = await decide(sc, { port: 'orders-v1', purpose: 'analytics', fields: ['1'] })
  await storedEvent(registry.url, after)
  const reader = await mint({ sub: 'auditor', roles: ['decision-reader'] })
  const r = await fetch(`${registry.url}/v1/decisions?decision_id=${dropped}`, { headers: { authorization: `Bearer ${reader}` } })
  t.same(((await r.json()) as { result: unknown[] }).result, [], 'the drop rule kept the event off the wire')
  t.equal(sc.decisionLog!.stats().policy_dropped_events, 1)

  const metrics = await (await fetch(`${sc.url}/metrics`)).text()
  t.match(metrics, /meshgate_decision_log_policy_dropped_events_total 1/)
  t.match(metrics, /meshgate_decision_log_uploaded_events_total [1-9]/)
})

t.test('a log policy that fails erases input and result: nothing leaves in clear', async (t) => {
  const registry = await startTestRegistry(t)
  const sc = await sidecarLoggingTo(t, registry.url, await globalBundle({ 'a.rego': ACCESS, 'log.rego': LOG }, ['global/access', 'global/log']))
  // fields[0] == "0": the log policy divides by zero (strict built-ins: an error).
  const id = await decide(sc, { port: 'orders-v1', purpose: 'analytics', fields: ['0'], request: { headers: { 'x-forwarded-for': '10.9.9.9' } } })
  const e = await storedEvent(registry.url, id)
  t.equal(e.input, undefined)
  t.equal(e.result, undefined)
  t.same(e.erased, ['/input', '/result'])
  t.ok(e.mask_error, 'says why')
  t.equal(e.outcome, 'deny', 'the decision itself is still recorded')
})

t.test('health and metrics show a collector that refuses uploads; decisions go on', async (t) => {
  // A port nobody listens on: every upload fails.
  const sc = await sidecarLoggingTo(t, 'http://127.0.0.1:9', await globalBundle({ 'a.rego': ACCESS }, ['global/access']))
  await decide(sc, { port: 'orders-v1', purpose: 'analytics' })
  await waitFor('a failed upload', () => sc.decisionLog!.stats().upload_retries > 0, 20_000)
  const h = await fetch(`${sc.url}/health?plugins`)
  t.equal(h.status, 200, 'decision logging never makes the sidecar unready')
  const body = (await h.json()) as any
  t.equal(body.plugins.decision_logs.state, 'WARN')
  t.match(body.plugins.decision_logs.message, /last upload failed/)
  t.equal(body.decision_logs.spool_events, 1, 'the event waits in the spool')
  t.same(await (await fetch(`${sc.url}/health`)).json(), {}, 'liveness unaffected')
  t.match(await (await fetch(`${sc.url}/metrics`)).text(), /meshgate_decision_log_spool_events 1/)
})
