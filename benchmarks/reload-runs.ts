// Several runs of the reload benchmark taken together. Each results file
// (benchmarks/results/*.json written by `npm run bench`, with the reload
// benchmark in it) gives one run of the figure: decision p99 across
// reloads ÷ steady p99, the ratio of the medians of its windows' p99s. One
// run's figure moves with which of its windows a stall happened to fall in
// (its note's interval: ratioInterval); this says where the figure lies over
// runs: each run's figure and load average, how many meet the goal, and the
// geometric mean of the figures with a 90 % interval over runs and windows
// (runsRatioInterval). The same for the control figure, publishes elsewhere
// ÷ steady. Nothing here is measured anew.
//
//   node dist/benchmarks/reload-runs.js <results.json>...

import { readFileSync } from 'node:fs'
import { runsRatioInterval, type RunSamples } from './harness.js'

interface ReloadFigure {
  name: string
  ratio: number
  target?: { value: number }
  details?: Record<string, unknown>
}

interface Run {
  file: string
  load: number
  figure: number
  goal: number
  reloads: RunSamples
  elsewhere: RunSamples
}

const numbers = (s: unknown, file: string, key: string): number[] => {
  if (typeof s !== 'string') throw new Error(`${file}: the reload figure has no \`${key}\` (a run from before its windows were kept)`)
  return s.split(' ').map(Number)
}

function readRun(file: string): Run {
  const results = JSON.parse(readFileSync(file, 'utf8')) as {
    benchmarks: { name: string; load_average_1min?: number; figures: ReloadFigure[] }[]
  }
  const bench = results.benchmarks.find((b) => b.name === 'reload')
  if (!bench) throw new Error(`${file}: no reload benchmark in it`)
  const main = bench.figures.find((f) => f.name.startsWith('decision p99 across') && f.name.includes('÷ steady p99'))
  const control = bench.figures.find((f) => f.name.startsWith('decision p99 while'))
  if (!main || !control) throw new Error(`${file}: the reload figures are missing`)
  const steady = numbers(main.details?.steady_p99s, file, 'steady_p99s')
  return {
    file,
    load: bench.load_average_1min ?? NaN,
    figure: main.ratio,
    goal: main.target?.value ?? NaN,
    reloads: { a: numbers(main.details?.during_p99s, file, 'during_p99s'), b: steady },
    elsewhere: { a: numbers(control.details?.elsewhere_p99s, file, 'elsewhere_p99s'), b: steady },
  }
}

const files = process.argv.slice(2)
if (!files.length) {
  process.stderr.write('usage: reload-runs <results.json>...\n')
  process.exit(2)
}
let runs: Run[]
try {
  runs = files.map(readRun)
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`)
  process.exit(1)
}
for (const r of runs) process.stdout.write(`${r.file}: reloads ÷ steady ${r.figure.toFixed(3)} (load ${r.load.toFixed(2)})\n`)
const goal = runs[0]!.goal
const passing = runs.filter((r) => r.figure <= goal).length
const all = runsRatioInterval(runs.map((r) => r.reloads))
const control = runsRatioInterval(runs.map((r) => r.elsewhere))
process.stdout.write(
  `${runs.length} runs: ${passing} meet the goal (≤ ${goal}); geometric mean ${all.mean.toFixed(3)}, 90 % interval over runs and windows ${all.low.toFixed(2)}–${all.high.toFixed(2)}\n` +
    `control, publishes elsewhere ÷ steady: geometric mean ${control.mean.toFixed(3)}, ${control.low.toFixed(2)}–${control.high.toFixed(2)}\n`,
)
