// The filesystem decision store's in-memory indexes (fs-decisions.ts keeps
// the events on disk; this keeps what queries and summaries need to find
// them): one entry per stored event, with the fields queries filter on and
// where its JSON lies. Rebuilt from the segments when the store opens.
//
// Every list is sorted by (timestamp, seq): `seq` is the event's place in
// the store (segment number, then order within it), so two events of one
// millisecond still have one order, stable across restarts, which is what a
// cursor names. Events mostly arrive in time order, so an insert is a push;
// a late one (a sidecar's spool replayed after an outage) is a binary
// search and a splice. A query walks the smallest list among its filters
// from the newest end; a summary walks the time range once.

import type { DecisionOutcome } from '../decision-log/index.js'
import type { DecisionQuery, DecisionSummary, DecisionSummaryQuery, PortSeries } from './decision-store.js'
import { MeshgateError } from '../errors/index.js'

export interface DenyKey {
  layer: string
  message: string
  code?: string
}

export interface IndexEntry {
  id: string
  /** The event's `timestamp`, in ms since the epoch. */
  ts: number
  seq: number
  outcome: DecisionOutcome
  port?: string
  subject?: string
  product?: string
  domain?: string
  deny?: DenyKey[]
  /** Where the event's JSON is: segment number, byte offset, length. */
  seg: number
  off: number
  len: number
}

export type FilterField = 'port' | 'subject' | 'product' | 'domain' | 'outcome'
const FIELDS: FilterField[] = ['port', 'subject', 'product', 'domain', 'outcome']

/** A DecisionQuery's filters, with its time bounds as milliseconds and its cursor decoded. */
export interface IndexQuery extends Pick<DecisionQuery, 'decision_id' | FilterField> {
  fromMs?: number
  toMs?: number
  /** Only entries strictly older than this (ts, seq): the previous page's last. */
  before?: { ts: number; seq: number }
  limit: number
}

const cmp = (a: { ts: number; seq: number }, b: { ts: number; seq: number }) => a.ts - b.ts || a.seq - b.seq

/** Widest summary answered: buckets per port. */
export const MAX_SUMMARY_BUCKETS = 10_000

export class DecisionIndex {
  private readonly all: IndexEntry[] = []
  private readonly byId = new Map<string, IndexEntry>()
  private readonly by: Record<FilterField, Map<string, IndexEntry[]>> = {
    port: new Map(),
    subject: new Map(),
    product: new Map(),
    domain: new Map(),
    outcome: new Map(),
  }
  /** Label values and deny reasons repeat across events: one copy each. */
  private readonly strings = new Map<string, string>()
  private readonly reasons = new Map<string, DenyKey>()

  get size(): number {
    return this.all.length
  }

  has(id: string): boolean {
    return this.byId.has(id)
  }

  intern(s: string | undefined): string | undefined {
    if (s === undefined) return undefined
    const known = this.strings.get(s)
    if (known !== undefined) return known
    this.strings.set(s, s)
    return s
  }

  reason(r: DenyKey): DenyKey {
    const key = `${r.layer}\u0000${r.message}\u0000${r.code ?? ''}`
    let known = this.reasons.get(key)
    if (!known) this.reasons.set(key, (known = { layer: r.layer, message: r.message, ...(r.code !== undefined ? { code: r.code } : {}) }))
    return known
  }

  add(e: IndexEntry): void {
    this.byId.set(e.id, e)
    insertSorted(this.all, e)
    for (const f of FIELDS) {
      const v = e[f]
      if (v === undefined) continue
      let list = this.by[f].get(v)
      if (!list) this.by[f].set(v, (list = []))
      insertSorted(list, e)
    }
  }

  /** Forgets every entry of a segment (retention removed it); one pass over each list. */
  dropSegment(seg: number): void {
    const keep = (e: IndexEntry) => e.seg !== seg
    for (const e of this.all) if (e.seg === seg) this.byId.delete(e.id)
    filterInPlace(this.all, keep)
    for (const f of FIELDS) {
      for (const [v, list] of this.by[f]) {
        filterInPlace(list, keep)
        if (list.length === 0) this.by[f].delete(v)
      }
    }
    // Interned strings and reasons of the dropped events may now be unused; rebuild them when they outnumber the events.
    if (this.strings.size + this.reasons.size > 2 * this.all.length + 1024) this.reintern()
  }

  /** Matching entries, newest first: at most `limit`, and whether more match. */
  query(q: IndexQuery): { entries: IndexEntry[]; more: boolean } {
    let list: IndexEntry[]
    if (q.decision_id !== undefined) {
      const e = this.byId.get(q.decision_id)
      list = e ? [e] : []
    } else {
      list = this.all
      for (const f of FIELDS) {
        const v = q[f]
        if (v === undefined) continue
        const l = this.by[f].get(v) ?? []
        if (l.length < list.length) list = l
      }
    }
    const fromMs = q.fromMs ?? -Infinity
    let hi = list.length
    if (q.toMs !== undefined) hi = lowerBound(list, { ts: q.toMs, seq: -Infinity })
    if (q.before) hi = Math.min(hi, lowerBound(list, q.before))
    const entries: IndexEntry[] = []
    for (let i = hi - 1; i >= 0; i--) {
      const e = list[i]!
      if (e.ts < fromMs) break
      if (FIELDS.some((f) => q[f] !== undefined && e[f] !== q[f])) continue
      if (entries.length === q.limit) return { entries, more: true }
      entries.push(e)
    }
    return { entries, more: false }
  }

  summarize(q: DecisionSummaryQuery, fromMs: number, toMs: number): DecisionSummary {
    const width = q.bucket_seconds * 1000
    const n = Math.ceil((toMs - fromMs) / width)
    if (n > MAX_SUMMARY_BUCKETS) throw tooManyBuckets(n)
    const summary: DecisionSummary = { total: 0, deny: 0, error: 0, ports: [], top_deny_reasons: [] }
    const series = new Map<string, PortSeries>()
    const reasons = new Map<DenyKey, number>()
    for (let i = lowerBound(this.all, { ts: fromMs, seq: -Infinity }); i < this.all.length; i++) {
      const e = this.all[i]!
      if (e.ts >= toMs) break
      const key = `${e.product ?? ''}\u0000${e.domain ?? ''}\u0000${e.port ?? ''}`
      let s = series.get(key)
      if (!s) {
        s = {
          ...(e.product !== undefined ? { product: e.product } : {}),
          ...(e.domain !== undefined ? { domain: e.domain } : {}),
          port: e.port ?? '',
          buckets: Array.from({ length: n }, (_, b) => ({ start: new Date(fromMs + b * width).toISOString(), total: 0, deny: 0, error: 0 })),
        }
        series.set(key, s)
      }
      const b = s.buckets[Math.floor((e.ts - fromMs) / width)]!
      b.total++
      summary.total++
      if (e.outcome === 'deny') {
        b.deny++
        summary.deny++
      }
      if (e.outcome === 'error') {
        b.error++
        summary.error++
      }
      if (e.outcome === 'deny') for (const r of e.deny ?? []) reasons.set(r, (reasons.get(r) ?? 0) + 1)
    }
    summary.ports = [...series.values()].sort((a, b) => order(a.product, b.product) || order(a.domain, b.domain) || order(a.port, b.port))
    summary.top_deny_reasons = [...reasons]
      .sort(([ra, a], [rb, b]) => b - a || order(ra.layer, rb.layer) || order(ra.message, rb.message))
      .slice(0, q.top)
      .map(([r, count]) => ({ ...r, count }))
    return summary
  }

  private reintern(): void {
    this.strings.clear()
    this.reasons.clear()
    for (const e of this.all) {
      for (const f of ['port', 'subject', 'product', 'domain'] as const) if (e[f] !== undefined) e[f] = this.intern(e[f])
      if (e.deny) e.deny = e.deny.map((r) => this.reason(r))
    }
  }
}

function tooManyBuckets(n: number): MeshgateError {
  return new MeshgateError(
    'request_invalid',
    `the summary would have ${n} buckets per port, more than ${MAX_SUMMARY_BUCKETS}; widen \`bucket_seconds\` or narrow \`from\`–\`to\``,
  )
}

function order(a: string | undefined, b: string | undefined): number {
  const x = a ?? ''
  const y = b ?? ''
  return x < y ? -1 : x > y ? 1 : 0
}

/** First index whose entry is not less than `key`. */
function lowerBound(list: IndexEntry[], key: { ts: number; seq: number }): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (cmp(list[mid]!, key) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

function insertSorted(list: IndexEntry[], e: IndexEntry): void {
  if (list.length === 0 || cmp(list[list.length - 1]!, e) <= 0) list.push(e)
  else list.splice(lowerBound(list, e), 0, e)
}

function filterInPlace<T>(list: T[], keep: (x: T) => boolean): void {
  let j = 0
  for (const x of list) if (keep(x)) list[j++] = x
  list.length = j
}
