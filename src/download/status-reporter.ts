// Status reports to a service, as OPA's status plugin sends them
// (`POST <service>/status`, JSON): `labels` (the instance `id`, meshgate's
// product, domain and version), `bundles` (each bundle's status: active
// revision, last successful download and activation, errors) and `plugins`
// (`bundle` is OK when every bundle is active and fresh). Sent when a
// bundle's state changes and at least every `intervalMs`; a failed report is
// retried at the next tick, never blocks decisions, and never throws.

import type { BundleStatus } from '../bundle/index.js'

export interface StatusReport {
  labels: Record<string, string>
  bundles: Record<string, BundleStatus>
  plugins: Record<string, { state: 'OK' | 'NOT_READY' | 'ERR'; message?: string }>
}

export interface StatusReporterOptions {
  url: string
  bearer?: string
  labels: Record<string, string>
  /** The current status of every bundle. */
  bundles: () => BundleStatus[]
  intervalMs?: number
  log?: { warn(o: object, m?: string): void }
}

export function statusReport(labels: Record<string, string>, bundles: BundleStatus[]): StatusReport {
  const failing = bundles.filter((b) => b.code !== undefined || b.stale || b.active_revision === undefined)
  const state = bundles.some((b) => b.active_revision === undefined) ? 'NOT_READY' : failing.length ? 'ERR' : 'OK'
  const plugin: StatusReport['plugins'][string] = { state }
  if (failing.length) plugin.message = failing.map((b) => `${b.name}: ${b.stale ? 'stale' : (b.message ?? 'not active')}`).join('; ')
  return { labels, bundles: Object.fromEntries(bundles.map((b) => [b.name, b])), plugins: { bundle: plugin } }
}

export class StatusReporter {
  private readonly opts: StatusReporterOptions
  private timer?: NodeJS.Timeout
  private last = ''
  private sending?: Promise<void>
  private closed = false

  constructor(opts: StatusReporterOptions) {
    this.opts = opts
  }

  start(): void {
    const tick = () => {
      if (this.closed) return
      void this.send(true).finally(() => {
        if (!this.closed) this.timer = setTimeout(tick, this.opts.intervalMs ?? 10_000)
      })
    }
    tick()
  }

  /** Sends now if the status changed since the last report that reached the service. */
  changed(): void {
    void this.send(false)
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    await this.sending
  }

  private async send(always: boolean): Promise<void> {
    await this.sending
    const report = statusReport(this.opts.labels, this.opts.bundles())
    // Timestamps of polls change every request; compare what a reader cares about.
    const key = JSON.stringify(Object.values(report.bundles).map((b) => [b.name, b.active_revision, b.code, b.stale, b.restored_from_disk]))
    if (!always && key === this.last) return
    this.sending = (async () => {
      try {
        const headers: Record<string, string> = { 'content-type': 'application/json' }
        if (this.opts.bearer) headers.authorization = `Bearer ${this.opts.bearer}`
        const res = await fetch(this.opts.url, { method: 'POST', headers, body: JSON.stringify(report), signal: AbortSignal.timeout(5_000) })
        await res.body?.cancel()
        if (res.ok) this.last = key
        else this.opts.log?.warn({ status: res.status }, 'status report refused')
      } catch (e) {
        this.opts.log?.warn({ err: (e as Error).message }, 'status report failed')
      }
    })()
    await this.sending
  }
}
