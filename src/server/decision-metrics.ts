// Decision metrics: a DecisionObserver that turns every decision event the
// sidecar answers into Prometheus counters and histograms (decisions by kind
// and outcome, denies by layer, end-to-end and evaluation latency, decision
// cache hits and misses, anonymized records per port).
//
// It runs on every decision, so it does the least it can: the metric
// children of each label value are made once and kept (prom-client's
// `labels()` would build and hash a label object per call), and the event's
// own values are read without copying. Label values come from events, and a
// port name can come from a request URL when the sidecar has no mesh model
// to check it against: every label keeps at most MAX_LABEL_VALUES distinct
// values, later ones are counted under OTHER_LABEL, so a caller cannot grow
// the exposition without bound.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { DecisionEvent, DecisionObserver } from '../decision-log/index.js'

/** Distinct values one label may take in one metric; the rest share OTHER_LABEL. */
export const MAX_LABEL_VALUES = 64
export const OTHER_LABEL = '_other'

/**
 * Latency buckets in seconds, for an engine that answers in microseconds to
 * milliseconds (a cached decision ~10 µs, an evaluation 50 µs – a few ms)
 * with a tail for budgets and slow built-ins.
 */
export const DECISION_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** Children of one metric by one label value, made on first use; bounded (see the header). */
export class LabelChildren<T> {
  private readonly children = new Map<string, T>()
  private other?: T

  constructor(
    private readonly make: (value: string) => T,
    private readonly max = MAX_LABEL_VALUES,
  ) {}

  get(value: string): T {
    const c = this.children.get(value)
    if (c !== undefined) return c
    if (this.children.size >= this.max) return (this.other ??= this.make(OTHER_LABEL))
    const made = this.make(value)
    this.children.set(value, made)
    return made
  }
}

type CounterChild = { inc(value?: number): void }
type HistogramChild = { observe(value: number): void }

/** What one decision kind counts; made on the kind's first event. */
interface KindMetrics {
  outcomes: LabelChildren<CounterChild>
  denies: LabelChildren<CounterChild>
  duration: HistogramChild
  evalDuration: HistogramChild
  hits: CounterChild
  misses: CounterChild
}

const NS_PER_SECOND = 1e9

export class MetricsObserver implements DecisionObserver {
  private readonly kinds: LabelChildren<KindMetrics>
  private readonly anonymized: LabelChildren<CounterChild>
  // The hit ratio is computed at scrape time from these.
  private hits = 0
  private misses = 0

  constructor(register: Registry) {
    const registers = [register]
    const decisions = new Counter({
      name: 'meshgate_decisions_total',
      help: 'Decisions answered, by kind and outcome (allow, deny, answer, error).',
      labelNames: ['kind', 'outcome'],
      registers,
    })
    const denies = new Counter({
      name: 'meshgate_decision_denies_total',
      help: 'Denied decisions by the layer that gave a deny reason (a decision denied by two layers counts once for each).',
      labelNames: ['kind', 'layer'],
      registers,
    })
    const duration = new Histogram({
      name: 'meshgate_decision_duration_seconds',
      help: "Time to answer a decision, end to end in the server handler (OPA's timer_server_handler_ns).",
      labelNames: ['kind'],
      buckets: DECISION_BUCKETS,
      registers,
    })
    const evalDuration = new Histogram({
      name: 'meshgate_decision_eval_duration_seconds',
      help: "Time spent evaluating policy for a decision (OPA's timer_rego_query_eval_ns).",
      labelNames: ['kind'],
      buckets: DECISION_BUCKETS,
      registers,
    })
    const hits = new Counter({
      name: 'meshgate_decision_cache_hits_total',
      help: 'Decisions answered from the decision cache.',
      labelNames: ['kind'],
      registers,
    })
    const misses = new Counter({
      name: 'meshgate_decision_cache_misses_total',
      help: 'Cacheable decisions that had to be evaluated.',
      labelNames: ['kind'],
      registers,
    })
    const anonymized = new Counter({
      name: 'meshgate_anonymized_records_total',
      help: 'Records anonymized by the port stream endpoint, by output port.',
      labelNames: ['port'],
      registers,
    })
    const ratio: Gauge = new Gauge({
      name: 'meshgate_decision_cache_hit_ratio',
      help: 'Decision cache hits ÷ (hits + misses) since the sidecar started; 0 before the first cacheable decision.',
      registers,
      collect: () => ratio.set(this.hits + this.misses === 0 ? 0 : this.hits / (this.hits + this.misses)),
    })
    this.kinds = new LabelChildren((kind) => ({
      outcomes: new LabelChildren((outcome) => decisions.labels(kind, outcome)),
      denies: new LabelChildren((layer) => denies.labels(kind, layer)),
      duration: duration.labels(kind),
      evalDuration: evalDuration.labels(kind),
      hits: hits.labels(kind),
      misses: misses.labels(kind),
    }))
    this.anonymized = new LabelChildren((port) => anonymized.labels(port))
  }

  /** Never throws: values that are not finite, non-negative numbers are left out. */
  record(e: DecisionEvent): void {
    const k = this.kinds.get(e.kind)
    k.outcomes.get(e.outcome).inc()
    const m = e.metrics
    const handler = m.timer_server_handler_ns
    if (handler !== undefined && handler >= 0 && handler < Infinity) k.duration.observe(handler / NS_PER_SECOND)
    const evaluation = m.timer_rego_query_eval_ns
    if (evaluation !== undefined && evaluation >= 0 && evaluation < Infinity) k.evalDuration.observe(evaluation / NS_PER_SECOND)
    if (e.cached === true) {
      k.hits.inc()
      this.hits++
    } else if (e.cached === false) {
      k.misses.inc()
      this.misses++
    }
    const deny = e.deny
    if (deny !== undefined) {
      // Once per layer: reasons come grouped by layer (global first), so a
      // layer repeats the one before it; the inner loop covers any order.
      for (let i = 0; i < deny.length; i++) {
        const layer = deny[i]!.layer
        let seen = false
        for (let j = 0; j < i && !seen; j++) seen = deny[j]!.layer === layer
        if (!seen) k.denies.get(layer).inc()
      }
    }
    const records = m.counter_records_anonymized
    if (records !== undefined && records > 0 && records < Infinity) this.anonymized.get(e.port ?? '').inc(records)
  }

  /** A stream's records, told when it ends (its event was recorded before the first record left). */
  recordsAnonymized(port: string, count: number): void {
    if (count > 0 && count < Infinity) this.anonymized.get(port).inc(count)
  }
}
