// A probe preloaded into a server under measurement (`node --import
// <dist>/benchmarks/loop-probe.js`, see reload-cpu.ts): it records, on the
// server's main thread, each stretch the event loop could not run a timer
// (a 1 ms timer chain; a late tick is a block of the lateness, split into
// the time the thread ran and the time it waited for a CPU, from
// /proc/thread-self/schedstat, so a busy machine's preemption is not charged
// to the server's own work) and each V8
// garbage collection (PerformanceObserver 'gc': kind and pause), with their
// times. On SIGUSR2 it writes what it recorded since the last signal as JSON
// to the file named by MESHGATE_LOOP_PROBE_OUT and starts over, so the
// caller can frame a window (an idle stretch, a series of reloads).
//
// For diagnosis only, never in a figure's own window: the 1 ms timer costs
// the thread a little CPU (≈ 0.1 ms per 100 ms here).

import { openSync, readSync, writeFileSync } from 'node:fs'
import { constants, PerformanceObserver } from 'node:perf_hooks'

export interface LoopProbeReport {
  /** Window length, ms. */
  ms: number
  /** performance.timeOrigin of the probed process: its times + origin are epoch ms, comparable across processes. */
  origin?: number
  /**
   * Blocks of at least BLOCK_MS: [end time (performance.now(), ms), length
   * ms, of which on the CPU ms, of which runnable but waiting for a CPU ms]
   * (NaN where schedstat is unavailable). Both shares are counted from the
   * previous tick, so they cover the block plus the 1 ms the timer waited
   * by design. For the rest the thread was not
   * runnable: blocked (a lock, a synchronous read) or asleep past its due
   * timer (not woken in time by the kernel or, on a VM, the hypervisor).
   */
  blocks: [number, number, number, number][]
  /** Garbage collections: [start time, pause ms, kind, V8's callback flags (e.g. external memory)]. */
  gcs: [number, number, string, string][]
  /**
   * How long the main thread was runnable but not running over the window,
   * ms (schedstat's run_delay; NaN where unavailable): waiting for a CPU,
   * including the time the machine took to wake one.
   */
  waitedMs?: number
}

/** A timer tick this much later than due counts as a block. */
const BLOCK_MS = 1

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
}

const GC_FLAGS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_FLAGS_CONSTRUCT_RETAINED]: 'construct-retained',
  [constants.NODE_PERFORMANCE_GC_FLAGS_FORCED]: 'forced',
  [constants.NODE_PERFORMANCE_GC_FLAGS_SYNCHRONOUS_PHANTOM_PROCESSING]: 'synchronous-phantom',
  [constants.NODE_PERFORMANCE_GC_FLAGS_ALL_AVAILABLE_GARBAGE]: 'all-available-garbage',
  [constants.NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY]: 'all-external-memory',
  [constants.NODE_PERFORMANCE_GC_FLAGS_SCHEDULE_IDLE]: 'schedule-idle',
}

const out = process.env.MESHGATE_LOOP_PROBE_OUT
if (out) {
  let report: LoopProbeReport = { ms: 0, blocks: [], gcs: [] }
  let since = performance.now()
  let last = since
  // Nanoseconds this thread has run and has waited to run (schedstat's
  // first two fields; Linux), read once per tick into one buffer and parsed
  // in place into `sched`: a string or an array per tick would be garbage
  // enough to change the collections measured.
  let fd = -1
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r')
  } catch {
    // not Linux: blocks are reported without their CPU share
  }
  const buf = Buffer.alloc(64)
  /** [ns run, ns runnable but waiting], refreshed by readSched (NaN where schedstat is unavailable). */
  const sched = new Float64Array([NaN, NaN])
  const readSched = (): void => {
    if (fd < 0) return
    const n = readSync(fd, buf, 0, buf.length, 0)
    let i = 0
    for (let field = 0; field < 2; field++) {
      let v = 0
      const from = i
      for (; i < n && buf[i]! >= 48 && buf[i]! <= 57; i++) v = v * 10 + buf[i]! - 48
      sched[field] = i > from ? v : NaN
      i++ // past the space
    }
  }
  readSched()
  let lastRan = sched[0]!
  let lastWaited = sched[1]!
  let waitedSince = lastWaited
  const tick = () => {
    const now = performance.now()
    readSched()
    const nowRan = sched[0]!
    const nowWaited = sched[1]!
    const late = now - last - 1
    if (late >= BLOCK_MS) report.blocks.push([now, late, (nowRan - lastRan) / 1e6, (nowWaited - lastWaited) / 1e6])
    last = now
    lastRan = nowRan
    lastWaited = nowWaited
    setTimeout(tick, 1).unref()
  }
  setTimeout(tick, 1).unref()
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as PerformanceEntry & { detail?: { kind?: number; flags?: number } }).detail
      const kind = detail?.kind ?? -1
      const flags = Object.entries(GC_FLAGS)
        .filter(([bit]) => (detail?.flags ?? 0) & Number(bit))
        .map(([, name]) => name)
      report.gcs.push([e.startTime, e.duration, GC_KINDS[kind] ?? String(kind), flags.join(',')])
    }
  }).observe({ entryTypes: ['gc'] })
  process.on('SIGUSR2', () => {
    const now = performance.now()
    report.ms = now - since
    readSched()
    const waited = sched[1]!
    report.waitedMs = (waited - waitedSince) / 1e6
    waitedSince = waited
    writeFileSync(out, JSON.stringify({ ...report, origin: performance.timeOrigin }))
    report = { ms: 0, blocks: [], gcs: [] }
    since = now
  })
}
