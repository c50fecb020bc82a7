// glob.match and glob.quote_meta with the gobwas/glob syntax OPA uses:
// `*` (no delimiters), `**` (anything), `?`, `[abc]`, `[!a-z]`, `{a,b}`
// and `\` escapes. A glob is compiled once to an anchored JS RegExp.

import { BuiltinError, type HostImpl } from './types.js'
import { str, strElems, typeError } from './strings.js'

const cache = new Map<string, RegExp>()
const CACHE_MAX = 256

/** Characters gobwas treats as syntax (its QuoteMeta escapes exactly these). */
const SPECIAL = new Set(['*', '?', '\\', '[', ']', '{', '}'])

function reEscape(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? '\\' + c : c
}

/** Escaping inside a `[...]` class (the `u` flag rejects needless escapes). */
function classEscape(c: string): string {
  return /[\\\][^-]/.test(c) ? '\\' + c : c
}

function globToRegExp(builtin: string, pattern: string, delimiters: string[]): RegExp {
  const chars = Array.from(pattern)
  const notSep = delimiters.length ? `[^${delimiters.map(classEscape).join('')}]` : '[\\s\\S]'
  let i = 0
  let depth = 0
  let out = ''
  const bad = (why: string): BuiltinError => new BuiltinError(builtin, `${why} in glob pattern ${JSON.stringify(pattern)}`)
  while (i < chars.length) {
    const c = chars[i++]! // i < chars.length
    switch (c) {
      case '*':
        if (chars[i] === '*') {
          while (chars[i] === '*') i++
          out += '[\\s\\S]*'
        } else out += notSep + '*'
        break
      case '?':
        out += notSep
        break
      case '\\': {
        const e = chars[i++]
        if (e === undefined) throw bad('unexpected end of input after escape')
        out += reEscape(e)
        break
      }
      case '[': {
        let neg = false
        if (chars[i] === '!') {
          neg = true
          i++
        }
        let cls = ''
        let closed = false
        while (i < chars.length) {
          let a = chars[i++]! // i < chars.length
          if (a === ']') {
            closed = true
            break
          }
          if (a === '\\') a = chars[i++] ?? ''
          const b = chars[i + 1]
          if (chars[i] === '-' && b !== undefined && b !== ']') {
            i += 2
            if (b < a) throw bad('invalid character range')
            cls += `${classEscape(a)}-${classEscape(b)}`
          } else cls += classEscape(a)
        }
        if (!closed || cls === '') throw bad('unclosed character class')
        out += `[${neg ? '^' : ''}${cls}]`
        break
      }
      case '{':
        depth++
        out += '(?:'
        break
      case '}':
        if (depth === 0) throw bad('unexpected }')
        depth--
        out += ')'
        break
      case ',':
        out += depth > 0 ? '|' : ','
        break
      default:
        out += reEscape(c)
    }
  }
  if (depth !== 0) throw bad('unclosed {')
  return new RegExp(`^(?:${out})$`, 'u')
}

export const impls: Record<string, HostImpl> = {
  'glob.match'(pattern, delimiters, match) {
    const b = 'glob.match'
    const p = str(b, 1, pattern)
    let delims: string[]
    if (delimiters === null) delims = []
    else if (Array.isArray(delimiters)) {
      delims = strElems(b, 2, delimiters)
        .map((d) => Array.from(d)[0])
        .filter((d) => d !== undefined)
      // OPA: an empty delimiter list means the default, `.`.
      if (delims.length === 0) delims = ['.']
    } else throw typeError(b, 2, delimiters, 'array', 'null')
    const m = str(b, 3, match)
    const key = `${p}\u0000${delims.join('')}`
    let re = cache.get(key)
    if (!re) {
      re = globToRegExp(b, p, delims)
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!)
      cache.set(key, re)
    }
    return re.test(m)
  },
  'glob.quote_meta'(pattern) {
    return Array.from(str('glob.quote_meta', 1, pattern))
      .map((c) => (SPECIAL.has(c) ? '\\' + c : c))
      .join('')
  },
}
