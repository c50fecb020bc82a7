// Deciding whether one conformance case passed, by the suite README's rules,
// from what the worker observed (compile error, evaluation error, or the
// result set). Kept free of I/O so the rules can be tested on their own.

import type { ConformanceCase } from './cases.js'

export type Outcome =
  | { kind: 'result'; result: unknown }
  | { kind: 'compile_error'; codes: string[]; message: string }
  | { kind: 'eval_error'; message: string }
  | { kind: 'timeout'; ms: number }
  | { kind: 'crash'; message: string }

export interface Verdict {
  pass: boolean
  /** What was expected, for `-v` diffs. */
  expected: string
  got: string
}

export function judge(c: ConformanceCase, o: Outcome): Verdict {
  const raw = c.raw
  const code = raw.want_error_code
  const wantSet = raw.want_result !== undefined ? expectedResult(c) : undefined
  const got = describe(o)

  if (code?.startsWith('rego_')) {
    return { pass: o.kind === 'compile_error' && o.codes.includes(code), expected: `compile error ${code}`, got }
  }
  if (code !== undefined || raw.want_error !== undefined) {
    const what = `evaluation error ${code ?? ''}`.trim()
    if (raw.strict_error) {
      // A built-in error only raised in strict mode: the SDK's default is not
      // strict, so undefined (or the case's want_result) passes too.
      const pass =
        o.kind === 'eval_error' ||
        (o.kind === 'result' && (isEmpty(o.result) || (wantSet !== undefined && resultsEqual(wantSet, o.result, !!raw.sort_bindings))))
      return { pass, expected: `${what}, or undefined in non-strict mode`, got }
    }
    return { pass: o.kind === 'eval_error', expected: what, got }
  }
  if (wantSet === undefined) return { pass: false, expected: '(case has no want_result)', got }
  return {
    pass: o.kind === 'result' && resultsEqual(wantSet, o.result, !!raw.sort_bindings),
    expected: JSON.stringify(wantSet),
    got,
  }
}

/** want_result `[{ x: v }]` as the SDK's result set `[{ result: v }]`. */
export function expectedResult(c: ConformanceCase): { result: unknown }[] {
  return (c.raw.want_result ?? []).map((b) => ({ result: b[c.variable] }))
}

function describe(o: Outcome): string {
  switch (o.kind) {
    case 'result':
      return JSON.stringify(o.result)
    case 'compile_error':
      return `compile error [${o.codes.join(', ')}]: ${o.message}`
    case 'eval_error':
      return `evaluation error: ${o.message}`
    case 'timeout':
      return `timed out after ${o.ms} ms`
    case 'crash':
      return `worker crashed: ${o.message}`
  }
}

function isEmpty(v: unknown): boolean {
  return Array.isArray(v) && v.length === 0
}

/**
 * Result sets compare as sets of bindings (OPA's assertResultSet); with
 * sort_bindings, array values bound at the top are sorted first, since set
 * order is not significant.
 */
export function resultsEqual(want: { result: unknown }[], got: unknown, sortBindings: boolean): boolean {
  if (!Array.isArray(got) || got.length !== want.length) return false
  const norm = (rs: unknown[]) =>
    rs.map((r) => {
      if (!isObject(r)) return r
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(r)) out[k] = sortBindings && Array.isArray(v) ? [...v].sort(compareValues) : v
      return out
    })
  const a = norm(want),
    b = norm(got)
  const used = new Set<number>()
  return a.every((x) => {
    const i = b.findIndex((y, j) => !used.has(j) && compareValues(x, y) === 0)
    if (i < 0) return false
    used.add(i)
    return true
  })
}

/** OPA's value order on JSON: null < boolean < number < string < array < object. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a),
    rb = rank(b)
  if (ra !== rb) return ra - rb
  switch (ra) {
    case -1:
    case 0:
      return 0
    case 1:
      return a === b ? 0 : a ? 1 : -1
    case 2:
      return (a as number) - (b as number)
    case 3:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0
    case 4: {
      const x = a as unknown[],
        y = b as unknown[]
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i])
        if (c) return c
      }
      return x.length - y.length
    }
    default: {
      const x = a as Record<string, unknown>,
        y = b as Record<string, unknown>
      const kx = Object.keys(x).sort(),
        ky = Object.keys(y).sort()
      for (let i = 0; i < Math.min(kx.length, ky.length); i++) {
        if (kx[i] !== ky[i]) return kx[i]! < ky[i]! ? -1 : 1
        const c = compareValues(x[kx[i]!], y[ky[i]!])
        if (c) return c
      }
      return kx.length - ky.length
    }
  }
}

function rank(v: unknown): number {
  if (v === undefined) return -1
  if (v === null) return 0
  switch (typeof v) {
    case 'boolean':
      return 1
    case 'number':
      return 2
    case 'string':
      return 3
    default:
      return Array.isArray(v) ? 4 : 5
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
