// Go's fmt.Sprintf for the `sprintf` built-in: the verbs, flags, width,
// precision and argument indexes, applied to Rego values converted to Go
// arguments as OPA converts them (composite values print as Rego text).

import { goQuote, regoString } from './rego-text.js'

/** A Go fmt argument, typed as OPA converts Rego values before calling Sprintf. */
type GoArg = { kind: 'int'; v: bigint } | { kind: 'float'; v: number } | { kind: 'string'; v: string }

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
  minus: boolean
  plus: boolean
  sharp: boolean
  space: boolean
  zero: boolean
  width?: number
  prec?: number
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
    case 'v':
    case 'd':
      digits = abs.toString(10)
      break
    case 'b':
      digits = abs.toString(2)
      if (spec.sharp) prefix = '0b'
      break
    case 'o':
      digits = abs.toString(8)
      if (spec.sharp) prefix = '0'
      break
    case 'O':
      digits = abs.toString(8)
      prefix = '0o'
      break
    case 'x':
      digits = abs.toString(16)
      if (spec.sharp) prefix = '0x'
      break
    case 'X':
      digits = abs.toString(16).toUpperCase()
      if (spec.sharp) prefix = '0X'
      break
    case 'c':
      return pad(String.fromCodePoint(Number(v)), spec, false)
    case 'q':
      return pad(goQuote(String.fromCodePoint(Number(v)), "'"), spec, false)
    case 'U': {
      const u = 'U+' + abs.toString(16).toUpperCase().padStart(4, '0')
      return pad(spec.sharp ? `${u} '${String.fromCodePoint(Number(v))}'` : u, spec, false)
    }
    default:
      return undefined
  }
  // Go (fmt/format.go, fmtInteger): precision 0 and value 0 print nothing
  // but the width's padding, with no sign and no 0x prefix either.
  if (spec.prec === 0 && v === 0n) return pad('', spec, false)
  if (spec.prec !== undefined) digits = digits.padStart(spec.prec, '0')
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
  if (dp <= 0) {
    int = '0'
    frac = '0'.repeat(-dp) + d
  } else if (dp >= d.length) {
    int = d + '0'.repeat(dp - d.length)
    frac = ''
  } else {
    int = d.slice(0, dp)
    frac = d.slice(dp)
  }
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
    case 'e':
    case 'E': {
      const p = spec.prec ?? 6
      const { d, dp } = decimal(x, p + 1)
      body = expText(d, dp, p, verb === 'E')
      break
    }
    case 'f':
    case 'F': {
      body = Math.abs(x).toFixed(Math.min(spec.prec ?? 6, 100))
      break
    }
    default: {
      // v g G (b/x fall back to %g as well)
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
    case 'v':
    case 's':
      return pad(t, spec, true)
    case 'q':
      return pad(spec.sharp && !t.includes('`') && !/[\x00-\x08\x0a-\x1f\x7f]/.test(t) ? '`' + t + '`' : goQuote(t), spec, true)
    case 'x':
    case 'X': {
      const hex = Array.from(Buffer.from(s, 'utf8')).map((b) => b.toString(16).padStart(2, '0'))
      const out = spec.space ? hex.map((h) => (spec.sharp ? '0x' : '') + h).join(' ') : (spec.sharp ? '0x' : '') + hex.join('')
      return pad(verb === 'X' ? out.toUpperCase() : out, spec, true)
    }
    default:
      return undefined
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
    if (pct < 0) {
      out += f.slice(i)
      break
    }
    out += f.slice(i, pct)
    i = pct + 1
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false }
    flags: for (; i < f.length; i++) {
      switch (f[i]) {
        case '-':
          spec.minus = true
          spec.zero = false
          break
        case '+':
          spec.plus = true
          break
        case '#':
          spec.sharp = true
          break
        case ' ':
          spec.space = true
          break
        case '0':
          spec.zero = !spec.minus
          break
        default:
          break flags
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
      if (spec.width !== undefined && spec.width < 0) {
        spec.minus = true
        spec.width = -spec.width
        spec.zero = false
      }
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
    if (i >= f.length) {
      out += '%!(NOVERB)'
      break
    }
    const verb = String.fromCodePoint(f.codePointAt(i)!)
    i += verb.length
    if (verb === '%') {
      out += '%'
      continue
    }
    if (badIndex) {
      out += `%!${verb}(BADINDEX)`
      continue
    }
    const arg = args[argNum]
    if (arg === undefined) {
      out += `%!${verb}(MISSING)`
      continue
    }
    argNum++
    out += formatArg(arg, verb, spec)
  }
  if (!reordered && argNum < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argNum)
        .map((a) => `${goTypeName(a)}=${plainV(a)}`)
        .join(', ') +
      ')'
  }
  return out
}
