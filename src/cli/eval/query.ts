// The query of `policy eval` as a rule (cli stage, before compile). OPA's
// `rego` package captures the value of each query expression
// (rewriteQueryToCaptureValue) and returns, per solution, those values and
// the query's variables. The compiled module has no query API, so the same
// is written in Rego: a partial set rule in a package of its own whose
// elements are `[[value of each expression], {variable: value}]`:
//
//   data.roles[_] == x; y := 2      becomes
//   __mg_results contains [[__mg_v0, true], {"x": x, "y": y}] if {
//   	__mg_v0 := (data.roles[_] == x)
//   	__mg_v0 != false
//   	y := 2
//   }
//
// A bare term is captured as it is (a `false` value is an answer, as in OPA:
// `opa eval 'data.authz.allow'` prints false); a call with a result is
// captured and must not be false (a comparison that fails has no solution);
// every other expression (`:=`, `=`, `some`, `every`, `not …`, a relation)
// stays as written and its value is `true`. Each expression keeps its own
// line of the rule, so a compile error inside it maps back to the row and
// column of the query as typed (`locate`).

import type { ErrorDetail } from '../../errors/index.js'
import { CompileError } from '../../errors/index.js'
import { lookupBuiltin } from '../../builtins/catalog.js'
import { parseModule, type Expr, type Term } from '../../rego/index.js'
import { SourceFile } from '../../source/index.js'
import type { EvalResult } from './output.js'

/** The file name compile errors in the query carry. */
export const QUERY_FILE = '<query>'

export interface QueryRule {
  /** The rule's module, compiled with the sources under the name QUERY_FILE. */
  path: string
  source: string
  entrypoint: string
  /** Per query expression: its text and where it starts in the query. */
  exprs: { text: string; row: number; col: number }[]
  /** The query's variables, in the order they first appear. */
  bindings: string[]
  /** An error of the compiled module, located in the query as typed. */
  locate: (e: ErrorDetail) => ErrorDetail
  /**
   * The compile errors as the user should see them: located in the query,
   * without those about the rule's own parts (its head repeats the query's
   * variables; `__mg_` names are the captures), unless nothing else is left.
   */
  errors: (errors: readonly ErrorDetail[]) => ErrorDetail[]
}

/** A span copied verbatim from the query into the rule's text. */
interface Copied {
  ruleStart: number
  ruleEnd: number
  queryStart: number
}

export function queryRule(query: string, regoVersion: 0 | 1, packages: ReadonlySet<string>): QueryRule {
  let pkg = '__mg_eval'
  while (packages.has(pkg)) pkg = `_${pkg}`
  const exprs = parseQuery(query, regoVersion)
  const text = (s: { span: { start: number; end: number } }) => query.slice(s.span.start, s.span.end)

  const bindings: string[] = []
  for (const e of exprs) for (const v of exprVars(e)) if (!bindings.includes(v)) bindings.push(v)

  const head = `package ${pkg}\n\n`
  const values: string[] = []
  const lines: string[] = []
  const copied: Copied[] = []
  // Offsets are computed once the head (which lists the values) is known: lines first, then positions.
  const pending: { line: number; before: string; queryStart: number; length: number }[] = []
  exprs.forEach((e, i) => {
    const capture = captures(e)
    if (!capture) {
      values.push('true')
      pending.push({ line: lines.length, before: '\t', queryStart: e.span.start, length: e.span.end - e.span.start })
      lines.push(`\t${text(e)}`)
      return
    }
    const term = (e as Extract<Expr, { kind: 'term' }>).term
    const withText = e.with.map(text).join(' ')
    const before = `\t__mg_v${i} := (`
    values.push(`__mg_v${i}`)
    pending.push({ line: lines.length, before, queryStart: term.span.start, length: term.span.end - term.span.start })
    lines.push(`${before}${text(term)})${withText ? ` ${withText}` : ''}`)
    if (capture === 'true-ish') lines.push(`\t__mg_v${i} != false`)
  })
  const element = `[[${values.join(', ')}], {${bindings.map((b) => `${JSON.stringify(b)}: ${b}`).join(', ')}}]`
  const ruleHead = regoVersion === 1 ? `__mg_results contains ${element} if {` : `__mg_results[${element}] {`
  let offset = head.length + ruleHead.length + 1
  const lineStarts: number[] = []
  for (const l of lines) {
    lineStarts.push(offset)
    offset += l.length + 1
  }
  for (const p of pending) {
    const start = lineStarts[p.line]! + p.before.length
    copied.push({ ruleStart: start, ruleEnd: start + p.length, queryStart: p.queryStart })
  }
  const source = `${head}${ruleHead}\n${lines.join('\n')}\n}\n`

  const querySource = new SourceFile(QUERY_FILE, query)
  const ruleSource = new SourceFile(QUERY_FILE, source)
  const at = (queryOffset: number) => querySource.location(queryOffset)
  const locate = (e: ErrorDetail): ErrorDetail => {
    if (e.location?.file !== QUERY_FILE) return e
    const off = offsetOf(source, e.location.row, e.location.col)
    const hit = copied.find((c) => off >= c.ruleStart && off <= c.ruleEnd)
    // Outside the copied text (the capture around it): the expression's start.
    const line = ruleSource.location(off).row
    const near = hit ?? copied.find((c) => ruleSource.location(c.ruleStart).row === line)
    const q = hit ? hit.queryStart + (off - hit.ruleStart) : near ? near.queryStart : 0
    const loc = at(Math.min(q, query.length))
    return { ...e, location: { file: QUERY_FILE, row: loc.row, col: loc.col } }
  }
  const headRow = ruleSource.location(head.length).row
  const errors = (list: readonly ErrorDetail[]): ErrorDetail[] => {
    const own = (e: ErrorDetail) => e.location?.file === QUERY_FILE && (e.location.row === headRow || /__mg_/.test(e.message))
    const kept = list.filter((e) => !own(e))
    return (kept.length ? kept : list.slice(0, 1)).map(locate)
  }
  return {
    path: QUERY_FILE,
    source,
    errors,
    entrypoint: `${pkg}/__mg_results`,
    exprs: exprs.map((e) => {
      const loc = at(e.span.start)
      return { text: text(e), row: loc.row, col: loc.col }
    }),
    bindings,
    locate,
  }
}

/** One result per solution, as `opa eval --format json` lists them. */
export function readSolutions(raw: unknown, rule: QueryRule): EvalResult[] {
  if (!Array.isArray(raw)) return []
  return raw.map((solution) => {
    const [values, bound] = solution as [unknown[], Record<string, unknown>]
    const r: EvalResult = {
      expressions: rule.exprs.map((e, i) => ({ value: values[i], text: e.text, location: { row: e.row, col: e.col } })),
    }
    if (rule.bindings.length) r.bindings = Object.fromEntries(rule.bindings.map((b) => [b, bound[b]]))
    return r
  })
}

/**
 * The query's expressions, parsed as the body of a rule. The body must be
 * the whole query: text that closes it and starts rules of its own is not a
 * query.
 */
function parseQuery(query: string, regoVersion: 0 | 1): Expr[] {
  if (!query.trim()) throw new CompileError([{ code: 'rego_parse_error', message: 'empty query', location: { file: QUERY_FILE, row: 1, col: 1 } }])
  // The query is placed at offset 0 of its own line so offsets into it are
  // offsets into the query: a prefix, then the query, then the closing brace.
  const prefix = `package __mg_query\n__mg_query ${regoVersion === 1 ? 'if ' : ''}{\n`
  const text = `${prefix}${query}\n}\n`
  let module
  try {
    module = parseModule(QUERY_FILE, text, { regoVersion })
  } catch (e) {
    if (!(e instanceof CompileError)) throw e
    // Past the query (its closing brace): at the end of the query's last line.
    const rows = query.split('\n')
    const atEnd = { row: rows.length, col: [...rows[rows.length - 1]!].length + 1 }
    throw new CompileError(
      e.errors.map((d) => {
        if (d.location?.file !== QUERY_FILE) return d
        const row = d.location.row - 2
        return { ...d, location: { file: QUERY_FILE, ...(row < 1 ? { row: 1, col: 1 } : row > rows.length ? atEnd : { row, col: d.location.col }) } }
      }),
    )
  }
  const [rule, ...others] = module.rules
  if (!rule || others.length || rule.else || module.imports.length) {
    throw new CompileError([{ code: 'rego_parse_error', message: 'the query is not a body of expressions', location: { file: QUERY_FILE, row: 1, col: 1 } }])
  }
  const shift = (span: { start: number; end: number }) => ({ start: span.start - prefix.length, end: span.end - prefix.length })
  return rule.body.exprs.map((e) => relocate(e, shift) as Expr)
}

/** A copy of an AST node with every span moved by `shift` (parsed after the prefix, read in the query). */
function relocate(node: unknown, shift: (s: { start: number; end: number }) => { start: number; end: number }): unknown {
  if (Array.isArray(node)) return node.map((n) => relocate(n, shift))
  if (node === null || typeof node !== 'object') return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = k === 'span' ? shift(v as { start: number; end: number }) : relocate(v, shift)
  return out
}

/** How an expression's value is captured: as is, as a value that must not be false, or not at all (`true`). */
function captures(e: Expr): 'as-is' | 'true-ish' | undefined {
  if (e.negated || e.kind !== 'term') return undefined
  const t = e.term
  if (t.type !== 'call') return 'as-is'
  const name = refText(t.func)
  if (name === undefined) return 'true-ish'
  const b = lookupBuiltin(name)
  // A relation (no result) or a call given its output argument is a condition.
  if (b && (b.result === undefined || t.args.length === b.args.length + 1)) return undefined
  return 'true-ish'
}

function refText(r: Extract<Term, { type: 'ref' }>): string | undefined {
  if (r.head.type !== 'var') return undefined
  const parts = [r.head.name]
  for (const p of r.path) {
    if (p.type !== 'string') return undefined
    parts.push(p.value)
  }
  return parts.join('.')
}

/** The variables of an expression the query binds (not `input`, `data`, wildcards, or a comprehension's own). */
function exprVars(e: Expr): string[] {
  const out: string[] = []
  const term = (t: Term | undefined): void => {
    if (!t) return
    switch (t.type) {
      case 'var':
        if (!t.name.startsWith('$') && t.name !== 'input' && t.name !== 'data' && !out.includes(t.name)) out.push(t.name)
        break
      case 'ref':
        term(t.head)
        t.path.forEach(term)
        break
      case 'call':
        t.args.forEach(term)
        break
      case 'array':
      case 'set':
        t.items.forEach(term)
        break
      case 'object':
        t.items.forEach(([k, v]) => {
          term(k)
          term(v)
        })
        break
      case 'templatestring':
        t.parts.forEach((p) => {
          if (typeof p !== 'string') term(p)
        })
        break
      default:
        break
    }
  }
  // A negated expression binds nothing; `every` binds only inside its body.
  if (e.negated) return out
  switch (e.kind) {
    case 'term':
      term(e.term)
      break
    case 'unify':
    case 'assign':
      term(e.left)
      term(e.right)
      break
    case 'some':
      e.vars.forEach(term)
      break
    case 'somein':
      term(e.key)
      term(e.value)
      term(e.domain)
      break
    case 'every':
      term(e.domain)
      break
  }
  for (const w of e.with) term(w.value)
  return out
}

/** The offset of a 1-based row and column (code points, as SourceFile counts them). */
function offsetOf(text: string, row: number, col: number): number {
  let offset = 0
  for (let r = 1; r < row; r++) {
    const nl = text.indexOf('\n', offset)
    if (nl < 0) return text.length
    offset = nl + 1
  }
  const line = text.slice(offset).split('\n')[0] ?? ''
  return offset + [...line].slice(0, col - 1).join('').length
}
