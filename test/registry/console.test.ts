// The governance console over HTTP, against a real registry on 127.0.0.1
// whose decision store holds events uploaded with POST /logs, and with
// reporting sidecars (fixtures/registry/console-mesh.ts): the session (login
// with a pasted token, the reader rule, the cookie's attributes, a token
// checked on every request, Origin on login and logout), the security
// headers, escaping of attacker-controlled text (event fields, sidecar
// labels, a decision id) per place it is rendered, the numbers shown against
// the uploaded events, the search, and the console's config. The browser
// test (console-browser.test.ts) drives the same pages in Chromium.

import t from 'tap'
import { escapeHtml, html, url } from '../../src/registry/console/html.js'
import { windowQuery } from '../../src/registry/console/mesh.js'
import { mint } from '../fixtures/registry/harness.js'
import { ATTACK_EVENT_ID, expected, NOW, reader, SIDECARS, startConsoleMesh, XSS, type ConsoleMesh } from '../fixtures/registry/console-mesh.js'

interface Answer {
  status: number
  headers: Headers
  body: string
}

async function get(m: ConsoleMesh, path: string, cookie?: string): Promise<Answer> {
  const r = await fetch(`${m.reg.url}${path}`, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) })
  return { status: r.status, headers: r.headers, body: await r.text() }
}

async function postForm(m: ConsoleMesh, path: string, form: Record<string, string>, headers: Record<string, string> = { origin: m.reg.url }): Promise<Answer> {
  const r = await fetch(`${m.reg.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  })
  return { status: r.status, headers: r.headers, body: await r.text() }
}

/** Signs in through the login form; the session cookie as a `Cookie` header. */
async function login(m: ConsoleMesh, token?: string): Promise<string> {
  const r = await postForm(m, '/console/login', { token: token ?? (await reader()) })
  if (r.status !== 303) throw new Error(`login: ${r.status} ${r.body}`)
  return r.headers.get('set-cookie')!.split(';')[0]!
}

/** The text of the element with that id (a number or a short string). */
function byId(body: string, id: string): string | undefined {
  return new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(body)?.[1]
}

/** Rows of a table by id, each row's HTML. */
function rows(body: string, tableId: string): string[] {
  const table = new RegExp(`<table id="${tableId}"[\\s\\S]*?</table>`).exec(body)?.[0] ?? ''
  return [...table.matchAll(/<tr[\s>][\s\S]*?<\/tr>/g)].map((m) => m[0]).slice(1)
}

/**
 * Every start tag of a page with its quoted attribute values emptied: escaped
 * text has no `<` and escaped values no `"`, so what remains is the markup's
 * own tag names and attribute names.
 */
function tags(body: string): string[] {
  return (body.match(/<[a-zA-Z](?:[^>"]|"[^"]*")*>/g) ?? []).map((tag) => tag.replace(/"[^"]*"/g, '""'))
}

function cell(row: string, cls: string): string | undefined {
  return new RegExp(`<td class="[^"]*\\b${cls}\\b[^"]*">([^<]*)<`).exec(row)?.[1]
}

t.test('html escapes every interpolated value, attributes included; url encodes its parameters and stays under /console', async (t) => {
  t.equal(escapeHtml(`<a href="x" title='y'>&`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;')
  const v = XSS.img
  t.equal(
    html`<p title="${v}">${v}</p>`.text,
    `<p title="&quot;&gt;&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;">&quot;&gt;&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;</p>`,
  )
  t.equal(html`<ul>${['<b>', html`<li>${'<i>'}</li>`]}</ul>`.text, '<ul>&lt;b&gt;<li>&lt;i&gt;</li></ul>', 'arrays are joined; only html`` passes as markup')
  t.equal(html`${null}${undefined}${false}${0}`.text, '0')
  t.equal(url('/console/decisions', { port: 'a b&c', subject: '', outcome: undefined }), '/console/decisions?port=a%20b%26c')
  t.throws(() => url('javascript:alert(1)'), /stay under \/console/)
})

t.test('without a session every page redirects to the login form; assets are open', async (t) => {
  const m = await startConsoleMesh(t)
  for (const path of ['/console', '/console/', '/console/decisions', `/console/decisions/${ATTACK_EVENT_ID}`, `/console/decisions/${ATTACK_EVENT_ID}/json`]) {
    const r = await get(m, path)
    t.equal(r.status, 303, path)
    t.equal(r.headers.get('location'), '/console/login', path)
  }
  const login = await get(m, '/console/login')
  t.equal(login.status, 200)
  t.match(login.body, /<form method="post" action="\/console\/login">/)
  t.match(login.body, /<code>decision-reader<\/code>/, "names the role the token needs: the decision readers' (decision_logs.read_roles)")
  for (const [name, type] of [
    ['uplot.iife.min.js', 'text/javascript'],
    ['uplot.min.css', 'text/css'],
    ['console.js', 'text/javascript'],
    ['console.css', 'text/css'],
  ]) {
    const r = await get(m, `/console/assets/${name}`)
    t.equal(r.status, 200, name)
    t.equal(r.headers.get('content-type')?.split(';')[0], type, name)
    t.ok(r.body.length > 100, `${name} has content`)
    const again = await fetch(`${m.reg.url}/console/assets/${name}`, { headers: { 'if-none-match': r.headers.get('etag')! } })
    t.equal(again.status, 304, `${name} revalidates by ETag`)
  }
  for (const path of ['/console/assets/..%2Fpackage.json', '/console/assets/..%2F..%2Fpackage.json', '/console/assets/uPlot.d.ts', '/console/assets/']) {
    t.equal((await get(m, path)).status, 404, `${path}: only the fixed list is served`)
  }
})

t.test('login: a reader token sets an HttpOnly, SameSite=Strict cookie for /console that expires with the token', async (t) => {
  const m = await startConsoleMesh(t)
  const exp = Math.floor(Date.now() / 1000) + 300
  const r = await postForm(m, '/console/login', { token: ` ${await reader({ exp })}\n` })
  t.equal(r.status, 303)
  t.equal(r.headers.get('location'), '/console')
  const cookie = r.headers.get('set-cookie')!
  t.match(cookie, /^meshgate_console=[\w-]+\.[\w-]+\.[\w-]+; /)
  t.match(cookie, /; Path=\/console(;|$)/)
  t.match(cookie, /; HttpOnly(;|$)/)
  t.match(cookie, /; SameSite=Strict(;|$)/)
  t.notMatch(cookie, /Secure/, 'plain HTTP: not Secure (the browser would drop it)')
  const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1])
  t.ok(maxAge > 0 && maxAge <= 300, `Max-Age ${maxAge} is no later than the token's exp`)
  t.equal(Date.parse(/Expires=([^;]+)/.exec(cookie)![1]!), exp * 1000, "Expires is the token's exp")

  const page = await get(m, '/console', cookie.split(';')[0])
  t.equal(page.status, 200)
  t.equal(byId(page.body, 'subject'), 'auditor-ann', 'shows who is signed in')
  t.equal((await get(m, '/console/login', cookie.split(';')[0])).headers.get('location'), '/console', 'the login page forwards a signed-in reader')
})

t.test(
  'readers are the decision readers (decision_logs.read_roles, read_claim); console.secure_cookie marks the cookie Secure; console.enabled: false serves no console',
  async (t) => {
    const m = await startConsoleMesh(t, {
      extra: 'console: { secure_cookie: true }\ndecision_logs: { read_roles: [mesh-auditor, dpo], read_claim: realm.roles }',
    })
    const refused = await postForm(m, '/console/login', { token: await reader() })
    t.equal(refused.status, 403, 'the configured roles are others')
    t.match(refused.body, /it needs one of `mesh-auditor`, `dpo`/)
    t.match((await get(m, '/console/login')).body, /<code>mesh-auditor<\/code>, <code>dpo<\/code>/)
    const r = await postForm(m, '/console/login', { token: await mint({ sub: 'ann', realm: { roles: 'viewer mesh-auditor' }, roles: [] }) })
    t.equal(r.status, 303, 'a nested roles claim, as one space-separated string')
    t.match(r.headers.get('set-cookie')!, /; Secure$/)

    const off = await startConsoleMesh(t, { extra: 'console: { enabled: false }' })
    const gone = await get(off, '/console/login')
    t.equal(gone.status, 404)
    t.equal(gone.headers.get('content-type')?.split(';')[0], 'application/json', "the registry's own 404")
  },
)

t.test('login refuses tokens that do not verify or lack the read role, and requests from other origins', async (t) => {
  const m = await startConsoleMesh(t)
  const cases: [string, string, number, RegExp][] = [
    ['expired', await reader({ exp: Math.floor(Date.now() / 1000) - 60 }), 401, /not valid.*exp/],
    ['signed by a stranger', await mint({ sub: 'x', roles: ['decision-reader'] }, { foreignKey: true }), 401, /not valid/],
    ['other audience', await mint({ sub: 'x', roles: ['decision-reader'] }, { aud: 'someone-else' }), 401, /not valid/],
    [
      'a publisher token (roots, no role)',
      await mint({ sub: 'governance-ci', roots: ['global'] }),
      403,
      new RegExp(
        escapeHtml('the token of `governance-ci` has none of the roles that read decision logs in its `roles` claim: it needs one of `decision-reader`'),
      ),
    ],
    ['another role', await mint({ sub: 'x', roles: ['governance-writer'] }), 403, /none of the roles that read decision logs/],
    ['not a JWT', 'hello; Path=/; Domain=evil.example', 401, /not a compact JWT/],
    ['empty', '', 401, /sign in with a token/],
  ]
  for (const [what, token, status, message] of cases) {
    const r = await postForm(m, '/console/login', { token })
    t.equal(r.status, status, what)
    t.equal(r.headers.get('set-cookie'), null, `${what}: no cookie`)
    t.match(r.body, message, what)
    t.match(r.body, /id="login-error"/, `${what}: shown on the login form`)
  }
  const token = await reader()
  for (const [what, headers] of [
    ['no Origin, no Sec-Fetch-Site', {}],
    ['another origin', { origin: 'https://evil.example' }],
    ['an opaque origin', { origin: 'null' }],
    ['same host on another port', { origin: m.reg.url.replace(/:(\d+)$/, (_s, p) => `:${Number(p) + 1}`) }],
    ['cross-site fetch metadata', { 'sec-fetch-site': 'cross-site' }],
  ] as [string, Record<string, string>][]) {
    const r = await postForm(m, '/console/login', { token }, headers)
    t.equal(r.status, 403, what)
    t.equal(r.headers.get('set-cookie'), null, `${what}: no cookie`)
  }
  t.equal((await postForm(m, '/console/login', { token }, { 'sec-fetch-site': 'same-origin' })).status, 303, 'same-origin fetch metadata without Origin')
  const json = await fetch(`${m.reg.url}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/json', origin: m.reg.url },
    body: JSON.stringify({ token }),
  })
  t.equal(json.status, 415, 'only the form is read')
})

t.test('every request checks the token again: an expired or role-less token in the cookie is refused and cleared', async (t) => {
  const m = await startConsoleMesh(t)
  const expired = `meshgate_console=${await reader({ exp: Math.floor(Date.now() / 1000) - 1 })}`
  const r = await get(m, '/console', expired)
  t.equal(r.status, 303)
  t.equal(r.headers.get('location'), '/console/login?notice=expired')
  t.match(r.headers.get('set-cookie')!, /^meshgate_console=; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=0/)
  const notice = await get(m, '/console/login?notice=expired')
  t.match(notice.body, /Your session ended/)
  t.notMatch(
    (await get(m, `/console/login?notice=${encodeURIComponent(XSS.script)}`)).body,
    /__xss/,
    'the notice is a fixed text chosen by key, never reflected',
  )

  const forged = `meshgate_console=${await mint({ sub: 'x', roles: ['decision-reader'] }, { foreignKey: true })}`
  t.equal((await get(m, '/console/decisions', forged)).headers.get('location'), '/console/login?notice=expired')
  const roleless = await get(m, '/console', `meshgate_console=${await mint({ sub: 'x', roles: ['viewer'] })}`)
  t.equal(roleless.status, 403)
  t.match(roleless.body, /none of the roles that read decision logs/)
  t.equal((await get(m, '/console', 'meshgate_console=garbage')).status, 303)
})

t.test("logout clears the cookie; it, like login, must come from the console's origin", async (t) => {
  const m = await startConsoleMesh(t)
  await login(m)
  const foreign = await postForm(m, '/console/logout', {}, { origin: 'https://evil.example' })
  t.equal(foreign.status, 403)
  t.equal(foreign.headers.get('set-cookie'), null)
  const r = await postForm(m, '/console/logout', {})
  t.equal(r.status, 303)
  t.equal(r.headers.get('location'), '/console/login?notice=signed_out')
  t.match(r.headers.get('set-cookie')!, /^meshgate_console=; .*Max-Age=0/)
})

t.test('read-only: no method but GET (and HEAD) on pages; POST only for login and logout', async (t) => {
  const m = await startConsoleMesh(t)
  const cookie = await login(m)
  for (const [method, path] of [
    ['POST', '/console'],
    ['PUT', '/console/decisions'],
    ['DELETE', `/console/decisions/${ATTACK_EVENT_ID}`],
    ['PATCH', '/console/login'],
    ['POST', '/console/decisions'],
  ]) {
    const r = await fetch(`${m.reg.url}${path}`, { method: method!, headers: { cookie, origin: m.reg.url }, redirect: 'manual' })
    t.equal(r.status, 404, `${method} ${path}`)
  }
})

t.test('every answer carries a strict Content-Security-Policy, nosniff and no framing; pages load no inline script', async (t) => {
  const m = await startConsoleMesh(t)
  const cookie = await login(m)
  for (const path of [
    '/console',
    '/console/decisions',
    `/console/decisions/${ATTACK_EVENT_ID}`,
    '/console/login',
    '/console/assets/console.js',
    '/console/nope',
    '/console/decisions/unknown-id',
  ]) {
    const r = await get(m, path, cookie)
    const csp = r.headers.get('content-security-policy') ?? ''
    t.match(csp, /default-src 'none'/, path)
    t.match(csp, /script-src 'self'(;|$)/, `${path}: scripts from the registry only`)
    t.match(csp, /style-src 'self'(;|$)/, path)
    t.match(csp, /frame-ancestors 'none'/, path)
    t.notMatch(csp, /unsafe-inline|unsafe-eval|\*/, path)
    t.equal(r.headers.get('x-content-type-options'), 'nosniff', path)
    t.equal(r.headers.get('x-frame-options'), 'DENY', path)
    if (!path.includes('/assets/')) t.equal(r.headers.get('cache-control'), 'no-store', `${path}: decisions are never cached`)
    for (const tag of r.body.match(/<script\b[^>]*>/g) ?? []) t.match(tag, /^<script src="\/console\/assets\/[\w.]+"/, `${path}: ${tag} loads a served file`)
    t.notOk(
      tags(r.body).some((tag) => /\son[a-z]+=/i.test(tag)),
      `${path}: no inline event handler attribute`,
    )
    t.notOk(
      tags(r.body).some((tag) => /^<style|\sstyle=/i.test(tag)),
      `${path}: no inline style`,
    )
  }
})

t.test('attacker-controlled text renders as text wherever it appears', async (t) => {
  const m = await startConsoleMesh(t)
  const cookie = await login(m)
  const pages = {
    overview: (await get(m, '/console', cookie)).body,
    search: (await get(m, `/console/decisions?port=customers.v2`, cookie)).body,
    bySubject: (await get(m, `/console/decisions?subject=${encodeURIComponent(XSS.js)}`, cookie)).body,
    event: (await get(m, `/console/decisions/${ATTACK_EVENT_ID}`, cookie)).body,
    idEvent: (await get(m, `/console/decisions/${encodeURIComponent(XSS.id)}`, cookie)).body,
    badSearch: (await get(m, `/console/decisions?from=${encodeURIComponent(XSS.img)}`, cookie)).body,
  }
  for (const [name, body] of Object.entries(pages)) {
    t.notMatch(body, /<script>|<img|<svg/i, `${name}: no markup from events or labels`)
    t.notMatch(body, /href="javascript:/i, `${name}: no javascript: link`)
    t.notOk(
      tags(body).some((tag) => /\son[a-z]+=/i.test(tag)),
      `${name}: no event handler attribute`,
    )
  }
  t.match(pages.overview, escapeHtml(XSS.img), 'the deny message, as text, in the top reasons')
  t.match(pages.overview, escapeHtml(XSS.label), "the sidecar's product label, as text")
  t.match(pages.overview, escapeHtml(XSS.id), 'the decision id, as text, in the latest decisions')
  t.match(pages.overview, `href="/console/decisions/${escapeHtml(encodeURIComponent(XSS.id))}"`, 'and in its link, percent-encoded under /console')
  t.match(pages.bySubject, `<td class="subject">${escapeHtml(XSS.js)}</td>`, "the javascript: subject is a table cell's text")
  t.match(pages.bySubject, `value="${escapeHtml(XSS.js)}"`, "and the search field's value")
  for (const v of [XSS.script, XSS.img, XSS.js]) t.match(pages.event, escapeHtml(JSON.stringify(v)).slice(1, -1), `the event JSON holds ${v} as text`)
  t.match(pages.idEvent, `<code id="decision-id">${escapeHtml(XSS.id)}</code>`, 'an event found by a hostile id')
  t.match(pages.badSearch, /is not a time/, 'a bad time is reported, escaped')
  // The chart data is the JSON of port labels in an attribute, escaped like any other.
  const series = /data-series="([^"]*)"/.exec(pages.overview)![1]!
  t.notMatch(series, /[<>"']/)
})

t.test('the overview shows the numbers of the stored events: totals, per port, top deny reasons, sidecar revisions', async (t) => {
  const m = await startConsoleMesh(t)
  const cookie = await login(m)
  const body = (await get(m, '/console', cookie)).body
  const w = windowQuery('24h', NOW, 10)
  const want = expected(m.events, w.from, w.to)
  t.ok(want.total > 50 && want.deny > 10 && want.error > 0, 'the seeded mesh has allows, denies and errors in the window')
  t.equal(Number(byId(body, 'total-decisions')), want.total)
  t.equal(Number(byId(body, 'total-deny')), want.deny)
  t.equal(Number(byId(body, 'total-error')), want.error)
  t.equal(Number(byId(body, 'stored-events')), m.events.length, 'stored: the old event too')
  t.ok(want.total < m.events.length, 'the event older than the window is not counted')

  const portRows = rows(body, 'ports')
  t.equal(portRows.length, want.ports.size)
  for (const row of portRows) {
    const port = /data-port="([^"]*)"/.exec(row)![1]!
    t.same({ total: Number(cell(row, 'total')), deny: Number(cell(row, 'deny')), error: Number(cell(row, 'error')) }, want.ports.get(port), port)
  }
  const reasonRows = rows(body, 'deny-reasons')
  t.equal(reasonRows.length, want.reasons.size)
  for (const row of reasonRows) {
    const message = cell(row, 'message')!
    const original = [...want.reasons.keys()].find((k) => escapeHtml(k) === message)
    t.ok(original, `reason ${message} is one of the events'`)
    t.equal(Number(cell(row, 'count')), want.reasons.get(original!), message)
  }
  const counts = reasonRows.map((r) => Number(cell(r, 'count')))
  t.same(
    counts,
    [...counts].sort((a, b) => b - a),
    'most frequent first',
  )

  const sidecarRows = rows(body, 'sidecars')
  t.equal(sidecarRows.length, Object.keys(SIDECARS).length)
  for (const [id, s] of Object.entries(SIDECARS)) {
    const row = sidecarRows.find((r) => r.includes(`data-id="${id}"`))!
    t.ok(row, id)
    t.match(row, new RegExp(`<li data-bundle="global"[^>]*>\\s*<b>global</b> <span class="rev">${s.global}</span>`), `${id} runs global ${s.global}`)
    if ('orders' in s) t.match(row, new RegExp(`<b>orders</b> <span class="rev">${s.orders}</span>`), `${id} runs orders ${s.orders}`)
    t.equal(/class="[^"]*\bstale\b/.test(row.split('>')[0]!), s.stale, `${id} stale`)
    t.equal(/class="[^"]*\bfailing\b/.test(row.split('>')[0]!), s.failing, `${id} failing`)
    t.equal(row.includes('<span class="badge behind">behind</span>'), s.behind, `${id} behind`)
  }
  t.match(
    sidecarRows.find((r) => r.includes('orders-api-b210'))!,
    /<span class="rev">o6<\/span> → <span class="registry-rev">o7<\/span>/,
    'behind: what it runs and what the registry has',
  )
  t.match(rows(body, 'bundles').join(''), /data-bundle="global"><td>global<\/td><td class="rev">g2<\/td>/)
  const products = rows(body, 'products').join('\n')
  t.match(
    products,
    /<td>orders<\/td>\s*<td>orders-api<\/td>\s*<td><a class="port" href="\/console\/decisions\?port=orders-eu.v1">orders-eu.v1<\/a> <a class="port" href="\/console\/decisions\?port=orders.v1">orders.v1<\/a>/,
    'ports from decisions and labels',
  )
  t.equal(rows(body, 'latest').length, 10, 'the ten latest decisions')
  const newest = [...m.events]
    .sort((a, b) => b.timestamp.localeCompare(a.timestamp))
    .slice(0, 10)
    .map((e) => escapeHtml(e.decision_id))
  t.same(
    rows(body, 'latest').map((r) => /data-decision-id="([^"]*)"/.exec(r)![1]),
    newest,
    'newest first',
  )
})

t.test('search by port, subject, outcome, decision id and time; paging; bad input is explained', async (t) => {
  const m = await startConsoleMesh(t)
  const cookie = await login(m)
  const ids = (body: string) => rows(body, 'results').map((r) => /data-decision-id="([^"]*)"/.exec(r)![1]!)
  const byTime = (a: { timestamp: string; decision_id: string }, b: typeof a) =>
    b.timestamp.localeCompare(a.timestamp) || b.decision_id.localeCompare(a.decision_id)
  const want = (f: (e: (typeof m.events)[number]) => boolean) =>
    m.events
      .filter(f)
      .sort(byTime)
      .map((e) => escapeHtml(e.decision_id))

  let body = (await get(m, '/console/decisions?port=orders-eu.v1&outcome=deny', cookie)).body
  t.same(
    ids(body),
    want((e) => e.port === 'orders-eu.v1' && e.outcome === 'deny'),
  )
  t.match(body, /<option value="deny" selected>/, 'the form keeps the search')
  body = (await get(m, '/console/decisions?subject=svc-billing&outcome=&port=', cookie)).body
  t.same(
    ids(body),
    want((e) => e.subject === 'svc-billing'),
    'empty fields are no filter',
  )
  body = (await get(m, `/console/decisions?decision_id=${ATTACK_EVENT_ID}`, cookie)).body
  t.same(ids(body), [ATTACK_EVENT_ID])
  const from = new Date(NOW.getTime() - 2 * 3600_000).toISOString()
  const to = new Date(NOW.getTime() - 3600_000).toISOString()
  body = (await get(m, `/console/decisions?from=${from}&to=${to}`, cookie)).body
  t.same(
    ids(body),
    want((e) => e.timestamp >= from.replace('Z', '') && Date.parse(e.timestamp) < Date.parse(to)),
  )
  t.ok(ids(body).length > 0)

  body = (await get(m, '/console/decisions', cookie)).body
  t.equal(ids(body).length, 50, 'a page of 50')
  const older = /<a id="older" href="([^"]*)"/.exec(body)![1]!.replace(/&amp;/g, '&')
  const second = (await get(m, older, cookie)).body
  t.same(
    [...ids(body), ...ids(second)],
    want(() => true),
    'the next page continues where the first ended',
  )

  const bad = await get(m, '/console/decisions?outcome=maybe&from=yesterday', cookie)
  t.equal(bad.status, 400)
  t.match(bad.body, /outcome `maybe` is not one of allow, deny, answer, error; `from` `yesterday` is not a time/)
  t.equal((await get(m, '/console/decisions/no-such-id', cookie)).status, 404)
})

t.test('an event opens in full as JSON, as stored', async (t) => {
  const m = await startConsoleMesh(t)
  const cookie = await login(m)
  const stored = m.events.find((e) => e.decision_id === ATTACK_EVENT_ID)!
  const page = (await get(m, `/console/decisions/${ATTACK_EVENT_ID}`, cookie)).body
  const pre = /<pre id="event-json">([\s\S]*?)<\/pre>/.exec(page)![1]!
  const text = pre
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&')
  t.same(JSON.parse(text), stored)
  const dl = await get(m, `/console/decisions/${ATTACK_EVENT_ID}/json`, cookie)
  t.equal(dl.headers.get('content-type')?.split(';')[0], 'application/json')
  t.match(dl.headers.get('content-disposition')!, /^attachment/)
  t.same(JSON.parse(dl.body), stored)
})

t.test('the overview offers other windows; a registry without a decision store shows the fleet only', async (t) => {
  const m = await startConsoleMesh(t)
  const cookie = await login(m)
  const w = windowQuery('1h', NOW, 10)
  const body = (await get(m, '/console?window=1h', cookie)).body
  t.equal(Number(byId(body, 'total-decisions')), expected(m.events, w.from, w.to).total)
  t.match(body, /<a href="\/console\?window=1h" aria-current="true">1h<\/a>/)
  t.equal(
    Number(byId((await get(m, '/console?window=bogus', cookie)).body, 'total-decisions')),
    expected(m.events, windowQuery('24h', NOW, 10).from, windowQuery('24h', NOW, 10).to).total,
    'an unknown window falls back to 24h',
  )
})

t.test('console config: defaults, the two keys, and no others', async (t) => {
  const { parseRegistryConfig } = await import('../../src/registry/index.js')
  const base = 'auth: { issuer: https://idp.test, audience: a, algorithms: [RS256], jwks_file: jwks.json }\nsigning: { required: false }\n'
  t.same(parseRegistryConfig(base).console, { enabled: true, secureCookie: false })
  t.same(parseRegistryConfig(`${base}console: { enabled: false, secure_cookie: true }\n`).console, { enabled: false, secureCookie: true })
  t.throws(
    () => parseRegistryConfig(`${base}console: { read_role: x }\n`),
    /console/,
    'readers are decision_logs.read_roles: the console has no role key of its own',
  )
  t.throws(() => parseRegistryConfig(`${base}console: { secure_cookie: yes please }\n`), /secure_cookie/)
})
