// Go's text formatting for the host built-ins: `sprintf` (fmt verbs, as OPA
// hands Rego values to fmt.Sprintf) and a subset of text/template for
// `strings.render_template`. Also the Rego text form of a value, which OPA
// prints for composite sprintf arguments.

import { BuiltinError, RegoSet } from './types.js'

// ---------------------------------------------------------------------------
// Rego's text form (OPA's Term.String()).

/** Go's strconv.Quote: printable runes kept, the rest escaped. */
export function goQuote(s: string, quote = '"'): string {
  let out = quote
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    switch (ch) {
      case '\\': out += '\\\\'; continue
      case '\x07': out += '\\a'; continue
      case '\b': out += '\\b'; continue
      case '\f': out += '\\f'; continue
      case '\n': out += '\\n'; continue
      case '\r': out += '\\r'; continue
      case '\t': out += '\\t'; continue
      case '\v': out += '\\v'; continue
    }
    if (ch === quote) { out += '\\' + ch; continue }
    if (c < 0x20 || c === 0x7f) { out += '\\x' + c.toString(16).padStart(2, '0'); continue }
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

// ---------------------------------------------------------------------------
// fmt.Sprintf

/** A Go fmt argument, typed as OPA converts Rego values before calling Sprintf. */
type GoArg =
  | { kind: 'int'; v: bigint }
  | { kind: 'float'; v: number }
  | { kind: 'string'; v: string }

function toGoArg(v: unknown): GoArg {
  if (typeof v === 'number') {
    // OPA passes integers as int (or *big.Int when written without exponent)
    // and everything else as float64; 1e21 and up print with an exponent in
    // both JS and OPA's number text, so they are floats here.
    return Number.isInteger(v) && Math.abs(v) < 1e21 ? { kind: 'int', v: BigInt(v) } : { kind: 'float', v }
  }
  if (typeof v === 'string') return { kind: 'string', v }
  return { kind: 'string', v: regoString(v) }
}

const INT64_MAX = (1n << 63n) - 1n
const INT64_MIN = -(1n << 63n)

function goTypeName(a: GoArg): string {
  if (a.kind === 'int') return a.v > INT64_MAX || a.v < INT64_MIN ? '*big.Int' : 'int'
  return a.kind === 'float' ? 'float64' : 'string'
}

interface Spec {
  minus: boolean; plus: boolean; sharp: boolean; space: boolean; zero: boolean
  width?: number; prec?: number
}

function pad(s: string, spec: Spec, zeroOK: boolean): string {
  const w = spec.width ?? 0
  const n = Array.from(s).length
  if (n >= w) return s
  if (spec.minus) return s + ' '.repeat(w - n)
  if (spec.zero && zeroOK) {
    const sign = /^[+\- ]/.exec(s)?.[0] ?? ''
    const body = s.slice(sign.length)
    return sign + '0'.repeat(w - n) + body
  }
  return ' '.repeat(w - n) + s
}

function signed(neg: boolean, body: string, spec: Spec): string {
  return (neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '') + body
}

function fmtInt(v: bigint, verb: string, spec: Spec): string | undefined {
  const neg = v < 0n
  const abs = neg ? -v : v
  let digits: string
  let prefix = ''
  switch (verb) {
    case 'v': case 'd': digits = abs.toString(10); break
    case 'b': digits = abs.toString(2); if (spec.sharp) prefix = '0b'; break
    case 'o': digits = abs.toString(8); if (spec.sharp) prefix = '0'; break
    case 'O': digits = abs.toString(8); prefix = '0o'; break
    case 'x': digits = abs.toString(16); if (spec.sharp) prefix = '0x'; break
    case 'X': digits = abs.toString(16).toUpperCase(); if (spec.sharp) prefix = '0X'; break
    case 'c': return pad(String.fromCodePoint(Number(v)), spec, false)
    case 'q': return pad(goQuote(String.fromCodePoint(Number(v)), "'"), spec, false)
    case 'U': {
      const u = 'U+' + abs.toString(16).toUpperCase().padStart(4, '0')
      return pad(spec.sharp ? `${u} '${String.fromCodePoint(Number(v))}'` : u, spec, false)
    }
    default: return undefined
  }
  if (spec.prec !== undefined) {
    if (spec.prec === 0 && v === 0n) digits = ''
    digits = digits.padStart(spec.prec, '0')
  }
  // Go ignores the 0 flag when a precision is given.
  const zeroOK = spec.prec === undefined
  if (prefix === '0' && digits.startsWith('0')) prefix = ''
  return pad(signed(neg, prefix + digits, spec), spec, zeroOK)
}

/** Decimal digits of |x| (no trailing zeros) and decimal-point position: |x| = 0.DIGITS × 10^dp. */
function decimal(x: number, sig?: number): { d: string; dp: number } {
  const e = sig === undefined ? Math.abs(x).toExponential() : Math.abs(x).toExponential(Math.max(0, sig - 1))
  const [m = '', ex] = e.split('e') // toExponential always writes an `e`
  let d = m.replace('.', '').replace(/0+$/, '')
  if (d === '') d = '0'
  return { d, dp: d === '0' ? 1 : Number(ex) + 1 }
}

function expText(d: string, dp: number, prec: number, upper: boolean): string {
  const digits = d.padEnd(prec + 1, '0').slice(0, prec + 1)
  const exp = d === '0' ? 0 : dp - 1
  const es = (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0')
  return digits[0] + (prec > 0 ? '.' + digits.slice(1) : '') + (upper ? 'E' : 'e') + es
}

function fixedText(d: string, dp: number, prec: number): string {
  // d/dp come from an exact rounding to `prec` places or from a shortest form.
  let int: string
  let frac: string
  if (dp <= 0) { int = '0'; frac = '0'.repeat(-dp) + d }
  else if (dp >= d.length) { int = d + '0'.repeat(dp - d.length); frac = '' }
  else { int = d.slice(0, dp); frac = d.slice(dp) }
  frac = frac.padEnd(prec, '0').slice(0, prec)
  return int + (prec > 0 ? '.' + frac : '')
}

function fmtFloat(x: number, verb: string, spec: Spec): string | undefined {
  if (!'vbeEfFgGxX'.includes(verb)) return undefined
  if (Number.isNaN(x)) return pad(spec.plus ? '+NaN' : spec.space ? ' NaN' : 'NaN', { ...spec, zero: false }, false)
  const neg = x < 0 || Object.is(x, -0)
  if (!Number.isFinite(x)) return pad(signed(neg, 'Inf', spec), { ...spec, zero: false }, false)
  let body: string
  switch (verb) {
    case 'e': case 'E': {
      const p = spec.prec ?? 6
      const { d, dp } = decimal(x, p + 1)
      body = expText(d, dp, p, verb === 'E')
      break
    }
    case 'f': case 'F': {
      body = Math.abs(x).toFixed(Math.min(spec.prec ?? 6, 100))
      break
    }
    default: { // v g G (b/x fall back to %g as well)
      const shortest = spec.prec === undefined
      let prec = spec.prec ?? -1
      if (prec === 0) prec = 1
      const { d, dp } = shortest ? decimal(x) : decimal(x, prec)
      if (shortest) prec = d.length
      let eprec = prec
      if (eprec > d.length && d.length >= dp) eprec = d.length
      if (shortest) eprec = 6
      const exp = d === '0' ? 0 : dp - 1
      if (exp < -4 || exp >= eprec) {
        const p = Math.min(prec, d.length) - 1
        body = expText(d, dp, spec.sharp ? prec - 1 : p, verb === 'G')
      } else {
        const p = prec > dp ? d.length : prec
        body = fixedText(d, dp, Math.max(spec.sharp ? prec - dp : p - dp, 0))
      }
    }
  }
  return pad(signed(neg, body, spec), spec, true)
}

function fmtString(s: string, verb: string, spec: Spec): string | undefined {
  let t = s
  if (spec.prec !== undefined && 'svq'.includes(verb)) t = Array.from(t).slice(0, spec.prec).join('')
  switch (verb) {
    case 'v': case 's': return pad(t, spec, true)
    case 'q': return pad(spec.sharp && !t.includes('`') && !/[\x00-\x08\x0a-\x1f\x7f]/.test(t) ? '`' + t + '`' : goQuote(t), spec, true)
    case 'x': case 'X': {
      const hex = Array.from(Buffer.from(s, 'utf8')).map((b) => b.toString(16).padStart(2, '0'))
      const out = (spec.space ? hex.map((h) => (spec.sharp ? '0x' : '') + h).join(' ') : (spec.sharp ? '0x' : '') + hex.join(''))
      return pad(verb === 'X' ? out.toUpperCase() : out, spec, true)
    }
    default: return undefined
  }
}

function formatArg(a: GoArg, verb: string, spec: Spec): string {
  let out: string | undefined
  if (a.kind === 'int') {
    const big = a.v > INT64_MAX || a.v < INT64_MIN
    // *big.Int also formats with %s; plain ints do not.
    out = verb === 's' && big ? pad(a.v.toString(), spec, true) : fmtInt(a.v, verb, spec)
  } else if (a.kind === 'float') {
    out = fmtFloat(a.v, verb, spec)
  } else {
    out = fmtString(a.v, verb, spec)
  }
  return out ?? `%!${verb}(${goTypeName(a)}=${plainV(a)})`
}

function plainV(a: GoArg): string {
  return formatArg(a, 'v', { minus: false, plus: false, sharp: false, space: false, zero: false })
}

/** fmt.Sprintf(format, args...) with OPA's conversion of Rego values to Go arguments. */
export function sprintf(format: string, values: unknown[]): string {
  const args = values.map(toGoArg)
  let out = ''
  let argNum = 0
  let reordered = false
  const f = format
  let i = 0
  while (i < f.length) {
    const pct = f.indexOf('%', i)
    if (pct < 0) { out += f.slice(i); break }
    out += f.slice(i, pct)
    i = pct + 1
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false }
    flags: for (; i < f.length; i++) {
      switch (f[i]) {
        case '-': spec.minus = true; spec.zero = false; break
        case '+': spec.plus = true; break
        case '#': spec.sharp = true; break
        case ' ': spec.space = true; break
        case '0': spec.zero = !spec.minus; break
        default: break flags
      }
    }
    let badIndex = false
    const argIndex = (): void => {
      if (f[i] !== '[') return
      reordered = true
      const close = f.indexOf(']', i)
      const n = close > 0 ? Number(f.slice(i + 1, close)) : NaN
      if (!Number.isInteger(n) || n < 1 || n > args.length) badIndex = true
      else argNum = n - 1
      i = close > 0 ? close + 1 : f.length
    }
    const number = (): number | undefined => {
      const m = /^\d+/.exec(f.slice(i))
      if (!m) return undefined
      i += m[0].length
      return Number(m[0])
    }
    const star = (): number | undefined => {
      i++
      const a = args[argNum++]
      if (a?.kind === 'int') return Number(a.v)
      out += '%!(BADWIDTH)'
      return undefined
    }
    argIndex()
    if (f[i] === '*') {
      spec.width = star()
      if (spec.width !== undefined && spec.width < 0) { spec.minus = true; spec.width = -spec.width; spec.zero = false }
    } else spec.width = number()
    if (f[i] === '.') {
      i++
      argIndex()
      if (f[i] === '*') {
        spec.prec = star()
        if (spec.prec !== undefined && spec.prec < 0) spec.prec = undefined
      } else spec.prec = number() ?? 0
    }
    argIndex()
    if (i >= f.length) { out += '%!(NOVERB)'; break }
    const verb = String.fromCodePoint(f.codePointAt(i)!)
    i += verb.length
    if (verb === '%') { out += '%'; continue }
    if (badIndex) { out += `%!${verb}(BADINDEX)`; continue }
    const arg = args[argNum]
    if (arg === undefined) { out += `%!${verb}(MISSING)`; continue }
    argNum++
    out += formatArg(arg, verb, spec)
  }
  if (!reordered && argNum < args.length) {
    out += '%!(EXTRA ' + args.slice(argNum).map((a) => `${goTypeName(a)}=${plainV(a)}`).join(', ') + ')'
  }
  return out
}

// ---------------------------------------------------------------------------
// text/template subset for strings.render_template: fields, variables,
// if/else if/else, range (with $i, $v), with, pipelines and the common
// functions. Values come from JSON; a missing key renders as OPA does.

const NO_VALUE = '<undefined>'

class TemplateError extends Error {}

type TNode =
  | { t: 'text'; s: string }
  | { t: 'action'; p: Pipe }
  | { t: 'if' | 'with'; p: Pipe; body: TNode[]; els: TNode[] }
  | { t: 'range'; p: Pipe; body: TNode[]; els: TNode[] }

interface Pipe { decl: string[]; assign: boolean; cmds: Operand[][] }
type Operand =
  | { o: 'field'; base: Operand | null; path: string[] }
  | { o: 'var'; name: string; path: string[] }
  | { o: 'lit'; v: unknown }
  | { o: 'fn'; name: string }
  | { o: 'pipe'; p: Pipe; path: string[] }

function lexActions(src: string): (string | { action: string })[] {
  const out: (string | { action: string })[] = []
  let i = 0
  while (i < src.length) {
    const open = src.indexOf('{{', i)
    if (open < 0) { out.push(src.slice(i)); break }
    let text = src.slice(i, open)
    let start = open + 2
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) { text = text.replace(/\s+$/, ''); start += 1 }
    out.push(text)
    // Find the closing delimiter outside string literals.
    let j = start
    let quote = ''
    while (j < src.length) {
      const c = src[j]
      if (quote) { if (c === '\\' && quote !== '`') j++; else if (c === quote) quote = ''; j++; continue }
      if (c === '"' || c === '`' || c === "'") { quote = c; j++; continue }
      if (src.startsWith('}}', j)) break
      j++
    }
    if (j >= src.length) throw new TemplateError('unclosed action')
    let body = src.slice(start, j)
    i = j + 2
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1)
      const m = /^\s*/.exec(src.slice(i))!
      i += m[0].length
    }
    out.push({ action: body.trim() })
  }
  return out
}

function tokenize(s: string): string[] {
  const re = /\s*("(?:\\.|[^"\\])*"|`[^`]*`|'(?:\\.|[^'\\])*'|:=|=|\||\(|\)|,|[^\s|(),=:]+|:)/y
  const toks: string[] = []
  let m: RegExpExecArray | null
  while (re.lastIndex < s.length && (m = re.exec(s))) toks.push(m[1]!) // group 1 is the token, not optional
  if (s.slice(re.lastIndex).trim() !== '') throw new TemplateError(`unexpected ${JSON.stringify(s.slice(re.lastIndex))}`)
  return toks
}

function parsePipe(toks: string[], pos: { i: number }, inParen: boolean): Pipe {
  const pipe: Pipe = { decl: [], assign: false, cmds: [] }
  // Declarations: `$x :=`, `$i, $v :=`, `$x =`.
  const save = pos.i
  const decl: string[] = []
  for (let t = toks[pos.i]; t?.startsWith('$'); t = toks[pos.i]) {
    decl.push(t)
    pos.i++
    if (toks[pos.i] === ',') { pos.i++; continue }
    break
  }
  if (decl.length && (toks[pos.i] === ':=' || toks[pos.i] === '=')) {
    pipe.assign = toks[pos.i] === '='
    pipe.decl = decl
    pos.i++
  } else pos.i = save
  let cmd: Operand[] = []
  for (let t = toks[pos.i]; t !== undefined; t = toks[pos.i]) {
    if (t === ')') { if (inParen) break; throw new TemplateError('unexpected right paren') }
    pos.i++
    if (t === '|') { if (!cmd.length) throw new TemplateError('missing command'); pipe.cmds.push(cmd); cmd = []; continue }
    if (t === '(') {
      const inner = parsePipe(toks, pos, true)
      if (toks[pos.i++] !== ')') throw new TemplateError('unclosed left paren')
      let path: string[] = []
      const next = toks[pos.i]
      if (next?.startsWith('.') && next !== '.') { path = next.split('.').slice(1); pos.i++ }
      cmd.push({ o: 'pipe', p: inner, path })
      continue
    }
    cmd.push(operand(t))
  }
  if (cmd.length) pipe.cmds.push(cmd)
  if (!pipe.cmds.length) throw new TemplateError('missing value for command')
  return pipe
}

function operand(t: string): Operand {
  if (t === '.') return { o: 'field', base: null, path: [] }
  if (t.startsWith('.')) return { o: 'field', base: null, path: t.split('.').slice(1) }
  if (t.startsWith('$')) {
    const [name = '', ...path] = t.split('.') // split gives at least one part
    return { o: 'var', name, path }
  }
  if (t.startsWith('"')) return { o: 'lit', v: JSON.parse(t) }
  if (t.startsWith('`')) return { o: 'lit', v: t.slice(1, -1) }
  if (t.startsWith("'")) return { o: 'lit', v: JSON.parse('"' + t.slice(1, -1).replace(/"/g, '\\"') + '"').codePointAt(0) }
  if (t === 'true' || t === 'false') return { o: 'lit', v: t === 'true' }
  if (t === 'nil') return { o: 'lit', v: null }
  if (/^[+-]?(\d|\.\d)/.test(t)) {
    const n = Number(t)
    if (Number.isNaN(n)) throw new TemplateError(`bad number syntax: ${JSON.stringify(t)}`)
    return { o: 'lit', v: n }
  }
  if (/^[A-Za-z_]\w*$/.test(t)) return { o: 'fn', name: t }
  throw new TemplateError(`unexpected ${JSON.stringify(t)} in command`)
}

function parseTemplate(src: string): TNode[] {
  const items = lexActions(src)
  let k = 0
  const parseList = (ends: string[]): { nodes: TNode[]; end: string } => {
    const nodes: TNode[] = []
    while (k < items.length) {
      const it = items[k++]! // k < items.length
      if (typeof it === 'string') { if (it) nodes.push({ t: 'text', s: it }); continue }
      const a = it.action
      if (a.startsWith('/*')) continue
      const kw = /^(if|range|with|else|end)\b/.exec(a)?.[1]
      if (kw === 'end' || kw === 'else') {
        if (!ends.length) throw new TemplateError(`unexpected {{${kw}}}`)
        if (kw === 'else' && /^else\s+if\b/.test(a)) { k--; items[k] = { action: a.replace(/^else\s+/, '') }; return { nodes, end: 'elseif' } }
        return { nodes, end: kw }
      }
      if (kw === 'if' || kw === 'range' || kw === 'with') {
        nodes.push(parseBlock(kw, a))
        continue
      }
      nodes.push({ t: 'action', p: parsePipe(tokenize(a), { i: 0 }, false) })
    }
    if (ends.length) throw new TemplateError('unexpected EOF')
    return { nodes, end: '' }
  }
  const parseBlock = (kw: 'if' | 'range' | 'with', a: string): TNode => {
    const p = parsePipe(tokenize(a.slice(kw.length)), { i: 0 }, false)
    const body = parseList(['end', 'else'])
    let els: TNode[] = []
    if (body.end === 'else') els = parseList(['end']).nodes
    // `{{else if x}}` is a nested if that shares the outer {{end}}.
    else if (body.end === 'elseif') els = [parseBlock('if', (items[k++] as { action: string }).action)]
    return { t: kw, p, body: body.nodes, els }
  }
  return parseList([]).nodes
}

class JsonNum { constructor(readonly text: string) {} }

function fromJSON(v: unknown): unknown {
  if (typeof v === 'number') return new JsonNum(numberText(v))
  if (Array.isArray(v)) return v.map(fromJSON)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJSON(x)]))
  return v
}

const MISSING = Symbol('missing')

function goV(v: unknown): string {
  if (v === MISSING) return NO_VALUE
  if (v === null || v === undefined) return '<nil>'
  if (v instanceof JsonNum) return v.text
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return '[' + v.map(goV).join(' ') + ']'
  return 'map[' + Object.keys(v as object).sort().map((k) => `${k}:${goV((v as Record<string, unknown>)[k])}`).join(' ') + ']'
}

function truthy(v: unknown): boolean {
  if (v === MISSING || v === null || v === undefined || v === false || v === 0 || v === '') return false
  if (Array.isArray(v)) return v.length > 0
  if (typeof v === 'object' && !(v instanceof JsonNum)) return Object.keys(v as object).length > 0
  return true
}

function numeric(v: unknown): number | string | boolean | null {
  if (v instanceof JsonNum) return Number(v.text)
  return v as number | string | boolean | null
}

function field(v: unknown, path: string[]): unknown {
  let cur = v
  for (const k of path) {
    if (cur === MISSING) return MISSING
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || cur instanceof JsonNum) {
      throw new TemplateError(`can't evaluate field ${k} in type ${Array.isArray(cur) ? '[]interface {}' : typeof cur}`)
    }
    cur = Object.prototype.hasOwnProperty.call(cur, k) ? (cur as Record<string, unknown>)[k] : MISSING
  }
  return cur
}

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  and: (...a) => { for (const x of a) if (!truthy(x)) return x; return a[a.length - 1] },
  or: (...a) => { for (const x of a) if (truthy(x)) return x; return a[a.length - 1] },
  not: (a) => !truthy(a),
  len: (a) => (typeof a === 'string' ? Buffer.byteLength(a) : Array.isArray(a) ? a.length : Object.keys(a as object).length),
  index: (a, ...ks) => { let c = a; for (const k of ks) c = Array.isArray(c) ? c[Number(numeric(k))] : (c as Record<string, unknown>)[String(numeric(k))]; return c ?? MISSING },
  print: (...a) => a.map(goV).join(''),
  println: (...a) => a.map(goV).join(' ') + '\n',
  printf: (f, ...a) => sprintf(String(f), a.map((x) => (x instanceof JsonNum ? Number(x.text) : x))),
  eq: (a, ...bs) => bs.some((b) => numeric(a) === numeric(b)),
  ne: (a, b) => numeric(a) !== numeric(b),
  lt: (a, b) => (numeric(a) as number) < (numeric(b) as number),
  le: (a, b) => (numeric(a) as number) <= (numeric(b) as number),
  gt: (a, b) => (numeric(a) as number) > (numeric(b) as number),
  ge: (a, b) => (numeric(a) as number) >= (numeric(b) as number),
  urlquery: (...a) => encodeURIComponent(a.map(goV).join('')).replace(/%20/g, '+'),
  html: (...a) => a.map(goV).join('').replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!),
}

type Scope = { vars: Map<string, unknown>[] }

/** The innermost frame that declares `name`. */
function frameOf(scope: Scope, name: string): Map<string, unknown> | undefined {
  for (let i = scope.vars.length - 1; i >= 0; i--) {
    const frame = scope.vars[i]
    if (frame?.has(name)) return frame
  }
  return undefined
}

function lookupVar(scope: Scope, name: string): unknown {
  const frame = frameOf(scope, name)
  if (!frame) throw new TemplateError(`undefined variable: ${name}`)
  return frame.get(name)
}

function evalPipe(p: Pipe, dot: unknown, scope: Scope): unknown {
  let prev: unknown
  let first = true
  for (const cmd of p.cmds) {
    const [head, ...rest] = cmd
    if (head === undefined) throw new TemplateError('missing command')
    const args = rest.map((o) => evalOperand(o, dot, scope))
    if (!first) args.push(prev)
    if (head.o === 'fn') {
      const fn = FUNCS[head.name]
      if (!fn) throw new TemplateError(`function "${head.name}" not defined`)
      prev = fn(...args)
    } else {
      if (args.length) throw new TemplateError(`can't give argument to non-function`)
      prev = evalOperand(head, dot, scope)
    }
    first = false
  }
  const [name] = p.decl
  if (p.decl.length === 1 && name !== undefined) {
    // `$x = v` sets the innermost $x; `$x := v` declares it in the current frame.
    const frame = p.assign ? frameOf(scope, name) : scope.vars[scope.vars.length - 1]
    frame?.set(name, prev)
  }
  return prev
}

function evalOperand(o: Operand, dot: unknown, scope: Scope): unknown {
  switch (o.o) {
    case 'lit': return o.v
    case 'field': return field(dot, o.path)
    case 'var': return field(lookupVar(scope, o.name), o.path)
    case 'pipe': return field(evalPipe(o.p, dot, scope), o.path)
    case 'fn': {
      const fn = FUNCS[o.name]
      if (!fn) throw new TemplateError(`function "${o.name}" not defined`)
      return fn()
    }
  }
}

function exec(nodes: TNode[], dot: unknown, scope: Scope): string {
  let out = ''
  for (const n of nodes) {
    switch (n.t) {
      case 'text': out += n.s; break
      case 'action': {
        const v = evalPipe(n.p, dot, scope)
        if (!n.p.decl.length) out += goV(v)
        break
      }
      case 'if': case 'with': {
        scope.vars.push(new Map())
        const v = evalPipe(n.p, dot, scope)
        out += truthy(v) ? exec(n.body, n.t === 'with' ? v : dot, scope) : exec(n.els, dot, scope)
        scope.vars.pop()
        break
      }
      case 'range': {
        const frame = new Map<string, unknown>()
        scope.vars.push(frame)
        // `range $v :=` binds the element; `range $k, $v :=` the key as well.
        const [first, second] = n.p.decl
        const keyVar = n.p.decl.length === 2 ? first : undefined
        const valueVar = n.p.decl.length === 2 ? second : n.p.decl.length === 1 ? first : undefined
        const v = evalPipe({ ...n.p, decl: [] }, dot, scope)
        const entries: [unknown, unknown][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v !== null && typeof v === 'object' && !(v instanceof JsonNum)
            ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])
            : typeof v === 'number' ? Array.from({ length: v }, (_, i) => [i, i]) : []
        if (!entries.length) out += exec(n.els, dot, scope)
        for (const [k, x] of entries) {
          if (keyVar !== undefined) frame.set(keyVar, k)
          if (valueVar !== undefined) frame.set(valueVar, x)
          out += exec(n.body, x, scope)
        }
        scope.vars.pop()
        break
      }
    }
  }
  return out
}

/** Renders a Go text/template against JSON variables; template errors are built-in errors. */
export function renderTemplate(builtin: string, src: string, vars: Record<string, unknown>): string {
  try {
    const nodes = parseTemplate(src)
    const dot = fromJSON(vars)
    return exec(nodes, dot, { vars: [new Map([['$', dot]])] })
  } catch (e) {
    if (e instanceof TemplateError) throw new BuiltinError(builtin, `template: ${e.message}`)
    throw e
  }
}
