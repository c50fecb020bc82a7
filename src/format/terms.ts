// Terms, bodies and expressions (format stage). Layout follows the source
// as `opa fmt` does: items of a collection or call stay on one line when
// they were on one line, and each source row of items becomes one indented
// line (with a trailing comma) when they were not. Nested infix calls get
// parentheses; literals are written as they were in the source (strings
// with their escapes, raw strings, numbers as written).

import type { Body, CallTerm, Expr, RefTerm, Span, Term, With } from '../rego/index.js'
import { closeAfter, countNewlines, type Ctx } from './context.js'
import { UnexpectedComment, type WriterState } from './writer.js'

/** Infix operators by built-in name, with binding strength (higher binds tighter). */
const INFIX: Record<string, { op: string; prec: number }> = {
  equal: { op: '==', prec: 1 },
  neq: { op: '!=', prec: 1 },
  lt: { op: '<', prec: 1 },
  lte: { op: '<=', prec: 1 },
  gt: { op: '>', prec: 1 },
  gte: { op: '>=', prec: 1 },
  or: { op: '|', prec: 2 },
  and: { op: '&', prec: 3 },
  plus: { op: '+', prec: 4 },
  minus: { op: '-', prec: 4 },
  mul: { op: '*', prec: 5 },
  div: { op: '/', prec: 5 },
  rem: { op: '%', prec: 5 },
}
const MEMBER_PREC = 0

export function funcName(f: RefTerm): string {
  if (f.head.type !== 'var') return ''
  return [f.head.name, ...f.path.map((p) => (p.type === 'string' ? p.value : '?'))].join('.')
}

function isMember(t: Term): boolean {
  if (t.type !== 'call') return false
  const n = funcName(t.func)
  return (n === 'internal.member_2' && t.args.length === 2) || (n === 'internal.member_3' && t.args.length === 3)
}

function infixOf(t: Term): { op: string; prec: number } | undefined {
  if (t.type !== 'call' || t.args.length !== 2) return undefined
  return INFIX[funcName(t.func)]
}

/** Binding strength of a term written bare; Infinity for anything that is not an infix call. */
function precOf(t: Term): number {
  if (isMember(t)) return MEMBER_PREC
  return infixOf(t)?.prec ?? Infinity
}

export function isUnionCall(t: Term): boolean {
  return t.type === 'call' && funcName(t.func) === 'or' && t.args.length === 2
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export function varName(name: string): string {
  return name.startsWith('$wild') ? '_' : name
}

// ---- terms ------------------------------------------------------------------

/**
 * A term, falling back to its source text when a comment inside it cannot
 * be placed (a collection on one line with comments between its items), as
 * OPA's formatter does. Unlike OPA's, the fallback ends here: the rest of
 * the expression is still written (OPA drops an operator's right operand
 * after a fallback in its left one).
 */
export function writeTerm(c: Ctx, t: Term): void {
  if (!c.w.pending.length) return writeTermParens(c, false, t)
  // Comments above the term first, so that a fallback keeps them.
  c.w.insertComments(c.row(t.span.start))
  const before = c.w.snapshot()
  try {
    writeTermParens(c, false, t)
  } catch (e) {
    if (!(e instanceof UnexpectedComment)) throw e
    writeUnformatted(c, t.span, before)
  }
}

/**
 * Go back to `before` and write the node's source text as it was; the
 * comments inside it go with the text, those after it stay pending.
 */
export function writeUnformatted(c: Ctx, span: Span, before: WriterState): void {
  c.w.restore(before)
  if (!c.w.inline) c.w.startLine()
  writeSource(c, span)
}

/** The source text of a span; the comments inside it are written with it, not again. */
function writeSource(c: Ctx, span: Span): void {
  const w = c.w
  const first = c.row(span.start)
  const last = c.endRow(span)
  // A comment kept for the end of the first line is inside a node that spans lines.
  if (w.beforeEnd && w.beforeEnd.row >= first && w.beforeEnd.row < last) w.beforeEnd = undefined
  w.write(c.src(span))
  w.pending = w.pending.filter((cm) => cm.row >= last)
}

export function writeTermParens(c: Ctx, parens: boolean, t: Term): void {
  const w = c.w
  w.insertComments(c.row(t.span.start))
  if (!w.inline) w.startLine()
  switch (t.type) {
    case 'ref':
      writeRef(c, t)
      break
    case 'object': {
      w.write('{')
      writeIterable(c, t.items, t.span, c.row(t.span.end - 1), (item, i) => {
        const [k, v] = item as [Term, Term]
        writeParenthesized(c, unionNeedsParens(c, k, i), () => writeTerm(c, k), k)
        w.write(': ')
        writeParenthesized(c, unionNeedsParens(c, v, i), () => writeTerm(c, v), v)
      })
      w.write('}')
      break
    }
    case 'array':
      w.write('[')
      writeIterable(c, t.items, t.span, c.row(t.span.end - 1), listItem(c, true))
      w.write(']')
      break
    case 'set':
      if (!t.items.length) {
        w.write('set()')
        w.insertComments(c.row(t.span.end - 1))
        break
      }
      w.write('{')
      writeIterable(c, t.items, t.span, c.row(t.span.end - 1), listItem(c, true))
      w.write('}')
      break
    case 'arraycomp':
      w.write('[')
      writeComprehension(c, t.term, t.term.span, t.body, t.span)
      w.write(']')
      break
    case 'setcomp':
      w.write('{')
      writeComprehension(c, t.term, t.term.span, t.body, t.span)
      w.write('}')
      break
    case 'objectcomp': {
      w.write('{')
      // The value is placed as if it were where the key is, so it never
      // starts a line of its own.
      if (c.row(t.key.span.start) - c.row(t.span.start) > 1) {
        w.endLine()
        w.startLine()
      }
      writeParenthesized(c, isUnionCall(t.key), () => writeTerm(c, t.key), t.key)
      w.write(': ')
      writeComprehension(c, t.value, t.key.span, t.body, t.span)
      w.write('}')
      break
    }
    case 'string': {
      const src = c.src(t.span)
      w.write(src.startsWith('"') || src.startsWith('`') ? src : quote(t.value))
      break
    }
    case 'templatestring': {
      // Written as in the source: its literal parts keep their escapes, and
      // comments inside its expressions go with the text.
      writeSource(c, t.span)
      break
    }
    case 'number':
      w.write(t === c.minusLead ? `(${t.raw})` : t.raw)
      break
    case 'boolean':
      w.write(t.value ? 'true' : 'false')
      break
    case 'null':
      w.write('null')
      break
    case 'var':
      w.write(varName(t.name))
      break
    case 'call':
      writeCall(c, parens, t)
      break
  }
  if (!w.inline) w.startLine()
}

/** `f` in parentheses when `parens`; comments above `t` go before the `(`. */
function writeParenthesized(c: Ctx, parens: boolean, f: () => void, t?: Term): void {
  if (parens && t) c.w.insertComments(c.row(t.span.start))
  if (parens) c.w.write('(')
  try {
    f()
  } finally {
    if (parens) c.w.write(')')
  }
}

/** A string as OPA prints a string value (used for names that had no quotes in the source). */
export function quote(s: string): string {
  return JSON.stringify(s)
}

export function writeRef(c: Ctx, r: RefTerm): void {
  const head = r.head
  writeTermParens(c, head.type === 'call' && c.parenthesized(head), head)
  for (const p of r.path) {
    if (p.type === 'string') {
      writeRefString(c, p.value, c.text[p.span.start] === '"')
    } else if (p.type === 'var') {
      c.w.write(`[${varName(p.name)}]`)
    } else {
      c.w.write('[')
      writeTerm(c, p)
      c.w.write(']')
    }
  }
}

/**
 * `.name` where the name allows it, else `["name"]`. A keyword keeps the form
 * it was written in: OPA reads `x.not` as a ref (its `keywords_in_refs`
 * capability, in v0 and v1 alike) but keeps `x["not"]` as written.
 */
export function writeRefString(c: Ctx, s: string, wasQuoted: boolean): void {
  let bracket = !VAR_NAME.test(s)
  if (!bracket && c.opts.keywords.has(s)) bracket = wasQuoted
  c.w.write(bracket ? `[${quote(s)}]` : `.${s}`)
}

function writeCall(c: Ctx, parens: boolean, t: CallTerm): void {
  if (isMember(t)) return writeIn(c, true, parens, t.args)
  const inf = infixOf(t)
  if (!inf) return writeCallPlain(c, t)
  writeParenthesized(c, parens, () => {
    writeTermParens(c, true, t.args[0]!)
    c.w.write(` ${inf.op} `)
    writeTermParens(c, true, t.args[1]!)
  })
}

/**
 * `x in xs` and `k, v in xs`. OPA parenthesizes the three-operand form in
 * term position; the two-operand form is parenthesized here too when it is
 * an operand of another operator, where `in`'s loose binding would regroup it.
 */
function writeIn(c: Ctx, parens3: boolean, nested: boolean, operands: Term[]): void {
  const parens = operands.length === 3 ? parens3 : nested
  writeParenthesized(c, parens, () => {
    writeTermParens(c, true, operands[0]!)
    if (operands.length === 3) {
      c.w.write(', ')
      writeTermParens(c, true, operands[1]!)
    }
    c.w.write(' in ')
    writeTermParens(c, true, operands[operands.length - 1]!)
  })
}

function writeCallPlain(c: Ctx, t: CallTerm): void {
  writeRef(c, t.func)
  c.w.write('(')
  try {
    // Call arguments are grouped relative to the function name's row; the
    // name holds no bracket, so no comment is placed before `)`.
    writeIterable(c, t.args, t.func.span, -1, listItem(c, false))
  } finally {
    c.w.write(')')
  }
}

/**
 * A set union `a | b` as the first item of a collection would read as a
 * comprehension (`[a | b]`, `{"k": a | b}`), so it is parenthesized there;
 * elsewhere it keeps the parentheses it had. (OPA's formatter has moved
 * between never and always adding them; keeping the source's choice leaves
 * files formatted by either version unchanged.)
 */
function unionNeedsParens(c: Ctx, t: Term, index: number): boolean {
  return isUnionCall(t) && (index === 0 || c.parenthesized(t))
}

/** An item of an array, set or argument list. */
export function listItem(c: Ctx, collection: boolean): (x: unknown, index: number) => void {
  return (x, index) => {
    const t = x as Term
    const union = collection ? unionNeedsParens(c, t, index) : isUnionCall(t) && c.parenthesized(t)
    // (`k, v in xs` is parenthesized by writeIn: in a list it would split in two.)
    writeParenthesized(c, union, () => writeTerm(c, t), t)
  }
}

function itemSpan(x: unknown): Span {
  return Array.isArray(x) ? (x[0] as Term).span : (x as { span: Span }).span
}

/**
 * Items (terms, object pairs, argument lists) grouped by the source row they
 * start on. `last` is the node the first item is measured against; items on
 * one row stay on one line.
 */
export function writeIterable(c: Ctx, items: readonly unknown[], last: Span, closeRow: number, each: (x: unknown, index: number) => void): void {
  const w = c.w
  const lines = groupByRow(c, items, c.row(last.start))
  let newlinePrecedesItem = false
  if (lines.length === 1) {
    const lastRow = c.row(last.start)
    for (const cm of w.pending) {
      if (cm.row > lastRow && cm.row < closeRow) throw new UnexpectedComment(cm.row)
    }
    if (items.length) {
      const lastText = c.src(last)
      const cut = lastText.indexOf(c.src(itemSpan(items[0])))
      if (cut > 0) newlinePrecedesItem = lastText.slice(0, cut).indexOf('\n') > 0
    }
  }
  const multiline = lines.length > 1 || (lines.length === 1 && newlinePrecedesItem)
  if (multiline) {
    w.delayBeforeEnd()
    w.startMultilineSeq()
  }
  let index = 0
  lines.forEach((line, i) => {
    line.forEach((x, j) => {
      if (j > 0) w.write(', ')
      each(x, index++)
    })
    if (i < lines.length - 1) {
      w.write(',')
      w.endLine()
      w.startLine()
    }
  })
  if (multiline) {
    w.write(',')
    w.endLine()
    w.insertComments(closeRow)
    w.down()
    w.startLine()
  }
}

function groupByRow<T>(c: Ctx, items: readonly T[], lastRow: number): T[][] {
  const lines: T[][] = []
  let cur: T[] = []
  items.forEach((x, i) => {
    const row = c.row(itemSpan(x).start)
    if (row > lastRow && i > 0) {
      lines.push(cur)
      cur = []
    }
    lastRow = row
    cur.push(x)
  })
  lines.push(cur)
  return lines
}

// ---- comprehensions and bodies ---------------------------------------------------

function writeComprehension(c: Ctx, term: Term, termAt: Span, body: Body, compr: Span): void {
  const w = c.w
  if (c.row(termAt.start) - c.row(compr.start) >= 1) {
    w.endLine()
    w.startLine()
  }
  const parens = term.type === 'call' && (isUnionCall(term) || c.parenthesized(term))
  writeTermParens(c, parens, term)
  w.write(' |')
  writeComprehensionBody(c, body, termAt)
}

/**
 * The body after `|` (or an `every`'s `{`): on the same line, `;`-separated,
 * when it started on the line of `termAt` and all on one row; otherwise one
 * expression per line, indented.
 */
function writeComprehensionBody(c: Ctx, body: Body, termAt: Span): void {
  const w = c.w
  const termRow = c.row(termAt.start)
  const lines = groupByRow(c, body.exprs, termRow)
  const closeRow = c.row(closeAfter(c, body.span.end))
  if (c.row(body.exprs[0]!.span.start) - termRow > 0 || lines.length > 1) {
    w.endLine()
    w.up()
    writeBody(c, body)
    w.insertComments(closeRow)
    w.down()
    w.startLine()
    return
  }
  w.write(' ')
  body.exprs.forEach((e, i) => {
    if (i > 0) w.write('; ')
    writeExpr(c, e)
  })
  w.insertComments(closeRow)
}

/** Expressions one per line, keeping one blank line where the source had any. */
export function writeBody(c: Ctx, body: Body): void {
  const w = c.w
  w.insertComments(c.row(body.exprs[0]!.span.start))
  body.exprs.forEach((e, i) => {
    if (i > 0 && c.row(e.span.start) > c.endRow(body.exprs[i - 1]!.span) + 1) w.blankLine()
    // Comments above the expression first, so that a fallback keeps them.
    w.insertComments(c.row(e.span.start))
    w.startLine()
    const before = w.snapshot()
    try {
      if (i > 0) c.minusLead = leadingMinus(e)
      writeExpr(c, e)
    } catch (err) {
      if (!(err instanceof UnexpectedComment)) throw err
      writeUnformatted(c, e.span, before)
    }
    w.trailingCommentAt(c.endRow(e.span))
    w.endLine()
  })
}

/**
 * The negative number an expression would start with: on a line of its
 * own after another expression, the parser reads `-` as continuing the line
 * before (`x := 1` then `-1 < y` is `x := 1 - 1 < y`), so the number is
 * written in parentheses, as the source needed it to be.
 */
function leadingMinus(e: Expr): Term | undefined {
  const t = leftmostTerm(e)
  return t?.type === 'number' && t.raw.startsWith('-') ? t : undefined
}

/** The term an expression's text starts with (none for `not`, `some`, `every`). */
export function leftmostTerm(e: Expr): Term | undefined {
  const leftmost = (t: Term): Term => (t.type === 'call' && (infixOf(t) || isMember(t)) ? leftmost(t.args[0]!) : t.type === 'ref' ? leftmost(t.head) : t)
  if (e.negated) return undefined
  const first = e.kind === 'term' ? e.term : e.kind === 'unify' || e.kind === 'assign' ? e.left : undefined
  return first && leftmost(first)
}

export function writeExpr(c: Ctx, e: Expr): void {
  const w = c.w
  w.insertComments(c.row(e.span.start))
  if (!w.inline) w.startLine()
  if (e.negated) w.write('not ')
  switch (e.kind) {
    case 'term':
      if (e.term.type === 'call') writeExprCall(c, e.term)
      else writeTerm(c, e.term)
      break
    case 'unify':
    case 'assign':
      writeTerm(c, e.left)
      w.write(e.kind === 'assign' ? ' := ' : ' = ')
      writeTerm(c, e.right)
      break
    case 'some': {
      w.write('some ')
      let row = c.row(e.span.start)
      e.vars.forEach((v, i) => {
        const r = c.row(v.span.start)
        if (r > row) {
          w.endLine()
          w.startLine()
          w.write('\t')
          row = r
        } else if (i > 0) {
          w.write(' ')
        }
        writeTerm(c, v)
        if (i < e.vars.length - 1) w.write(',')
      })
      break
    }
    case 'somein':
      w.write('some ')
      writeIn(c, false, false, e.key ? [e.key, e.value, e.domain] : [e.value, e.domain])
      break
    case 'every': {
      w.write('every ')
      if (e.key) {
        writeTerm(c, e.key)
        w.write(', ')
      }
      writeTerm(c, e.value)
      w.write(' in ')
      writeTerm(c, e.domain)
      w.write(' {')
      writeComprehensionBody(c, e.body, e.span)
      if (e.body.exprs.length === 1 && c.row(e.body.exprs[0]!.span.start) === c.row(e.span.start)) w.write(' ')
      w.write('}')
      break
    }
  }
  writeWiths(c, e)
}

/**
 * A call as a whole expression: infix operators without parentheses around
 * their operands, except where reading it back would group it differently
 * (`a - (b + c)`, a bare `(a + b) * c`).
 */
function writeExprCall(c: Ctx, t: CallTerm): void {
  if (isMember(t)) return writeIn(c, false, false, t.args)
  const inf = infixOf(t)
  if (!inf) return writeCallPlain(c, t)
  const [a, b] = t.args as [Term, Term]
  writeParenthesized(c, precOf(a) < inf.prec, () => writeTerm(c, a), a)
  c.w.write(` ${inf.op} `)
  writeParenthesized(c, precOf(b) <= inf.prec, () => writeTerm(c, b), b)
}

function writeWiths(c: Ctx, e: Expr): void {
  if (!e.with.length) return
  const w = c.w
  let withs = e.with
  // The row where the expression's own terms end, `with`s excluded.
  const termsText = c.text.slice(e.span.start, withs[0]!.span.start).trimEnd()
  let lastRow = c.row(e.span.start) + countNewlines(termsText)
  if (c.row(withs[0]!.span.start) === lastRow) {
    writeWith(c, withs[0]!, false)
    lastRow = c.row(withs[0]!.span.start)
    withs = withs.slice(1)
  }
  let indented = false
  for (const wi of withs) {
    const row = c.row(wi.span.start)
    const indent = row > lastRow
    if (indent) {
      if (!indented) {
        w.up()
        indented = true
      }
      w.endLine()
      w.startLine()
      lastRow = row
    }
    writeWith(c, wi, indent)
  }
  if (indented) w.down()
}

function writeWith(c: Ctx, wi: With, indented: boolean): void {
  const w = c.w
  w.insertComments(c.row(wi.span.start))
  if (!indented) w.write(' ')
  w.write('with ')
  writeTerm(c, wi.target)
  w.write(' as ')
  writeTerm(c, wi.value)
}
