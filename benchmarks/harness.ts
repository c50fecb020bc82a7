// The benchmark harness: what a benchmark is, what it reports, and how it
// times things. Every figure is a ratio against a baseline measured in the
// same run on the same machine (absolute numbers only travel beside it), so a
// result says "how much slower than X" rather than "how many µs on this box".
//
// Timing: a warm-up (so V8 and the wasm tiers have optimized), then several
// repetitions of a batch; the figure is the median repetition's time per
// operation, which shrugs off a GC pause or a noisy neighbour in one batch.

export interface BenchContext {
  /** `--quick`: fewer repetitions and smaller workloads, for a smoke run. */
  quick: boolean
  /** `../shared` relative to the repository, or undefined when absent. */
  sharedDir: string | undefined
  log(message: string): void
}

export type Comparison = '<=' | '>='

export interface Figure {
  /** What is measured, e.g. `eval per decision: RBAC/ABAC policy`. */
  name: string
  value: number
  unit: string
  baseline?: { name: string; value: number; unit: string }
  /** value ÷ baseline for times; the benchmark says which way in `name`. */
  ratio?: number
  /** A target on the ratio (issue's "must show"); figures without one are reported only. */
  target?: { op: Comparison; value: number }
  note?: string
  /** Machine-readable absolutes behind the note (written to latest.json). */
  details?: Record<string, number | string | boolean>
}

export interface BenchResult {
  figures: Figure[]
  /** Set when the benchmark could not run; the reason is printed. */
  skipped?: string
  /** Set when part of it is blocked on unfinished work (printed, not fatal). */
  blocked?: string
  notes?: string[]
}

export interface Benchmark {
  /** The `--only` name. */
  name: string
  /** Which issue's "must show" it answers. */
  issue: number
  title: string
  run(ctx: BenchContext): Promise<BenchResult>
}

export function status(f: Figure): 'pass' | 'FAIL' | '' {
  if (!f.target || f.ratio === undefined || !Number.isFinite(f.ratio)) return ''
  const ok = f.target.op === '<=' ? f.ratio <= f.target.value : f.ratio >= f.target.value
  return ok ? 'pass' : 'FAIL'
}

export interface Sample {
  /** Median over repetitions, nanoseconds per operation. */
  median: number
  min: number
  max: number
  reps: number[]
}

export interface TimingPlan {
  /** Operations run before timing starts. */
  warmup: number
  /** Operations per repetition. */
  iterations: number
  /** Repetitions; the median is reported. */
  reps: number
}

/** The value at quantile `q` (0 < q ≤ 1) of `xs`, nearest rank (p99 of 8,000 answers: the 7,920th smallest); NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/**
 * A bootstrap interval for median(a) ÷ median(b): both samples resampled
 * with replacement `rounds` times, the ratio of the resamples' medians each
 * time, and the quantiles of those ratios that bound the middle `level` of
 * them. It says how far one run's ratio of medians could move by which
 * windows happened to be slow. The generator has a fixed seed, so the same
 * samples give the same interval.
 */
export function ratioInterval(a: readonly number[], b: readonly number[], level = 0.9, rounds = 4000): [number, number] {
  if (!a.length || !b.length) return [NaN, NaN]
  const resample = resampler()
  const ratios: number[] = []
  for (let i = 0; i < rounds; i++) ratios.push(median(resample(a)) / median(resample(b)))
  return [quantile(ratios, (1 - level) / 2), quantile(ratios, (1 + level) / 2)]
}

/** One run's windows of two kinds (e.g. the reload windows' p99s and the steady ones'). */
export interface RunSamples {
  a: readonly number[]
  b: readonly number[]
}

/**
 * Several runs of one ratio-of-medians figure taken together: the geometric
 * mean of the runs' figures (median(a) ÷ median(b) each), and a bootstrap
 * interval for it at two levels: the runs drawn with replacement, then each
 * drawn run's windows drawn with replacement. One run's figure moves with
 * which of its windows were slow; runs taken minutes apart also differ by
 * the machine's state. This interval covers both, so it says where the
 * figure's typical value lies, where ratioInterval says how far one run's
 * could move. The geometric mean, since ratios above and below 1 should
 * weigh alike. A fixed seed, as ratioInterval.
 */
export function runsRatioInterval(runs: readonly RunSamples[], level = 0.9, rounds = 4000): { mean: number; low: number; high: number } {
  const usable = runs.filter((r) => r.a.length && r.b.length)
  if (!usable.length) return { mean: NaN, low: NaN, high: NaN }
  const geomean = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length)
  const resample = resampler()
  const means: number[] = []
  for (let i = 0; i < rounds; i++) means.push(geomean(resample(usable).map((r) => median(resample(r.a)) / median(resample(r.b)))))
  return {
    mean: geomean(usable.map((r) => median(r.a) / median(r.b))),
    low: quantile(means, (1 - level) / 2),
    high: quantile(means, (1 + level) / 2),
  }
}

/** Draws a sample of the same size with replacement; from a fixed seed, so the same calls give the same draws. */
function resampler(): <T>(xs: readonly T[]) => T[] {
  // mulberry32: small, fast, and good enough to pick indices.
  let seed = 0x9e3779b9
  const next = (): number => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  return (xs) => xs.map(() => xs[Math.floor(next() * xs.length)]!)
}

function summarize(reps: number[]): Sample {
  return { median: median(reps), min: Math.min(...reps), max: Math.max(...reps), reps }
}

/** Times a synchronous operation; `op(i)` gets the iteration number to vary its input. */
export function timeSync(op: (i: number) => unknown, plan: TimingPlan): Sample {
  let sink: unknown
  for (let i = 0; i < plan.warmup; i++) sink = op(i)
  const reps: number[] = []
  for (let r = 0; r < plan.reps; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < plan.iterations; i++) sink = op(i)
    reps.push(Number(process.hrtime.bigint() - t0) / plan.iterations)
  }
  keep(sink)
  return summarize(reps)
}

/** Times an asynchronous operation, one at a time (latency, not concurrency). */
export async function timeAsync(op: (i: number) => Promise<unknown>, plan: TimingPlan): Promise<Sample> {
  let sink: unknown
  for (let i = 0; i < plan.warmup; i++) sink = await op(i)
  const reps: number[] = []
  for (let r = 0; r < plan.reps; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < plan.iterations; i++) sink = await op(i)
    reps.push(Number(process.hrtime.bigint() - t0) / plan.iterations)
  }
  keep(sink)
  return summarize(reps)
}

/** Times a whole task (e.g. one compile) `reps` times after `warmup` runs. */
export async function timeTask(task: () => Promise<unknown> | unknown, warmup: number, reps: number): Promise<Sample> {
  for (let i = 0; i < warmup; i++) keep(await task())
  const out: number[] = []
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint()
    keep(await task())
    out.push(Number(process.hrtime.bigint() - t0))
  }
  return summarize(out)
}

// Keeps results observable so the optimizer cannot drop the measured work.
let kept: unknown
function keep(v: unknown): void {
  kept = v
}
export function lastKept(): unknown {
  return kept
}

/** Nanoseconds in the unit that reads best for per-operation times. */
export function perOp(ns: number): { value: number; unit: string } {
  if (ns >= 1e6) return { value: ns / 1e6, unit: 'ms/op' }
  if (ns >= 1e3) return { value: ns / 1e3, unit: 'µs/op' }
  return { value: ns, unit: 'ns/op' }
}

/** A time figure compared with a baseline time, both per operation. */
export function timeFigure(name: string, ours: Sample, baselineName: string, base: Sample, extra: Partial<Figure> = {}): Figure {
  const unit = perOp(Math.min(ours.median, base.median)).unit
  const scale = unit === 'ms/op' ? 1e6 : unit === 'µs/op' ? 1e3 : 1
  return {
    name,
    value: ours.median / scale,
    unit,
    baseline: { name: baselineName, value: base.median / scale, unit },
    ratio: ours.median / base.median,
    ...extra,
  }
}

/** JSON with object keys sorted and arrays sorted by their canonical text: set order never matters. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).sort().join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}
