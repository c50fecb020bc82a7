// Decisions over HTTP on loopback (issue 4): autocannon against the real
// sidecar (POST /v1/decisions/access with a bearer token) and against a bare
// fastify route returning a constant, in the same run. Each server runs in
// its own process (http-target.ts); autocannon runs here.
//
//   max rate      16 connections, as fast as the server answers: req/s,
//                 ratio sidecar ÷ constant route (≥ 0.7 with the cache on)
//   p50/p99 at    both servers driven at the SAME offered rate, half of the
//   half          smaller of the two max rates, so neither saturates, by an
//                 open-loop generator that spaces requests evenly
//                 (paced-load.ts): p99 ratio sidecar ÷ constant route (≤ 2
//                 with the cache on)
//
// The load cycles through many subjects (one bearer token each) and request
// bodies (http-target.ts), each answer checked against the engine first.
//
// The machine may be shared, so the two servers' runs alternate (constant,
// sidecar, constant, sidecar, …) and each figure is the median of its runs:
// a noisy minute slows both sides rather than one. Even so a ratio taken on a
// busy machine is not comparable: each figure carries the 1-minute load
// average (`uptime`'s first number) of its runs, and above MAX_LOAD it loses
// its target and says so instead of passing or failing.

import { spawn, type ChildProcess } from 'node:child_process'
import { loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { median, type Benchmark, type BenchContext, type Figure } from './harness.js'
import type { TargetInfo } from './http-target.js'
import { pacedLoad } from './paced-load.js'

export interface Target {
  info: TargetInfo
  child: ChildProcess
}

const TARGET_SCRIPT = fileURLToPath(new URL('./http-target.js', import.meta.url))

export async function start(args: string[]): Promise<Target | { blocked: string }> {
  // MESHGATE_BENCH_CPU_PROF=<dir>: each target writes a V8 CPU profile there when it stops.
  const prof = process.env.MESHGATE_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.MESHGATE_BENCH_CPU_PROF}`] : []
  const child = spawn(process.execPath, [...prof, TARGET_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`target ${args.join(' ')} did not start within 120 s`)), 120_000)
    lines.once('line', (l) => {
      clearTimeout(timer)
      resolve(l)
    })
    // 'close' (not 'exit'): stdout is drained by then, so a reason it printed is read first.
    child.once('close', (code) => {
      clearTimeout(timer)
      reject(new Error(`target ${args.join(' ')} exited with ${code}`))
    })
  })
  const msg = JSON.parse(first) as TargetInfo | { blocked: string }
  if ('blocked' in msg) {
    child.kill()
    return msg
  }
  return { info: msg, child }
}

export function stop(t: Target): Promise<void> {
  return new Promise((resolve) => {
    if (t.child.exitCode !== null) return resolve()
    t.child.once('exit', () => resolve())
    t.child.kill()
  })
}

export interface Load {
  rps: number
  /** Requests answered in the run. */
  requests?: number
  p50: number
  p99: number
  non2xx: number
  errors: number
}

/** Above this 1-minute load average a ratio is reported as not comparable (2 cores: well past one busy process). */
export const MAX_LOAD = 1.5

/** The worst 1-minute load average seen over a measurement, beside its figure. */
export class LoadWatch {
  private readonly seen: number[] = []
  sample(): void {
    this.seen.push(loadavg()[0]!)
  }
  get max(): number {
    return Math.max(...this.seen)
  }
  /** Note text, and whether the figure may keep its target. */
  verdict(): { note: string; comparable: boolean } {
    const max = this.max
    const list = this.seen.map((l) => l.toFixed(2)).join(', ')
    return max > MAX_LOAD
      ? {
          note: `LOAD AVERAGE UP TO ${max.toFixed(2)} (> ${MAX_LOAD}) during the runs (${list}): ratio not comparable, target not judged; re-measure on a quiet machine`,
          comparable: false,
        }
      : { note: `load average ${list} during the runs`, comparable: true }
  }
}

const CONNECTIONS = 16

/** At max rate: autocannon, closed loop. At a given rate: paced, open loop. */
export async function load(t: Target, duration: number, rate?: number): Promise<Load> {
  if (rate) return pacedLoad(t.info, rate, duration, CONNECTIONS)
  const r = await autocannon({
    url: t.info.url,
    method: t.info.method,
    headers: t.info.headers,
    body: t.info.body,
    requests: t.info.requests,
    connections: CONNECTIONS,
    duration,
  })
  return { rps: r.requests.average, requests: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts }
}

interface Plan {
  warm: number
  duration: number
  reps: number
}

function check(name: string, l: Load): Load {
  if (l.non2xx || l.errors) throw new Error(`${name}: ${l.non2xx} non-2xx answers and ${l.errors} errors under load`)
  return l
}

function medianLoad(runs: Load[]): Load {
  return { rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), non2xx: 0, errors: 0 }
}

/**
 * The constant route and the target, each warmed up, then `reps` runs each,
 * alternating; medians. A run with failures is an error, never a figure.
 */
async function measurePair(base: Target, target: Target, label: string, plan: Plan, watch: LoadWatch, rate?: number): Promise<{ base: Load; target: Load }> {
  const at = rate ? ` at ${rate} req/s` : ' at max rate'
  await load(base, plan.warm, rate)
  await load(target, plan.warm, rate)
  const b: Load[] = []
  const t: Load[] = []
  for (let i = 0; i < plan.reps; i++) {
    watch.sample()
    b.push(check(`constant route${at}`, await load(base, plan.duration, rate)))
    t.push(check(`${label}${at}`, await load(target, plan.duration, rate)))
  }
  watch.sample()
  return { base: medianLoad(b), target: medianLoad(t) }
}

async function compare(ctx: BenchContext, base: Target, target: Target, label: string, plan: Plan, cacheOn: boolean): Promise<Figure[]> {
  let targets = true
  const maxWatch = new LoadWatch()
  const max = await measurePair(base, target, label, plan, maxWatch)
  const rate = Math.max(1, Math.floor(Math.min(max.target.rps, max.base.rps) / 2))
  const mv = maxWatch.verdict()
  ctx.log(`${label}: ${Math.round(max.target.rps)} req/s max (constant route ${Math.round(max.base.rps)}); ${mv.note}; latency at ${rate} req/s`)
  const halfWatch = new LoadWatch()
  const half = await measurePair(base, target, label, plan, halfWatch, rate)
  const hv = halfWatch.verdict()
  ctx.log(`${label}: p99 at half rate ${half.target.p99.toFixed(2)} ms (constant route ${half.base.p99.toFixed(2)} ms); ${hv.note}`)
  targets = targets && mv.comparable && hv.comparable
  return [
    {
      name: `${label}: decisions/s at max rate ÷ constant fastify route`,
      value: max.target.rps,
      unit: 'req/s',
      baseline: { name: 'constant fastify route', value: max.base.rps, unit: 'req/s' },
      ratio: max.target.rps / max.base.rps,
      ...(targets && mv.comparable ? { target: { op: '>=' as const, value: cacheOn ? 0.85 : 0.5 } } : {}),
      note: `${mv.note}; p50/p99 at max (autocannon, whole ms): ${max.target.p50}/${max.target.p99} ms (constant route ${max.base.p50}/${max.base.p99} ms)`,
      details: {
        rps: max.target.rps,
        p50_ms: max.target.p50,
        p99_ms: max.target.p99,
        baseline_rps: max.base.rps,
        baseline_p50_ms: max.base.p50,
        baseline_p99_ms: max.base.p99,
        load_average_1min_max: maxWatch.max,
      },
    },
    {
      name: `${label}: p50 at ${rate} req/s (half of max) ÷ constant route at the same rate`,
      value: half.target.p50,
      unit: 'ms',
      baseline: { name: 'constant fastify route, same rate', value: half.base.p50, unit: 'ms' },
      ratio: half.target.p50 / half.base.p50,
      note: hv.note,
      details: { rate, p50_ms: half.target.p50, baseline_p50_ms: half.base.p50, load_average_1min_max: halfWatch.max },
    },
    {
      name: `${label}: p99 at ${rate} req/s (half of max) ÷ constant route at the same rate`,
      value: half.target.p99,
      unit: 'ms',
      baseline: { name: 'constant fastify route, same rate', value: half.base.p99, unit: 'ms' },
      ratio: half.target.p99 / half.base.p99,
      ...(targets && hv.comparable ? { target: { op: '<=' as const, value: 2 } } : {}),
      note: `${hv.note}; achieved ${Math.round(half.target.rps)} vs ${Math.round(half.base.rps)} req/s; open-loop, requests evenly spaced, latency from issue to last byte`,
      details: {
        rate,
        p99_ms: half.target.p99,
        baseline_p99_ms: half.base.p99,
        achieved_rps: half.target.rps,
        baseline_achieved_rps: half.base.rps,
        load_average_1min_max: halfWatch.max,
      },
    },
  ]
}

export const sidecarHttp: Benchmark = {
  name: 'sidecar-http',
  issue: 4,
  title: 'sidecar decisions/s and p50/p99 over HTTP vs a constant fastify route',
  async run(ctx) {
    const plan: Plan = ctx.quick ? { warm: 1, duration: 2, reps: 1 } : { warm: 2, duration: 5, reps: 3 }
    const figures: Figure[] = []
    const notes: string[] = []
    const failures: string[] = []
    const base = await start(['baseline'])
    if ('blocked' in base) throw new Error(`constant route: ${base.blocked}`)
    try {
      // One target failing (it cannot start, answers wrongly, errors under
      // load) is reported and the other still runs.
      for (const cache of ['on', 'off'] as const) {
        const label = `sidecar, cache ${cache}`
        const t = await start(['sidecar', cache])
        if ('blocked' in t) {
          failures.push(`${label}: ${t.blocked}`)
          continue
        }
        notes.push(`${label}: ${t.info.description}`)
        try {
          figures.push(...(await compare(ctx, base, t, label, plan, cache === 'on')))
        } catch (e) {
          failures.push(`${label}: ${(e as Error).message}`)
        } finally {
          await stop(t)
        }
      }
    } finally {
      await stop(base)
    }
    notes.push(
      `load: ${CONNECTIONS} connections; max rate by autocannon, latency at half rate by paced-load.ts; ${plan.reps} alternating run(s) of ${plan.duration} s per server after a ${plan.warm} s warm-up each; medians`,
    )
    notes.push(...failures.map((f) => `FAILED ${f}`))
    if (failures.length && figures.length === 0) throw new Error(failures.join('; '))
    return { figures, notes }
  },
}
