// Bodies and their expressions ("literals" in OPA): `not`, `some`, `every`,
// `a = b`, `a := b`, bare terms and calls, each with optional `with`
// modifiers. Expressions are separated by `;` or a newline.

import type { Body, Expr, ExprKind, RefTerm, Term, VarTerm, With } from './ast.js'
import { parseTerm, parseTermInfix, parseVar } from './parse-term.js'
import { ParseAbort, type ParserState } from './parser-state.js'

export type BodyEnd = '}' | ']' | 'eof'

/** Expressions up to `end` (left as the current token). */
export function parseBody(p: ParserState, end: BodyEnd): Body {
  const start = p.tok.start
  if (p.is(end)) p.fail(p.tok.start, 'found empty body')
  const exprs: Expr[] = []
  for (;;) {
    exprs.push(parseLiteral(p))
    if (p.is(';')) {
      p.next()
      continue
    }
    if (p.is(end)) break
    if (!p.tok.nl) p.unexpected(`expected \\n or ; or ${end}`)
  }
  return { exprs, span: p.span(start) }
}

export function parseLiteral(p: ParserState): Expr {
  const start = p.tok.start
  let negated = false
  if (p.isKw('not')) {
    p.next()
    negated = true
  }
  if (p.isKw('some')) {
    if (negated) p.unexpected("illegal negation of 'some'")
    return withModifiers(p, parseSome(p), false, start)
  }
  if (p.isKw('every')) {
    if (negated) p.unexpected("illegal negation of 'every'")
    return withModifiers(p, parseEvery(p), false, start)
  }
  return withModifiers(p, parseExprKind(p), negated, start)
}

function parseExprKind(p: ParserState): ExprKind {
  const left = parseTermInfix(p)
  if (p.is(':=') || p.is('=')) {
    const kind = p.next().kind === ':=' ? 'assign' : 'unify'
    return { kind, left, right: parseTermInfix(p) }
  }
  return { kind: 'term', term: left }
}

function withModifiers(p: ParserState, e: ExprKind, negated: boolean, start: number): Expr {
  return { ...e, negated, with: parseWith(p), span: p.span(start) } as Expr
}

/** `with target as value` modifiers, as many as follow. */
export function parseWith(p: ParserState): With[] {
  const withs: With[] = []
  while (p.isKw('with')) {
    const wstart = p.next().start
    if (p.tok.kind !== 'ident') p.unexpected('expected ident')
    const target = parseTerm(p)
    let ref: RefTerm
    if (target.type === 'ref') ref = target
    else if (target.type === 'var') ref = { type: 'ref', head: target, path: [], span: target.span }
    else p.fail(target.span.start, 'unexpected term: expected with target path')
    if (!p.isKw('as')) p.unexpected('expected as keyword')
    p.next()
    const value = parseTermInfix(p)
    withs.push({ target: ref, value, span: p.span(wstart) })
  }
  return withs
}

function memberCall(t: Term): { args: Term[] } | undefined {
  if (t.type !== 'call') return undefined
  const f = t.func
  if (f.head.type !== 'var' || f.head.name !== 'internal' || f.path.length !== 1) return undefined
  const last = f.path[0]!
  if (last.type !== 'string' || (last.value !== 'member_2' && last.value !== 'member_3')) return undefined
  return { args: t.args }
}

function parseSome(p: ParserState): ExprKind {
  p.next()
  // `some x in xs` / `some k, v in xs`, parsed as the membership call it reads as.
  const inForm = p.attempt(() => {
    const t = parseTermInfix(p)
    const m = memberCall(t)
    if (!m) throw new ParseAbort()
    return m
  })
  if (inForm) {
    const a = inForm.args
    return a.length === 3 ? { kind: 'somein', key: a[0]!, value: a[1]!, domain: a[2]! } : { kind: 'somein', value: a[0]!, domain: a[1]! }
  }
  const vars: VarTerm[] = []
  for (;;) {
    if (!p.isVarName()) p.unexpected('expected var')
    vars.push(parseVar(p))
    if (!p.is(',')) break
    p.next()
  }
  return { kind: 'some', vars }
}

function parseEvery(p: ParserState): ExprKind {
  p.next()
  const at = p.tok
  const t = parseTermInfix(p)
  const m = memberCall(t)
  if (!m) p.unexpected('expected `x[, y] in xs { ... }` expression', at)
  const a = m.args
  const [key, value, domain] = a.length === 3 ? [a[0], a[1]!, a[2]!] : [undefined, a[0]!, a[1]!]
  if (key && key.type !== 'var') p.fail(key.span.start, 'unexpected term: expected key to be a variable')
  if (value.type !== 'var') p.fail(value.span.start, 'unexpected term: expected value to be a variable')
  if (!p.is('{')) p.unexpected('missing body')
  p.next()
  const body = parseBody(p, '}')
  p.next()
  return key ? { kind: 'every', key: key as VarTerm, value, domain, body } : { kind: 'every', value, domain, body }
}
