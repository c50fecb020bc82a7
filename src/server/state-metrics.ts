// Metrics read at scrape time (prom-client `collect` callbacks), not counted
// as things happen: each layer's bundle (revision, activation, downloads,
// the current error, staleness), from the engine's layers and the bundle
// sources' statuses; and the decision logger's spool and uploads, from the
// stats provider it hands the app. Nothing here runs between scrapes.

import { Counter, Gauge, type Registry } from 'prom-client'
import type { BundleStatus } from '../bundle/index.js'
import type { DecisionLogStats } from '../decision-log/index.js'
import type { Layer } from '../engine/index.js'

export interface BundleMetricsSource {
  /** The engine's layers, read at each scrape (`engine.layers`). */
  layers: () => readonly Readonly<Layer>[]
  /**
   * The configured bundles, in the order their layers were built
   * (serve.ts builds layer i from `config.bundles[i]`): how a bundle's
   * status finds its layer.
   */
  bundles: readonly { name: string }[]
  /** Each bundle's source status; without it, the layers' own activation errors stand in (as /health does). */
  bundleStatus?: () => BundleStatus[]
}

const seconds = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined
  const ms = Date.parse(iso)
  return Number.isFinite(ms) ? ms / 1000 : undefined
}

/** Registers the per-layer bundle gauges in `register`. */
export function registerBundleMetrics(register: Registry, src: BundleMetricsSource): void {
  const registers = [register]
  // Its collect fills every gauge below from one reading of the layers and
  // statuses. prom-client calls a metric's (synchronous) collect as it
  // starts reading that metric, in registration order: this one first.
  const info = new Gauge({
    name: 'meshgate_bundle_info',
    help: 'The bundle active in each layer and its revision (value 1).',
    labelNames: ['layer', 'bundle', 'revision'],
    registers,
    collect: () => fill(),
  })
  const active = new Gauge({
    name: 'meshgate_bundle_active',
    help: 'Whether the layer has an active bundle (0: its decisions fail closed).',
    labelNames: ['layer'],
    registers,
  })
  const activation = new Gauge({
    name: 'meshgate_bundle_last_activation_timestamp_seconds',
    help: "When the layer's active bundle was activated (Unix time).",
    labelNames: ['layer', 'bundle'],
    registers,
  })
  const download = new Gauge({
    name: 'meshgate_bundle_last_successful_download_timestamp_seconds',
    help: 'When the bundle was last downloaded from its service (Unix time).',
    labelNames: ['layer', 'bundle'],
    registers,
  })
  const request = new Gauge({
    name: 'meshgate_bundle_last_successful_request_timestamp_seconds',
    help: "When the bundle's service last answered a check (a download or 304 Not Modified; Unix time).",
    labelNames: ['layer', 'bundle'],
    registers,
  })
  const error = new Gauge({
    name: 'meshgate_bundle_error',
    help: "The error of the bundle's latest update attempt, by code (value 1; absent when the latest attempt succeeded).",
    labelNames: ['layer', 'bundle', 'code'],
    registers,
  })
  const errorAt = new Gauge({
    name: 'meshgate_bundle_last_error_timestamp_seconds',
    help: 'When an update attempt of the bundle last failed, as seen by scrapes (Unix time).',
    labelNames: ['layer', 'bundle'],
    registers,
  })
  const stale = new Gauge({
    name: 'meshgate_bundle_stale',
    help: 'Whether the bundle is past its maximum age (max_age_seconds).',
    labelNames: ['layer', 'bundle'],
    registers,
  })

  /** Last failure seen per bundle: kept after recovery, so the timestamp outlives the error. */
  const lastError = new Map<string, { key: string; at: number }>()

  const layerOf = (layers: readonly Readonly<Layer>[], bundle: string): string => {
    const i = src.bundles.findIndex((b) => b.name === bundle)
    if (i >= 0 && src.bundles.length === layers.length) return layers[i]!.name
    return layers.find((l) => l.active?.loaded.name === bundle)?.name ?? bundle
  }

  const fill = () => {
    for (const g of [info, active, activation, download, request, error, errorAt, stale]) g.reset()
    const layers = src.layers()
    for (const l of layers) {
      active.set({ layer: l.name }, l.active ? 1 : 0)
      if (!l.active) continue
      const bundle = l.active.loaded.name
      info.set({ layer: l.name, bundle, revision: l.active.loaded.revision }, 1)
      activation.set({ layer: l.name, bundle }, l.active.activatedAt.getTime() / 1000)
    }
    const statuses: BundleStatus[] =
      src.bundleStatus?.() ??
      layers
        .filter((l) => l.lastError)
        .map((l) => ({
          name: l.active?.loaded.name ?? l.name,
          code: l.lastError!.code,
          message: l.lastError!.message,
        }))
    for (const s of statuses) {
      const labels = { layer: layerOf(layers, s.name), bundle: s.name }
      const dl = seconds(s.last_successful_download)
      if (dl !== undefined) download.set(labels, dl)
      const rq = seconds(s.last_successful_request)
      if (rq !== undefined) request.set(labels, rq)
      stale.set(labels, s.stale ? 1 : 0)
      const code = s.code ?? s.errors?.find((e) => e.code)?.code
      if (code !== undefined) {
        error.set({ ...labels, code }, 1)
        // A download loop stamps its failed attempt (last_request); a watched
        // file does not, so its error dates from the scrape that first saw it.
        const key = `${code}\n${s.message ?? ''}`
        const prev = lastError.get(s.name)
        const at = seconds(s.last_request) ?? (prev?.key === key ? prev.at : Date.now() / 1000)
        lastError.set(s.name, { key, at })
      }
      const last = lastError.get(s.name)
      if (last) errorAt.set(labels, last.at)
    }
  }
}

/**
 * Registers the decision logger's figures, read from `stats` at each
 * scrape. Counters are the logger's own (since the process started); the
 * spool figures are current.
 */
export function registerDecisionLogMetrics(register: Registry, stats: () => DecisionLogStats): void {
  const registers = [register]
  const gauge = (name: string, help: string, read: (s: DecisionLogStats) => number | undefined) => {
    const g: Gauge = new Gauge({ name, help, registers, collect: () => g.set(read(stats()) ?? 0) })
  }
  // A counter whose total someone else keeps: set to it at each scrape.
  const counter = (name: string, help: string, read: (s: DecisionLogStats) => number) => {
    const c: Counter = new Counter({
      name,
      help,
      registers,
      collect: () => {
        c.reset()
        c.inc(read(stats()))
      },
    })
  }
  gauge('meshgate_decision_log_spool_events', 'Decision events in the spool, not yet acknowledged by the collector.', (s) => s.spool_events)
  gauge('meshgate_decision_log_spool_bytes', 'Bytes the spool holds.', (s) => s.spool_bytes)
  gauge('meshgate_decision_log_spool_limit_bytes', "The spool's bound, in bytes: past it the oldest events are dropped.", (s) => s.spool_limit_bytes)
  gauge('meshgate_decision_log_last_upload_timestamp_seconds', 'When the collector last acknowledged an upload (Unix time; 0 before the first).', (s) =>
    seconds(s.last_upload_at),
  )
  counter('meshgate_decision_log_uploaded_events_total', 'Decision events the collector acknowledged.', (s) => s.uploaded_events)
  counter('meshgate_decision_log_upload_batches_total', 'Upload batches the collector acknowledged.', (s) => s.upload_batches)
  counter('meshgate_decision_log_upload_retries_total', 'Upload attempts that failed and will be retried.', (s) => s.upload_retries)
  counter(
    'meshgate_decision_log_dropped_events_total',
    'Decision events dropped because the spool was past its bound (lost; the oldest go first).',
    (s) => s.dropped_events,
  )
  counter(
    'meshgate_decision_log_policy_dropped_events_total',
    "Decision events the log policy's `drop` rule dropped (by design, not loss).",
    (s) => s.policy_dropped_events,
  )
}
