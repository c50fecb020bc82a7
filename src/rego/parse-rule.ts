// Rules: heads (`p`, `p[k]`, `a.b[x]`, `f(x)`), values (`=`/`:=`),
// `contains`, `if`, bodies, `else` chains, v0's chained bodies `p { a } { b }`
// and `default`. The rule kind (complete, set, object, function) is decided
// here as OPA's parseRules does; the v1-only requirements (`if` before a
// body, `contains` for multi-value rules) are checked after the rule parsed,
// with OPA's messages, so a v0-style rule gets a precise error in v1.

import type { Body, Expr, Rule, RuleHead, Span, Term } from './ast.js'
import { parseBody, parseLiteral } from './parse-body.js'
import { parseTermInfix, parseTermList, parseVar, stringTerm } from './parse-term.js'
import type { ParserState } from './parser-state.js'

/** `true` as a generated body (OPA's rules without a body). */
export function trueBody(span: Span): Body {
  const expr: Expr = { kind: 'term', term: { type: 'boolean', value: true, span }, negated: false, with: [], span }
  return { exprs: [expr], span }
}

interface HeadParse {
  ref: Term[]
  args?: Term[]
  key?: Term
  value?: Term
  assign: boolean
  contains: boolean
  span: Span
}

/** One rule statement; v0 chained bodies give several rules. */
export function parseRules(p: ParserState): Rule[] {
  const start = p.tok.start
  let isDefault = false
  if (p.isKw('default')) {
    p.next()
    isDefault = true
  }
  const h = parseHead(p, isDefault)

  if (isDefault) return [parseDefault(p, h, start)]

  const hasIf = p.isKw('if')
  let body: Body | undefined
  if (hasIf) {
    p.next()
    body = parseIfBody(p)
  } else if (p.is('{')) {
    body = braceBody(p)
  } else if (!p.tok.nl && !p.is('eof')) {
    p.unexpected()
  }

  const head = classify(h, hasIf)
  if (!body && !h.contains && h.value === undefined) {
    // A bare head: OPA reads it as an expression turned into a rule.
    if (h.ref.length === 1 && !h.args) p.fail(start, 'var cannot be used for rule name')
  }
  const rule: Rule = {
    head,
    body: body ?? trueBody(head.span),
    default: false,
    span: p.span(start),
  }
  if (p.regoVersion === 1) checkV1(p, rule, start, { hasBody: body !== undefined, hasIf, usesContains: h.contains, hasValue: h.value !== undefined })

  const rules = [rule]
  if (p.isKw('else')) {
    if (head.kind === 'set' || head.kind === 'object') {
      p.fail(
        p.tok.start,
        head.kind === 'set' ? 'else keyword cannot be used on multi-value rules' : 'else keyword cannot be used on rules with variables in head',
      )
    }
    rule.else = parseElse(p, head)
    rule.span = p.span(start)
  }
  // v0 chained bodies: `p { a } { b }` defines p twice.
  while (p.is('{')) {
    if (rule.else) p.fail(p.tok.start, 'expected else keyword')
    const bstart = p.tok.start
    const b = braceBody(p)
    rules.push({ head: copyHead(p, head, p.span(bstart)), body: b, default: false, span: p.span(bstart) })
  }
  return rules
}

function parseHead(p: ParserState, isDefault: boolean): HeadParse {
  const start = p.tok.start
  if (p.tok.kind !== 'ident' || (!p.isVarName() && !p.startsRef())) p.unexpected()
  const ref: Term[] = [parseVar(p)]
  let args: Term[] | undefined
  while (p.adjacent() && !args) {
    if (p.is('.')) {
      p.next()
      const t = p.tok
      if (t.kind !== 'ident' || !p.adjacent()) p.unexpected('expected ident')
      p.next()
      ref.push(stringTerm(t.value, { start: t.start, end: t.end }))
    } else if (p.is('[')) {
      p.next()
      ref.push(parseTermInfix(p))
      if (!p.is(']')) p.unexpected('expected ]')
      p.next()
    } else if (p.is('(')) {
      p.next()
      args = parseTermList(p, ')')
      p.next()
    } else {
      break
    }
  }
  const name = ref.map((t, i) => (i === 0 ? (t as { name: string }).name : t.type === 'string' ? `.${t.value}` : '[...]')).join('')
  const h: HeadParse = { ref, assign: false, contains: false, span: p.span(start) }
  if (args) h.args = args
  if (p.isKw('contains')) {
    if (args) p.unexpected(`the contains keyword can only be used with multi-value rule definitions (e.g., ${name} contains <VALUE> { ... })`)
    p.next()
    h.contains = true
    h.key = parseTermInfix(p)
  } else if (p.is('=') || p.is(':=')) {
    h.assign = p.next().kind === ':='
    if (p.is('eof')) {
      p.unexpected(
        args
          ? `expected function value term (e.g., ${name}(...) := <VALUE> { ... })`
          : isDefault
            ? `expected default rule value term (e.g., default ${name} := <VALUE>)`
            : `expected rule value term (e.g., ${name} := <VALUE> { ... })`,
      )
    }
    h.value = parseTermInfix(p)
  }
  h.span = p.span(start)
  return h
}

/** After `if`: `{ body }` or a single expression. */
function parseIfBody(p: ParserState): Body {
  if (p.is('eof')) p.unexpected('rule body expected')
  if (p.is('{')) {
    const body = p.attempt(() => braceBody(p))
    if (body) return body
    // `p if {"a": 1}.a`: not a body after all, but an expression on a composite.
    const lit = p.attempt(() => parseLiteral(p))
    if (lit && !(lit.kind === 'term' && lit.term.type === 'set')) return { exprs: [lit], span: lit.span }
    return braceBody(p) // fails again, reporting the body's error
  }
  const lit = parseLiteral(p)
  return { exprs: [lit], span: lit.span }
}

function braceBody(p: ParserState): Body {
  const open = p.next()
  if (p.is('}')) p.fail(open.start, 'found empty body')
  const body = parseBody(p, '}')
  p.next()
  return body
}

/** Decide the rule kind as OPA's parseRules does. */
function classify(h: HeadParse, hasIf: boolean): RuleHead {
  const head: RuleHead = { ref: h.ref, kind: 'complete', assign: h.assign, span: h.span }
  if (h.value !== undefined) head.value = h.value
  if (h.args) {
    head.kind = 'function'
    head.args = h.args
  } else if (h.contains) {
    head.kind = 'set'
    head.key = h.key!
  } else if (h.ref.length === 2 && !hasIf && h.value === undefined) {
    // v0 `p[x] { … }` (and `p.q { … }`, as OPA reads it): a partial set.
    head.kind = 'set'
    head.key = h.ref[1]!
    head.ref = [h.ref[0]!]
  } else if (h.ref.length > 1 && h.ref[h.ref.length - 1]!.type !== 'string') {
    head.kind = 'object'
    head.key = h.ref[h.ref.length - 1]!
  }
  return head
}

function parseDefault(p: ParserState, h: HeadParse, start: number): Rule {
  if (h.value === undefined) p.fail(start, 'illegal default rule (must have a value)')
  const bad = forbiddenInDefault(h.value)
  if (bad) p.fail(start, `illegal default rule (value cannot contain ${bad})`)
  const seen = new Set<string>()
  for (const a of h.args ?? []) {
    if (a.type !== 'var') p.fail(start, `illegal default rule (arguments cannot contain ${a.type})`)
    if (seen.has(a.name)) p.fail(start, `illegal default rule (arguments cannot be repeated ${a.name})`)
    seen.add(a.name)
  }
  const head: RuleHead = { ref: h.ref, kind: h.args ? 'function' : 'complete', value: h.value, assign: h.assign, span: h.span }
  if (h.args) head.args = h.args
  else if (h.ref.length > 1 && h.ref[h.ref.length - 1]!.type !== 'string') {
    head.kind = 'object'
    head.key = h.ref[h.ref.length - 1]!
  }
  return { head, body: trueBody(h.span), default: true, span: p.span(start) }
}

/** A var, ref or call anywhere outside comprehensions makes a default value illegal. */
function forbiddenInDefault(t: Term): string | undefined {
  switch (t.type) {
    case 'var':
      return 'var'
    case 'ref':
      return 'ref'
    case 'call':
      return 'call'
    case 'array':
    case 'set':
      for (const x of t.items) {
        const r = forbiddenInDefault(x)
        if (r) return r
      }
      return undefined
    case 'object':
      for (const [k, v] of t.items) {
        const r = forbiddenInDefault(k) ?? forbiddenInDefault(v)
        if (r) return r
      }
      return undefined
    case 'templatestring':
      for (const x of t.parts) {
        if (typeof x !== 'string') {
          const r = forbiddenInDefault(x)
          if (r) return r
        }
      }
      return undefined
    default:
      return undefined
  }
}

function parseElse(p: ParserState, parent: RuleHead): Rule {
  const start = p.next().start // else
  const head = copyHead(p, parent, { start, end: start })
  delete head.value
  head.assign = false
  if (p.is('=') || p.is(':=')) {
    head.assign = p.next().kind === ':='
    head.value = parseTermInfix(p)
  } else if (!p.is('{') && !p.isKw('if')) {
    p.unexpected('expected else value term or rule body')
  }
  head.span = p.span(start)
  let body: Body | undefined
  if (p.isKw('if')) {
    p.next()
    body = parseIfBody(p)
  } else if (p.is('{')) {
    body = braceBody(p)
  }
  const rule: Rule = { head, body: body ?? trueBody(head.span), default: false, span: p.span(start) }
  if (p.isKw('else')) {
    rule.else = parseElse(p, parent)
    rule.span = p.span(start)
  }
  return rule
}

/** The head for another body of the same rule; wildcard arguments get fresh names. */
function copyHead(p: ParserState, head: RuleHead, span: Span): RuleHead {
  const out: RuleHead = { ...head, span }
  if (head.args) {
    out.args = head.args.map((a) => (a.type === 'var' && a.name.startsWith('$wild') ? { ...a, name: p.wildcard() } : a))
  }
  return out
}

interface V1Facts {
  hasBody: boolean
  hasIf: boolean
  usesContains: boolean
  hasValue: boolean
}

/** OPA's checkRegoV1Rule: errors, not aborts, so both can be reported for one rule. */
function checkV1(p: ParserState, rule: Rule, start: number, f: V1Facts): void {
  const what = rule.head.kind === 'function' ? 'function' : 'rule'
  if (!f.hasBody && !f.hasValue && !f.usesContains && rule.head.kind !== 'set' && rule.head.kind !== 'function') {
    p.error(start, `${what} must have value assignment and/or body declaration`)
  }
  if (f.hasBody && !f.hasIf) p.error(start, `\`if\` keyword is required before ${what} body`)
  if (rule.head.kind === 'set' && !f.usesContains) p.error(start, '`contains` keyword is required for partial set rules')
}
