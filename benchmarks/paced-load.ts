// An open-loop load generator for latency at a fixed offered rate: requests
// are issued evenly over time (about one batch per millisecond tick), however
// long the answers take, over a keep-alive pool of `connections` sockets.
//
// Why not autocannon's `overallRate`: it gives each connection a quota per
// second that is reset by a 1 s interval, so "half the max rate" is a burst
// at full speed followed by idle time, and its coordinated-omission
// correction (expected interval ceil(1/rate) = 1 ms) back-fills one synthetic
// sample per millisecond of every slow answer. Both made the p99 at half
// rate larger than the p99 at max rate.
//
// Latency runs from the moment a request is issued (so time queued for a free
// socket counts) to the end of its answer, in fractional milliseconds.

import { Agent, request } from 'node:http'
import { quantile } from './harness.js'

export interface PacedTarget {
  url: string
  method: string
  headers: Record<string, string>
  body: string
  /** Cycled in order when given (distinct subjects and bodies); else `headers` and `body` every time. */
  requests?: { headers: Record<string, string>; body: string }[]
}

export interface PacedResult {
  rps: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  sent: number
}

/**
 * `trace`, when given, receives each answered request as [issued at (epoch
 * ms, performance.timeOrigin + now), latency ms], for lining slow answers up
 * with what other processes did (reload.ts, MESHGATE_RELOAD_TRACE).
 */
export async function pacedLoad(t: PacedTarget, rate: number, seconds: number, connections = 16, trace?: [number, number][]): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const url = new URL(t.url)
  const prepared = (t.requests?.length ? t.requests : [{ headers: t.headers, body: t.body }]).map((r) => {
    const body = Buffer.from(r.body)
    return { body, headers: { ...r.headers, 'content-length': String(body.length) } }
  })
  const latencies: number[] = []
  let non2xx = 0
  let errors = 0
  let inFlight = 0
  let sent = 0
  let onIdle: (() => void) | undefined

  const issue = (): void => {
    const { headers, body } = prepared[sent % prepared.length]!
    const t0 = performance.now()
    inFlight++
    const done = (ok: boolean, status?: number): void => {
      if (ok) {
        if (status! >= 200 && status! < 300) {
          const ms = performance.now() - t0
          latencies.push(ms)
          trace?.push([performance.timeOrigin + t0, ms])
        } else non2xx++
      } else errors++
      if (--inFlight === 0) onIdle?.()
    }
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: t.method, headers, agent }, (res) => {
      res.on('data', () => {})
      res.on('end', () => done(true, res.statusCode))
      res.on('error', () => done(false))
    })
    req.on('error', () => done(false))
    req.end(body)
    sent++
  }

  const start = performance.now()
  const total = Math.round(rate * seconds)
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate))
      while (sent < due) issue()
      if (sent >= total) return resolve()
      setTimeout(tick, 1)
    }
    tick()
  })
  // Drain, bounded: an answer still missing after 10 s counts as an error.
  if (inFlight > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        errors += inFlight
        resolve()
      }, 10_000)
      onIdle = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }
  const elapsed = (performance.now() - start) / 1000
  agent.destroy()
  return { rps: latencies.length / elapsed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), non2xx, errors, sent }
}
