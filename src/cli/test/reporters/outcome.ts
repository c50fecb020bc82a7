// What every reporter prints (cli stage, `policy test` output): one outcome
// per Rego unit test or decision fixture case, in the order they ran. Rego
// tests and fixture cases share the shape, so every format lists both.

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
}

export interface Totals { total: number; pass: number; fail: number; error: number; skip: number }

export function totals(outcomes: Outcome[]): Totals {
  const t: Totals = { total: outcomes.length, pass: 0, fail: 0, error: 0, skip: 0 }
  for (const o of outcomes) t[o.status]++
  return t
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
