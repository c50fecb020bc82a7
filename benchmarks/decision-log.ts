// Issue 10's decision-log figures, in one run:
// - decisions/s over HTTP with decision logging on (every event masked by the
//   example's global log policy, spooled, uploaded in gzip batches) ÷ the
//   same sidecar with it off, cache on and off; the two alternate, medians
//   (goal ≥ 0.9). Twice: uploading to a `policy registry` process (the real
//   collector, whose ingest shares this machine's two cores with the
//   sidecar), and to an nginx that answers 204 (the sidecar's own cost:
//   see nginx-sink.ts);
// - beside each ratio, the sidecar process's CPU time per request (all its
//   threads, from /proc: utime + stime) with logging on and off: what
//   logging costs, and a figure a busy machine disturbs far less than req/s;
// - the spool's cost per event in process (DecisionLogger.record, no log
//   policy, group commit under 64 concurrent records) beside
//   JSON.stringify of the same event, the floor any logger pays.
// The registry's ingest rate is the `registry-ingest` benchmark.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { DecisionLogger, type DecisionEvent } from '../src/decision-log/index.js'
import { median, type Benchmark, type Figure } from './harness.js'
import { spawnServer } from './reload.js'
import { load, LoadWatch, start, stop, type Load, type Target } from './sidecar-http.js'
import { startNginxSink, type Sink } from './nginx-sink.js'

const CONNECTIONS_NOTE = 'autocannon, 16 connections, max rate'

function event(i: number): DecisionEvent {
  return {
    decision_id: `0b4c${String(i).padStart(8, '0')}-55e4-417a-b1d8-4aceb67960d1`,
    labels: { id: 'c0ffee00-1111-2222-3333-444455556666', version: 'meshgate', product: 'orders', domain: 'orders', port: 'orders-v1' },
    path: 'meshgate/access',
    input: {
      subject: { id: 'ana', roles: ['analyst'], clearance: 'internal', domain: 'finance', region: 'eu' },
      port: 'orders-v1',
      purpose: 'reporting',
      fields: ['order_id', 'amount', 'email'],
    },
    result: {
      allow: false,
      deny: [{ layer: 'global', message: 'reading pii field email needs a purpose', code: 'purpose_required' }],
      allowed_by: ['domains/orders'],
      message: 'denied by layer `global`',
    },
    bundles: { global: { revision: 'g42' }, 'domains/orders': { revision: 'o17' } },
    timestamp: '2026-12-03T10:00:00.123000000Z',
    metrics: { timer_server_handler_ns: 81234, timer_rego_query_eval_ns: 40321 },
    requested_by: '127.0.0.1:53412',
    kind: 'access',
    outcome: 'deny',
    port: 'orders-v1',
    subject: 'ana',
    deny: [{ layer: 'global', message: 'reading pii field email needs a purpose', code: 'purpose_required' }],
    cached: false,
  }
}

async function spoolCost(quick: boolean): Promise<Figure> {
  const dir = mkdtempSync(join(tmpdir(), 'mg-bench-spool-'))
  // Uploads go nowhere and wait an hour: the figure is the spool alone.
  const logger = await DecisionLogger.open({
    dir,
    upload: { url: 'http://127.0.0.1:9/logs', uploadSizeLimitBytes: 32_768, timeoutMs: 1000, minDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
    maxSpoolBytes: 1024 * 1024 * 1024,
  })
  try {
    const n = quick ? 20_000 : 200_000
    const events = Array.from({ length: 4096 }, (_, i) => event(i))
    const batch = 64
    const reps = quick ? 3 : 5
    const perEvent: number[] = []
    const stringify: number[] = []
    let k = 0
    for (let r = 0; r < reps; r++) {
      let t0 = performance.now()
      for (let i = 0; i < n; i += batch) {
        const pending: Promise<void>[] = []
        for (let j = 0; j < batch; j++) pending.push(logger.record({ ...events[k++ & 4095]!, decision_id: `r${r}-${i + j}` }))
        await Promise.all(pending)
      }
      perEvent.push(((performance.now() - t0) * 1000) / n)
      t0 = performance.now()
      let bytes = 0
      for (let i = 0; i < n; i++) bytes += JSON.stringify({ ...events[i & 4095]!, decision_id: `s${r}-${i}` }).length
      if (bytes === 0) throw new Error('nothing serialized')
      stringify.push(((performance.now() - t0) * 1000) / n)
    }
    const v = median(perEvent)
    const b = median(stringify)
    return {
      name: 'spool: DecisionLogger.record per event (group commit, 64 concurrent) ÷ JSON.stringify of the event',
      value: v,
      unit: 'µs',
      baseline: { name: 'JSON.stringify of the same event', value: b, unit: 'µs' },
      ratio: v / b,
      note: `${n} events per repetition, ${reps} repetitions, medians; no log policy here (the HTTP figure includes it); fsync every 1 s`,
      details: { us_per_event: v, stringify_us: b, events: n },
    }
  } finally {
    await logger.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

export const decisionLog: Benchmark = {
  name: 'decision-log',
  issue: 10,
  title: "decision logging: HTTP decisions/s with logging on ÷ off, and the spool's cost per event",
  async run(ctx) {
    const figures: Figure[] = [await spoolCost(ctx.quick)]
    const spoolUs = figures[0]!.value
    ctx.log(`spool: ${figures[0]!.value.toFixed(2)} µs per event (JSON.stringify ${figures[0]!.baseline!.value.toFixed(2)} µs)`)
    const dir = mkdtempSync(join(tmpdir(), 'mg-bench-collector-'))
    const children: ChildProcess[] = []
    const notes: string[] = []
    let sink: Sink | undefined
    try {
      // The collector: a real registry taking uploads without a token (bench only).
      writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [] }))
      writeFileSync(
        join(dir, 'registry.yaml'),
        `
storage: { dir: ${join(dir, 'data')} }
auth: { issuer: bench, audience: registry, algorithms: [ES256], jwks_file: ${join(dir, 'jwks.json')} }
signing: { required: false }
decision_logs: { open_upload: true }
`,
      )
      const registry = await spawnServer(
        ['registry', '--config', join(dir, 'registry.yaml'), '--addr', '127.0.0.1:0', '--log-level', 'error'],
        /registry listening on (http:\/\/\S+)/,
        children,
      )
      const plan = ctx.quick ? { warm: 1, duration: 2, reps: 1 } : { warm: 2, duration: 5, reps: 3 }
      sink = await startNginxSink()
      const collectors = [
        { url: registry.url, name: 'a policy registry', label: 'collector: policy registry' },
        ...(sink ? [{ url: sink.url, name: 'nginx answering 204', label: 'collector: nginx sink' }] : []),
      ]
      if (!sink) notes.push('no nginx installed: the sink-collector figures are missing (Debian package `nginx`)')
      for (const collector of collectors)
        for (const cache of ['on', 'off'] as const) {
          const off = await start(['sidecar', cache])
          if ('blocked' in off) throw new Error(off.blocked)
          const on = await start(['sidecar', cache, collector.url])
          if ('blocked' in on) {
            await stop(off)
            throw new Error(on.blocked)
          }
          try {
            const check = (what: string, l: Load) => {
              if (l.non2xx || l.errors) throw new Error(`${what}: ${l.non2xx} non-2xx, ${l.errors} errors`)
              return l
            }
            await load(off, plan.warm)
            await load(on, plan.warm)
            const a: Load[] = []
            const b: Load[] = []
            const cpuOff: number[] = []
            const cpuOn: number[] = []
            const watch = new LoadWatch()
            for (let i = 0; i < plan.reps; i++) {
              watch.sample()
              a.push(check('logging off', await cpuPerRequest(off, () => load(off, plan.duration), cpuOff)))
              b.push(check('logging on', await cpuPerRequest(on, () => load(on, plan.duration), cpuOn)))
            }
            watch.sample()
            const lv = watch.verdict()
            const offRps = median(a.map((x) => x.rps))
            const onRps = median(b.map((x) => x.rps))
            const health = await healthOf(on)
            ctx.log(
              `${collector.label}, cache ${cache}: ${Math.round(onRps)} req/s logging on, ${Math.round(offRps)} off; ${lv.note}; spool ${health.spool_events} events, ${health.uploaded_events} uploaded, ${health.dropped_events} dropped`,
            )
            if (cpuOn.length && cpuOff.length) {
              const usOn = median(cpuOn)
              const usOff = median(cpuOff)
              ctx.log(`${collector.label}, cache ${cache}: sidecar CPU ${usOn.toFixed(1)} µs per request logging on, ${usOff.toFixed(1)} off`)
              figures.push({
                name: `sidecar CPU per request, cache ${cache}, ${collector.label}: decision logging on ÷ off`,
                value: usOn,
                unit: 'µs',
                baseline: { name: 'same sidecar, decision logging off', value: usOff, unit: 'µs' },
                ratio: usOn / usOff,
                note: `${lv.note}; CPU time of the sidecar process (every thread, /proc utime+stime) over each run ÷ requests answered (uploads run on their 1–2 s timer, so a run may carry some upload work of the events before it and leave some of its own to the next); ${plan.reps} alternating runs, medians; logging costs ${(usOn - usOff).toFixed(1)} µs per request; ${ceilingNote(usOff, spoolUs)}`,
                details: {
                  cpu_us_on: usOn,
                  cpu_us_off: usOff,
                  cpu_us_logging: usOn - usOff,
                  spool_ceiling: usOff / (usOff + spoolUs),
                  load_average_1min_max: watch.max,
                },
              })
            }
            figures.push({
              name: `HTTP decisions/s, cache ${cache}, ${collector.label}: decision logging on (mask, spool, upload) ÷ off`,
              value: onRps,
              unit: 'req/s',
              baseline: { name: 'same sidecar, decision logging off', value: offRps, unit: 'req/s' },
              ratio: onRps / offRps,
              ...(lv.comparable ? { target: { op: '>=' as const, value: 0.9 } } : {}),
              note: `${lv.note}; ${CONNECTIONS_NOTE}; ${plan.reps} alternating runs of ${plan.duration} s, medians; ${health.uploaded_events} events uploaded to ${collector.name}, ${health.dropped_events} dropped`,
              details: {
                on_rps: onRps,
                off_rps: offRps,
                uploaded: health.uploaded_events,
                dropped: health.dropped_events,
                spool_events: health.spool_events,
                load_average_1min_max: watch.max,
              },
            })
          } finally {
            await stop(on)
            await stop(off)
          }
        }
      notes.push(
        "collectors: `policy registry` in its own process (decision_logs.open_upload: true), and nginx answering 204 (the sidecar's own cost, with no collector work on the same two cores); the example mesh's global bundle carries its log policy (policies/global/log.rego)",
      )
      return { figures, notes }
    } finally {
      await sink?.stop()
      for (const c of children) c.kill('SIGTERM')
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))))
      rmSync(dir, { recursive: true, force: true })
    }
  },
}

/**
 * The on ÷ off ratio the spool alone allows: each logged request costs at
 * least the spool's own work per event (serializing the event and writing
 * it, the figure measured in process), before any log policy or upload.
 */
function ceilingNote(usOff: number, spoolUs: number): string {
  return `the spool alone (${spoolUs.toFixed(1)} µs per event, the spool figure) caps logging on ÷ off at ${(usOff / (usOff + spoolUs)).toFixed(2)} at this request cost`
}

/** CPU time of a process so far, in µs (utime + stime of every thread; Linux's clock tick is 100 Hz). Undefined without /proc. */
function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined
  // Fields after the command name (which may hold spaces), from `state`: utime is the 12th, stime the 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

/** Runs a load against the target and adds its CPU µs per answered request to `into` (when /proc tells). */
async function cpuPerRequest(t: Target, run: () => Promise<Load>, into: number[]): Promise<Load> {
  const before = cpuMicros(t.child.pid)
  const l = await run()
  const after = cpuMicros(t.child.pid)
  if (before !== undefined && after !== undefined && l.requests) into.push((after - before) / l.requests)
  return l
}

async function healthOf(t: Target): Promise<{ spool_events: number; uploaded_events: number; dropped_events: number }> {
  const res = await fetch(new URL('/health?plugins', t.info.url))
  const body = (await res.json()) as { decision_logs?: { spool_events: number; uploaded_events: number; dropped_events: number } }
  if (!body.decision_logs) throw new Error('the logging sidecar reports no decision_logs in /health?plugins')
  return body.decision_logs
}
