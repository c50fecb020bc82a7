// `npm run conformance`: runs the Rego conformance suite
// (../shared/conformance, or $MESHGATE_CONFORMANCE_DIR) through compile() and
// the official opa-wasm SDK, in worker processes (conformance/pool.ts), and
// prints pass/fail per category and in total. Failures are checked against
// conformance/known-failures.json: a failure not listed there makes the run
// exit 1; listed entries that now pass are reported so the list only shrinks.
//
//   node dist/scripts/conformance.js [--json] [--filter <regex>] [-v]
//        [--timeout <ms>] [--jobs <n>] [--prune]

import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadCases, type ConformanceCase } from './conformance/cases.js'
import { judge, type Outcome, type Verdict } from './conformance/judge.js'
import { knownReason, readKnownFailures, staleEntries, writeKnownFailures } from './conformance/known-failures.js'
import { WorkerPool } from './conformance/pool.js'

const here = dirname(fileURLToPath(import.meta.url))

/** The repository root: the nearest folder up from here holding package.json and src/. */
function repoRoot(): string {
  let d = here
  while (d !== dirname(d)) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'src'))) return d
    d = dirname(d)
  }
  return process.cwd()
}

interface CaseReport {
  id: string
  category: string
  note: string
  pass: boolean
  known?: string
  expected: string
  got: string
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      filter: { type: 'string' },
      verbose: { type: 'boolean', short: 'v', default: false },
      timeout: { type: 'string', default: '20000' },
      jobs: { type: 'string', default: '2' },
      prune: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write('Usage: npm run conformance -- [--json] [--filter <regex>] [-v] [--timeout <ms>] [--jobs <n>] [--prune]\n')
    return 0
  }
  const root = repoRoot()
  const suite = resolve(root, process.env.MESHGATE_CONFORMANCE_DIR ?? '../shared/conformance')
  const casesDir = join(suite, 'cases')
  if (!existsSync(casesDir)) {
    process.stderr.write(`conformance: no cases at ${casesDir} (set MESHGATE_CONFORMANCE_DIR)\n`)
    return 2
  }
  const listFile = join(root, 'conformance', 'known-failures.json')
  const known = readKnownFailures(listFile)
  const filter = values.filter ? new RegExp(values.filter) : undefined

  const all = loadCases(casesDir)
  const selected = filter ? all.filter((c) => filter.test(c.note) || filter.test(c.id)) : all
  const applicable = selected.filter((c) => !c.skip)
  const skipped = selected.length - applicable.length

  const pool = new WorkerPool(join(here, 'conformance', 'worker.js'), Math.max(1, Number(values.jobs) || 2), Number(values.timeout) || 20000)
  let done = 0
  const progress = !values.json && process.stderr.isTTY
  let outcomes: Outcome[]
  try {
    outcomes = await pool.runAll(applicable.map(request), () => {
      done++
      if (progress && done % 25 === 0) process.stderr.write(`\r${done}/${applicable.length}`)
    })
  } finally {
    pool.close()
  }
  if (progress) process.stderr.write('\r')
  if (pool.fatalError) {
    process.stderr.write(`conformance: ${pool.fatalError}\n`)
    return 2
  }

  const reports: CaseReport[] = applicable.map((c, i) => {
    const v: Verdict = judge(c, outcomes[i]!)
    const r: CaseReport = { id: c.id, category: c.category, note: c.note, pass: v.pass, expected: v.expected, got: v.got }
    if (!v.pass) {
      const reason = knownReason(known, c.category, c.note)
      if (reason !== undefined) r.known = reason
    }
    return r
  })

  const categories = new Map<string, { passed: number; total: number }>()
  for (const r of reports) {
    const s = categories.get(r.category) ?? { passed: 0, total: 0 }
    s.total++
    if (r.pass) s.passed++
    categories.set(r.category, s)
  }
  const passed = reports.filter((r) => r.pass).length
  const failures = reports.filter((r) => !r.pass)
  const newFailures = failures.filter((r) => r.known === undefined)
  const stale = staleEntries(known, reports, !filter)
  const percent = reports.length ? (100 * passed) / reports.length : 100

  if (values.prune && (stale.categories.length || stale.cases.length)) {
    for (const c of stale.categories) delete known.categories[c]
    for (const n of stale.cases) delete known.cases[n]
    writeKnownFailures(listFile, known)
  }

  if (values.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          passed,
          applicable: reports.length,
          skipped,
          percent: Math.round(percent * 100) / 100,
          categories: Object.fromEntries([...categories].sort(([a], [b]) => (a < b ? -1 : 1))),
          failures,
          newFailures: newFailures.map((r) => r.id),
          stale,
        },
        null,
        2,
      )}\n`,
    )
  } else {
    const width = Math.max(8, ...[...categories.keys()].map((k) => k.length))
    for (const [cat, s] of [...categories].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const mark = s.passed === s.total ? 'ok  ' : 'FAIL'
      process.stdout.write(`${mark} ${cat.padEnd(width)} ${String(s.passed).padStart(4)}/${String(s.total).padEnd(4)} ${pct(s.passed, s.total)}\n`)
    }
    if (values.verbose) {
      for (const f of failures) {
        process.stdout.write(`\n--- ${f.note} (${f.id})${f.known !== undefined ? ` [known: ${f.known}]` : ' [NEW]'}\n`)
        process.stdout.write(`  want: ${f.expected}\n  got:  ${f.got}\n`)
      }
      process.stdout.write('\n')
    }
    process.stdout.write(`total: ${passed}/${reports.length} applicable cases passed (${percent.toFixed(1)}%); ${skipped} not applicable, skipped\n`)
    process.stdout.write(`known failures: ${failures.length - newFailures.length}; new failures: ${newFailures.length}\n`)
    for (const f of newFailures.slice(0, 50)) process.stdout.write(`  NEW ${f.note} (${f.id}): ${f.got.slice(0, 200)}\n`)
    if (newFailures.length > 50) process.stdout.write(`  … and ${newFailures.length - 50} more (use -v or --json)\n`)
    if (stale.categories.length || stale.cases.length) {
      process.stdout.write(`now passing, remove from conformance/known-failures.json${values.prune ? ' (removed)' : ' (or run with --prune)'}:\n`)
      for (const c of stale.categories) process.stdout.write(`  category ${c}\n`)
      for (const n of stale.cases) process.stdout.write(`  case ${n}\n`)
    }
  }
  return newFailures.length ? 1 : 0
}

function request(c: ConformanceCase) {
  return {
    id: c.id,
    modules: c.raw.modules ?? [],
    entrypoint: c.entrypoint,
    data: c.raw.data ?? {},
    input: c.input,
    hasInput: c.hasInput,
  }
}

function pct(n: number, d: number): string {
  return `${(d ? (100 * n) / d : 100).toFixed(1).padStart(5)}%`
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(`conformance: ${(e as Error).message ?? e}\n`)
    process.exitCode = 2
  },
)
