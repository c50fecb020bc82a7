// `policy test`: policy authors' tests in CI (cli stage). Rego unit tests as
// `opa test` knows them — every `test_*` rule of every package compiled as
// an entrypoint of one module, so a run compiles once — and decision
// fixtures, requests answered by the federated combination the sidecar uses
// (test/decisions.ts). Output in OPA's shapes (human, json, coverage) or TAP
// 14 and JUnit for CI. Exit codes: 0 all passed, 1 a test failed (or
// coverage is below --threshold), 2 bad input: the policies do not compile,
// a fixture is malformed or names an unknown port, a `test_` is no rule.

import { readdir, stat } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { CompileError, MeshgateError, type ErrorDetail } from '../errors/index.js'
import { loadMeshDir } from '../product/index.js'
import { readCapabilities } from './capabilities-file.js'
import { parseVerbArgs, usageError, type CliCommand } from './command.js'
import { watchAndRerun } from './watch.js'
import { parseAll } from './entrypoints.js'
import { reportError } from './report.js'
import { loadSourceTree } from './source-tree.js'
import { coverableRows, coverageReport } from './test/coverage.js'
import { canonical, checkCases, engineFor, runCase, type CaseResult, type FixtureContext } from './test/decisions.js'
import { discoverTests, selectTests } from './test/discover.js'
import { explainFailures } from './test/explain.js'
import { readFixtureFile } from './test/fixtures.js'
import { createLayerLoader } from './test/layer-bundle.js'
import { formatHuman } from './test/reporters/human.js'
import { formatJson } from './test/reporters/json.js'
import { formatJunit } from './test/reporters/junit.js'
import type { Outcome, SubOutcome } from './test/reporters/outcome.js'
import { formatTap } from './test/reporters/tap.js'
import { runSuite, type SubResult, type TestResult } from './test/runner.js'

const help = `Usage: policy test [options] <path>...

Run the Rego unit tests (rules named test_*; todo_test_* are reported as
skipped) and the decision fixtures (YAML files directly inside a folder
named fixtures/, see docs/fixtures.md) found under the paths.

A test passes when its value is defined and not false. Fixture cases are
answered with the global and the domain layer combined, as the sidecar
answers them.

Options:
      --run <regex>          only tests whose name (data.pkg.test_x) or fixture
                             case (fixtures.<product>.<case>) matches
  -v, --verbose              list every test with its location and duration
      --format <f>           human (default), tap (TAP 14), json (the shape of
                             opa test --format json), junit (JUnit XML)
      --coverage             print the coverage report (the shape of
                             opa test --coverage) instead of the results
      --threshold <pct>      with --coverage: exit 1 below this percentage
      --fixtures <glob>      fixture files to run instead of fixtures/*.yaml
                             (repeatable; * and ** match, relative to the
                             working directory)
      --global <path|url>    the global layer: a source folder, a bundle
                             .tar.gz, or a bundle URL (default: the nearest
                             global/ folder above each domain)
      --domain <path|url>    the domain layer (default: the folder holding
                             the fixtures/ folder)
      --compare-global <p>   also answer every fixture with this global layer
                             and list the decisions that would change; exit 1
                             when a case passing today would fail
      --v0-compatible        read the sources as Rego v0 (OPA 0.x syntax)
      --capabilities <file>  an OPA capabilities JSON file: declared built-ins
                             compile to host calls (as for build and eval)
  -w, --watch                run again on every change under the paths (and the
                             --global / --fixtures folders), until Ctrl-C
  -h, --help                 show this help

Exit code 0 when everything passed, 1 when a test or case failed, 2 when
the policies do not compile or a fixture file is malformed.
`

export const command: CliCommand = { name: 'test', summary: 'run Rego unit tests and decision fixtures', help, run }

type Format = 'human' | 'tap' | 'json' | 'junit'
const FORMATS: readonly Format[] = ['human', 'tap', 'json', 'junit']

interface Flags {
  run?: RegExp
  verbose: boolean
  format: Format
  coverage: boolean
  threshold?: number
  fixtures: string[]
  global?: string
  domain?: string
  compareGlobal?: string
  regoVersion: 0 | 1
  capabilities?: string
}

function flags(argv: string[]): { flags: Flags; paths: string[] } {
  const { values, positionals } = parseVerbArgs('test', argv, {
    run: { type: 'string', short: 'r' },
    verbose: { type: 'boolean', short: 'v', default: false },
    format: { type: 'string', default: 'human' },
    coverage: { type: 'boolean', short: 'c', default: false },
    threshold: { type: 'string' },
    fixtures: { type: 'string', multiple: true, default: [] },
    global: { type: 'string' },
    domain: { type: 'string' },
    'compare-global': { type: 'string' },
    'v0-compatible': { type: 'boolean', default: false },
    capabilities: { type: 'string' },
  })
  const format = values.format as Format
  if (!FORMATS.includes(format)) throw usageError('test', `format \`${format}\` is not one of ${FORMATS.map((f) => `\`${f}\``).join(', ')}`)
  const f: Flags = {
    verbose: values.verbose as boolean,
    format,
    coverage: values.coverage as boolean,
    fixtures: values.fixtures as string[],
    regoVersion: values['v0-compatible'] ? 0 : 1,
  }
  if (values.run !== undefined) {
    try {
      f.run = new RegExp(values.run as string)
    } catch (e) {
      throw usageError('test', `\`--run ${values.run}\` is not a regular expression: ${(e as Error).message}`)
    }
  }
  if (values.threshold !== undefined) {
    const n = Number(values.threshold)
    if (!Number.isFinite(n) || n < 0 || n > 100) throw usageError('test', `\`--threshold ${values.threshold}\` must be a percentage between 0 and 100`)
    if (!f.coverage) throw usageError('test', '`--threshold` needs `--coverage`')
    f.threshold = n
  }
  if (values.capabilities !== undefined) f.capabilities = values.capabilities as string
  if (values.global !== undefined) f.global = values.global as string
  if (values.domain !== undefined) f.domain = values.domain as string
  if (values['compare-global'] !== undefined) f.compareGlobal = values['compare-global'] as string
  if (positionals.length === 0) throw usageError('test', 'no paths given: name the folders (or .rego files) holding the policies and tests')
  return { flags: f, paths: positionals }
}

async function run(argv: string[]): Promise<number> {
  const watching = argv.some((a) => a === '--watch' || a === '-w')
  const rest = argv.filter((a) => a !== '--watch' && a !== '-w')
  const { flags: f, paths } = flags(rest)
  if (watching) {
    const watched = [...paths, ...(f.global ? [f.global] : []), ...f.fixtures]
    return watchAndRerun({ verb: 'test', args: rest, paths: watched })
  }
  const sources = new Map<string, string>()
  const layers = createLayerLoader()
  try {
    const tree = await loadSourceTree(paths, process.cwd(), { bundle: false })
    for (const m of tree.modules) sources.set(m.path, m.source)
    const parsed = parseAll(tree.modules, f.regoVersion)
    const found = discoverTests(parsed)
    if (found.errors.length) throw new CompileError(found.errors)

    // Fixtures are read and checked before anything runs: bad input is exit 2.
    const fixtureFiles = f.fixtures.length ? await globFiles(f.fixtures) : await findFixtureFiles(paths)
    const contexts = await loadFixtures(fixtureFiles, f)
    if (f.domain && new Set(contexts.map((c) => c.domain)).size > 1) {
      throw usageError(
        'test',
        '`--domain` names one domain layer, but the fixtures belong to several domains; pass the fixtures of one domain with `--fixtures`',
      )
    }
    if (found.tests.length === 0 && contexts.length === 0) {
      throw usageError('test', `no tests found under ${paths.map((p) => `\`${p}\``).join(', ')}: no rules named \`test_*\` and no fixtures/*.yaml files`)
    }

    let compiledSources = tree.modules.map((m) => ({ path: m.path, source: found.rewritten.get(m.path) ?? m.source }))
    const { compile, createToolchain, hostBuiltins } = await import('../compiler.js')
    const capabilities = f.capabilities !== undefined ? await readCapabilities('test', f.capabilities) : undefined
    // One toolchain for the run's compiles (tests, explanations, coverage): instantiating wabt costs tens of ms.
    let toolchain: ReturnType<typeof createToolchain> | undefined
    const compileWith = async (modules: { path: string; source: string }[], entrypoints: string[], coverage = false) => {
      toolchain ??= createToolchain()
      const r = await compile({
        modules,
        entrypoints,
        regoVersion: f.regoVersion,
        coverage,
        toolchain,
        ...(capabilities !== undefined ? { capabilities } : {}),
      })
      return { ...r, hostBuiltins: { ...hostBuiltins, ...r.hostBuiltins } }
    }

    // Rego unit tests: one compile of every test, then the selected ones run.
    const selected = selectTests(found.tests, f.run)
    let results: TestResult[] = []
    let hits = new Map<string, Set<number>>()
    let coverable: Record<string, number[]> | undefined
    if (found.tests.length) {
      const testEntrypoints = found.tests.map((t) => t.entrypoint)
      const casesEntrypoints = found.tests.flatMap((t) => (t.params ? [t.params.casesEntrypoint] : []))
      let suite
      try {
        suite = await compileWith(compiledSources, [...testEntrypoints, ...casesEntrypoints], f.coverage)
      } catch (e) {
        if (casesEntrypoints.length === 0 || !(e instanceof CompileError)) throw e
        // A cases rule that does not compile costs only the names of failed
        // cases; the errors that matter are the sources' own, shown by this compile.
        compiledSources = tree.modules.map((m) => ({ path: m.path, source: found.withoutCases.get(m.path) ?? m.source }))
        suite = await compileWith(compiledSources, testEntrypoints, f.coverage)
      }
      coverable = onlyWritten(suite.coverable, sources)
      ;({ results, hits } = await runSuite(suite, selected, { data: tree.data, coverage: f.coverage }))
      const failed = results.filter((r) => r.status === 'fail')
      if (failed.length) await explainFailures(failed, { sources: compiledSources, data: tree.data, regoVersion: f.regoVersion, compile: compileWith })
    }

    // Decision fixtures.
    const cases: { ctx: FixtureContext; result: CaseResult }[] = []
    const changes: string[] = []
    let regressions = 0
    for (const ctx of contexts) {
      const chosen = ctx.file.cases.filter((c) => !f.run || f.run.test(`fixtures.${ctx.file.product}.${c.name}`))
      if (chosen.length === 0) continue
      const domainDir = domainFolderOf(ctx.file.path)
      const global = await layers.load(f.global ?? (await findGlobal(domainDir)), 'global', f.regoVersion)
      const domain = await layers.load(f.domain ?? domainDir, `domains/${ctx.domain}`, f.regoVersion)
      const engine = await engineFor(ctx, global, domain)
      let next: Awaited<ReturnType<typeof engineFor>> | undefined
      try {
        if (f.compareGlobal) next = await engineFor(ctx, await layers.load(f.compareGlobal, 'global', f.regoVersion), domain)
        for (const c of chosen) {
          const result = await runCase(engine, ctx, c)
          cases.push({ ctx, result })
          if (next) {
            const after = await runCase(next, ctx, c)
            const was = canonical(result.decision ?? { error: result.error })
            const now = canonical(after.decision ?? { error: after.error })
            if (was !== now) {
              const breaks = passed(result) && !passed(after)
              if (breaks) regressions++
              changes.push(
                `${ctx.file.path}:${c.location.row}: ${c.decision} \`${c.name}\`${breaks ? ' (the fixture would fail)' : ''}`,
                `  now:  ${was}`,
                `  new:  ${now}`,
                ...after.mismatches.map((m) => `  ${m}`),
              )
            }
          }
        }
      } finally {
        await engine.close()
        await next?.close()
      }
    }

    const outcomes = [...results.map(testOutcome), ...cases.map(({ ctx, result }) => caseOutcome(ctx, result))]
    const failedAny = outcomes.some((o) => o.status === 'fail' || o.status === 'error')
    const lookup = (file: string) => sources.get(file) ?? contexts.find((c) => c.file.path === file)?.file.text

    let code = failedAny ? 1 : 0
    if (f.coverage) {
      const report = coverageReport(coverableRows(parsed, coverable), hits)
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
      if (failedAny) process.stderr.write(formatHuman(outcomes, { verbose: false, source: lookup }))
      if (f.threshold !== undefined && report.coverage < f.threshold) {
        process.stderr.write(`coverage ${report.coverage}% is below the threshold of ${f.threshold}%\n`)
        code = 1
      }
    } else {
      process.stdout.write(format(f.format, outcomes, f.verbose, lookup))
    }
    if (f.compareGlobal) {
      const out = f.format === 'human' && !f.coverage ? process.stdout : process.stderr
      const count = cases.length
      out.write(
        changes.length
          ? `\nDECISIONS THAT WOULD CHANGE with the global layer \`${f.compareGlobal}\`\n${'-'.repeat(80)}\n${changes.join('\n')}\n`
          : `\nno decision of the ${count} fixture case${count === 1 ? '' : 's'} would change with the global layer \`${f.compareGlobal}\`\n`,
      )
      if (regressions) code = 1
    }
    if (f.run && outcomes.length === 0) process.stderr.write(`no tests match \`--run ${f.run.source}\`\n`)
    return code
  } catch (e) {
    for (const [file, text] of layers.sources) if (!sources.has(file)) sources.set(file, text)
    return reportError(e, process.stderr, { sources })
  }
}

function format(f: Format, outcomes: Outcome[], verbose: boolean, source: (file: string) => string | undefined): string {
  switch (f) {
    case 'tap':
      return formatTap(outcomes)
    case 'json':
      return formatJson(outcomes)
    case 'junit':
      return formatJunit(outcomes)
    case 'human':
      return formatHuman(outcomes, { verbose, source })
  }
}

function testOutcome(r: TestResult): Outcome {
  const messages = [...(r.explanation ?? [])]
  if (r.status === 'fail' && messages.length === 0 && !r.subResults?.some((s) => s.fail)) {
    messages.push(r.value === undefined ? 'the test is undefined' : `the test's value is ${JSON.stringify(r.value)}`)
  }
  const o: Outcome = {
    id: r.test.id,
    pkg: r.test.pkg,
    name: r.test.name,
    location: r.test.location,
    status: r.status,
    durationNs: r.durationNs,
    output: r.output,
    messages,
  }
  if (r.error) o.error = r.error
  if (r.subResults) o.subResults = r.subResults.map(subOutcome)
  return o
}

function subOutcome(s: SubResult): SubOutcome {
  const o: SubOutcome = { name: s.name, fail: s.fail, subResults: s.subResults.map(subOutcome), messages: s.explanation ?? [] }
  return o
}

/**
 * Coverage counts the lines as written: rows past a module's end belong to
 * the rules `policy test` appends (cases and probes), never to the author's.
 */
function onlyWritten(coverable: Record<string, number[]> | undefined, sources: Map<string, string>): Record<string, number[]> | undefined {
  if (!coverable) return coverable
  const out: Record<string, number[]> = {}
  for (const [file, rows] of Object.entries(coverable)) {
    const lines = sources.get(file)?.split('\n').length ?? Infinity
    out[file] = rows.filter((r) => r <= lines)
  }
  return out
}

function caseOutcome(ctx: FixtureContext, r: CaseResult): Outcome {
  const pkg = `fixtures.${ctx.file.product}`
  const status = r.error !== undefined ? 'error' : r.mismatches.length ? 'fail' : 'pass'
  const o: Outcome = {
    id: `${pkg}.${r.fixture.name}`,
    pkg,
    name: r.fixture.name,
    location: r.fixture.location,
    status,
    durationNs: r.durationNs,
    output: '',
    messages: r.mismatches,
  }
  if (r.error !== undefined) o.error = r.error
  return o
}

const passed = (r: CaseResult) => r.error === undefined && r.mismatches.length === 0

// ---- finding and loading fixtures ----

async function loadFixtures(files: string[], f: Flags): Promise<FixtureContext[]> {
  const errors: ErrorDetail[] = []
  const out: FixtureContext[] = []
  const meshes = new Map<string, Awaited<ReturnType<typeof loadMeshDir>>>()
  for (const path of files) {
    const { file, errors: found } = await readFixtureFile(path)
    errors.push(...found)
    if (!file) continue
    const dir = domainFolderOf(path)
    let mesh = meshes.get(dir)
    if (!mesh) {
      try {
        mesh = await loadMeshDir(dir)
      } catch (e) {
        if (e instanceof CompileError) {
          errors.push(...e.errors)
          continue
        }
        if (e instanceof MeshgateError) {
          errors.push({ ...e.toJSON(), message: `${e.message} (the data product of \`${path}\`)` })
          continue
        }
        throw e
      }
      meshes.set(dir, mesh)
    }
    const ctx: FixtureContext = { file, mesh, domain: mesh.data.product.domain }
    errors.push(...(await checkCases(ctx)))
    out.push(ctx)
  }
  if (errors.length) throw new CompileError(errors)
  void f
  return out
}

/** A fixture file in `<domain>/fixtures/` belongs to `<domain>`; elsewhere, to its own folder. */
function domainFolderOf(file: string): string {
  const dir = dirname(file)
  return basename(dir) === 'fixtures' ? dirname(dir) : dir
}

/** The nearest `global/` folder above a domain folder: `policies/domains/orders` → `policies/global`. */
async function findGlobal(domainDir: string): Promise<string> {
  let dir = resolve(domainDir)
  for (;;) {
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
    const candidate = join(dir, 'global')
    if (await isDir(candidate)) return display(candidate)
  }
  throw usageError('test', `no global layer found above \`${domainDir}\`: pass \`--global <path|url>\``)
}

/** YAML files directly inside a folder named `fixtures` under the paths. */
async function findFixtureFiles(paths: string[]): Promise<string[]> {
  const out: string[] = []
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue
      const full = join(dir, e.name)
      if (e.isDirectory()) await walk(full)
      else if (e.isFile() && basename(dir) === 'fixtures' && /\.ya?ml$/.test(e.name)) out.push(display(full))
    }
  }
  for (const p of paths) if (await isDir(p)) await walk(p)
  return out
}

/** `--fixtures`: files, or globs where `*` matches within a path segment and `**` across them. */
async function globFiles(patterns: string[]): Promise<string[]> {
  const out = new Set<string>()
  for (const pattern of patterns) {
    if (!/[*?]/.test(pattern)) {
      if (!(await isFile(pattern))) throw usageError('test', `fixture file \`${pattern}\` does not exist`)
      out.add(display(resolve(pattern)))
      continue
    }
    const norm = pattern.split(sep).join('/').replace(/^\.\//, '')
    const segs = norm.split('/')
    const fixed = segs.findIndex((x) => /[*?]/.test(x))
    const base = segs.slice(0, fixed).join('/') || '.'
    const re = new RegExp(`^${globToRegex(norm)}$`)
    const walk = async (dir: string): Promise<void> => {
      let entries
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch {
        return
      }
      for (const e of entries) {
        if (e.name.startsWith('.') || e.name === 'node_modules') continue
        const full = dir === '.' ? e.name : `${dir}/${e.name}`
        if (e.isDirectory()) await walk(full)
        else if (re.test(full.replace(/^\.\//, ''))) out.add(full)
      }
    }
    await walk(base)
  }
  if (out.size === 0) throw usageError('test', `no fixture files match ${patterns.map((p) => `\`${p}\``).join(', ')}`)
  return [...out].sort()
}

function globToRegex(glob: string): string {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (glob.startsWith('**/', i)) {
      out += '(?:.*/)?'
      i += 2
    } else if (glob.startsWith('**', i)) {
      out += '.*'
      i += 1
    } else if (c === '*') out += '[^/]*'
    else if (c === '?') out += '[^/]'
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return out
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory()
  } catch {
    return false
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile()
  } catch {
    return false
  }
}

function display(abs: string): string {
  const rel = relative(process.cwd(), resolve(abs))
  const p = rel === '' ? '.' : rel.startsWith('..') ? resolve(abs) : rel
  return p.split(sep).join('/')
}
