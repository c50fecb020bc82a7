// Template strings: `$"hello {input.name}"` and `` $`raw {x}` ``. The lexer
// already split the literal text into `template` parts (escapes decoded,
// `\{` turned into a brace) with ordinary tokens for each embedded
// expression in between; here the parts and terms are put back together.
// Like OPA, an embedded expression may not be `not`, `=`, `:=`, `some` or
// `every`, and empty literal parts are dropped.

import type { Term, TemplateStringTerm, With } from './ast.js'
import { parseWith } from './parse-body.js'
import { parseTermInfix } from './parse-term.js'
import type { ParserState } from './parser-state.js'

export function parseTemplateString(p: ParserState): TemplateStringTerm {
  const first = p.next()
  const start = first.start
  const parts: (string | Term)[] = []
  if (first.value) parts.push(first.value)
  let part = first
  let partWith: Record<number, With[]> | undefined
  while (!part.last) {
    const at = p.tok
    if (p.isKw('not')) p.fail(at.start, "unexpected negation ('not') in template-string expression")
    if (p.isKw('some') || p.isKw('every')) p.fail(at.start, `unexpected '${at.value}' in template-string expression`)
    if (p.is('template') && !p.tok.first) p.fail(at.start, 'invalid template-string expression')
    parts.push(parseTermInfix(p))
    const withs = parseWith(p)
    if (withs.length) (partWith ??= {})[parts.length - 1] = withs
    if (p.is('=')) p.fail(at.start, "unexpected unification ('=') in template-string expression")
    if (p.is(':=')) p.fail(at.start, "unexpected assignment (':=') in template-string expression")
    if (!p.is('template') || p.tok.first) p.unexpected('expected } to end template string expression')
    part = p.next()
    if (part.value) parts.push(part.value)
  }
  const term: TemplateStringTerm = { type: 'templatestring', parts, span: p.span(start) }
  if (partWith) term.partWith = partWith
  return term
}
