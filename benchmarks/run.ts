// `npm run bench`: runs the benchmarks of issues 3 (compiler), 4 (sidecar),
// 5 (policy test), 9 (registry reload) and 10 (decision-log ingest), prints
// one table of ratios against baselines measured in the same run, and writes benchmarks/results/latest.{json,md} (temp file,
// then rename). Flags: `--quick` (smaller workloads, a smoke run),
// `--only <name>[,<name>…]` (repeatable), `--list`.
//
// Exit code: 0 when every benchmark ran, 1 when one threw. A missed target
// is reported (FAIL in the table), not an exit code: speed is information
// here, and tests own pass/fail.

import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { status, type Benchmark, type BenchResult, type Figure } from './harness.js'
import { compileTime } from './compile-time.js'
import { evalRbac } from './eval-rbac.js'
import { ruleScaling } from './rule-scaling.js'
import { objectScaling } from './object-scaling.js'
import { memoryGrowth } from './memory-growth.js'
import { opaBuilt } from './opa-built.js'
import { sidecarHttp } from './sidecar-http.js'
import { sidecarInProcess } from './sidecar-in-process.js'
import { sidecarFootprint } from './sidecar-footprint.js'
import { anonymizeThroughput } from './anonymize.js'
import { policyTest } from './policy-test.js'
import { reload } from './reload.js'
import { registryIngest } from './registry-ingest.js'
import { registryHistory } from './registry-history.js'
import { decisionLog } from './decision-log.js'
import { repoRoot } from './paths.js'

/** In the order they run; cheap, self-contained ones first. */
const BENCHMARKS: Benchmark[] = [
  evalRbac,
  ruleScaling,
  objectScaling,
  memoryGrowth,
  opaBuilt,
  compileTime,
  sidecarInProcess,
  sidecarHttp,
  sidecarFootprint,
  anonymizeThroughput,
  policyTest,
  reload,
  registryIngest,
  registryHistory,
  decisionLog,
]

const resultsDir = join(repoRoot, 'benchmarks', 'results')

interface Args {
  quick: boolean
  only: string[]
  list: boolean
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: [], list: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--quick') args.quick = true
    else if (a === '--list') args.list = true
    else if (a === '--only') args.only.push(...(argv[++i] ?? '').split(',').filter(Boolean))
    else if (a.startsWith('--only=')) args.only.push(...a.slice(7).split(',').filter(Boolean))
    else throw new Error(`unknown argument \`${a}\` (use --quick, --only <name>, --list)`)
  }
  const names = new Set(BENCHMARKS.map((b) => b.name))
  const unknown = args.only.filter((n) => !names.has(n))
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.map((n) => `\`${n}\``).join(', ')}; known: ${[...names].join(', ')}`)
  return args
}

/** `load1`: the 1-minute load average when the benchmark started (a ratio taken under load can look better than it is). */
interface Row {
  bench: Benchmark
  result?: BenchResult
  error?: string
  seconds: number
  load1: number
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '–'
  const a = Math.abs(n)
  return a >= 1000 ? Math.round(n).toLocaleString('en-US') : a >= 10 ? n.toFixed(1) : a >= 1 ? n.toFixed(2) : n.toPrecision(3)
}

function tableRows(rows: Row[]): string[][] {
  const out: string[][] = []
  for (const r of rows) {
    const load = r.load1.toFixed(2)
    if (r.error) {
      out.push([r.bench.name, `ERROR: ${r.error}`, '', '', '', '', '', load])
      continue
    }
    if (r.result?.skipped) {
      out.push([r.bench.name, `skipped: ${r.result.skipped}`, '', '', '', '', '', load])
      continue
    }
    for (const f of r.result?.figures ?? []) out.push([...figureRow(r.bench.name, f), load])
    if (r.result?.blocked) out.push([r.bench.name, `blocked: ${r.result.blocked}`, '', '', '', '', '', load])
  }
  return out
}

function figureRow(bench: string, f: Figure): string[] {
  return [
    bench,
    f.name,
    `${fmt(f.value)} ${f.unit}`,
    f.baseline ? `${fmt(f.baseline.value)} ${f.baseline.unit} (${f.baseline.name})` : '',
    f.ratio === undefined ? '' : fmt(f.ratio),
    f.target ? `${f.target.op} ${f.target.value}` : '',
    status(f),
  ]
}

const HEAD = ['bench', 'measure', 'value', 'baseline (same run)', 'ratio', 'target', 'status', 'load avg (1 min)']

function textTable(rows: string[][]): string {
  const all = [HEAD, ...rows]
  const w = HEAD.map((_, i) => Math.min(i === 1 ? 70 : 60, Math.max(...all.map((r) => r[i]!.length))))
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(w[i]!))
      .join('  ')
      .trimEnd()
  return [line(HEAD), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n')
}

function markdown(rows: Row[], env: Record<string, unknown>, command: string): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|')
  const lines = [
    '# Benchmark results (latest run)',
    '',
    `Written by \`${command}\` on ${env.date}. Node ${env.node}, ${env.cpus} × ${env.cpu}, ${env.memory_gib} GiB.`,
    'Every ratio compares with a baseline measured in the same run on the same machine; see docs/benchmarks.md.',
    'The last column is the 1-minute load average when each benchmark started: take ratios from a quiet machine (load well under 1).',
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => '---').join('|')}|`,
    ...tableRows(rows).map((r) => `| ${r.map(esc).join(' | ')} |`),
  ]
  const notes = rows.flatMap((r) => [
    ...(r.result?.notes ?? []).map((n) => `- ${r.bench.name}: ${n}`),
    ...(r.result?.figures ?? []).filter((f) => f.note).map((f) => `- ${r.bench.name}, ${f.name}: ${f.note}`),
  ])
  if (notes.length) lines.push('', '## Notes', '', ...notes.map(esc))
  return `${lines.join('\n')}\n`
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, path)
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2))
  if (args.list) {
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(18)} issue ${b.issue}: ${b.title}`)
    return 0
  }
  const shared = resolve(repoRoot, '..', 'shared')
  const ctx = {
    quick: args.quick,
    sharedDir: existsSync(shared) ? shared : undefined,
    log: (m: string) => console.error(`  · ${m}`),
  }
  if (!ctx.sharedDir) console.error(`note: ${shared} is absent; comparisons with OPA-built modules are skipped`)
  const selected = BENCHMARKS.filter((b) => args.only.length === 0 || args.only.includes(b.name))
  const rows: Row[] = []
  const started = Date.now()
  for (const bench of selected) {
    console.error(`▶ ${bench.name}: ${bench.title}${args.quick ? ' (quick)' : ''}`)
    const t0 = Date.now()
    const row: Row = { bench, seconds: 0, load1: loadavg()[0]! }
    try {
      row.result = await bench.run(ctx)
      if (row.result.skipped) console.error(`  skipped: ${row.result.skipped}`)
      if (row.result.blocked) console.error(`  blocked: ${row.result.blocked}`)
    } catch (e) {
      row.error = (e as Error).message.split('\n')[0]
      console.error(`  error: ${(e as Error).stack ?? e}`)
    }
    row.seconds = (Date.now() - t0) / 1000
    console.error(`  done in ${row.seconds.toFixed(1)} s`)
    rows.push(row)
  }
  const env = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memory_gib: Math.round(totalmem() / 2 ** 30),
  }
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  console.log(`\n${textTable(tableRows(rows))}\n`)
  for (const r of rows) for (const n of r.result?.notes ?? []) console.log(`note (${r.bench.name}): ${n}`)
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`)

  mkdirSync(resultsDir, { recursive: true })
  const json = {
    command,
    quick: args.quick,
    environment: env,
    total_seconds: (Date.now() - started) / 1000,
    benchmarks: rows.map((r) => ({
      name: r.bench.name,
      issue: r.bench.issue,
      title: r.bench.title,
      seconds: r.seconds,
      load_average_1min: r.load1,
      ...(r.error ? { error: r.error } : {}),
      ...(r.result?.skipped ? { skipped: r.result.skipped } : {}),
      ...(r.result?.blocked ? { blocked: r.result.blocked } : {}),
      notes: r.result?.notes ?? [],
      figures: (r.result?.figures ?? []).map((f) => ({ ...f, status: status(f) || undefined })),
    })),
  }
  // A partial run (`--only`) must not replace the full run's results.
  const base = args.only.length ? 'partial' : 'latest'
  writeAtomic(join(resultsDir, `${base}.json`), `${JSON.stringify(json, null, 2)}\n`)
  writeAtomic(join(resultsDir, `${base}.md`), markdown(rows, env, command))
  console.log(`wrote ${join('benchmarks', 'results', `${base}.json`)} and ${base}.md`)
  return rows.some((r) => r.error) ? 1 : 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (e: Error) => {
    console.error(`bench: ${e.message}`)
    process.exitCode = 2
  },
)
