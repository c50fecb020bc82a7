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
  const policy = live.length ? await loadPolicy(suite.wasm, undefined, suite.hostBuiltins) : undefined
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
  console.log = (...args: unknown[]) => { lines.push(args.map(String).join(' ')) }
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
