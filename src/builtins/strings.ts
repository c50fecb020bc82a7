// String built-ins (concat, split, trim*, strings.*) as host functions, plus
// the operand checks every host family shares. Strings are measured in code
// points, as OPA (Go runes) does, never in UTF-16 units.

import { BuiltinError, type HostImpl } from './types.js'
import { sprintf } from './go-fmt.js'
import { renderTemplate } from './go-template.js'

// ---------------------------------------------------------------------------
// Operand checks shared by the host families. Messages follow OPA's
// `operand N must be T but got U`; sets arrive as arrays, so they report as
// arrays.

/** OPA's name for the type of a JSON value as it reaches the host. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (Array.isArray(v)) return 'array'
  switch (typeof v) {
    case 'string':
      return 'string'
    case 'number':
    case 'bigint':
      return 'number'
    case 'boolean':
      return 'boolean'
    default:
      return 'object'
  }
}

/** An `eval_type_error` for operand `pos` (1-based) of `builtin`. */
export function typeError(builtin: string, pos: number, v: unknown, ...want: string[]): BuiltinError {
  const w = want.length === 1 ? want[0] : `one of {${want.join(', ')}}`
  return new BuiltinError(builtin, `operand ${pos} must be ${w} but got ${typeName(v)}`, 'eval_type_error')
}

export function str(builtin: string, pos: number, v: unknown): string {
  if (typeof v !== 'string') throw typeError(builtin, pos, v, 'string')
  return v
}

export function num(builtin: string, pos: number, v: unknown): number {
  if (typeof v !== 'number') throw typeError(builtin, pos, v, 'number')
  return v
}

/** A number without a fractional part (OPA: "integer number"). */
export function int(builtin: string, pos: number, v: unknown): number {
  const n = num(builtin, pos, v)
  if (!Number.isInteger(n)) {
    throw new BuiltinError(builtin, `operand ${pos} must be integer number but got floating-point number`, 'eval_type_error')
  }
  return n
}

export function obj(builtin: string, pos: number, v: unknown): Record<string, unknown> {
  if (typeName(v) !== 'object') throw typeError(builtin, pos, v, 'object')
  return v as Record<string, unknown>
}

export function arr(builtin: string, pos: number, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw typeError(builtin, pos, v, 'array')
  return v
}

/** Strings of an array/set operand (`array of strings but got array containing number`). */
export function strElems(builtin: string, pos: number, v: unknown[]): string[] {
  for (const e of v) {
    if (typeof e !== 'string') {
      throw new BuiltinError(builtin, `operand ${pos} must be array of strings but got array containing ${typeName(e)}`, 'eval_type_error')
    }
  }
  return v as string[]
}

export function bool(builtin: string, pos: number, v: unknown): boolean {
  if (typeof v !== 'boolean') throw typeError(builtin, pos, v, 'boolean')
  return v
}

/** Code points of `s` (Go's `[]rune(s)`). */
export function runes(s: string): string[] {
  return Array.from(s)
}

// ---------------------------------------------------------------------------

function indexOfRunes(hay: string[], needle: string[], from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

/** Go's strings.Count: non-overlapping; an empty needle counts rune boundaries. */
function count(s: string, sub: string): number {
  if (sub === '') return runes(s).length + 1
  let n = 0
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++
  return n
}

/** Go's strings.Trim family: `cutset` is a set of code points. */
function trimLeft(s: string, cutset: string): string {
  const cut = new Set(runes(cutset))
  const r = runes(s)
  const i = r.findIndex((c) => !cut.has(c))
  return i < 0 ? '' : r.slice(i).join('')
}

function trimRight(s: string, cutset: string): string {
  const cut = new Set(runes(cutset))
  const r = runes(s)
  let j = r.length
  while (j > 0 && cut.has(r[j - 1]!)) j-- // 0 < j <= r.length
  return r.slice(0, j).join('')
}

/** Unicode White_Space, which Go's strings.TrimSpace strips. */
const SPACE =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g

/** Operand of any_prefix_match/any_suffix_match: a string, or an array/set of strings. */
function stringOrStrings(builtin: string, pos: number, v: unknown): string[] {
  if (typeof v === 'string') return [v]
  if (!Array.isArray(v)) throw typeError(builtin, pos, v, 'string', 'set', 'array')
  return strElems(builtin, pos, v)
}

function formatInt(n: number, base: number): string {
  const t = Math.trunc(n)
  const digits = Number.isSafeInteger(t) ? t.toString(base) : BigInt(t).toString(base)
  return digits
}

export const impls: Record<string, HostImpl> = {
  concat(delim, coll) {
    const d = str('concat', 1, delim)
    if (!Array.isArray(coll)) throw typeError('concat', 2, coll, 'set', 'array')
    return strElems('concat', 2, coll).join(d)
  },
  contains: (s, sub) => str('contains', 1, s).includes(str('contains', 2, sub)),
  endswith: (s, suf) => str('endswith', 1, s).endsWith(str('endswith', 2, suf)),
  startswith: (s, pre) => str('startswith', 1, s).startsWith(str('startswith', 2, pre)),
  format_int(n, base) {
    const x = num('format_int', 1, n)
    const b = num('format_int', 2, base)
    if (b !== 2 && b !== 8 && b !== 10 && b !== 16) {
      throw new BuiltinError('format_int', 'operand 2 must be one of {2, 8, 10, 16}', 'eval_type_error')
    }
    return formatInt(x, b)
  },
  indexof(s, sub) {
    const hay = runes(str('indexof', 1, s))
    const needle = runes(str('indexof', 2, sub))
    if (needle.length === 0) throw new BuiltinError('indexof', 'empty search character')
    return indexOfRunes(hay, needle, 0)
  },
  indexof_n(s, sub) {
    const hay = runes(str('indexof_n', 1, s))
    const needle = runes(str('indexof_n', 2, sub))
    if (needle.length === 0) throw new BuiltinError('indexof_n', 'empty search character')
    const out: number[] = []
    for (let i = indexOfRunes(hay, needle, 0); i >= 0; i = indexOfRunes(hay, needle, i + 1)) out.push(i)
    return out
  },
  lower: (s) => str('lower', 1, s).toLowerCase(),
  upper: (s) => str('upper', 1, s).toUpperCase(),
  replace(s, old, nw) {
    const x = str('replace', 1, s)
    const o = str('replace', 2, old)
    const n = str('replace', 3, nw)
    // Go inserts `new` around every rune when `old` is empty.
    if (o === '') return n + runes(x).join(n) + (x === '' ? '' : n)
    return x.split(o).join(n)
  },
  split(s, delim) {
    const x = str('split', 1, s)
    const d = str('split', 2, delim)
    return d === '' ? runes(x) : x.split(d)
  },
  sprintf(format, values) {
    const f = str('sprintf', 1, format)
    const v = arr('sprintf', 2, values)
    return sprintf(f, v)
  },
  substring(s, start, length) {
    const r = runes(str('substring', 1, s))
    const from = int('substring', 2, start)
    const len = int('substring', 3, length)
    if (from < 0) throw new BuiltinError('substring', 'negative offset')
    if (from >= r.length) return ''
    // A negative length means "to the end".
    const to = len < 0 ? r.length : Math.min(r.length, from + len)
    return r.slice(from, to).join('')
  },
  trim(s, cutset) {
    const c = str('trim', 2, cutset)
    return trimRight(trimLeft(str('trim', 1, s), c), c)
  },
  trim_left: (s, c) => trimLeft(str('trim_left', 1, s), str('trim_left', 2, c)),
  trim_right: (s, c) => trimRight(str('trim_right', 1, s), str('trim_right', 2, c)),
  trim_prefix(s, p) {
    const x = str('trim_prefix', 1, s)
    const pre = str('trim_prefix', 2, p)
    return x.startsWith(pre) ? x.slice(pre.length) : x
  },
  trim_suffix(s, p) {
    const x = str('trim_suffix', 1, s)
    const suf = str('trim_suffix', 2, p)
    return suf !== '' && x.endsWith(suf) ? x.slice(0, x.length - suf.length) : x
  },
  trim_space: (s) => str('trim_space', 1, s).replace(SPACE, ''),
  'strings.any_prefix_match'(search, base) {
    const ss = stringOrStrings('strings.any_prefix_match', 1, search)
    const bs = stringOrStrings('strings.any_prefix_match', 2, base)
    return ss.some((s) => bs.some((b) => s.startsWith(b)))
  },
  'strings.any_suffix_match'(search, base) {
    const ss = stringOrStrings('strings.any_suffix_match', 1, search)
    const bs = stringOrStrings('strings.any_suffix_match', 2, base)
    return ss.some((s) => bs.some((b) => s.endsWith(b)))
  },
  'strings.count': (s, sub) => count(str('strings.count', 1, s), str('strings.count', 2, sub)),
  'strings.render_template'(tmpl, vars) {
    const t = str('strings.render_template', 1, tmpl)
    const v = obj('strings.render_template', 2, vars)
    return renderTemplate('strings.render_template', t, v)
  },
  'strings.replace_n'(patterns, s) {
    const b = 'strings.replace_n'
    const p = obj(b, 1, patterns)
    const x = str(b, 2, s)
    const pairs: [string, string][] = []
    for (const [k, v] of Object.entries(p)) {
      if (typeof v !== 'string') throw new BuiltinError(b, 'operand 1 non-string value found in pattern object', 'eval_type_error')
      pairs.push([k, v])
    }
    // Go's strings.NewReplacer: at each position the first pattern (in
    // argument order; OPA passes keys sorted) that matches wins, left to right.
    pairs.sort((a, c) => (a[0] < c[0] ? -1 : a[0] > c[0] ? 1 : 0))
    return replaceMany(x, pairs)
  },
  'strings.reverse': (s) =>
    runes(str('strings.reverse', 1, s))
      .reverse()
      .join(''),
}

/** Go's generic strings.Replacer: scan left to right, first matching old string wins. */
function replaceMany(s: string, pairs: [string, string][]): string {
  if (pairs.length === 0) return s
  let out = ''
  let i = 0
  let prevEmpty = false
  while (i <= s.length) {
    let hit: [string, string] | undefined
    for (const p of pairs) {
      if (p[0] === '' && prevEmpty) continue
      if (s.startsWith(p[0], i)) {
        hit = p
        break
      }
    }
    if (hit) {
      out += hit[1]
      if (hit[0] === '') {
        prevEmpty = true
      } else {
        i += hit[0].length
        prevEmpty = false
        continue
      }
    } else {
      prevEmpty = false
    }
    if (i < s.length) {
      const cp = s.codePointAt(i)!
      const ch = String.fromCodePoint(cp)
      out += ch
      i += ch.length
      prevEmpty = false
    } else {
      break
    }
  }
  return out
}
