// Regular-expression built-ins (regex.*, re_match) on re2js, which has the
// RE2 syntax and semantics of Go's regexp package that OPA uses. Match
// iteration follows Go's rules for empty matches, not Java's.

import { RE2JS, RE2JSException } from 're2js'
import { BuiltinError, type HostImpl } from './types.js'
import { int, str } from './strings.js'

const cache = new Map<string, RE2JS>()
const CACHE_MAX = 256

interface SyntaxDetail {
  desc: string
  expr: string
}

/** re2js's syntax error as Go's parts, or undefined for any other error. */
function syntaxDetail(e: unknown, pattern: string): SyntaxDetail | undefined {
  if (!(e instanceof RE2JSException)) return undefined
  const syn = e as { getDescription?: () => string; getPattern?: () => string | null }
  return { desc: syn.getDescription?.() ?? e.message, expr: syn.getPattern?.() ?? pattern }
}

/** Go names the offending fragment, e.g. ``missing closing ]: `[[[` ``. */
const syntaxError = (builtin: string, d: SyntaxDetail) => new BuiltinError(builtin, `error parsing regexp: ${d.desc}: \`${d.expr}\``)

/**
 * The offset of the first class item that starts with "[:]", if any. There
 * re2js (like RE2J) looks for a POSIX class's closing ":]" from the "[:"
 * itself and so reads a class named ":"; Go's regexp/syntax
 * (parseNamedClass) looks from after the "[:". The scan follows Go's parse
 * only as far as finding that item needs: escapes, \Q…\E, group names,
 * classes with their first-place "]" and ranges.
 */
export function firstPosixColonItem(p: string): number | undefined {
  const n = p.length
  const char = (i: number) => i + (p.codePointAt(i)! > 0xffff ? 2 : 1)
  const escape = (i: number) => {
    if ('pPx'.includes(p[i + 1] ?? '') && p[i + 2] === '{') {
      const e = p.indexOf('}', i + 3)
      return e < 0 ? n : e + 1
    }
    return i + 1 < n ? char(i + 1) : n
  }
  const item = (i: number) => (p[i] === '\\' ? escape(i) : char(i))
  let i = 0
  while (i < n) {
    if (p.startsWith('\\Q', i)) {
      const e = p.indexOf('\\E', i + 2)
      i = e < 0 ? n : e + 2
    } else if (p[i] === '\\') i = escape(i)
    else if (p.startsWith('(?P<', i) || p.startsWith('(?<', i)) {
      const e = p.indexOf('>', i)
      i = e < 0 ? n : e + 1
    } else if (p[i] !== '[') i = char(i)
    else {
      i += p[i + 1] === '^' ? 2 : 1
      for (let first = true; i < n && (p[i] !== ']' || first); first = false) {
        if (p.startsWith('[:]', i)) return i
        const close = p.startsWith('[:', i) ? p.indexOf(':]', i + 2) : -1
        if (close >= 0) {
          i = close + 2
          continue
        }
        i = item(i)
        if (p[i] === '-' && i + 1 < n && p[i + 1] !== ']') i = item(i + 1)
      }
      i++
    }
  }
  return undefined
}

/**
 * The pattern re2js must compile to parse as Go does (see
 * firstPosixColonItem), and where a backslash went in. Only the first such item
 * matters: a later one holds a ":]" after the first's "[:". With no ":]"
 * after it, Go takes its "[" literally, which "\[" says to re2js; with one,
 * Go fails on the class it names, unless the text before already failed.
 */
function goSource(builtin: string, pattern: string): { source: string; inserted?: number } {
  const at = firstPosixColonItem(pattern)
  if (at === undefined) return { source: pattern }
  const named = pattern.indexOf(':]', at + 2)
  if (named < 0) return { source: `${pattern.slice(0, at)}\\${pattern.slice(at)}`, inserted: at }
  try {
    RE2JS.compile(pattern.slice(0, at))
  } catch (e) {
    const d = syntaxDetail(e, pattern)
    if (d && d.desc !== 'missing closing ]') throw syntaxError(builtin, d)
  }
  throw syntaxError(builtin, { desc: 'invalid character class range', expr: pattern.slice(at, named + 2) })
}

/** `expr`, a fragment of the rewritten source, as the user wrote it: without the backslash inserted at `inserted`. */
function unrewrite(source: string, inserted: number | undefined, expr: string): string {
  if (inserted === undefined) return expr
  const at = source.indexOf(expr)
  if (at < 0 || inserted < at || inserted >= at + expr.length) return expr
  return expr.slice(0, inserted - at) + expr.slice(inserted - at + 1)
}

/** Compiles (and caches) a pattern; syntax errors become Go-style built-in errors. */
export function compile(builtin: string, pattern: string): RE2JS {
  let re = cache.get(pattern)
  if (re) return re
  const { source, inserted } = goSource(builtin, pattern)
  try {
    re = RE2JS.compile(source)
  } catch (e) {
    const d = syntaxDetail(e, source)
    if (d) throw syntaxError(builtin, { desc: d.desc, expr: unrewrite(source, inserted, d.expr) })
    throw e
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!)
  cache.set(pattern, re)
  return re
}

interface Match {
  start: number
  end: number
  groups: (string | null)[]
}

function widthAt(s: string, i: number): number {
  const c = s.codePointAt(i)
  return c !== undefined && c > 0xffff ? 2 : 1
}

/** Go's allMatches: successive non-overlapping matches; an empty match right after a match is skipped. */
function allMatches(re: RE2JS, s: string, n: number): Match[] {
  const out: Match[] = []
  if (n === 0) return out
  const m = re.matcher(s)
  let pos = 0
  let prevEnd = -1
  while (pos <= s.length) {
    if (!m.find(pos)) break
    const start = m.start()
    const end = m.end()
    let accept = true
    if (end === pos) {
      if (start === prevEnd) accept = false
      pos += pos < s.length ? widthAt(s, pos) : 1
    } else {
      pos = end
    }
    prevEnd = end
    if (accept) {
      const groups: (string | null)[] = []
      for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g))
      out.push({ start, end, groups })
      if (n > 0 && out.length >= n) break
    }
  }
  return out
}

/** Go's Regexp.Split(s, -1). */
function split(re: RE2JS, s: string): string[] {
  if (re.pattern() !== '' && s === '') return ['']
  const out: string[] = []
  let beg = 0
  let end = 0
  for (const m of allMatches(re, s, -1)) {
    end = m.start
    if (m.end !== 0) out.push(s.slice(beg, end))
    beg = m.end
  }
  if (end !== s.length) out.push(s.slice(beg))
  return out
}

/** Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(re: RE2JS, repl: string, groups: (string | null)[]): string {
  const names = re.namedGroups()
  let out = ''
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i]
    if (c !== '$') {
      out += c
      continue
    }
    if (repl[i + 1] === '$') {
      out += '$'
      i++
      continue
    }
    let name: string | undefined
    let next = i
    if (repl[i + 1] === '{') {
      const m = /^\{(\w+)\}/.exec(repl.slice(i + 1))
      if (m) {
        name = m[1]
        next = i + m[0].length
      }
    } else {
      const m = /^\w+/.exec(repl.slice(i + 1))
      if (m) {
        name = m[0]
        next = i + m[0].length
      }
    }
    if (name === undefined) {
      out += '$'
      continue
    }
    i = next
    const idx = /^\d+$/.test(name) ? Number(name) : names[name]
    if (idx !== undefined && idx < groups.length) out += groups[idx] ?? ''
  }
  return out
}

/** Go's Regexp.ReplaceAllString. */
function replaceAll(re: RE2JS, s: string, repl: string): string {
  const m = re.matcher(s)
  let out = ''
  let lastEnd = 0
  let pos = 0
  while (pos <= s.length) {
    if (!m.find(pos)) break
    const start = m.start()
    const end = m.end()
    out += s.slice(lastEnd, start)
    if (end > lastEnd || start === 0) {
      const groups: (string | null)[] = []
      for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g))
      out += expand(re, repl, groups)
    }
    lastEnd = end
    const w = pos < s.length ? widthAt(s, pos) : 1
    if (pos + w > end) pos += w
    else pos = end
  }
  return out + s.slice(lastEnd)
}

function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')
}

/** regex.template_match: literal text outside the delimiters, regex inside, whole string. */
function templateMatch(builtin: string, tpl: string, value: string, open: string, close: string): boolean {
  const spans: [start: number, end: number][] = []
  let level = 0
  let idx = 0
  for (let i = 0; i < tpl.length; i++) {
    if (tpl.charAt(i) === open) {
      if (++level === 1) idx = i
    } else if (tpl.charAt(i) === close) {
      if (--level === 0) spans.push([idx, i + 1])
      else if (level < 0) throw new BuiltinError(builtin, `unbalanced braces in ${JSON.stringify(tpl)}`)
    }
  }
  if (level !== 0) throw new BuiltinError(builtin, `unbalanced braces in ${JSON.stringify(tpl)}`)
  let pattern = '^'
  let end = 0
  for (const [start, stop] of spans) {
    const raw = tpl.slice(end, start)
    end = stop
    const inner = tpl.slice(start + 1, end - 1)
    compile(builtin, `^${inner}$`)
    pattern += `${quoteMeta(raw)}(${inner})`
  }
  pattern += quoteMeta(tpl.slice(end)) + '$'
  return compile(builtin, pattern).matcher(value).find()
}

// ---------------------------------------------------------------------------
// regex.globs_match: do two "glob-like" regexes (literals, `.`, classes,
// `*`, `+`, `?`) match a common string? A product walk of their automata.

interface CharSet {
  neg: boolean
  ranges: [number, number][]
}
interface Tok {
  set: CharSet
  q: '' | '*' | '?'
}

const CLASS_ESC: Record<string, [number, number][]> = {
  d: [[48, 57]],
  w: [
    [48, 57],
    [65, 90],
    [95, 95],
    [97, 122],
  ],
  s: [
    [9, 10],
    [12, 13],
    [32, 32],
  ],
}

function parseGlobRegex(builtin: string, p: string): Tok[] {
  const chars = Array.from(p)
  const toks: Tok[] = []
  let i = 0
  const lit = (c: string): CharSet => ({ neg: false, ranges: [[c.codePointAt(0)!, c.codePointAt(0)!]] })
  const unclosed = (): never => {
    throw new BuiltinError(builtin, `unclosed character class in ${JSON.stringify(p)}`)
  }
  while (i < chars.length) {
    const c = chars[i++]! // i < chars.length
    let set: CharSet
    if (c === '.') set = { neg: true, ranges: [] }
    else if (c === '\\') {
      const e = chars[i++]
      if (e === undefined) throw new BuiltinError(builtin, `trailing backslash in ${JSON.stringify(p)}`)
      const cls = CLASS_ESC[e]
      set = cls ? { neg: false, ranges: cls } : lit(e)
    } else if (c === '[') {
      set = { neg: chars[i] === '^', ranges: [] }
      if (set.neg) i++
      let first = true
      while (i < chars.length && (chars[i] !== ']' || first)) {
        first = false
        let a = chars[i++]! // i < chars.length
        // A class ending in a backslash (`[\`, `[a-\`) is unclosed.
        if (a === '\\') a = chars[i++] ?? unclosed()
        const next = chars[i + 1]
        const cls = CLASS_ESC[a]
        if (chars[i] === '-' && next !== undefined && next !== ']') {
          i += 2
          const b = next === '\\' ? (chars[i++] ?? unclosed()) : next
          set.ranges.push([a.codePointAt(0)!, b.codePointAt(0)!])
        } else if (cls && chars[i - 2] === '\\') {
          set.ranges.push(...cls)
        } else set.ranges.push([a.codePointAt(0)!, a.codePointAt(0)!])
      }
      if (chars[i++] !== ']') unclosed()
    } else if ('*+?'.includes(c)) {
      throw new BuiltinError(builtin, `quantifier without operand in ${JSON.stringify(p)}`)
    } else if ('()|{}^$'.includes(c)) {
      throw new BuiltinError(builtin, `unsupported syntax ${JSON.stringify(c)} in ${JSON.stringify(p)}`)
    } else set = lit(c)
    const q = chars[i]
    if (q === '*' || q === '?') {
      i++
      toks.push({ set, q })
    } else if (q === '+') {
      i++
      toks.push({ set, q: '' }, { set, q: '*' })
    } else toks.push({ set, q: '' })
  }
  return toks
}

function inRanges(c: number, r: [number, number][]): boolean {
  return r.some(([lo, hi]) => c >= lo && c <= hi)
}

function intersects(a: CharSet, b: CharSet): boolean {
  if (a.neg && b.neg) return true
  if (!a.neg && !b.neg) return a.ranges.some(([lo, hi]) => b.ranges.some(([l2, h2]) => lo <= h2 && l2 <= hi))
  const [pos, neg] = a.neg ? [b, a] : [a, b]
  // Some char of `pos` outside every range of `neg`: try range ends and the points just past neg ranges.
  for (const [lo, hi] of pos.ranges) {
    const candidates = [lo, hi, ...neg.ranges.flatMap(([l, h]) => [l - 1, h + 1])]
    if (candidates.some((c) => c >= lo && c <= hi && !inRanges(c, neg.ranges))) return true
  }
  return false
}

/** States reachable from `i` without consuming (skipping `*` and `?` tokens). */
function closure(toks: Tok[], i: number): number[] {
  const out = [i]
  while ((toks[i]?.q ?? '') !== '') out.push(++i)
  return out
}

function globsIntersect(a: Tok[], b: Tok[]): boolean {
  const seen = new Set<string>()
  const stack: [number, number][] = [[0, 0]]
  while (stack.length) {
    const [i0, j0] = stack.pop()!
    for (const i of closure(a, i0)) {
      for (const j of closure(b, j0)) {
        const key = `${i},${j}`
        if (seen.has(key)) continue
        seen.add(key)
        if (i === a.length && j === b.length) return true
        const ta = a[i]
        const tb = b[j]
        if (ta === undefined || tb === undefined) continue // one side at its end
        if (!intersects(ta.set, tb.set)) continue
        const ni = ta.q === '*' ? i : i + 1
        const nj = tb.q === '*' ? j : j + 1
        stack.push([ni, nj])
      }
    }
  }
  return false
}

function match(builtin: string, pattern: unknown, value: unknown): boolean {
  const re = compile(builtin, str(builtin, 1, pattern))
  return re.matcher(str(builtin, 2, value)).find()
}

export const impls: Record<string, HostImpl> = {
  'regex.match': (p, v) => match('regex.match', p, v),
  re_match: (p, v) => match('re_match', p, v),
  'regex.is_valid'(p) {
    if (typeof p !== 'string') return false
    try {
      compile('regex.is_valid', p)
      return true
    } catch {
      return false
    }
  },
  'regex.split'(p, v) {
    const re = compile('regex.split', str('regex.split', 1, p))
    return split(re, str('regex.split', 2, v))
  },
  'regex.find_n'(p, v, n) {
    const b = 'regex.find_n'
    const re = compile(b, str(b, 1, p))
    return allMatches(re, str(b, 2, v), int(b, 3, n)).map((m) => m.groups[0] ?? '')
  },
  'regex.find_all_string_submatch_n'(p, v, n) {
    const b = 'regex.find_all_string_submatch_n'
    const re = compile(b, str(b, 1, p))
    return allMatches(re, str(b, 2, v), int(b, 3, n)).map((m) => m.groups.map((g) => g ?? ''))
  },
  'regex.replace'(s, p, r) {
    const b = 'regex.replace'
    const x = str(b, 1, s)
    const re = compile(b, str(b, 2, p))
    return replaceAll(re, x, str(b, 3, r))
  },
  'regex.template_match'(tpl, v, open, close) {
    const b = 'regex.template_match'
    const t = str(b, 1, tpl)
    const x = str(b, 2, v)
    const o = str(b, 3, open)
    const c = str(b, 4, close)
    return templateMatch(b, t, x, o.charAt(0), c.charAt(0))
  },
  'regex.globs_match'(g1, g2) {
    const b = 'regex.globs_match'
    return globsIntersect(parseGlobRegex(b, str(b, 1, g1)), parseGlobRegex(b, str(b, 2, g2)))
  },
}
