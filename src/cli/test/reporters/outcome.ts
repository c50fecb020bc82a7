// What every reporter prints (cli stage, `policy test` output): one outcome
// per Rego unit test or decision fixture case, in the order they ran. Rego
// tests and fixture cases share the shape, so every format lists both. A
// parameterized test carries its cases as sub-outcomes; counts count its
// leaf cases, as `opa test` counts them.

import type { Location } from '../../../errors/index.js'

export type Status = 'pass' | 'fail' | 'skip' | 'error'

export interface Outcome {
  /** `data.pkg.test_x`, or `fixtures.<product>.<case name>` for a fixture case. */
  id: string
  /** `data.pkg`, or `fixtures.<product>`: the group reports sort by. */
  pkg: string
  name: string
  location: Location
  status: Status
  durationNs: number
  /** `print()` output (Rego tests). */
  output: string
  /** Lines saying why it failed: failing expression and values, or fixture mismatches. */
  messages: string[]
  /** An evaluation error (status `error`). */
  error?: string
  /** A parameterized test's cases (OPA's `sub_results`), sorted by name. */
  subResults?: SubOutcome[]
}

export interface SubOutcome {
  name: string
  fail: boolean
  /** Cases below this one, when the test's head has more terms. */
  subResults: SubOutcome[]
  /** Why this case failed (the failing expression and its values). */
  messages: string[]
}

export interface Totals {
  total: number
  pass: number
  fail: number
  error: number
  skip: number
}

export function totals(outcomes: Outcome[]): Totals {
  const t: Totals = { total: outcomes.length, pass: 0, fail: 0, error: 0, skip: 0 }
  for (const o of outcomes) {
    const leaves = o.status === 'pass' || o.status === 'fail' ? leafCases(o.subResults ?? []) : []
    if (leaves.length === 0) {
      t[o.status]++
      continue
    }
    for (const l of leaves) t[l.fail ? 'fail' : 'pass']++
  }
  t.total = t.pass + t.fail + t.error + t.skip
  return t
}

/** The innermost cases, each with its full name path (`['a', 'b']` for `test_x[a][b]`). */
export function leafCases(subs: SubOutcome[], prefix: string[] = []): (SubOutcome & { path: string[] })[] {
  return subs.flatMap((s) => (s.subResults.length ? leafCases(s.subResults, [...prefix, s.name]) : [{ ...s, path: [...prefix, s.name] }]))
}

/** Depth-first, as OPA's SubResultMap.Iter: each case with its depth (0 for the test's own cases). */
export function eachCase(subs: SubOutcome[], depth = 0): { sub: SubOutcome; depth: number }[] {
  return subs.flatMap((s) => [{ sub: s, depth }, ...eachCase(s.subResults, depth + 1)])
}

/** Durations for people: µs below a millisecond, ms below a second. */
export function humanDuration(ns: number): string {
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)}µs`
  if (ns < 1e9) return `${(ns / 1e6).toFixed(2)}ms`
  return `${(ns / 1e9).toFixed(2)}s`
}

export function where(l: Location): string {
  return `${l.file}:${l.row}:${l.col}`
}
