// The console's pages: the overview (the mesh at a glance), the decision
// search and one decision's full event. Each takes plain data, computed by
// the routes from the registry's stores, and returns HTML through `html`
// (html.ts), which escapes every value: event fields and sidecar labels are
// attacker-controlled. Element ids and `data-*` attributes name what a test
// (or a person's script) reads.

import type { BundleSummary } from '../store.js'
import type { DecisionQuery, DecisionSummary, StoredDecision } from '../decision-store.js'
import type { SidecarView } from '../sidecars.js'
import { html, url, type Html } from './html.js'
import { page } from './layout.js'
import { chartData, portLabel, portTotals, ratePer, WINDOWS, type ProductView, type WindowName } from './mesh.js'
import type { ConsoleSession } from './session.js'

const NO_DECISIONS = html`<p class="muted">This registry does not collect decision logs (no decision store is configured).</p>`

const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : '–')

function when(iso: string): Html {
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}</time>`
}

function outcomeBadge(o: string): Html {
  return html`<span class="badge outcome-${/^[a-z_]+$/.test(o) ? o : 'other'}">${o}</span>`
}

export interface OverviewData {
  session: ConsoleSession
  window: WindowName
  now: Date
  products: ProductView[]
  fleet: SidecarView[]
  bundles: BundleSummary[]
  /** Absent without a decision store. */
  decisions?: { summary: DecisionSummary; stored: number; latest: StoredDecision[] }
}

export function overviewPage(d: OverviewData): string {
  const windowLinks = (Object.keys(WINDOWS) as WindowName[]).map(
    (w) => html`<a href="${url('/console', { window: w })}"${w === d.window ? html` aria-current="true"` : ''}>${w}</a> `,
  )
  const s = d.decisions?.summary
  return page(
    { title: 'Overview', session: d.session, nav: 'overview', charts: s !== undefined },
    html`
<h1>The mesh at a glance</h1>
<p class="window">Window: ${windowLinks} <span class="muted">(until ${when(d.now.toISOString())})</span></p>
${
  s
    ? html`
<section class="totals" aria-label="Totals">
  <div><span class="n" id="total-decisions">${s.total}</span><span class="k">decisions</span></div>
  <div><span class="n" id="total-deny">${s.deny}</span><span class="k">denied (<span id="deny-rate">${pct(s.deny, s.total)}</span>)</span></div>
  <div><span class="n" id="total-error">${s.error}</span><span class="k">errors</span></div>
  <div><span class="n" id="stored-events">${d.decisions!.stored}</span><span class="k">events stored</span></div>
  <div><span class="n" id="sidecar-count">${d.fleet.length}</span><span class="k">sidecars (<span id="sidecar-alerts">${d.fleet.filter((f) => f.stale || f.failing).length}</span> stale or failing)</span></div>
</section>`
    : ''
}

<section>
  <h2>Domains and data products</h2>
  ${
    d.products.length
      ? html`<table id="products">
    <thead><tr><th>Domain</th><th>Data product</th><th>Output ports</th><th>Sidecars</th><th>Health</th></tr></thead>
    <tbody>${d.products.map(
      (p) => html`<tr${p.stale || p.failing ? html` class="alert"` : ''}>
      <td>${p.domain ?? html`<span class="muted">(no domain label)</span>`}</td>
      <td>${p.product ?? html`<span class="muted">(no product label)</span>`}</td>
      <td>${p.ports.length ? p.ports.map((port) => html`<a class="port" href="${url('/console/decisions', { port })}">${port}</a> `) : html`<span class="muted">none seen</span>`}</td>
      <td>${p.sidecars}</td>
      <td>${p.stale ? html`<span class="badge stale">${p.stale} stale</span> ` : ''}${p.failing ? html`<span class="badge failing">${p.failing} failing</span> ` : ''}${p.behind ? html`<span class="badge behind">${p.behind} behind</span>` : ''}${!p.stale && !p.failing && !p.behind && p.sidecars ? html`<span class="badge ok">ok</span>` : ''}</td>
    </tr>`,
    )}</tbody>
  </table>`
      : html`<p class="muted">No sidecar has reported and no decision was logged yet.</p>`
  }
</section>

<section>
  <h2>Decisions per port</h2>
  ${
    s
      ? html`
  <div class="charts" id="charts" data-series="${JSON.stringify(chartData(s, WINDOWS[d.window].bucket))}">
    <figure><figcaption>Decisions per ${ratePer(WINDOWS[d.window].bucket)}</figcaption><div class="chart" data-kind="rate"></div></figure>
    <figure><figcaption>Deny rate (% of decisions)</figcaption><div class="chart" data-kind="deny"></div></figure>
  </div>
  ${
    s.ports.length
      ? html`<table id="ports">
    <thead><tr><th>Port</th><th class="num">Decisions</th><th class="num">Denied</th><th class="num">Deny rate</th><th class="num">Errors</th></tr></thead>
    <tbody>${s.ports.map(portTotals).map(
      (p) => html`<tr data-port="${p.port}" data-product="${p.product ?? ''}" data-domain="${p.domain ?? ''}">
      <td><a href="${url('/console/decisions', { port: p.port })}">${portLabel(p)}</a></td>
      <td class="num total">${p.total}</td><td class="num deny">${p.deny}</td><td class="num">${pct(p.deny, p.total)}</td><td class="num error">${p.error}</td>
    </tr>`,
    )}</tbody>
  </table>`
      : html`<p class="muted">No decisions in this window.</p>`
  }`
      : NO_DECISIONS
  }
</section>

<section>
  <h2>Top deny reasons</h2>
  ${
    s
      ? s.top_deny_reasons.length
        ? html`<table id="deny-reasons">
    <thead><tr><th class="num">Count</th><th>Layer</th><th>Code</th><th>Message</th></tr></thead>
    <tbody>${s.top_deny_reasons.map((r) => html`<tr><td class="num count">${r.count}</td><td class="layer">${r.layer}</td><td class="code">${r.code ?? ''}</td><td class="message">${r.message}</td></tr>`)}</tbody>
  </table>`
        : html`<p class="muted">No denials in this window.</p>`
      : NO_DECISIONS
  }
</section>

<section>
  <h2>Sidecars</h2>
  ${
    d.fleet.length
      ? html`<table id="sidecars">
    <thead><tr><th>Instance</th><th>Domain</th><th>Product</th><th>Bundles (running → registry)</th><th>Last report</th><th>State</th></tr></thead>
    <tbody>${d.fleet.map(
      (f) => html`<tr data-id="${f.id}" class="${[f.stale ? 'stale' : '', f.failing ? 'failing' : ''].join(' ').trim()}">
      <td class="id">${f.id}</td><td>${f.domain ?? ''}</td><td>${f.product ?? ''}</td>
      <td><ul class="bundles">${f.bundles.map(
        (b) => html`<li data-bundle="${b.name}" class="${b.current === false ? 'behind' : b.current ? 'current' : ''}">
        <b>${b.name}</b> <span class="rev">${b.active_revision ?? '(none)'}</span>${b.current === false ? html` → <span class="registry-rev">${b.registry_revision}</span>` : ''}${b.code ? html` <span class="badge failing" title="${b.message ?? ''}">${b.code}</span>` : ''}${b.stale ? html` <span class="badge stale">stale</span>` : ''}
      </li>`,
      )}</ul></td>
      <td>${when(f.received_at)}</td>
      <td class="state">${f.stale ? html`<span class="badge stale">stale</span> ` : ''}${f.failing ? html`<span class="badge failing">failing</span> ` : ''}${f.behind ? html`<span class="badge behind">behind</span>` : ''}${!f.stale && !f.failing && !f.behind ? html`<span class="badge ok">ok</span>` : ''}</td>
    </tr>`,
    )}</tbody>
  </table>`
      : html`<p class="muted">No sidecar has reported its status yet.</p>`
  }
</section>

<section>
  <h2>Bundles in the registry</h2>
  ${
    d.bundles.length
      ? html`<table id="bundles">
    <thead><tr><th>Bundle</th><th>Current revision</th><th>Roots</th><th>By</th><th>Since</th></tr></thead>
    <tbody>${d.bundles.map((b) => html`<tr data-bundle="${b.name}"><td>${b.name}</td><td class="rev">${b.current.revision}</td><td>${b.current.roots.join(', ')}</td><td>${b.current.publisher}${b.current.action === 'rollback' ? ' (rollback)' : ''}</td><td>${when(b.current.published_at)}</td></tr>`)}</tbody>
  </table>`
      : html`<p class="muted">Nothing published yet.</p>`
  }
</section>

<section>
  <h2>Latest decisions</h2>
  ${d.decisions ? html`${decisionTable(d.decisions.latest, 'latest')}<p><a href="/console/decisions">Search all decisions →</a></p>` : NO_DECISIONS}
</section>`,
  )
}

function decisionTable(list: StoredDecision[], id: string): Html {
  if (!list.length) return html`<p class="muted" id="${id}-empty">No decisions match.</p>`
  return html`<table id="${id}" class="decisions">
    <thead><tr><th>Time</th><th>Outcome</th><th>Port</th><th>Subject</th><th>Product</th><th>Kind</th><th>First deny reason</th><th>Decision</th></tr></thead>
    <tbody>${list.map(
      (e) => html`<tr data-decision-id="${e.decision_id}">
      <td>${when(e.timestamp)}</td><td class="outcome">${outcomeBadge(e.outcome)}</td>
      <td class="port">${e.port ?? ''}</td><td class="subject">${e.subject ?? ''}</td>
      <td>${portLabel({ domain: e.labels.domain ?? null, product: e.labels.product ?? null, port: '' })}</td>
      <td>${e.kind}</td>
      <td class="reason">${e.deny?.[0] ? html`<span class="layer">${e.deny[0].layer}</span> ${e.deny[0].message}` : e.error ? html`<span class="layer">error</span> ${e.error.code}` : ''}</td>
      <td><a class="open" href="${url(`/console/decisions/${encodeURIComponent(e.decision_id)}`)}">${e.decision_id}</a></td>
    </tr>`,
    )}</tbody>
  </table>`
}

/** What the search form sends; empty fields are absent. */
export interface DecisionSearch {
  port?: string
  subject?: string
  outcome?: string
  decision_id?: string
  from?: string
  to?: string
  after?: string
}

export function decisionsPage(o: {
  session: ConsoleSession
  search: DecisionSearch
  error?: string
  result?: { decisions: StoredDecision[]; next?: string }
  available: boolean
}): string {
  const q = o.search
  const outcomes = ['', 'allow', 'deny', 'answer', 'error']
  return page(
    { title: 'Decisions', session: o.session, nav: 'decisions' },
    html`
<h1>Decisions</h1>
${
  o.available
    ? html`
<form class="search" method="get" action="/console/decisions" id="search">
  <label>Port <input name="port" value="${q.port ?? ''}" autocomplete="off"></label>
  <label>Subject <input name="subject" value="${q.subject ?? ''}" autocomplete="off"></label>
  <label>Outcome <select name="outcome">${outcomes.map((v) => html`<option value="${v}"${q.outcome === v ? html` selected` : ''}>${v || 'any'}</option>`)}</select></label>
  <label>Decision id <input name="decision_id" value="${q.decision_id ?? ''}" autocomplete="off"></label>
  <label>From <input name="from" value="${q.from ?? ''}" placeholder="2025-05-01T10:00:00Z" autocomplete="off"></label>
  <label>To <input name="to" value="${q.to ?? ''}" placeholder="2025-05-01T11:00:00Z" autocomplete="off"></label>
  <button type="submit">Search</button> <a href="/console/decisions">clear</a>
</form>
${o.error ? html`<p class="error" role="alert" id="search-error">${o.error}</p>` : ''}
${
  o.result
    ? html`${decisionTable(o.result.decisions, 'results')}
${o.result.next ? html`<p><a id="older" href="${url('/console/decisions', { ...q, after: o.result.next })}">Older →</a></p>` : ''}`
    : ''
}`
    : NO_DECISIONS
}`,
  )
}

export function eventPage(o: { session: ConsoleSession; event: StoredDecision }): string {
  const e = o.event
  return page(
    { title: `Decision ${e.decision_id}`, session: o.session, nav: 'decisions' },
    html`
<h1>Decision <code id="decision-id">${e.decision_id}</code></h1>
<dl class="facts">
  <dt>Outcome</dt><dd>${outcomeBadge(e.outcome)}</dd>
  <dt>Time</dt><dd>${when(e.timestamp)}</dd>
  <dt>Port</dt><dd>${e.port ?? ''}</dd>
  <dt>Subject</dt><dd>${e.subject ?? ''}</dd>
  <dt>Path</dt><dd>${e.path}</dd>
  <dt>Bundles</dt><dd>${Object.entries(e.bundles).map(([n, b]) => html`<b>${n}</b> ${b.revision} `)}</dd>
</dl>
<p>The event as the registry stored it (masked by the sidecar before upload). <a href="${url(`/console/decisions/${encodeURIComponent(e.decision_id)}/json`)}" download>Download JSON</a></p>
<pre id="event-json">${JSON.stringify(e, null, 2)}</pre>`,
  )
}
