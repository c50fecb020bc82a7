// Running Rego unit tests (cli stage, after discovery): every test rule of
// every package is an entrypoint of ONE compiled module, so a run pays for
// one compile however many tests there are. Each test is one evaluation: it
// passes when its value is defined and not `false` (OPA's rule: undefined or
// false fails). `todo_` tests are never evaluated, only reported as skipped.
//
// Around each evaluation the runner captures `print()` output (the SDK sends
// the module's `opa_println` import to console.log) and, for `--coverage`,
// reads the lines the evaluation ran from the module's `mg_coverage` export.

import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm'
import type { TestCase } from './discover.js'
import { sdkMemory } from '../../engine/memory-import.js'

export type TestStatus = 'pass' | 'fail' | 'skip' | 'error'

export interface TestResult {
  test: TestCase
  status: TestStatus
  /** Nanoseconds spent in the evaluation (0 for skipped tests). */
  durationNs: number
  /** `print()` output, one line per call. */
  output: string
  /** The test's value when it was defined (a failing test: `false`). */
  value?: unknown
  /** Why an evaluation error ended the test. */
  error?: string
  /** Lines explaining a failure (explain.ts): the first failing expression and its values. */
  explanation?: string[]
  /** A parameterized test's cases, sorted by name. */
  subResults?: SubResult[]
}

/** One case of a parameterized test; `subResults` when the head has more terms below it. */
export interface SubResult {
  name: string
  /** The key path from the test down to this case (the values bound to the head's tail). */
  path: string[]
  fail: boolean
  subResults: SubResult[]
  explanation?: string[]
}

export interface CompiledSuite {
  wasm: Uint8Array
  hostBuiltins: Record<string, (...args: any[]) => unknown>
  entrypoints: Record<string, number>
}

export interface RunOptions {
  data: Record<string, unknown>
  coverage: boolean
}

export interface RunOutcome {
  results: TestResult[]
  /** "file" → rows some test ran (with coverage). */
  hits: Map<string, Set<number>>
}

export async function runSuite(suite: CompiledSuite, tests: TestCase[], opts: RunOptions): Promise<RunOutcome> {
  const hits = new Map<string, Set<number>>()
  const results: TestResult[] = []
  const live = tests.filter((t) => !t.todo)
  const policy = live.length ? await loadPolicy(suite.wasm, sdkMemory(suite.wasm), suite.hostBuiltins) : undefined
  policy?.setData(opts.data)
  for (const test of tests) {
    if (test.todo || !policy) {
      results.push({ test, status: 'skip', durationNs: 0, output: '' })
      continue
    }
    const id = suite.entrypoints[test.entrypoint]
    const lines: string[] = []
    const { outcome, ns } = capturePrint(lines, () => evaluate(policy, id, test.entrypoint))
    if (opts.coverage) collectCoverage(policy, hits)
    const output = lines.length ? `${lines.join('\n')}\n` : ''
    if ('error' in outcome) {
      results.push({ test, status: 'error', durationNs: ns, output, error: outcome.error })
    } else if (test.params) {
      results.push(parameterized(policy, suite, test, outcome, ns, output))
    } else if (outcome.defined && outcome.value !== false) {
      results.push({ test, status: 'pass', durationNs: ns, output, value: outcome.value })
    } else {
      const r: TestResult = { test, status: 'fail', durationNs: ns, output }
      if (outcome.defined) r.value = outcome.value
      results.push(r)
    }
  }
  return { results, hits }
}

type Outcome = { defined: boolean; value?: unknown } | { error: string }

function parameterized(
  policy: LoadedPolicy,
  suite: CompiledSuite,
  test: TestCase,
  outcome: { defined: boolean; value?: unknown },
  ns: number,
  output: string,
): TestResult {
  const params = test.params!
  const value = outcome.defined ? outcome.value : {}
  // Without its cases rule (it did not compile, or failed), only the cases that passed are known.
  const reached =
    suite.entrypoints[params.casesEntrypoint] === undefined
      ? undefined
      : silently(() => evaluate(policy, suite.entrypoints[params.casesEntrypoint], params.casesEntrypoint))
  const casesValue = reached && !('error' in reached) && reached.defined ? reached.value : {}
  const subResults = mergeCases(casesValue, value, params.depth, [])
  const r: TestResult = { test, status: 'pass', durationNs: ns, output, value: outcome.value, subResults }
  if (!isObject(value) || subResults.some((s) => s.fail)) r.status = 'fail'
  return r
}

/** Sub-results at `depth` below a test: every key of either object, failing unless the value's leaf is `true`. */
function mergeCases(reached: unknown, passed: unknown, depth: number, path: string[]): SubResult[] {
  const keys = new Set<string>([...(isObject(reached) ? Object.keys(reached) : []), ...(isObject(passed) ? Object.keys(passed) : [])])
  return [...keys].sort().map((name) => {
    const r = isObject(reached) ? reached[name] : undefined
    const p = isObject(passed) ? passed[name] : undefined
    const here = [...path, name]
    if (depth <= 1) return { name, path: here, fail: p !== true, subResults: [] }
    const subResults = mergeCases(r, p, depth - 1, here)
    return { name, path: here, fail: subResults.some((s) => s.fail) || !isObject(p), subResults }
  })
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The cases rule's `print()` calls are the test's own calls again: dropped. */
function silently<T>(fn: () => T): T {
  const original = console.log
  console.log = () => {}
  try {
    return fn()
  } finally {
    console.log = original
  }
}

function evaluate(policy: LoadedPolicy, id: number | undefined, name: string): Outcome {
  if (id === undefined) return { error: `the compiled module has no entrypoint \`${name}\`` }
  try {
    const rs = policy.evaluate({}, id) as { result: unknown }[]
    return rs.length ? { defined: true, value: rs[0]!.result } : { defined: false }
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] ?? String(e) }
  }
}

/**
 * Runs `fn` with console.log redirected into `lines`. Evaluation is
 * synchronous, so nothing else can log in between.
 */
function capturePrint<T>(lines: string[], fn: () => T): { outcome: T; ns: number } {
  const original = console.log
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '))
  }
  const start = process.hrtime.bigint()
  try {
    const outcome = fn()
    return { outcome, ns: Number(process.hrtime.bigint() - start) }
  } finally {
    console.log = original
  }
}

/**
 * `mg_coverage()` returns the address of a NUL-terminated JSON array of
 * "file:row" strings for the last evaluation. The SDK resets the heap at the
 * start of each evaluation, so it is read before the next one.
 */
function collectCoverage(policy: LoadedPolicy, hits: Map<string, Set<number>>): void {
  const p = policy as unknown as { wasmInstance: WebAssembly.Instance; mem: WebAssembly.Memory }
  const fn = p.wasmInstance.exports.mg_coverage as (() => number) | undefined
  if (typeof fn !== 'function') return
  const addr = fn()
  const mem = new Uint8Array(p.mem.buffer)
  let end = addr
  while (end < mem.length && mem[end] !== 0) end++
  let keys: unknown
  try {
    keys = JSON.parse(new TextDecoder().decode(mem.subarray(addr, end)))
  } catch {
    return
  }
  if (!Array.isArray(keys)) return
  for (const k of keys) {
    if (typeof k !== 'string') continue
    const at = k.lastIndexOf(':')
    const file = k.slice(0, at)
    const row = Number(k.slice(at + 1))
    let rows = hits.get(file)
    if (!rows) hits.set(file, (rows = new Set()))
    rows.add(row)
  }
}
