// The governance console end to end (issue 10): a registry on 127.0.0.1,
// three sidecars of two data products that take their global layer from it
// by long polling, report their status to it and log their decisions to it,
// real decisions made over HTTP, and then the console in Debian's headless
// Chromium (playwright-core, never a downloaded browser): the numbers it
// shows are checked against the events the registry stored (read back with
// GET /v1/decisions), the sidecars with the revision they run. A screenshot
// goes to test/artifacts/console-e2e.png. Bounded waits; nothing asserts on
// time.

import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeBundle } from '../../src/bundle/index.js'
import { compile } from '../../src/compiler.js'
import { loadConfig } from '../../src/config/index.js'
import { startSidecar, type Sidecar } from '../../src/server/index.js'
import { governance, mint, put, startTestRegistry } from '../fixtures/registry/harness.js'
import { launchChromium, skipWithoutChromium } from '../fixtures/browser.js'
import { waitFor } from '../fixtures/wait/until.js'

const ARTIFACTS = new URL('../artifacts/', import.meta.url)
const skip = skipWithoutChromium

const ACCESS = `package global.access

allow if input.purpose == "analytics"

deny contains "marketing needs consent" if input.purpose == "marketing"

deny contains {"code": "pii", "message": "email is personal data"} if "email" in input.fields
`

t.test('the console shows what real sidecars decided and which revision they run', { skip }, async (t) => {
  const reg = await startTestRegistry(t, { extra: 'signing: { required: false }' })
  const { wasm } = await compile({ modules: [{ path: 'access.rego', source: ACCESS }], entrypoints: ['global/access'], strictBuiltinErrors: true })
  const bundle = writeBundle({
    manifest: { revision: 'g-e2e-1', roots: ['global'], wasm: [{ entrypoint: 'global/access', module: '/policy.wasm' }] },
    wasm,
    data: {},
    sources: [{ path: 'access.rego', source: ACCESS }],
  })
  t.equal((await put(reg.url, 'global', bundle, await governance())).status, 201)

  const dir = mkdtempSync(join(tmpdir(), 'mg-console-e2e-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const upload = await mint({ sub: 'mesh-sidecars' })
  const sidecars: { sc: Sidecar; product: string; domain: string; ports: string[] }[] = []
  for (const [i, s] of [
    { product: 'orders-api', domain: 'orders', ports: ['orders.v1', 'orders-eu.v1'] },
    { product: 'orders-api', domain: 'orders', ports: ['orders.v1'] },
    { product: 'customer-360', domain: 'customers', ports: ['customers.v2'] },
  ].entries()) {
    const file = join(dir, `sidecar-${i}.yaml`)
    writeFileSync(
      file,
      `
server: { addr: 127.0.0.1:0 }
auth: { mode: none }
product: { domain: ${s.domain} }
labels: { product: ${s.product} }
services:
  registry: { url: ${reg.url}, credentials: { bearer: { token: ${upload} } } }
bundles:
  global: { service: registry, resource: bundles/global, polling: { min_delay_seconds: 1, max_delay_seconds: 2, long_polling_timeout_seconds: 10 } }
persistence_directory: ${join(dir, `state-${i}`)}
status: { service: registry, interval_seconds: 1 }
decision_logs:
  service: registry
  reporting: { min_delay_seconds: 0.05, max_delay_seconds: 0.2 }
`,
    )
    const sc = await startSidecar(await loadConfig(file))
    t.teardown(() => sc.close())
    sidecars.push({ sc, ...s })
  }
  for (const { sc } of sidecars) await waitFor('the sidecar to activate the published bundle', () => sc.engine.ready, 30_000)

  // Real decisions: allowed, denied with a reason, denied by default.
  const answered: string[] = []
  const purposes = ['analytics', 'marketing', 'analytics', 'support', 'analytics']
  for (const [i, { sc, ports }] of sidecars.entries()) {
    for (let k = 0; k < 12 + i * 5; k++) {
      const body = { port: ports[k % ports.length], purpose: purposes[k % purposes.length], fields: k % 4 === 0 ? ['email'] : ['id'] }
      const res = await fetch(`${sc.url}/v1/decisions/access`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      t.equal(res.status, 200)
      answered.push(((await res.json()) as { decision_id: string }).decision_id)
    }
  }
  const reader = await mint({ sub: 'auditor-ann', roles: ['decision-reader'] })
  let stored: { decision_id: string; port: string; outcome: string; deny?: { message: string }[] }[] = []
  await waitFor(
    'every decision to reach the registry',
    async () => {
      const res = await fetch(`${reg.url}/v1/decisions?limit=1000`, { headers: { authorization: `Bearer ${reader}` } })
      stored = ((await res.json()) as { result: typeof stored }).result
      return stored.length >= answered.length
    },
    30_000,
  )
  t.same(new Set(stored.map((e) => e.decision_id)), new Set(answered), 'the registry holds exactly the decisions answered')
  await waitFor(
    'all three sidecars to report',
    async () => {
      const res = await fetch(`${reg.url}/v1/sidecars`)
      return ((await res.json()) as { result: unknown[] }).result.length >= 3
    },
    30_000,
  )

  // The oracle: counted from what the registry stored.
  const perPort = new Map<string, { total: number; deny: number }>()
  const reasons = new Map<string, number>()
  for (const e of stored) {
    const p = perPort.get(e.port) ?? { total: 0, deny: 0 }
    p.total++
    if (e.outcome === 'deny') p.deny++
    perPort.set(e.port, p)
    for (const d of e.deny ?? []) reasons.set(d.message, (reasons.get(d.message) ?? 0) + 1)
  }
  const denied = stored.filter((e) => e.outcome === 'deny').length
  t.ok(denied > 0 && denied < stored.length, 'some allowed, some denied')

  const context = await launchChromium(t)
  await context.route(
    (u) => !u.href.startsWith(reg.url),
    (route) => route.abort(),
  )
  const page = context.pages()[0] ?? (await context.newPage())
  await page.goto(`${reg.url}/console/login`)
  await page.fill('#token', reader)
  await Promise.all([page.waitForURL(`${reg.url}/console`), page.click('form[action="/console/login"] button[type=submit]')])

  t.equal(Number(await page.textContent('#total-decisions')), stored.length, 'decisions shown = decisions stored')
  t.equal(Number(await page.textContent('#total-deny')), denied, 'denied shown = denied stored')
  const ports = await page.$$eval('#ports tbody tr', (rows) =>
    rows.map((r) => ({
      port: r.getAttribute('data-port')!,
      total: Number(r.querySelector('.total')!.textContent),
      deny: Number(r.querySelector('.deny')!.textContent),
    })),
  )
  t.same(new Map(ports.map((p) => [p.port, { total: p.total, deny: p.deny }])), perPort, 'per port, as stored')
  const shownReasons = await page.$$eval('#deny-reasons tbody tr', (rows) =>
    rows.map((r) => [r.querySelector('.message')!.textContent!, Number(r.querySelector('.count')!.textContent)] as const),
  )
  t.same(new Map(shownReasons), reasons, 'top deny reasons with their counts')
  const shownSidecars = await page.$$eval('#sidecars tbody tr', (rows) =>
    rows.map((r) => ({
      product: r.children[2]!.textContent,
      revs: Object.fromEntries([...r.querySelectorAll('li[data-bundle]')].map((li) => [li.getAttribute('data-bundle'), li.querySelector('.rev')!.textContent])),
      stale: r.classList.contains('stale'),
      failing: r.classList.contains('failing'),
    })),
  )
  t.equal(shownSidecars.length, 3, 'every sidecar')
  t.same(shownSidecars.map((s) => s.product).sort(), ['customer-360', 'orders-api', 'orders-api'])
  t.ok(
    shownSidecars.every((s) => s.revs.global === 'g-e2e-1' && !s.stale && !s.failing),
    'each runs the published revision, none stale or failing',
  )
  await page.waitForSelector('#charts[data-ready="true"]')
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS.pathname, 'console-e2e.png'), fullPage: true })
})
