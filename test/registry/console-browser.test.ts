// The governance console in a real browser: Debian's headless Chromium
// (/usr/bin/chromium, installed by .ci/run) driven by playwright-core, never
// a downloaded browser. A real registry on 127.0.0.1 with the console test
// mesh (fixtures/registry/console-mesh.ts: sidecars that reported, decision
// events uploaded with POST /logs into the registry's decision store, XSS
// payloads among them). The test
// signs in through the login form with a real token, checks the numbers the
// page shows against the seeded events, that the charts drew, that no
// payload ran and no Content-Security-Policy violation happened, opens an
// event, searches, signs out, and saves screenshots under test/artifacts/.
// Every wait is bounded (playwright's timeouts); nothing asserts on time.

import t from 'tap'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { windowQuery } from '../../src/registry/console/mesh.js'
import { mint } from '../fixtures/registry/harness.js'
import { launchChromium, skipWithoutChromium } from '../fixtures/browser.js'
import { ATTACK_EVENT_ID, expected, NOW, reader, SIDECARS, startConsoleMesh, XSS } from '../fixtures/registry/console-mesh.js'

const ARTIFACTS = new URL('../artifacts/', import.meta.url)

const skip = skipWithoutChromium

t.test('the console in Chromium: login, the numbers, charts, an event, search, logout; no payload runs', { skip }, async (t) => {
  const m = await startConsoleMesh(t)
  mkdirSync(ARTIFACTS, { recursive: true })
  const shot = (name: string) => join(ARTIFACTS.pathname, `console-${name}.png`)

  const context = await launchChromium(t)
  // Loopback only: any request elsewhere is refused and recorded.
  const offsite: string[] = []
  await context.route(
    (u) => !u.href.startsWith(m.reg.url),
    (route) => {
      offsite.push(route.request().url())
      return route.abort()
    },
  )
  // Every CSP violation in any page (an inline script or handler that tried to run, a blocked load).
  await context.addInitScript(() => {
    const w = window as unknown as { __violations: string[] }
    w.__violations = []
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const clean = async (where: string) => {
    const state = await page.evaluate(() => {
      const w = window as unknown as { __xss?: unknown; __violations: string[] }
      return { xss: w.__xss ?? null, violations: w.__violations, imgs: document.querySelectorAll('img, svg, iframe, object, embed').length }
    })
    t.same(state, { xss: null, violations: [], imgs: 0 }, `${where}: no payload ran, nothing blocked, no injected element`)
  }

  // Not signed in: the console sends the browser to the login form.
  await page.goto(`${m.reg.url}/console`)
  t.equal(new URL(page.url()).pathname, '/console/login')
  await page.screenshot({ path: shot('login'), fullPage: true })

  // A token without the role is refused on the form.
  await page.fill('#token', await mint({ sub: 'intern', roles: ['viewer'] }))
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/console/login"] button[type=submit]')])
  t.match(await page.textContent('#login-error'), /none of the roles that read decision logs.*`decision-reader`/)

  // Sign in with a reader's token.
  await page.fill('#token', await reader())
  await Promise.all([page.waitForURL(`${m.reg.url}/console`), page.click('form[action="/console/login"] button[type=submit]')])
  t.equal(await page.textContent('#subject'), 'auditor-ann')
  const cookies = await context.cookies(`${m.reg.url}/console`)
  t.match(cookies, [{ name: 'meshgate_console', httpOnly: true, sameSite: 'Strict', path: '/console', secure: false }])
  t.equal(await page.evaluate(() => document.cookie), '', "the page's scripts cannot read the session")

  // The numbers, against the seeded events.
  const w = windowQuery('24h', NOW, 10)
  const want = expected(m.events, w.from, w.to)
  t.equal(Number(await page.textContent('#total-decisions')), want.total, 'decisions in the window')
  t.equal(Number(await page.textContent('#total-deny')), want.deny, 'denied')
  t.equal(Number(await page.textContent('#total-error')), want.error, 'errors')
  t.equal(Number(await page.textContent('#stored-events')), m.events.length, 'events stored')
  const ports = await page.$$eval('#ports tbody tr', (rows) =>
    rows.map((r) => ({
      port: r.getAttribute('data-port'),
      total: Number(r.querySelector('.total')!.textContent),
      deny: Number(r.querySelector('.deny')!.textContent),
      error: Number(r.querySelector('.error')!.textContent),
    })),
  )
  t.same(ports.map((p) => p.port).sort(), [...want.ports.keys()].sort(), 'one row per port')
  for (const p of ports) t.same({ total: p.total, deny: p.deny, error: p.error }, want.ports.get(p.port!), `port ${p.port}`)
  const reasons = await page.$$eval('#deny-reasons tbody tr', (rows) =>
    rows.map((r) => ({ message: r.querySelector('.message')!.textContent, count: Number(r.querySelector('.count')!.textContent) })),
  )
  t.same(new Map(reasons.map((r) => [r.message!, r.count])), want.reasons, 'top deny reasons with their counts, the attack message as text')
  const sidecars = await page.$$eval('#sidecars tbody tr', (rows) =>
    rows.map((r) => ({
      id: r.getAttribute('data-id'),
      product: r.children[2]!.textContent,
      stale: r.classList.contains('stale'),
      failing: r.classList.contains('failing'),
      behind: !!r.querySelector('.state .behind'),
      revs: Object.fromEntries([...r.querySelectorAll('li[data-bundle]')].map((li) => [li.getAttribute('data-bundle'), li.querySelector('.rev')!.textContent])),
    })),
  )
  t.equal(sidecars.length, Object.keys(SIDECARS).length)
  for (const [id, s] of Object.entries(SIDECARS)) {
    const shown = sidecars.find((x) => x.id === id)
    t.match(
      shown,
      { product: s.product, stale: s.stale, failing: s.failing, behind: s.behind, revs: { global: s.global, ...('orders' in s ? { orders: s.orders } : {}) } },
      `sidecar ${id}`,
    )
  }
  t.equal(await page.textContent('#bundles tr[data-bundle="orders"] .rev'), 'o7', "the registry's current orders revision")

  // The charts: uPlot drew one line per port in each, labelled with the ports.
  await page.waitForSelector('#charts[data-ready="true"]')
  t.equal(await page.locator('#charts canvas').count(), 2, 'two charts')
  const legend = await page.$$eval('#charts .chart[data-kind="rate"] .u-legend .u-series .u-label', (els) => els.map((e) => e.textContent))
  t.same(legend.slice(1).sort(), ['customers / customer-360 / customers.v2', 'orders / orders-api / orders-eu.v1', 'orders / orders-api / orders.v1'])
  await clean('overview')
  await page.screenshot({ path: shot('overview'), fullPage: true })

  // Open the attack event from the latest decisions: its full JSON, as stored, as text.
  await Promise.all([page.waitForURL(/\/console\/decisions\/6b1f0901/), page.click(`#latest tr[data-decision-id="${ATTACK_EVENT_ID}"] a.open`)])
  const json = JSON.parse((await page.textContent('#event-json'))!)
  t.same(
    json,
    m.events.find((e) => e.decision_id === ATTACK_EVENT_ID),
    'the event as stored',
  )
  t.equal(json.input.purpose, XSS.script)
  await clean('event')
  await page.screenshot({ path: shot('event'), fullPage: true })

  // The event whose id is itself a payload opens too.
  await page.goto(`${m.reg.url}/console`)
  await Promise.all([page.waitForURL(/\/console\/decisions\/x/), page.click(`#latest tr[data-decision-id='${XSS.id.replace(/'/g, "\\'")}'] a.open`)])
  t.equal(await page.textContent('#decision-id'), XSS.id)
  await clean('hostile id')

  // Search: denied decisions on one port.
  await page.goto(`${m.reg.url}/console/decisions`)
  await page.fill('input[name=port]', 'orders-eu.v1')
  await page.selectOption('select[name=outcome]', 'deny')
  await Promise.all([page.waitForURL(/port=orders-eu.v1/), page.click('#search button[type=submit]')])
  const found = await page.$$eval('#results tbody tr', (rows) =>
    rows.map((r) => ({
      id: r.getAttribute('data-decision-id'),
      port: r.querySelector('.port')!.textContent,
      outcome: r.querySelector('.outcome')!.textContent,
    })),
  )
  const wantIds = m.events
    .filter((e) => e.port === 'orders-eu.v1' && e.outcome === 'deny')
    .sort((a, b) => b.timestamp.localeCompare(a.timestamp))
    .map((e) => e.decision_id)
  t.same(
    found.map((f) => f.id),
    wantIds,
    'exactly the denied decisions of that port, newest first',
  )
  t.ok(found.every((f) => f.port === 'orders-eu.v1' && f.outcome === 'deny'))
  await page.screenshot({ path: shot('search'), fullPage: true })

  // Search by the attacker's subject: shown as text, in the cell and in the field.
  await page.goto(`${m.reg.url}/console/decisions`)
  await page.fill('input[name=subject]', XSS.js)
  await Promise.all([page.waitForURL(/subject=/), page.click('#search button[type=submit]')])
  t.same(await page.$$eval('#results tbody tr .subject', (els) => els.map((e) => e.textContent)), [XSS.js])
  t.equal(await page.inputValue('input[name=subject]'), XSS.js)
  t.equal(await page.locator('a[href^="javascript:"]').count(), 0, 'no javascript: link anywhere')
  await clean('search')

  // Sign out: the cookie is gone and the console asks for a token again.
  await Promise.all([page.waitForURL(/\/console\/login\?notice=signed_out/), page.click('form.logout button')])
  t.same(
    (await context.cookies(`${m.reg.url}/console`)).filter((c) => c.name === 'meshgate_console'),
    [],
  )
  await page.goto(`${m.reg.url}/console/decisions`)
  t.equal(new URL(page.url()).pathname, '/console/login')

  t.same(errors, [], 'no script error in any page')
  t.same(offsite, [], 'the browser asked for nothing beyond the registry')
})
