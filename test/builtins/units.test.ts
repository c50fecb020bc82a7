// units.parse and units.parse_bytes: suffixes, exact arithmetic, errors.

import t from 'tap'
import { impls } from '../../src/builtins/units.js'

const parse = (s: unknown): unknown => impls['units.parse'](s)
const bytes = (s: unknown): unknown => impls['units.parse_bytes'](s)

t.test('units.parse is exact and distinguishes m from M', async (t) => {
  t.equal(parse('500m'), 0.5)
  t.equal(parse('0.0005K'), 0.5)
  t.equal(parse('0.0000005M'), 0.5)
  t.equal(parse('1Ki'), 1024)
  t.equal(parse('2mi'), 2097152)
  t.equal(parse('1G'), 1e9)
  t.equal(parse('1.5'), 1.5)
})

t.test('units.parse errors', async (t) => {
  t.throws(() => parse(''), { message: 'units.parse: no amount provided' })
  t.throws(() => parse('foo'), { message: 'units.parse: no amount provided' })
  t.throws(() => parse('0.0.0'), { message: 'units.parse: could not parse amount to a number' })
  t.throws(() => parse(' 327Mi '), { message: 'units.parse: spaces not allowed in resource strings' })
  t.throws(() => parse('5Q'), { message: 'units.parse: unit Q not recognized' })
  t.throws(() => parse(5), { message: 'units.parse: operand 1 must be string but got number' })
})

t.test('units.parse_bytes: decimal, binary, scientific, truncation', async (t) => {
  t.equal(bytes('"100TIB"'), 109951162777600)
  t.equal(bytes('.0'), 0)
  t.equal(bytes('10KB'), 10000)
  t.equal(bytes('10Kib'), 10240)
  t.equal(bytes('1.1KiB'), 1126)
  t.equal(bytes('10eib'), 11529215046068469760)
  t.equal(bytes('1e3KB'), 1000000)
  t.equal(bytes('3.2E2MiB'), 335544320)
  t.equal(bytes('1e-2KB'), 10)
  t.not(bytes('5E'), 5)
  t.throws(() => bytes('12xb'), { message: 'units.parse_bytes: byte unit xb not recognized' })
  t.throws(() => bytes('kb'), { message: 'units.parse_bytes: no byte amount provided' })
  t.throws(() => bytes('1e1234567'), { message: 'units.parse_bytes: exponent too large' })
})
