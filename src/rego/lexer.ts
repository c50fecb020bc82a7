// The Rego lexer: source text → tokens (first stage of rego/). Whitespace is
// dropped, but each token records whether a newline or any whitespace came
// before it, because Rego is newline-sensitive (body separators) and
// whitespace-sensitive (`a[x]` is a ref, `a [x]` is not). Keywords are lexed
// as identifiers: which words are keywords depends on the Rego version and on
// `future.keywords` imports, so the parser decides. Template strings
// (`$"a {x} b"`) are split into parts with ordinary tokens in between.

import type { Span } from './ast.js'

export type TokenKind =
  | 'ident'
  | 'number'
  | 'string'
  | 'template'
  | 'eof'
  | 'illegal'
  | '['
  | ']'
  | '{'
  | '}'
  | '('
  | ')'
  | ','
  | ':'
  | ';'
  | '.'
  | ':='
  | '='
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '&'
  | '|'

export interface Token {
  kind: TokenKind
  start: number
  end: number
  /** Identifier name, number text, or decoded string / template part text. */
  value: string
  /** A newline came between the previous token and this one. */
  nl: boolean
  /** Whitespace or a comment came between the previous token and this one. */
  ws: boolean
  /** Template parts: first part (`$"…{` or `$"…"`), and last part (ends the string). */
  first?: boolean
  last?: boolean
  /** Raw (backtick) string or template. */
  raw?: boolean
}

export interface Comment {
  start: number
  end: number
  /** Text after `#`. */ text: string
}

export interface LexError {
  start: number
  message: string
}

export interface LexResult {
  tokens: Token[]
  comments: Comment[]
  errors: LexError[]
}

/** OPA's token names, used in `unexpected X token` messages. */
export function tokenName(t: Token): string {
  switch (t.kind) {
    case 'ident':
      return 'ident'
    case '+':
      return 'plus'
    case '-':
      return 'minus'
    case '*':
      return 'mul'
    case '/':
      return 'div'
    case '%':
      return 'rem'
    case '&':
      return 'and'
    case '|':
      return 'or'
    case '=':
      return 'eq'
    case '==':
      return 'equal'
    case ':=':
      return 'assign'
    case '!=':
      return 'neq'
    case '<':
      return 'lt'
    case '<=':
      return 'lte'
    case '>':
      return 'gt'
    case '>=':
      return 'gte'
    case 'template':
      return 'template-string'
    default:
      return t.kind
  }
}

const enum C {
  NL = 10,
  CR = 13,
  SP = 32,
  TAB = 9,
  HASH = 35,
  DQ = 34,
  BT = 96,
  BS = 92,
  LB = 123,
  RB = 125,
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

const PUNCT: Readonly<Record<string, TokenKind>> = {
  '[': '[',
  ']': ']',
  '{': '{',
  '}': '}',
  '(': '(',
  ')': ')',
  ',': ',',
  ';': ';',
  '.': '.',
  '+': '+',
  '-': '-',
  '*': '*',
  '/': '/',
  '%': '%',
  '&': '&',
  '|': '|',
}

/**
 * Tokenize a whole module. Never throws: malformed input yields `illegal`
 * tokens plus entries in `errors` (the parser reports them as parse errors).
 */
export function tokenize(text: string): LexResult {
  const tokens: Token[] = []
  const comments: Comment[] = []
  const errors: LexError[] = []
  const n = text.length
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let nl = false
  let ws = false
  // Open template strings: brace depth at which each interpolation started.
  const templates: { depth: number; raw: boolean }[] = []
  let depth = 0

  const push = (kind: TokenKind, start: number, end: number, value: string, extra?: Partial<Token>): Token => {
    const t: Token = { kind, start, end, value, nl, ws }
    if (extra) Object.assign(t, extra)
    tokens.push(t)
    nl = false
    ws = false
    return t
  }

  // Scan a template-string part from `i` (just after `$"`, `` $` `` or the
  // closing `}` of an interpolation) up to `{` or the closing quote.
  const scanTemplatePart = (start: number, raw: boolean, first: boolean): void => {
    let out = ''
    const quote = raw ? C.BT : C.DQ
    for (;;) {
      if (i >= n || (!raw && text.charCodeAt(i) === C.NL)) {
        errors.push({ start, message: 'non-terminated template string' })
        push('illegal', start, i, text.slice(start, i))
        return
      }
      const c = text.charCodeAt(i)
      if (c === quote) {
        i++
        push('template', start, i, out, { first, last: true, raw })
        return
      }
      if (c === C.LB) {
        i++
        push('template', start, i, out, { first, last: false, raw })
        templates.push({ depth, raw })
        depth++
        return
      }
      if (c === C.BS) {
        const d = text.charCodeAt(i + 1)
        if (d === C.LB) {
          out += '{'
          i += 2
          continue
        }
        if (raw) {
          out += '\\'
          i++
          continue
        }
        const r = decodeEscape(text, i)
        if (r === undefined) {
          errors.push({ start: i, message: 'illegal escape sequence' })
          out += text[i + 1] ?? ''
          i += 2
          continue
        }
        out += r.value
        i = r.next
        continue
      }
      out += text[i]
      i++
    }
  }

  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === C.NL) {
      nl = true
      ws = true
      i++
      continue
    }
    if (c === C.SP || c === C.TAB || c === C.CR) {
      ws = true
      i++
      continue
    }
    const start = i
    if (c === C.HASH) {
      let j = i + 1
      while (j < n && text.charCodeAt(j) !== C.NL) j++
      let end = j
      if (end > i + 1 && text.charCodeAt(end - 1) === C.CR) end--
      comments.push({ start, end, text: text.slice(i + 1, end) })
      i = j
      ws = true
      continue
    }
    if (isLetter(c)) {
      let j = i + 1
      while (j < n && (isLetter(text.charCodeAt(j)) || isDigit(text.charCodeAt(j)))) j++
      i = j
      push('ident', start, j, text.slice(start, j))
      continue
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)) && !continuesRef(text, i))) {
      scanNumber(start)
      continue
    }
    if (c === C.DQ) {
      scanString(start)
      continue
    }
    if (c === C.BT) {
      const j = text.indexOf('`', i + 1)
      if (j < 0) {
        errors.push({ start, message: 'non-terminated string' })
        i = n
        push('illegal', start, n, text.slice(start))
        continue
      }
      i = j + 1
      push('string', start, i, text.slice(start + 1, j), { raw: true })
      continue
    }
    if (c === 36 /* $ */ && (text.charCodeAt(i + 1) === C.DQ || text.charCodeAt(i + 1) === C.BT)) {
      const raw = text.charCodeAt(i + 1) === C.BT
      i += 2
      scanTemplatePart(start, raw, true)
      continue
    }
    if (c === C.LB) {
      depth++
      i++
      push('{', start, i, '{')
      continue
    }
    if (c === C.RB) {
      const top = templates[templates.length - 1]
      if (top && top.depth === depth - 1) {
        templates.pop()
        depth--
        i++
        scanTemplatePart(start, top.raw, false)
        continue
      }
      if (depth > 0) depth--
      i++
      push('}', start, i, '}')
      continue
    }
    const next = text.charCodeAt(i + 1)
    if (c === 58 /* : */) {
      if (next === 61) {
        i += 2
        push(':=', start, i, ':=')
      } else {
        i++
        push(':', start, i, ':')
      }
      continue
    }
    if (c === 61 /* = */) {
      if (next === 61) {
        i += 2
        push('==', start, i, '==')
      } else {
        i++
        push('=', start, i, '=')
      }
      continue
    }
    if (c === 60 || c === 62 /* < > */) {
      const base = c === 60 ? '<' : '>'
      if (next === 61) {
        i += 2
        push(`${base}=` as TokenKind, start, i, `${base}=`)
      } else {
        i++
        push(base as TokenKind, start, i, base)
      }
      continue
    }
    if (c === 33 /* ! */) {
      if (next === 61) {
        i += 2
        push('!=', start, i, '!=')
      } else {
        i++
        errors.push({ start, message: 'illegal ! character' })
        push('illegal', start, i, '!')
      }
      continue
    }
    const p = PUNCT[text[i]!]
    if (p) {
      i++
      push(p, start, i, p)
      continue
    }
    // Anything else (non-ASCII letters, stray symbols) is illegal, one code point at a time.
    const cp = text.codePointAt(i)!
    i += cp > 0xffff ? 2 : 1
    errors.push({ start, message: cp === 0 ? 'illegal null character' : 'illegal token' })
    push('illegal', start, i, text.slice(start, i))
  }
  if (templates.length) {
    // An interpolation was never closed: the template string runs to EOF.
    errors.push({ start: n, message: 'non-terminated template string' })
  }
  push('eof', n, n, '')
  return { tokens, comments, errors }

  function scanNumber(start: number): void {
    let j = start
    let bad: string | undefined
    while (isDigit(text.charCodeAt(j))) j++
    if (text.charCodeAt(j) === 46) {
      // A fraction needs digits; `1.foo` is not a number followed by a ref.
      if (isDigit(text.charCodeAt(j + 1))) {
        j++
        while (isDigit(text.charCodeAt(j))) j++
      } else if (!isLetter(text.charCodeAt(j + 1))) {
        j++
        bad ??= 'expected fraction'
      }
    }
    const e = text.charCodeAt(j)
    if (e === 101 || e === 69) {
      j++
      const s = text.charCodeAt(j)
      if (s === 43 || s === 45) j++
      if (!isDigit(text.charCodeAt(j))) bad ??= 'expected exponent'
      while (isDigit(text.charCodeAt(j))) j++
    }
    if (isLetter(text.charCodeAt(j))) {
      bad ??= 'illegal number format'
      while (isLetter(text.charCodeAt(j)) || isDigit(text.charCodeAt(j))) j++
    }
    i = j
    if (bad) {
      errors.push({ start, message: bad })
      push('illegal', start, j, text.slice(start, j))
    } else {
      push('number', start, j, text.slice(start, j))
    }
  }

  function scanString(start: number): void {
    let j = start + 1
    let out = ''
    let segment = j
    for (;;) {
      if (j >= n || text.charCodeAt(j) === C.NL) {
        errors.push({ start, message: 'non-terminated string' })
        i = j
        push('illegal', start, j, text.slice(start, j))
        return
      }
      const c = text.charCodeAt(j)
      if (c === C.DQ) break
      if (c === C.BS) {
        out += text.slice(segment, j)
        const r = decodeEscape(text, j)
        if (r === undefined) {
          errors.push({ start: j, message: 'illegal escape sequence' })
          // Skip to the closing quote so one bad escape is one error.
          let k = j + 1
          while (k < n && text.charCodeAt(k) !== C.DQ && text.charCodeAt(k) !== C.NL) k++
          i = k < n && text.charCodeAt(k) === C.DQ ? k + 1 : k
          push('illegal', start, i, text.slice(start, i))
          return
        }
        out += r.value
        j = r.next
        segment = j
        continue
      }
      j++
    }
    out += text.slice(segment, j)
    i = j + 1
    push('string', start, i, out)
  }
}

/** `.5` is a number unless the dot continues a ref or call (`x.5` is invalid anyway). */
function continuesRef(text: string, dot: number): boolean {
  const prev = text.charCodeAt(dot - 1)
  return isLetter(prev) || isDigit(prev) || prev === 93 || prev === 41 || prev === 125 || prev === 34
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

/** Decode the JSON escape at `text[at] === '\\'`; undefined when malformed. */
function decodeEscape(text: string, at: number): { value: string; next: number } | undefined {
  const e = text[at + 1]
  if (e === undefined) return undefined
  const simple = SIMPLE_ESCAPES[e]
  if (simple !== undefined) return { value: simple, next: at + 2 }
  if (e !== 'u') return undefined
  const hex = text.slice(at + 2, at + 6)
  if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined
  // Surrogate pairs arrive as two escapes; JS strings are UTF-16, so each
  // half is simply appended and the pair re-forms the code point.
  return { value: String.fromCharCode(parseInt(hex, 16)), next: at + 6 }
}

export function spanOf(t: Token): Span {
  return { start: t.start, end: t.end }
}
