// What the console's overview shows, computed from the registry's own
// views: the fleet (sidecars.ts's fleetView, which already decides stale,
// failing and behind) and the decision store's summary. Domains, data
// products and their output ports are collected from both: sidecars report
// product and domain labels, decisions carry product, domain and port. Pure
// functions of their inputs, so the numbers a page shows can be checked
// against the events they came from.

import type { DecisionSummary, DecisionSummaryQuery, PortSeries } from '../decision-store.js'
import type { SidecarView } from '../sidecars.js'

/** The time windows the overview offers, each with its bucket width (a chart of 24–72 points). */
export const WINDOWS = {
  '1h': { seconds: 3600, bucket: 60 },
  '6h': { seconds: 6 * 3600, bucket: 300 },
  '24h': { seconds: 24 * 3600, bucket: 1800 },
  '7d': { seconds: 7 * 24 * 3600, bucket: 3 * 3600 },
} as const
export type WindowName = keyof typeof WINDOWS
export const DEFAULT_WINDOW: WindowName = '24h'

export function isWindow(v: unknown): v is WindowName {
  return typeof v === 'string' && Object.hasOwn(WINDOWS, v)
}

/** The summary query for a window ending now: whole buckets, the current one included. */
export function windowQuery(name: WindowName, now: Date, top: number): DecisionSummaryQuery {
  const { seconds, bucket } = WINDOWS[name]
  const end = (Math.floor(now.getTime() / 1000 / bucket) + 1) * bucket
  return { from: new Date((end - seconds) * 1000).toISOString(), to: new Date(end * 1000).toISOString(), bucket_seconds: bucket, top }
}

export interface PortTotals {
  domain: string | null
  product: string | null
  port: string
  total: number
  deny: number
  error: number
}

export function portTotals(p: PortSeries): PortTotals {
  const sum = (k: 'total' | 'deny' | 'error') => p.buckets.reduce((n, b) => n + b[k], 0)
  return { domain: p.domain ?? null, product: p.product ?? null, port: p.port, total: sum('total'), deny: sum('deny'), error: sum('error') }
}

/** A port's chart label: domain / product / port, as far as known. */
export function portLabel(p: { domain?: string | null; product?: string | null; port: string }): string {
  return [p.domain, p.product, p.port].filter((x) => x).join(' / ')
}

export interface ProductView {
  domain: string | null
  product: string | null
  ports: string[]
  sidecars: number
  stale: number
  failing: number
  behind: number
}

/**
 * Domains and data products with their output ports and their sidecars'
 * health, sorted by domain then product (unlabelled last).
 */
export function meshProducts(fleet: SidecarView[], summary: DecisionSummary | undefined): ProductView[] {
  const byKey = new Map<string, ProductView>()
  const get = (domain: string | null, product: string | null) => {
    const key = JSON.stringify([domain, product])
    let p = byKey.get(key)
    if (!p) byKey.set(key, (p = { domain, product, ports: [], sidecars: 0, stale: 0, failing: 0, behind: 0 }))
    return p
  }
  for (const s of fleet) {
    const p = get(s.domain, s.product)
    p.sidecars++
    if (s.stale) p.stale++
    if (s.failing) p.failing++
    if (s.behind) p.behind++
    const port = s.labels.port
    if (port && !p.ports.includes(port)) p.ports.push(port)
  }
  for (const series of summary?.ports ?? []) {
    const p = get(series.domain ?? null, series.product ?? null)
    if (!p.ports.includes(series.port)) p.ports.push(series.port)
  }
  const order = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1)
  const list = [...byKey.values()]
  for (const p of list) p.ports.sort()
  return list.sort((a, b) => order(a.domain, b.domain) || order(a.product, b.product))
}

/** What the charts draw, read by the page script from a `data-series` attribute. */
export interface ChartData {
  /** Bucket starts, seconds since the epoch. */
  x: number[]
  bucket_seconds: number
  /** Rates are per minute in short windows, per hour in long ones (a few decisions an hour read better so). */
  rate_per: 'minute' | 'hour'
  ports: { label: string; total: number[]; deny: number[] }[]
}

export function chartData(summary: DecisionSummary, bucketSeconds: number): ChartData {
  const first = summary.ports[0]
  return {
    x: (first?.buckets ?? []).map((b) => Date.parse(b.start) / 1000),
    bucket_seconds: bucketSeconds,
    rate_per: ratePer(bucketSeconds),
    ports: summary.ports.map((p) => ({ label: portLabel(p), total: p.buckets.map((b) => b.total), deny: p.buckets.map((b) => b.deny) })),
  }
}

/** The rate unit of a chart with buckets of that width. */
export function ratePer(bucketSeconds: number): 'minute' | 'hour' {
  return bucketSeconds >= 1800 ? 'hour' : 'minute'
}
