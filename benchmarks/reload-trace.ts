// Reads the windows `MESHGATE_RELOAD_TRACE=<dir>` wrote (reload.ts) and says,
// for each steady/reload pair, what the answers slower than the steady p99
// overlapped on the sidecar's main thread: a mark-compact or a pause of 2 ms
// or more, an event-loop block mostly on the CPU (the sidecar's own work), a
// block mostly spent waiting for a CPU (another thread or process had it),
// or nothing the probe saw (the load generator's side, the network stack).
// Then the reload windows' p99 as if the answers hit by a GC, or by a GC or
// an on-CPU block, had taken the steady p99: what removing each cause could
// gain at most. Then, for each kind of window (steady, elsewhere, reloads),
// where in time the answers over the run's steady p99 lie: in the 60 ms
// after an upload or elsewhere in the window, and how many of them the
// kind's worst window holds (one stall, such as a full collection, can fill
// one window). Diagnosis only; nothing here is a figure.
//
//   node dist/benchmarks/reload-trace.js <dir>

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LoopProbeReport } from './loop-probe.js'
import { median, quantile } from './harness.js'

interface Window {
  kind: 'steady' | 'elsewhere' | 'reloads'
  rep: number
  answers: [number, number][]
  puts: number[]
  probe: LoopProbeReport
}

type Interval = [number, number]

function overlaps(iv: Interval[], from: number, to: number): boolean {
  return iv.some(([a, b]) => a < to && b > from)
}

const dir = process.argv[2]
if (!dir) {
  process.stderr.write('usage: reload-trace <dir written with MESHGATE_RELOAD_TRACE>\n')
  process.exit(2)
}
const windows = readdirSync(dir)
  .filter((f) => /^(steady|elsewhere|reloads)-\d+\.json$/.test(f))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Window)
const reps = [...new Set(windows.map((w) => w.rep))].sort((a, b) => a - b)
const rows: { steady: number; during: number; noGc: number; noGcOrCpu: number }[] = []
for (const rep of reps) {
  const steady = windows.find((w) => w.kind === 'steady' && w.rep === rep)
  const during = windows.find((w) => w.kind === 'reloads' && w.rep === rep)
  if (!steady || !during) continue
  const sp = quantile(
    steady.answers.map((a) => a[1]),
    0.99,
  )
  // Without the probe's time origin its times cannot be lined up with the answers' (a report from before the trace existed).
  if (during.probe.origin === undefined) throw new Error(`reloads-${rep}.json: the probe's report has no time origin`)
  const o = during.probe.origin
  const gcs: Interval[] = during.probe.gcs.filter((g) => g[2] === 'mark-compact' || g[1] >= 2).map((g) => [o + g[0], o + g[0] + g[1]])
  const onCpu: Interval[] = during.probe.blocks.filter((b) => b[2] >= b[1] / 2).map((b) => [o + b[0] - b[1], o + b[0]])
  const waiting: Interval[] = during.probe.blocks.filter((b) => b[2] < b[1] / 2).map((b) => [o + b[0] - b[1], o + b[0]])
  const slow = { gc: 0, cpu: 0, waiting: 0, unseen: 0 }
  const noGc: number[] = []
  const noGcOrCpu: number[] = []
  for (const [t, ms] of during.answers) {
    const gc = overlaps(gcs, t, t + ms)
    const cpu = overlaps(onCpu, t, t + ms)
    if (ms > sp) {
      if (gc) slow.gc++
      else if (cpu) slow.cpu++
      else if (overlaps(waiting, t, t + ms)) slow.waiting++
      else slow.unseen++
    }
    noGc.push(gc && ms > sp ? sp : ms)
    noGcOrCpu.push((gc || cpu) && ms > sp ? sp : ms)
  }
  const row = {
    steady: sp,
    during: quantile(
      during.answers.map((a) => a[1]),
      0.99,
    ),
    noGc: quantile(noGc, 0.99),
    noGcOrCpu: quantile(noGcOrCpu, 0.99),
  }
  rows.push(row)
  console.log(
    `pair ${rep}: steady p99 ${row.steady.toFixed(2)} ms, reloads p99 ${row.during.toFixed(2)} ms (${row.noGc.toFixed(2)} without the GC hits, ` +
      `${row.noGcOrCpu.toFixed(2)} without GC and on-CPU hits); answers over the steady p99: ${slow.gc} in a GC, ${slow.cpu} in an on-CPU block, ` +
      `${slow.waiting} while the thread waited for a CPU, ${slow.unseen} in nothing the probe saw; ${during.puts.length} uploads`,
  )
}
if (rows.length) {
  const m = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]))
  console.log(
    `ratio of medians ${(m('during') / m('steady')).toFixed(2)}; without the GC hits ${(m('noGc') / m('steady')).toFixed(2)}; ` +
      `without GC and on-CPU hits ${(m('noGcOrCpu') / m('steady')).toFixed(2)}`,
  )
}

// Where the slow answers lie in time, per kind. The threshold is the run's
// steady p99 as the benchmark takes it (the median of the steady windows').
const steadyP99s = windows
  .filter((w) => w.kind === 'steady')
  .map((w) =>
    quantile(
      w.answers.map((a) => a[1]),
      0.99,
    ),
  )
if (steadyP99s.length) {
  const threshold = median(steadyP99s)
  const AFTER_UPLOAD_MS = 60
  console.log(`answers over the steady p99 (${threshold.toFixed(2)} ms), by kind of window:`)
  for (const kind of ['steady', 'elsewhere', 'reloads'] as const) {
    const ws = windows.filter((w) => w.kind === kind)
    if (!ws.length) continue
    const near = { n: 0, slow: 0 }
    const rest = { n: 0, slow: 0 }
    const perWindow: number[] = []
    for (const w of ws) {
      const puts = [...w.puts].sort((a, b) => a - b)
      let slowHere = 0
      for (const [t, ms] of w.answers) {
        const slow = ms > threshold
        if (slow) slowHere++
        // The latest upload at or before the answer's issue time (puts are epoch ms, as the answers).
        let last = -Infinity
        for (const p of puts) if (p <= t) last = p
        const bucket = t - last < AFTER_UPLOAD_MS ? near : rest
        bucket.n++
        if (slow) bucket.slow++
      }
      perWindow.push(slowHere)
    }
    const all = near.slow + rest.slow
    const pct = (b: { n: number; slow: number }) => (b.n ? `${((100 * b.slow) / b.n).toFixed(2)} % of ${b.n}` : '–')
    console.log(
      `  ${kind}: ${pct({ n: near.n + rest.n, slow: all })}; within ${AFTER_UPLOAD_MS} ms after an upload ${pct(near)}, the rest ${pct(rest)}; ` +
        `the worst window holds ${Math.max(...perWindow)} of the ${all} (per window: ${perWindow.join(' ')})`,
    )
  }
}
