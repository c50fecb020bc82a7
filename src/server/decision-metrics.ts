// Decision metrics: a DecisionObserver that turns every decision event the
// sidecar answers into Prometheus counters and histograms (decisions by kind
// and outcome, denies by layer, end-to-end and evaluation latency, decision
// cache hits and misses, anonymized records per port).
//
// It runs on every decision, so it does the least it can: each label
// value's counts are plain numbers, kept per value and handed to prom-client
// only when /metrics is scraped (a counter's `collect`, and a histogram
// registered as a metric object whose `get()` prom-client formats), because
// prom-client's own `inc`/`observe` build and hash a label object per call,
// about a microsecond per decision. The event's own values are read without
// copying. Label values come from events, and a
// port name can come from a request URL when the sidecar has no mesh model
// to check it against: every label keeps at most MAX_LABEL_VALUES distinct
// values, later ones are counted under OTHER_LABEL, so a caller cannot grow
// the exposition without bound.

import { Counter, Gauge, type Metric, type Registry } from 'prom-client'
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

/**
 * Counts of one counter's label set, added up here and handed to the
 * prom-client counter by `flush` (its `collect`, at scrape time).
 */
class Tally implements CounterChild {
  private pending = 0

  constructor(private readonly child: { inc(value: number): void }) {}

  inc(value = 1): void {
    this.pending += value
  }

  flush(): void {
    if (this.pending === 0) return
    this.child.inc(this.pending)
    this.pending = 0
  }
}

/** A counter's label sets as Tallies, flushed when the registry collects the counter. */
function tallied(opts: { name: string; help: string; labelNames: string[]; registers: Registry[] }) {
  const tallies: Tally[] = []
  const counter: Counter<string> = new Counter({
    ...opts,
    collect: () => {
      for (const t of tallies) t.flush()
    },
  })
  return (...values: string[]): Tally => {
    const t = new Tally(counter.labels(...values))
    tallies.push(t)
    return t
  }
}

/** One label value's cells of a LabelledHistogram: a count per bucket (not cumulative), the sum and the count. */
class HistogramCells implements HistogramChild {
  readonly counts: number[]
  sum = 0
  count = 0

  constructor(private readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0)
  }

  observe(value: number): void {
    const b = this.bounds
    let i = 0
    while (i < b.length && value > b[i]!) i++
    if (i < b.length) this.counts[i]!++
    this.sum += value
    this.count++
  }
}

/** What a registry reads of a metric to format it (prom-client's metric object shape). */
interface ExposedHistogram {
  name: string
  help: string
  type: 'histogram'
  values: { metricName: string; labels: Record<string, string | number>; value: number }[]
  aggregator: 'sum'
}

/**
 * A Prometheus histogram over one label, registered on a prom-client
 * Registry as a metric object: the registry formats what `get()` returns,
 * exactly as for its own Histogram (`_bucket` with `le` cumulative up to
 * `+Inf`, `_sum`, `_count`).
 */
export class LabelledHistogram {
  readonly type = 'histogram' as const
  readonly aggregator = 'sum' as const
  private readonly cells = new Map<string, HistogramCells>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric)
  }

  /** The cells of one label value (bounded by the caller, as LabelChildren bounds them). */
  child(value: string): HistogramChild {
    let c = this.cells.get(value)
    if (!c) this.cells.set(value, (c = new HistogramCells(this.bounds)))
    return c
  }

  async get(): Promise<ExposedHistogram> {
    const values: ExposedHistogram['values'] = []
    for (const [value, c] of this.cells) {
      // A label value shows once it has an observation (as prom-client's own Histogram does).
      if (c.count === 0) continue
      let cumulative = 0
      this.bounds.forEach((le, i) => {
        cumulative += c.counts[i]!
        values.push({ metricName: `${this.name}_bucket`, labels: { le, [this.labelName]: value }, value: cumulative })
      })
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', [this.labelName]: value }, value: c.count })
      values.push({ metricName: `${this.name}_sum`, labels: { [this.labelName]: value }, value: c.sum })
      values.push({ metricName: `${this.name}_count`, labels: { [this.labelName]: value }, value: c.count })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  reset(): void {
    this.cells.clear()
  }
}

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
    const decisions = tallied({
      name: 'meshgate_decisions_total',
      help: 'Decisions answered, by kind and outcome (allow, deny, answer, error).',
      labelNames: ['kind', 'outcome'],
      registers,
    })
    const denies = tallied({
      name: 'meshgate_decision_denies_total',
      help: 'Denied decisions by the layer that gave a deny reason (a decision denied by two layers counts once for each).',
      labelNames: ['kind', 'layer'],
      registers,
    })
    const duration = new LabelledHistogram(
      'meshgate_decision_duration_seconds',
      "Time to answer a decision, end to end in the server handler (OPA's timer_server_handler_ns).",
      'kind',
      DECISION_BUCKETS,
      register,
    )
    const evalDuration = new LabelledHistogram(
      'meshgate_decision_eval_duration_seconds',
      "Time spent evaluating policy for a decision (OPA's timer_rego_query_eval_ns).",
      'kind',
      DECISION_BUCKETS,
      register,
    )
    const hits = tallied({
      name: 'meshgate_decision_cache_hits_total',
      help: 'Decisions answered from the decision cache.',
      labelNames: ['kind'],
      registers,
    })
    const misses = tallied({
      name: 'meshgate_decision_cache_misses_total',
      help: 'Cacheable decisions that had to be evaluated.',
      labelNames: ['kind'],
      registers,
    })
    const anonymized = tallied({
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
      outcomes: new LabelChildren((outcome) => decisions(kind, outcome)),
      denies: new LabelChildren((layer) => denies(kind, layer)),
      duration: duration.child(kind),
      evalDuration: evalDuration.child(kind),
      hits: hits(kind),
      misses: misses(kind),
    }))
    this.anonymized = new LabelChildren((port) => anonymized(port))
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
