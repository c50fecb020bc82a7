// Rego's text form of a value (OPA's Term.String()): what OPA prints for a
// composite sprintf argument, and Go's strconv.Quote, which it uses for
// strings. Read by the Go fmt and text/template built-ins (go-fmt.ts,
// go-template.ts) and by encoding's number output.

import { RegoSet } from './types.js'

/** Go's strconv.Quote: printable runes kept, the rest escaped. */
export function goQuote(s: string, quote = '"'): string {
  let out = quote
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    switch (ch) {
      case '\\':
        out += '\\\\'
        continue
      case '\x07':
        out += '\\a'
        continue
      case '\b':
        out += '\\b'
        continue
      case '\f':
        out += '\\f'
        continue
      case '\n':
        out += '\\n'
        continue
      case '\r':
        out += '\\r'
        continue
      case '\t':
        out += '\\t'
        continue
      case '\v':
        out += '\\v'
        continue
    }
    if (ch === quote) {
      out += '\\' + ch
      continue
    }
    if (c < 0x20 || c === 0x7f) {
      out += '\\x' + c.toString(16).padStart(2, '0')
      continue
    }
    if ((c >= 0x80 && c < 0xa0) || c === 0xad || (c >= 0xd800 && c < 0xe000) || c === 0xfeff || c === 0x2028 || c === 0x2029) {
      out += c > 0xffff ? '\\U' + c.toString(16).padStart(8, '0') : '\\u' + c.toString(16).padStart(4, '0')
      continue
    }
    out += ch
  }
  return out + quote
}

/** The text of a number as OPA prints it: integers without exponent. */
export function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) >= 1e21) return BigInt(n).toString()
  return String(n)
}

/** Rego text form: `["a", 1]`, `{"k": true}`. Sets arrive as arrays and print as arrays. */
export function regoString(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'string') return goQuote(v)
  if (typeof v === 'number') return numberText(v)
  if (typeof v === 'boolean') return String(v)
  if (v instanceof RegoSet) return v.length === 0 ? 'set()' : '{' + v.map(regoString).join(', ') + '}'
  if (Array.isArray(v)) return '[' + v.map(regoString).join(', ') + ']'
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return '{' + entries.map(([k, x]) => `${goQuote(k)}: ${regoString(x)}`).join(', ') + '}'
}
