// The parser's cursor over the token list, shared by the grammar files
// (parse-term.ts, parse-body.ts, parse-rule.ts, template-string.ts). It holds
// the active keyword set (Rego v1 keywords, or v0 plus `future.keywords`
// imports), the wildcard counter, and the collected errors.
//
// A grammar function that meets bad input records one error and throws
// ParseAbort; the module parser catches it at statement level and resumes at
// the next line that starts in column 1 (OPA itself stops at the first error).

import type { ErrorDetail } from '../errors/index.js'
import { SourceFile } from '../source/index.js'
import type { Span } from './ast.js'
import { tokenName, type Token, type TokenKind } from './lexer.js'

export class ParseAbort extends Error {
  constructor() {
    super('parse aborted')
  }
}

/** Keywords in every Rego version. */
const BASE_KEYWORDS: readonly string[] = ['package', 'import', 'as', 'default', 'else', 'not', 'some', 'with', 'null', 'true', 'false']
/** Keywords that v0 only knows after `import future.keywords[.kw]` or `import rego.v1`. */
export const FUTURE_KEYWORDS: readonly string[] = ['in', 'every', 'contains', 'if']

export interface SavedState {
  pos: number
  wild: number
  errors: number
}

export class ParserState {
  pos = 0
  /** End offset of the last consumed token (node spans end here). */
  lastEnd = 0
  private wild = 0
  readonly errors: ErrorDetail[] = []
  readonly keywords: Set<string>
  private readonly source: SourceFile

  constructor(
    readonly path: string,
    readonly text: string,
    readonly tokens: Token[],
    readonly regoVersion: 0 | 1,
  ) {
    this.source = new SourceFile(path, text)
    this.keywords = new Set(regoVersion === 1 ? [...BASE_KEYWORDS, ...FUTURE_KEYWORDS] : BASE_KEYWORDS)
  }

  get tok(): Token {
    return this.tokens[this.pos]!
  }
  peek(k = 1): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)]!
  }

  next(): Token {
    const t = this.tokens[this.pos]!
    if (t.kind !== 'eof') {
      this.pos++
      this.lastEnd = t.end
    }
    return t
  }

  is(kind: TokenKind): boolean {
    return this.tok.kind === kind
  }

  /**
   * The current token is the keyword `kw` (active in this module). As in OPA,
   * a keyword directly followed by `.` or `[` starts a ref instead
   * (`else.foo := 1`, `x == in.bar`).
   */
  isKw(kw: string): boolean {
    const t = this.tok
    return t.kind === 'ident' && t.value === kw && this.keywords.has(kw) && !this.startsRef()
  }

  /** The current token is directly followed by `.` or `[`. */
  startsRef(): boolean {
    const n = this.peek()
    return !n.ws && (n.kind === '.' || n.kind === '[')
  }

  /** An identifier that is not an active keyword (`null`/`true`/`false` are literals, not vars). */
  isVarName(t: Token = this.tok): boolean {
    return t.kind === 'ident' && !this.keywords.has(t.value)
  }

  /** The next token follows the current one with no whitespace (ref and call continuation). */
  adjacent(): boolean {
    return !this.tok.ws && this.pos > 0
  }

  expect(kind: TokenKind, note?: string): Token {
    if (this.tok.kind !== kind) this.unexpected(note ?? `expected ${kind}`)
    return this.next()
  }

  save(): SavedState {
    return { pos: this.pos, wild: this.wild, errors: this.errors.length }
  }
  restore(s: SavedState): void {
    this.pos = s.pos
    this.wild = s.wild
    this.errors.length = s.errors
    this.lastEnd = s.pos > 0 ? this.tokens[s.pos - 1]!.end : 0
  }

  /** Try a speculative parse; on failure restore the state and return undefined. */
  attempt<T>(f: () => T): T | undefined {
    const s = this.save()
    try {
      return f()
    } catch (e) {
      if (!(e instanceof ParseAbort)) throw e
      this.restore(s)
      return undefined
    }
  }

  wildcard(): string {
    return `$wild${this.wild++}`
  }

  span(start: number): Span {
    return { start, end: this.lastEnd }
  }

  error(offset: number, message: string): void {
    this.errors.push({ code: 'rego_parse_error', message, location: this.source.location(offset) })
  }

  /** Record an error and abort the current statement. */
  fail(offset: number, message: string): never {
    this.error(offset, message)
    throw new ParseAbort()
  }

  /** OPA's `unexpected <tok> token[: note]` at the current token. */
  unexpected(note?: string, t: Token = this.tok): never {
    if (t.kind === 'illegal') throw new ParseAbort() // the lexer already reported it
    const kind = t.kind === 'ident' && this.keywords.has(t.value) ? 'keyword' : 'token'
    const name = t.kind === 'ident' && this.keywords.has(t.value) ? t.value : tokenName(t)
    this.fail(t.start, note ? `unexpected ${name} ${kind}: ${note}` : `unexpected ${name} ${kind}`)
  }
}
