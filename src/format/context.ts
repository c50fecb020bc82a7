// What every part of the formatter reads (format stage): the writer, the
// module's text with a row index, and the choices made once per module
// (which keywords exist, whether `if`/`contains` are written, whether rule
// heads are written as refs). Rows come from offsets, as OPA's formatter
// reads them from its AST locations.

import type { Span, Term } from '../rego/index.js'
import type { Writer } from './writer.js'

export interface FormatChoices {
  /** Rego v1 syntax: `:=` in heads, `if` before every body, `contains`. */
  regoV1: boolean
  /** `if` is written before rule bodies (v1, or v0 importing it). */
  ifs: boolean
  /** `contains` is written for partial set rules (v1, or v0 importing it). */
  contains: boolean
  /** Some rule head needs ref-head syntax (`a.b.c := 1`, `a.b contains x`): all heads are written as refs. */
  refHeads: boolean
  /** Keywords of the module: `x["not"]` keeps its brackets where it was written with them. */
  keywords: ReadonlySet<string>
}

export class Ctx {
  private readonly lineStarts: number[]
  /** A negative number that starts an expression on its own line: written in parentheses. */
  minusLead: Term | undefined

  constructor(
    readonly w: Writer,
    readonly text: string,
    readonly opts: FormatChoices,
  ) {
    this.lineStarts = [0]
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1)
  }

  /** 1-based row of an offset. */
  row(offset: number): number {
    const starts = this.lineStarts
    let lo = 0,
      hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }

  src(span: Span): string {
    return this.text.slice(span.start, span.end)
  }

  /** Row of the last line a span covers. */
  endRow(span: Span): number {
    return this.row(span.start) + countNewlines(this.src(span))
  }

  /**
   * The term was written in parentheses of its own (`f((a | b))`, `(a | b)[0]`).
   * OPA's locations include such parentheses; ours start inside them, so the
   * characters around the span tell: `(` before it that is not a call's.
   */
  parenthesized(t: Term): boolean {
    let i = t.span.start - 1
    while (i >= 0 && /\s/.test(this.text[i]!)) i--
    if (this.text[i] !== '(') return false
    const before = this.text[i - 1]
    return before === undefined || !/[A-Za-z0-9_\])]/.test(before)
  }
}

export function countNewlines(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++
  return n
}

/**
 * The offset of the bracket that closes a list or body whose last item ends
 * at `from`: the next character that is not whitespace, a comment or a
 * trailing comma. (OPA's formatter searches the node's text for the first
 * bracket of the kind instead, which can find another one, e.g. a head's
 * object value; comments before the closing bracket then move below it, and
 * move again on the next run. Where its search finds the right bracket the
 * two agree.)
 */
export function closeAfter(c: Ctx, from: number): number {
  const text = c.text
  let i = from
  while (i < text.length) {
    const ch = text[i]!
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (/[\s,]/.test(ch)) {
      i++
    } else {
      break
    }
  }
  return i
}
