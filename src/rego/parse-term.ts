// Terms and operators: tokens → Term. Binding strength follows OPA's parser
// (v1/ast/parser.go), loosest first: `in` (and `k, v in xs`), comparison
// (== != < <= > >=), `|`, `&`, `+ -`, `* / %`, then a term with its ref and
// call suffixes. Every operator becomes a CallTerm of its built-in name, as
// if the user had written `plus(a, b)` or `internal.member_2(x, xs)`.

import type { ArrayTerm, Body, CallTerm, ObjectTerm, RefTerm, SetTerm, Span, StringTerm, Term, VarTerm } from './ast.js'
import type { TokenKind } from './lexer.js'
import { parseBody } from './parse-body.js'
import { ParseAbort, type ParserState } from './parser-state.js'
import { parseTemplateString } from './template-string.js'

const RELATION_OPS: Readonly<Partial<Record<TokenKind, string>>> = {
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
}
const ARITH_OPS: Readonly<Partial<Record<TokenKind, string>>> = { '+': 'plus', '-': 'minus' }
const FACTOR_OPS: Readonly<Partial<Record<TokenKind, string>>> = { '*': 'mul', '/': 'div', '%': 'rem' }

/** Root documents: a bare `data` or `input` is a ref, not a var. */
const ROOT_DOCUMENTS: ReadonlySet<string> = new Set(['data', 'input'])

export function varTerm(name: string, span: Span): VarTerm {
  return { type: 'var', name, span }
}
export function stringTerm(value: string, span: Span): StringTerm {
  return { type: 'string', value, span }
}

/** The function ref of a built-in operator: `plus`, or `internal.member_2`. */
export function builtinRef(name: string, span: Span): RefTerm {
  const parts = name.split('.')
  const head = varTerm(parts[0]!, span)
  return { type: 'ref', head, path: parts.slice(1).map((s) => stringTerm(s, span)), span }
}

function call(name: string, opSpan: Span, args: Term[], start: number, p: ParserState): CallTerm {
  return { type: 'call', func: builtinRef(name, opSpan), args, span: p.span(start) }
}

/**
 * A full term with every infix operator. `keyVal` allows `k, v in xs` (only
 * where a comma cannot mean a list separator: expressions, rule values).
 */
export function parseTermInfix(p: ParserState, keyVal = true): Term {
  const start = p.tok.start
  let lhs = parseRelation(p)
  if (keyVal && p.is(',')) {
    const r = p.attempt(() => {
      p.next()
      const mhs = parseRelation(p)
      if (!p.isKw('in')) throw new ParseAbort()
      const op = p.next()
      const rhs = parseRelation(p)
      return call('internal.member_3', { start: op.start, end: op.end }, [lhs, mhs, rhs], start, p)
    })
    if (r) lhs = r
  }
  while (p.isKw('in')) {
    const op = p.next()
    const rhs = parseRelation(p)
    lhs = call('internal.member_2', { start: op.start, end: op.end }, [lhs, rhs], start, p)
  }
  return lhs
}

type Level = (p: ParserState) => Term

function binaryLevel(ops: Partial<Record<TokenKind, string>>, operand: Level): Level {
  return (p) => {
    const start = p.tok.start
    let lhs = operand(p)
    for (let name = ops[p.tok.kind]; name !== undefined; name = ops[p.tok.kind]) {
      const op = p.next()
      const rhs = operand(p)
      lhs = call(name, { start: op.start, end: op.end }, [lhs, rhs], start, p)
    }
    return lhs
  }
}

const parseFactor: Level = binaryLevel(FACTOR_OPS, (p) => parseTerm(p))
const parseArith: Level = binaryLevel(ARITH_OPS, parseFactor)
const parseAnd: Level = binaryLevel({ '&': 'and' }, parseArith)
const parseOr: Level = binaryLevel({ '|': 'or' }, parseAnd)
const parseRelation: Level = binaryLevel(RELATION_OPS, parseOr)

/** One term (no infix operators) with its ref and call suffixes. */
export function parseTerm(p: ParserState): Term {
  const t = p.tok
  const start = t.start
  let term: Term
  switch (t.kind) {
    case 'number': {
      p.next()
      term = { type: 'number', raw: checkNumber(p, t.value, t.start), span: p.span(start) }
      break
    }
    case '-': {
      p.next()
      if (p.is('number')) {
        // A negative literal keeps its text, as OPA's json.Number does.
        const num = p.next()
        term = { type: 'number', raw: checkNumber(p, '-' + num.value, num.start), span: p.span(start) }
        break
      }
      // Unary minus on anything else is `minus(0, x)`.
      const operand = parseTerm(p)
      const opSpan = { start: t.start, end: t.end }
      return call('minus', opSpan, [{ type: 'number', raw: '0', span: opSpan }, operand], start, p)
    }
    case 'string':
      p.next()
      term = { type: 'string', value: t.value, span: p.span(start) }
      break
    case 'template':
      term = parseTemplateString(p)
      break
    case 'ident':
      if (p.isKw('null')) {
        p.next()
        term = { type: 'null', span: p.span(start) }
        break
      }
      if (p.isKw('true') || p.isKw('false')) {
        p.next()
        term = { type: 'boolean', value: t.value === 'true', span: p.span(start) }
        break
      }
      // `contains` outside rule heads is an ordinary name, as in OPA.
      if (!p.isVarName() && !(t.value === 'contains') && !p.startsRef()) p.unexpected()
      term = parseVar(p)
      break
    case '[':
      term = parseArray(p)
      break
    case '{':
      term = parseSetOrObject(p)
      break
    case '(': {
      p.next()
      const inner = parseTermInfix(p)
      if (!p.is(')')) p.fail(p.tok.start, 'non-terminated expression')
      p.next()
      term = inner
      break
    }
    default:
      p.unexpected()
  }
  return parseSuffixes(p, term, start)
}

export function parseVar(p: ParserState): VarTerm {
  const t = p.next()
  const name = t.value === '_' ? p.wildcard() : t.value
  return varTerm(name, { start: t.start, end: t.end })
}

function checkNumber(p: ParserState, raw: string, at: number): string {
  const digits = raw.startsWith('-') ? raw.slice(1) : raw
  if (digits.length > 1 && digits[0] === '0' && digits[1] !== '.' && digits[1] !== 'e' && digits[1] !== 'E') {
    p.fail(at, 'unexpected number token: expected number without leading zero')
  }
  return raw
}

/** `.field`, `[term]` and `(args)` directly after a term (no whitespace between). */
export function parseSuffixes(p: ParserState, head: Term, start: number): Term {
  let term = head
  for (;;) {
    if (!p.adjacent()) break
    const k = p.tok.kind
    if (k === '.') {
      p.next()
      const name = p.tok
      if (name.kind !== 'ident' || !p.adjacent()) p.unexpected('expected ident')
      p.next()
      term = extendRef(p, term, stringTerm(name.value, { start: name.start, end: name.end }), start)
    } else if (k === '[') {
      p.next()
      const key = parseTermInfix(p)
      if (!p.is(']')) p.unexpected('expected ]')
      p.next()
      term = extendRef(p, term, key, start)
    } else if (k === '(') {
      term = parseCall(p, term, start)
    } else {
      break
    }
  }
  if (term.type === 'var' && ROOT_DOCUMENTS.has(term.name)) {
    return { type: 'ref', head: term, path: [], span: term.span }
  }
  return term
}

function extendRef(p: ParserState, term: Term, operand: Term, start: number): RefTerm {
  switch (term.type) {
    case 'ref':
      return { type: 'ref', head: term.head, path: [...term.path, operand], span: p.span(start) }
    case 'var':
    case 'array':
    case 'object':
    case 'set':
    case 'call':
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      return { type: 'ref', head: term, path: [operand], span: p.span(start) }
    default:
      p.fail(term.span.start, `illegal ref (head cannot be ${term.type})`)
  }
}

function parseCall(p: ParserState, fn: Term, start: number): Term {
  let func: RefTerm
  if (fn.type === 'var') func = { type: 'ref', head: fn, path: [], span: fn.span }
  else if (fn.type === 'ref' && fn.head.type === 'var') func = fn
  else p.fail(fn.span.start, `illegal call (operator cannot be ${fn.type})`)
  p.next() // (
  const args = parseTermList(p, ')')
  p.next() // )
  if (func.head.type === 'var' && func.head.name === 'set' && func.path.length === 0 && args.length === 0) {
    return { type: 'set', items: [], span: p.span(start) } satisfies SetTerm
  }
  return { type: 'call', func, args, span: p.span(start) }
}

/** Comma-separated terms up to `end` (left current); a trailing comma is allowed. */
export function parseTermList(p: ParserState, end: TokenKind, items: Term[] = []): Term[] {
  if (p.is(end)) return items
  for (;;) {
    items.push(parseTermInfix(p, false))
    if (p.is(end)) return items
    if (!p.is(',')) p.unexpected(`expected "," or "${end}"`)
    p.next()
    if (p.is(end)) return items
  }
}

function parsePairList(p: ParserState, end: TokenKind, items: [Term, Term][]): [Term, Term][] {
  if (p.is(end)) return items
  for (;;) {
    const k = parseTermInfix(p, false)
    if (!p.is(':')) p.unexpected('expected ":"')
    p.next()
    items.push([k, parseTermInfix(p, false)])
    if (p.is(end)) return items
    if (!p.is(',')) p.unexpected(`expected "," or "${end}"`)
    p.next()
    if (p.is(end)) return items
  }
}

/**
 * Try `| body` of a comprehension. Like OPA, a failure at a comma means the
 * `|` was an `or` inside a plain collection: the caller re-parses it.
 */
function comprehensionBody(p: ParserState, end: ']' | '}'): Body | undefined {
  const s = p.save()
  p.next() // |
  try {
    const body = parseBody(p, end)
    p.next()
    return body
  } catch (e) {
    if (!(e instanceof ParseAbort) || !p.is(',')) throw e
    p.restore(s)
    return undefined
  }
}

function parseArray(p: ParserState): Term {
  const start = p.next().start // [
  if (p.is(']')) {
    p.next()
    return { type: 'array', items: [], span: p.span(start) }
  }
  let potentialComprehension = true
  if (p.is(',')) {
    potentialComprehension = false
    p.next()
  }
  const s = p.save()
  // A single term first: `[x | body]` is a comprehension, not `or(x, body)`.
  const head = p.attempt(() => parseTerm(p))
  if (head) {
    if (p.is(']')) {
      p.next()
      return { type: 'array', items: [head], span: p.span(start) }
    }
    if (p.is(',')) {
      p.next()
      const items = parseTermList(p, ']', [head])
      p.next()
      return { type: 'array', items, span: p.span(start) }
    }
    if (p.is('|') && potentialComprehension) {
      const body = comprehensionBody(p, ']')
      if (body) return { type: 'arraycomp', term: head, body, span: p.span(start) }
    }
  }
  p.restore(s)
  const items = parseTermList(p, ']')
  p.next()
  return { type: 'array', items, span: p.span(start) } satisfies ArrayTerm
}

function parseSetOrObject(p: ParserState): Term {
  const start = p.next().start // {
  if (p.is('}')) {
    p.next()
    return { type: 'object', items: [], span: p.span(start) }
  }
  let potentialComprehension = true
  if (p.is(',')) {
    potentialComprehension = false
    p.next()
  }
  const s = p.save()
  const head = p.attempt(() => parseTerm(p))
  if (head) {
    if (p.is('|') && potentialComprehension) {
      const body = comprehensionBody(p, '}')
      if (body) return { type: 'setcomp', term: head, body, span: p.span(start) }
      p.restore(s)
      const items = parseTermList(p, '}')
      p.next()
      return { type: 'set', items, span: p.span(start) }
    }
    if (p.is('}') || p.is(',')) return finishSet(p, head, start)
    if (p.is(':')) return parseObject(p, head, potentialComprehension, start)
  }
  p.restore(s)
  const key = parseTermInfix(p, false)
  if (p.is('}') || p.is(',')) return finishSet(p, key, start)
  if (p.is(':')) return parseObject(p, key, potentialComprehension, start)
  p.unexpected('non-terminated set')
}

function finishSet(p: ParserState, first: Term, start: number): SetTerm {
  const items = [first]
  if (p.is(',')) {
    p.next()
    parseTermList(p, '}', items)
  }
  p.next() // }
  return { type: 'set', items, span: p.span(start) }
}

function parseObject(p: ParserState, key: Term, potentialComprehension: boolean, start: number): Term {
  p.next() // :
  const s = p.save()
  if (potentialComprehension) {
    const value = p.attempt(() => parseTerm(p))
    if (value && p.is('|')) {
      const body = comprehensionBody(p, '}')
      if (body) return { type: 'objectcomp', key, value, body, span: p.span(start) }
      p.unexpected('non-terminated object')
    }
    p.restore(s)
  }
  const value = parseTermInfix(p, false)
  if (!p.is('}') && !p.is(',')) p.unexpected('non-terminated object')
  const items: [Term, Term][] = [[key, value]]
  if (p.is(',')) {
    p.next()
    parsePairList(p, '}', items)
  }
  p.next() // }
  return { type: 'object', items, span: p.span(start) } satisfies ObjectTerm
}
