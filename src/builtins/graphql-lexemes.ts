// How gqlparser's lexer differs from graphql-js's, for graphql-syntax.ts:
// where gqlparser places a token (rows, columns in code points, its quirks
// around \r\n and block strings), how it quotes a token's value, and the
// in-place rewrite that makes graphql-js's lexer read what gqlparser reads.

import { Lexer, Source, TokenKind, type Token } from 'graphql'

export interface Position {
  line: number
  col: number
}

interface RunePosition extends Position {
  /** Code points before the offset, and before the start of its line. */
  rune: number
  lineStart: number
}

/**
 * Rows and columns as gqlparser's lexer counts them: columns in code points
 * (Go runes); a line ends at \n, \r or \r\n. Between tokens gqlparser starts
 * the line after a \r\n at its \n, so that line's columns are one higher;
 * inside a block string it starts after the \n.
 */
export class SourcePositions {
  private readonly blockStrings: [number, number][] = []
  constructor(private readonly src: string) {
    const lexer = new Lexer(new Source(src))
    let end = 0
    try {
      for (let t = lexer.advance(); t.kind !== TokenKind.EOF; t = lexer.advance()) {
        if (t.kind === TokenKind.BLOCK_STRING) this.blockStrings.push([t.start, t.end])
        end = t.end
      }
    } catch {
      // an unterminated block string still holds its line breaks
      const open = skipIgnored(src, end)
      if (src.startsWith('"""', open)) this.blockStrings.push([open, src.length])
    }
  }

  private inBlockString(i: number): boolean {
    return this.blockStrings.some(([s, e]) => i > s && i < e)
  }

  at(offset: number): RunePosition {
    const s = this.src
    let line = 1
    let rune = 0
    let lineStart = 0
    for (let i = 0; i < offset; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < offset) i++ // a surrogate pair is one rune
      rune++
      if (c === 0x0d && s.charCodeAt(i + 1) === 0x0a) {
        if (this.inBlockString(i)) continue // the \n ends the line
        line++
        lineStart = rune
        rune++
        i++
      } else if (c === 0x0a || c === 0x0d) {
        line++
        lineStart = rune
      }
    }
    return { line, col: rune - lineStart + 1, rune, lineStart }
  }

  /**
   * Where gqlparser places a token. It reports a string token one column (a
   * block string three columns) after its opening quotes, and a block string
   * on the line where it ends, with the column still counted from its start,
   * so a multi-line block string can get a column of zero or less.
   */
  token(t: Token): Position {
    const start = this.at(t.start)
    if (t.kind === TokenKind.STRING) return { line: start.line, col: start.col + 1 }
    if (t.kind !== TokenKind.BLOCK_STRING) return start
    const end = this.at(t.end - 3)
    return { line: end.line, col: start.rune + 3 - end.lineStart + 1 }
  }
}

/**
 * Go's strconv.Quote, which gqlparser uses for a token's value: ASCII
 * control characters as \a \b \f \n \r \t \v or \xNN, other non-printable
 * code points as \uNNNN or \UNNNNNNNN.
 */
export function goQuote(s: string): string {
  const named: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '"': '\\"',
    '\\': '\\\\',
  }
  let out = '"'
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0
    const esc = named[ch]
    if (esc !== undefined) out += esc
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`
    else if (cp !== 0x20 && !/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch))
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return out + '"'
}

/** Offset where the last token graphql-js can lex ends. */
export function lexableEnd(src: string): number {
  const lexer = new Lexer(new Source(src))
  let end = 0
  try {
    for (let t = lexer.advance(); t.kind !== TokenKind.EOF; t = lexer.advance()) end = t.end
  } catch {
    // the token after `end` is the one graphql-js cannot lex
  }
  return end
}

// Block strings, strings and comments, whichever starts first, each running
// to where gqlparser's lexer ends it (an unterminated string at its line's
// end, an unterminated block string at the end of input): enough to tell
// which `\u` escapes are inside a string.
const STRING_LIKE = /"""(?:\\"""|[^])*?(?:"""|$)|"((?:\\[^\n\r]?|[^"\\\n\r])*)("?)|#[^\n\r]*/g
const ESCAPE = /\\(?:\\|u([dD][89a-fA-F][0-9a-fA-F]{2}|\{))/g
const LAST_ESCAPE = /(?<=(?:^|[^\\])(?:\\\\)*)\\u(?=[0-9a-fA-F]{4}$)/

// Control characters other than tab, \n and \r, which gqlparser rejects in
// strings, block strings and comments and graphql-js 16 accepts.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g
const HAS_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/
/** A lone low surrogate: graphql-js rejects it wherever it stands, so it marks where gqlparser stops. */
const REJECTED = '\udc00'

/**
 * The text rewritten in place (same length, so every position stays) so that
 * graphql-js's lexer reads what gqlparser's reads, or fails where it fails:
 * - gqlparser decodes `\uXXXX` with Go's WriteRune, which writes U+FFFD for
 *   a surrogate, so an escaped surrogate pair is two U+FFFD and a lone one is
 *   accepted; graphql-js combines pairs and rejects lone surrogates;
 * - gqlparser has no `\u{...}` escapes and rejects a `\uXXXX` that ends the
 *   input (`\q` is never an escape);
 * - gqlparser rejects control characters in strings, block strings and
 *   comments.
 */
export function asGqlparserLexes(src: string): string {
  if (!src.includes('\\u') && !HAS_CONTROL.test(src)) return src
  return src.replace(STRING_LIKE, (token, body: string | undefined, close: string | undefined, at: number) => {
    if (body === undefined) return token.replace(CONTROL, REJECTED) // a block string or a comment
    let out = body.replace(CONTROL, REJECTED).replace(ESCAPE, (esc, hex: string | undefined) => (hex === undefined ? esc : hex === '{' ? '\\q{' : '\\uFFFD'))
    if (close === '' && at + token.length === src.length) out = out.replace(LAST_ESCAPE, '\\q')
    return `"${out}${close ?? ''}`
  })
}

/** The offset of the first token at or after `i`: past white space, commas, byte order marks and comments. */
export function skipIgnored(src: string, i: number): number {
  while (i < src.length) {
    const c = src.charAt(i)
    if (c === '#') while (i < src.length && src.charAt(i) !== '\n' && src.charAt(i) !== '\r') i++
    else if (c === ' ' || c === '\t' || c === ',' || c === '\n' || c === '\r' || c === '\ufeff') i++
    else return i
  }
  return i
}
