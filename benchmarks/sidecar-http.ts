// Decisions over HTTP on loopback (issue 4): autocannon against the sidecar
// and against a bare fastify route returning a constant, in the same run.
// Each server runs in its own process (http-target.ts); autocannon runs here.
//
//   max rate      16 connections, as fast as the server answers: req/s,
//                 ratio target ÷ constant route (≥ 0.7 with the cache on)
//   p99 at half   both servers driven at the SAME offered rate, half of the
//                 smaller of the two max rates, so neither saturates:
//                 p99 ratio target ÷ constant route (≤ 2 with the cache on)
//
// Targets: the real sidecar app (src/server) when it is usable, with the
// decision cache on and off; and always the engine's decision behind a
// minimal fastify route, which isolates the decision path from auth/schemas.

import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { median, type Benchmark, type BenchContext, type Figure } from './harness.js'
import type { TargetInfo } from './http-target.js'

interface Target { info: TargetInfo; child: ChildProcess }

const TARGET_SCRIPT = fileURLToPath(new URL('./http-target.js', import.meta.url))

async function start(args: string[]): Promise<Target | { blocked: string }> {
  const child = spawn(process.execPath, [TARGET_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`target ${args.join(' ')} did not start within 120 s`)), 120_000)
    lines.once('line', (l) => { clearTimeout(timer); resolve(l) })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`target ${args.join(' ')} exited with ${code}`)) })
  })
  const msg = JSON.parse(first) as TargetInfo | { blocked: string }
  if ('blocked' in msg) { child.kill(); return msg }
  return { info: msg, child }
}

function stop(t: Target): Promise<void> {
  return new Promise((resolve) => {
    if (t.child.exitCode !== null) return resolve()
    t.child.once('exit', () => resolve())
    t.child.kill()
  })
}

interface Load { rps: number; p50: number; p99: number; non2xx: number; errors: number }

async function load(t: Target, duration: number, overallRate?: number): Promise<Load> {
  const r = await autocannon({
    url: t.info.url, method: t.info.method, headers: t.info.headers, body: t.info.body,
    connections: 16, duration, ...(overallRate ? { overallRate } : {}),
  })
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts }
}

interface Plan { warm: number; duration: number; reps: number }

/** Median of `reps` runs after a warm-up run; a run with failures is an error, never a figure. */
async function measure(t: Target, name: string, plan: Plan, rate?: number): Promise<Load> {
  await load(t, plan.warm, rate)
  const runs: Load[] = []
  for (let i = 0; i < plan.reps; i++) {
    const l = await load(t, plan.duration, rate)
    if (l.non2xx || l.errors) throw new Error(`${name}: ${l.non2xx} non-2xx answers and ${l.errors} errors under load`)
    runs.push(l)
  }
  return { rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), non2xx: 0, errors: 0 }
}

async function compare(ctx: BenchContext, base: Target, baseMax: Load, target: Target, label: string, plan: Plan, targets: boolean): Promise<Figure[]> {
  const max = await measure(target, `${label} max`, plan)
  const rate = Math.max(1, Math.floor(Math.min(max.rps, baseMax.rps) / 2))
  ctx.log(`${label}: ${Math.round(max.rps)} req/s max; p99 at ${rate} req/s`)
  const half = await measure(target, `${label} at ${rate} req/s`, plan, rate)
  const baseHalf = await measure(base, `constant route at ${rate} req/s`, plan, rate)
  return [
    {
      name: `${label}: decisions/s at max rate ÷ constant fastify route`,
      value: max.rps, unit: 'req/s',
      baseline: { name: 'constant fastify route', value: baseMax.rps, unit: 'req/s' },
      ratio: max.rps / baseMax.rps,
      ...(targets ? { target: { op: '>=' as const, value: 0.7 } } : {}),
      note: `p50/p99 at max: ${max.p50}/${max.p99} ms (constant route ${baseMax.p50}/${baseMax.p99} ms)`,
      details: { rps: max.rps, p50_ms: max.p50, p99_ms: max.p99, baseline_rps: baseMax.rps, baseline_p50_ms: baseMax.p50, baseline_p99_ms: baseMax.p99 },
    },
    {
      name: `${label}: p99 at ${rate} req/s (half of max) ÷ constant route at the same rate`,
      value: half.p99, unit: 'ms',
      baseline: { name: 'constant fastify route, same rate', value: baseHalf.p99, unit: 'ms' },
      // Loopback p99s are a few ms in whole-ms buckets; a 0 would divide by zero.
      ratio: Math.max(half.p99, 1) / Math.max(baseHalf.p99, 1),
      ...(targets ? { target: { op: '<=' as const, value: 2 } } : {}),
      note: `p50 ${half.p50} ms vs ${baseHalf.p50} ms; latencies in whole ms, each floored at 1 ms for the ratio`,
      details: { rate, p50_ms: half.p50, p99_ms: half.p99, baseline_p50_ms: baseHalf.p50, baseline_p99_ms: baseHalf.p99 },
    },
  ]
}

export const sidecarHttp: Benchmark = {
  name: 'sidecar-http',
  issue: 4,
  title: 'decisions/s and p50/p99 over HTTP vs a constant fastify route',
  async run(ctx) {
    const plan: Plan = ctx.quick ? { warm: 1, duration: 2, reps: 1 } : { warm: 2, duration: 5, reps: 3 }
    const figures: Figure[] = []
    const notes: string[] = []
    let blocked: string | undefined
    const failures: string[] = []
    const base = await start(['baseline'])
    if ('blocked' in base) throw new Error(`constant route: ${base.blocked}`)
    try {
      const baseMax = await measure(base, 'constant route max', plan)
      ctx.log(`constant route: ${Math.round(baseMax.rps)} req/s max`)
      // One target failing (e.g. errors under load) is reported and the others still run.
      const attempt = async (args: string[], label: string, withTargets: boolean): Promise<void> => {
        const t = await start(args)
        if ('blocked' in t) { blocked ??= t.blocked; return }
        try {
          figures.push(...await compare(ctx, base, baseMax, t, label, plan, withTargets))
        } catch (e) {
          failures.push(`${label}: ${(e as Error).message}`)
        } finally {
          await stop(t)
        }
      }
      for (const cache of ['on', 'off'] as const) await attempt(['sidecar', cache], `sidecar, cache ${cache}`, cache === 'on')
      for (const cache of ['on', 'off'] as const) await attempt(['engine', cache], `engine behind a minimal route, cache ${cache}`, false)
    } finally {
      await stop(base)
    }
    if (blocked) notes.push(`real sidecar: ${blocked}; the engine-behind-a-route figures stand in for the decision path over HTTP`)
    notes.push(...failures.map((f) => `FAILED ${f}`))
    if (failures.length && figures.length === 0 && !blocked) throw new Error(failures.join('; '))
    return { figures, notes, ...(blocked ? { blocked } : {}) }
  },
}
