// Process metrics (CPU, memory, heap, handles, event-loop lag, GC) through
// prom-client's collectDefaultMetrics, into one app's own registry, with a
// way to stop them. Shared by the sidecar and the registry.
//
// Why the wrapping: collectDefaultMetrics starts two samplers per call and
// returns no handle to them: an event-loop delay histogram
// (perf_hooks.monitorEventLoopDelay, sampling every 10 ms) and a GC
// PerformanceObserver. Every app (and tests start many per process) would
// leave both running after it closed, each still feeding a registry nobody
// reads. prom-client looks both up on the perf_hooks module when called, so
// for the duration of that one synchronous call we hand it wrappers that
// keep the handles; `stop` disables and disconnects them.

import perfHooks, { type IntervalHistogram, type PerformanceObserverCallback } from 'node:perf_hooks'
import { collectDefaultMetrics, type Registry } from 'prom-client'

/** The prefix of every meshgate metric, process metrics included. */
export const METRIC_PREFIX = 'meshgate_'

/** Registers the process metrics in `register`; the returned function stops their samplers (idempotent). */
export function collectProcessMetrics(register: Registry): () => void {
  const histograms: IntervalHistogram[] = []
  const observers: PerformanceObserver[] = []
  const hooks = perfHooks as { monitorEventLoopDelay: typeof perfHooks.monitorEventLoopDelay; PerformanceObserver: typeof perfHooks.PerformanceObserver }
  const { monitorEventLoopDelay, PerformanceObserver: Observer } = hooks
  hooks.monitorEventLoopDelay = (o) => {
    const h = monitorEventLoopDelay(o)
    histograms.push(h)
    return h
  }
  hooks.PerformanceObserver = class extends Observer {
    constructor(cb: PerformanceObserverCallback) {
      super(cb)
      observers.push(this)
    }
  }
  try {
    collectDefaultMetrics({ register, prefix: METRIC_PREFIX })
  } finally {
    hooks.monitorEventLoopDelay = monitorEventLoopDelay
    hooks.PerformanceObserver = Observer
  }
  return () => {
    for (const h of histograms.splice(0)) h.disable()
    for (const o of observers.splice(0)) o.disconnect()
  }
}

type PerformanceObserver = InstanceType<typeof perfHooks.PerformanceObserver>
