// units.parse and units.parse_bytes: a number (decimal or scientific) and an
// SI or binary suffix. Computed exactly with BigInt rationals, as OPA does
// with big.Rat / big.Float, then returned as a JS number.

import { BuiltinError, type HostImpl } from './types.js'
import { str } from './strings.js'

const K = 1000n
const DEC = [1n, K, K ** 2n, K ** 3n, K ** 4n, K ** 5n, K ** 6n]
const BIN = [1n, 1n << 10n, 1n << 20n, 1n << 30n, 1n << 40n, 1n << 50n, 1n << 60n]
const MAX_EXPONENT_DIGITS = 6

/** Splits `10.5e3KiB` into `10.5e3` and `KiB` (an `e` counts as exponent only before a digit or sign). */
function splitNumUnit(s: string): { num: string; unit: string; expTooLarge: boolean } {
  let cut = -1
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i)
    const numeric = (c >= '0' && c <= '9') || c === '.' || c === '+' || c === '-'
    if (!numeric && c !== 'e' && c !== 'E') {
      cut = i
      break
    }
    if (c === 'e' || c === 'E') {
      const n = s[i + 1]
      if (n === undefined || !((n >= '0' && n <= '9') || n === '+' || n === '-')) {
        cut = i
        break
      }
      if (n === '+' || n === '-') i++
      const digits = /^\d*/.exec(s.slice(i + 1))![0].length
      if (digits > MAX_EXPONENT_DIGITS) return { num: '', unit: '', expTooLarge: true }
    }
  }
  if (cut === -1) return { num: s, unit: '', expTooLarge: false }
  return { num: s.slice(0, cut), unit: s.slice(cut), expTooLarge: false }
}

/** A decimal literal as an exact fraction, or undefined when it is not one. */
function rational(s: string): { n: bigint; d: bigint } | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s)
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined
  const frac = m[3] ?? ''
  let n = BigInt((m[2] || '0') + frac)
  let d = 10n ** BigInt(frac.length)
  const e = Number(m[4] ?? 0)
  if (e >= 0) n *= 10n ** BigInt(e)
  else d *= 10n ** BigInt(-e)
  if (m[1] === '-') n = -n
  return { n, d }
}

/** big.Rat.FloatString(10), read back as a number. */
function ratToNumber(n: bigint, d: bigint): number {
  if (n % d === 0n) return Number(n / d)
  const neg = n < 0n
  const a = neg ? -n : n
  const scaled = (a * 10n ** 10n * 2n + d) / (2n * d) // round half up at 10 places
  const int = scaled / 10n ** 10n
  const frac = (scaled % 10n ** 10n).toString().padStart(10, '0')
  return Number(`${neg ? '-' : ''}${int}.${frac}`)
}

function unitsParse(raw: string): number {
  const fail = (m: string): BuiltinError => new BuiltinError('units.parse', m)
  const s = raw.replace(/"/g, '')
  if (s.includes(' ')) throw fail('spaces not allowed in resource strings')
  const { num, unit: u0, expTooLarge } = splitNumUnit(s)
  if (expTooLarge) throw fail('exponent too large')
  if (num === '') throw fail('no amount provided')
  // Only the first letter keeps its case, so `m` (milli) and `M` (mega) differ.
  const unit = u0.length > 1 ? u0.charAt(0) + u0.slice(1).toLowerCase() : u0
  let mult = { n: 1n, d: 1n }
  if (unit === 'm') mult = { n: 1n, d: 1000n }
  else if (unit !== '') {
    // `m` alone is milli; every other prefix is case-insensitive (`mi` is Mi).
    const m = /^([kKmMgGtTpPeE])(i?)$/.exec(unit)
    if (!m) throw fail(`unit ${unit} not recognized`)
    const [, prefix = '', binary] = m
    const idx = ' KMGTPE'.indexOf(prefix.toUpperCase())
    mult = { n: (binary ? BIN : DEC)[idx]!, d: 1n } // the regex admits only these prefixes: 1 <= idx <= 6
  }
  const r = rational(num)
  if (!r) throw fail('could not parse amount to a number')
  return ratToNumber(r.n * mult.n, r.d * mult.d)
}

function parseBytes(raw: string): number {
  const fail = (m: string): BuiltinError => new BuiltinError('units.parse_bytes', m)
  const s = raw.toLowerCase().replace(/"/g, '')
  if (s.includes(' ')) throw fail('spaces not allowed in resource strings')
  const { num, unit, expTooLarge } = splitNumUnit(s)
  if (expTooLarge) throw fail('exponent too large')
  if (num === '') throw fail('no byte amount provided')
  const m = /^(?:([kmgtpe])(i?)b?)?$/.exec(unit)
  if (!m) throw fail(`byte unit ${unit} not recognized`)
  const [, prefix, binary] = m
  const idx = prefix ? ' kmgtpe'.indexOf(prefix) : 0
  const mult = (binary ? BIN : DEC)[idx]! // the regex admits only these prefixes: 0 <= idx <= 6
  const r = rational(num)
  if (!r) throw fail('could not parse byte amount to a number')
  // big.Float → big.Int truncates toward zero; so does BigInt division.
  return Number((r.n * mult) / r.d)
}

export const impls: Record<string, HostImpl> = {
  'units.parse': (x) => unitsParse(str('units.parse', 1, x)),
  'units.parse_bytes': (x) => parseBytes(str('units.parse_bytes', 1, x)),
}
