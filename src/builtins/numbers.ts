// Number built-ins: numbers.range(_step), rand.intn, to_number and bits.*.
// Integers are exact in BigInt while computing; results return as JS
// numbers, so magnitudes past 2^53 lose precision on the way out.

import { randomInt } from 'node:crypto'
import { BuiltinError, type HostImpl } from './types.js'
import { int, typeError } from './strings.js'

/** Largest range OPA would build is bounded by memory; we cap to keep the host alive. */
const MAX_RANGE = 10_000_000

function range(builtin: string, a: number, b: number, step: number): number[] {
  const n = Math.floor(Math.abs(b - a) / step) + 1
  if (n > MAX_RANGE) throw new BuiltinError(builtin, `range of ${n} elements is too large`)
  const out: number[] = new Array(n)
  const dir = a <= b ? 1 : -1
  for (let i = 0; i < n; i++) out[i] = a + dir * i * step
  return out
}

/** Go's strconv.ParseFloat syntax (decimal and hex floats, inf/nan spelled out). */
const FLOAT_SYNTAX = /^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d*(?:_\d+)*(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*(?:[pP][+-]?\d+)?)$/
const NON_FINITE = /^[+-]?(?:inf|infinity|nan)$/i

function toNumber(v: unknown): number {
  const b = 'to_number'
  switch (typeof v) {
    case 'number':
      return v
    case 'boolean':
      return v ? 1 : 0
    case 'string': {
      if (NON_FINITE.test(v)) throw typeError(b, 1, v, 'valid number string')
      if (v === '' || !FLOAT_SYNTAX.test(v) || !/\d/.test(v)) throw new BuiltinError(b, 'strconv.ParseFloat: parsing ' + JSON.stringify(v) + ': invalid syntax')
      const hex = /^([+-]?)0[xX]/.exec(v)
      const n = hex ? parseHexFloat(v) : Number(v.replace(/_/g, ''))
      if (!Number.isFinite(n)) throw new BuiltinError(b, 'strconv.ParseFloat: parsing ' + JSON.stringify(v) + ': value out of range')
      return n
    }
    default:
      if (v === null) return 0
      throw typeError(b, 1, v, 'null', 'boolean', 'number', 'string')
  }
}

function parseHexFloat(s: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F_]*)\.?([0-9a-fA-F_]*)(?:[pP]([+-]?\d+))?$/.exec(s)! // toNumber checked FLOAT_SYNTAX
  const [, sign, int = '', fraction = '', exp = 0] = m
  const frac = fraction.replace(/_/g, '')
  let n = parseInt(int.replace(/_/g, '') || '0', 16)
  for (let i = 0; i < frac.length; i++) n += parseInt(frac.charAt(i), 16) / 16 ** (i + 1)
  n *= 2 ** Number(exp)
  return sign === '-' ? -n : n
}

function big(builtin: string, pos: number, v: unknown): bigint {
  return BigInt(int(builtin, pos, v))
}

function shift(builtin: string, pos: number, v: unknown): bigint {
  const n = big(builtin, pos, v)
  if (n < 0n) throw new BuiltinError(builtin, `operand ${pos} must be an unsigned integer number but got a negative integer`, 'eval_type_error')
  return n
}

export const impls: Record<string, HostImpl> = {
  'numbers.range'(a, b) {
    const x = int('numbers.range', 1, a)
    const y = int('numbers.range', 2, b)
    return range('numbers.range', x, y, 1)
  },
  'numbers.range_step'(a, b, s) {
    const n = 'numbers.range_step'
    const x = int(n, 1, a)
    const y = int(n, 2, b)
    const step = int(n, 3, s)
    if (step <= 0) throw new BuiltinError(n, 'step must be a positive integer')
    return range(n, x, y, step)
  },
  'rand.intn'(key, n) {
    if (typeof key !== 'string') throw typeError('rand.intn', 1, key, 'string')
    let max = Math.abs(int('rand.intn', 2, n))
    if (max === 0) return 0
    // crypto.randomInt takes ranges below 2^48.
    if (max >= 2 ** 48) max = 2 ** 48 - 1
    return randomInt(max)
  },
  to_number: (v) => toNumber(v),
  'bits.and': (a, b) => Number(big('bits.and', 1, a) & big('bits.and', 2, b)),
  'bits.or': (a, b) => Number(big('bits.or', 1, a) | big('bits.or', 2, b)),
  'bits.xor': (a, b) => Number(big('bits.xor', 1, a) ^ big('bits.xor', 2, b)),
  'bits.negate': (a) => Number(~big('bits.negate', 1, a)),
  'bits.lsh': (a, b) => Number(big('bits.lsh', 1, a) << shift('bits.lsh', 2, b)),
  'bits.rsh': (a, b) => Number(big('bits.rsh', 1, a) >> shift('bits.rsh', 2, b)),
}
