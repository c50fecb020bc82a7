// Modules and queries: the entry points of the parser. A module is
// `package`, imports, then rules; `import future.keywords…` and
// `import rego.v1` switch keywords on for the rest of a v0 module. Errors are
// collected per statement: after one, parsing resumes at the next line that
// starts in column 1, so a file with several mistakes reports them all.

import { CompileError } from '../errors/index.js'
import type { Body, Import, Module, RefTerm, Span, Term } from './ast.js'
import { attachAnnotations } from './annotations.js'
import { tokenize, type LexResult } from './lexer.js'
import { parseBody } from './parse-body.js'
import { parseRules } from './parse-rule.js'
import { stringTerm, varTerm } from './parse-term.js'
import { FUTURE_KEYWORDS, ParseAbort, ParserState } from './parser-state.js'

export interface ParseOptions {
  /** Rego syntax version; 1 (OPA 1.x default) unless given. */
  regoVersion?: 0 | 1
}

function stateFor(path: string, text: string, regoVersion: 0 | 1, lexed: LexResult): ParserState {
  const p = new ParserState(path, text, lexed.tokens, regoVersion)
  for (const e of lexed.errors) p.error(e.start, e.message)
  return p
}

export function parseModule(path: string, text: string, opts: ParseOptions = {}): Module {
  const regoVersion = opts.regoVersion ?? 1
  const lexed = tokenize(text)
  const p = stateFor(path, text, regoVersion, lexed)

  const mod: Module = {
    path,
    text,
    package: [],
    packageSpan: { start: 0, end: 0 },
    imports: [],
    rules: [],
    annotations: [],
    regoVersion,
  }
  if (p.is('eof')) {
    p.error(0, 'empty module')
    throw new CompileError(p.errors)
  }

  let sawPackage = false
  while (!p.is('eof')) {
    const before = p.pos
    try {
      if (p.isKw('package')) {
        const { path: pkg, span } = parsePackage(p)
        if (sawPackage) p.error(span.start, 'unexpected package')
        else {
          mod.package = pkg
          mod.packageSpan = span
          sawPackage = true
        }
        continue
      }
      if (!sawPackage) {
        sawPackage = true // report once
        p.fail(p.tok.start, 'package expected')
      }
      if (p.isKw('import')) {
        mod.imports.push(parseImport(p))
        continue
      }
      mod.rules.push(...parseRules(p))
    } catch (e) {
      if (!(e instanceof ParseAbort)) throw e
      recover(p, before)
    }
  }
  attachAnnotations(p, mod, lexed.comments)
  if (p.errors.length) throw new CompileError(p.errors)
  return mod
}

/** A query such as `data.x.y = z` or `x := 1; y = 2`. */
export function parseBodyText(text: string, path = 'query.rego', opts: ParseOptions = {}): Body {
  const p = stateFor(path, text, opts.regoVersion ?? 1, tokenize(text))
  if (p.is('eof')) {
    p.error(0, 'empty query')
    throw new CompileError(p.errors)
  }
  try {
    const body = parseBody(p, 'eof')
    if (p.errors.length) throw new CompileError(p.errors)
    return body
  } catch (e) {
    if (!(e instanceof ParseAbort)) throw e
    throw new CompileError(p.errors)
  }
}

/** Skip to the next token that starts a line in column 1 (always moving forward). */
function recover(p: ParserState, before: number): void {
  if (p.pos === before) p.next()
  while (!p.is('eof')) {
    const t = p.tok
    if (t.nl && (t.start === 0 || p.text.charCodeAt(t.start - 1) === 10) && t.kind === 'ident') return
    p.next()
  }
}

/** `a.b["c"]`: an identifier, then `.name` or `["string"]` parts. */
function parsePath(p: ParserState): { head: Term; parts: Term[]; span: Span } {
  const start = p.tok.start
  if (p.tok.kind !== 'ident') p.unexpected('expected ident')
  const h = p.next()
  const head = varTerm(h.value, { start: h.start, end: h.end })
  const parts: Term[] = []
  while (p.adjacent() && (p.is('.') || p.is('['))) {
    if (p.next().kind === '.') {
      const t = p.tok
      if (t.kind !== 'ident' || !p.adjacent()) p.unexpected('expected ident')
      p.next()
      parts.push(stringTerm(t.value, { start: t.start, end: t.end }))
    } else {
      const t = p.tok
      if (t.kind !== 'string') {
        p.fail(t.start, `unexpected ${t.kind === 'number' ? 'number' : t.kind === 'ident' ? 'var' : t.kind} token: expecting string`)
      }
      p.next()
      parts.push(stringTerm(t.value, { start: t.start, end: t.end }))
      if (!p.is(']')) p.unexpected('expected ]')
      p.next()
    }
  }
  return { head, parts, span: p.span(start) }
}

function parsePackage(p: ParserState): { path: string[]; span: Span } {
  const start = p.next().start
  const { head, parts } = parsePath(p)
  const names = [(head as { name: string }).name, ...parts.map((t) => (t as { value: string }).value)]
  return { path: names, span: p.span(start) }
}

const IMPORT_ROOTS: readonly string[] = ['data', 'input', 'future', 'rego']

function parseImport(p: ParserState): Import {
  const start = p.next().start
  const { head, parts, span } = parsePath(p)
  const path: RefTerm = { type: 'ref', head, path: parts, span }
  const root = (head as { name: string }).name
  if (!IMPORT_ROOTS.includes(root)) {
    p.fail(span.start, `unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root}`)
  }
  const imp: Import = { path, span }
  if (p.isKw('as')) {
    p.next()
    if (!p.isVarName()) p.unexpected('expected var')
    imp.alias = p.next().value
  }
  imp.span = p.span(start)
  const names = parts.map((t) => (t as { value: string }).value)
  if (root === 'future') {
    if (names[0] !== 'keywords') p.fail(span.start, 'invalid import, must be `future.keywords`')
    if (imp.alias) p.fail(span.start, '`future` imports cannot be aliased')
    if (names.length > 2) p.fail(span.start, 'invalid import, must be `future.keywords.x`, e.g. `import future.keywords.in`')
    const kw = names[1]
    if (kw !== undefined && !FUTURE_KEYWORDS.includes(kw)) {
      p.fail(span.start, `unexpected keyword, must be one of [${[...FUTURE_KEYWORDS].sort().join(' ')}]`)
    }
    for (const k of kw === undefined ? FUTURE_KEYWORDS : [kw]) p.keywords.add(k)
    if (kw === 'every') p.keywords.add('in')
  } else if (root === 'rego') {
    if (names.length !== 1 || names[0] !== 'v1') {
      p.fail(span.start, `invalid import \`${[root, ...names].join('.')}\`, must be \`rego.v1\``)
    }
    if (imp.alias && p.regoVersion === 0) p.fail(span.start, '`rego` imports cannot be aliased')
    for (const k of FUTURE_KEYWORDS) p.keywords.add(k)
  } else if (!imp.alias) {
    const last = names.length ? names[names.length - 1]! : root
    if (p.keywords.has(last)) p.fail(span.start, `unexpected import path, must not end with a keyword, got: ${last}`)
  }
  return imp
}
