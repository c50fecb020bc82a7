// The coverage report of `policy test --coverage`, in the shape of
// `opa test --coverage`: per file the covered and not covered line ranges
// and a percentage, then the total. A line counts when an expression starts
// on it (OPA's unit: expressions, reported by line). Coverable lines come
// from the AST of every module, so a rule no test reaches, which the compiler
// never plans, still shows up as not covered; the lines that ran come from
// the instrumented module (runner.ts).

import type { Body, Expr, Module, Term } from '../../rego/index.js'
import { locate } from '../../source/index.js'

export interface LineRange {
  start: { row: number }
  end: { row: number }
}

export interface FileCoverage {
  covered?: LineRange[]
  not_covered?: LineRange[]
  covered_lines: number
  not_covered_lines: number
  coverage: number
}

export interface CoverageReport {
  files: Record<string, FileCoverage>
  covered_lines: number
  not_covered_lines: number
  coverage: number
}

/** Rows holding the start of an expression, per file, nested bodies included. */
export function coverableRows(modules: Module[], fromCompiler: Record<string, number[]> = {}): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>()
  for (const m of modules) {
    const rows = new Set<number>(fromCompiler[m.path] ?? [])
    const addExpr = (e: Expr) => {
      // Zero-width expressions are synthesized (`true` bodies), never run as written.
      if (e.span.end > e.span.start) rows.add(locate(m, e.span.start).row)
      walkExpr(e, addBody)
    }
    const addBody = (b: Body) => b.exprs.forEach(addExpr)
    for (const r of m.rules) {
      // A default value is not an expression that runs (OPA does not count it either).
      if (r.default) continue
      for (let rule: typeof r | undefined = r; rule; rule = rule.else) {
        addBody(rule.body)
        for (const t of [rule.head.value, rule.head.key, ...(rule.head.args ?? [])]) if (t) walkTerm(t, addBody)
      }
    }
    out.set(m.path, rows)
  }
  return out
}

function walkExpr(e: Expr, body: (b: Body) => void): void {
  switch (e.kind) {
    case 'term':
      walkTerm(e.term, body)
      break
    case 'unify':
    case 'assign':
      walkTerm(e.left, body)
      walkTerm(e.right, body)
      break
    case 'somein':
      walkTerm(e.domain, body)
      break
    case 'every':
      walkTerm(e.domain, body)
      body(e.body)
      break
    case 'some':
      break
  }
  for (const w of e.with) walkTerm(w.value, body)
}

/** Calls `body` on every comprehension body inside `t`. */
function walkTerm(t: Term, body: (b: Body) => void): void {
  switch (t.type) {
    case 'arraycomp':
    case 'setcomp':
      walkTerm(t.term, body)
      body(t.body)
      break
    case 'objectcomp':
      walkTerm(t.key, body)
      walkTerm(t.value, body)
      body(t.body)
      break
    case 'ref':
      walkTerm(t.head, body)
      t.path.forEach((p) => walkTerm(p, body))
      break
    case 'call':
      t.args.forEach((a) => walkTerm(a, body))
      break
    case 'array':
    case 'set':
      t.items.forEach((i) => walkTerm(i, body))
      break
    case 'object':
      t.items.forEach(([k, v]) => {
        walkTerm(k, body)
        walkTerm(v, body)
      })
      break
    case 'templatestring':
      t.parts.forEach((p) => {
        if (typeof p !== 'string') walkTerm(p, body)
      })
      break
    default:
      break
  }
}

export function coverageReport(coverable: Map<string, Set<number>>, hits: Map<string, Set<number>>): CoverageReport {
  const files: Record<string, FileCoverage> = {}
  let covered = 0
  let total = 0
  for (const file of [...coverable.keys()].sort()) {
    const rows = [...coverable.get(file)!].sort((a, b) => a - b)
    if (rows.length === 0) continue
    const ran = hits.get(file) ?? new Set<number>()
    const yes = rows.filter((r) => ran.has(r))
    const no = rows.filter((r) => !ran.has(r))
    files[file] = {
      ...(yes.length ? { covered: ranges(yes) } : {}),
      ...(no.length ? { not_covered: ranges(no) } : {}),
      covered_lines: yes.length,
      not_covered_lines: no.length,
      coverage: percent(yes.length, rows.length),
    }
    covered += yes.length
    total += rows.length
  }
  return { files, covered_lines: covered, not_covered_lines: total - covered, coverage: percent(covered, total) }
}

/** Percentages with two decimals, as OPA rounds them; no lines means fully covered. */
function percent(n: number, of: number): number {
  return of === 0 ? 100 : Math.round((n / of) * 10000) / 100
}

/** Consecutive coverable rows of the same kind form one range. */
function ranges(rows: number[]): LineRange[] {
  const out: LineRange[] = []
  for (const r of rows) {
    const last = out[out.length - 1]
    if (last && last.end.row === r - 1) last.end.row = r
    else out.push({ start: { row: r }, end: { row: r } })
  }
  return out
}
