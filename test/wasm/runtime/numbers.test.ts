// Runtime numbers: exact integers, float formatting (shortest round trip),
// literal text preservation, Rego arithmetic and numeric comparison.

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const c = (name: string, ...args: string[]) => rt.call(name, ...args)

t.test('floats print shortest round-trip, integral results as integers', async (t) => {
  t.equal(c('mg_plus', '0.1', '0.2'), '0.30000000000000004')
  t.equal(c('mg_div', '4', '2'), '2')
  t.equal(c('mg_div', '10', '4'), '2.5')
  t.equal(c('mg_div', '1', '3'), '0.3333333333333333')
  t.equal(c('mg_mul', '2.5', '2'), '5')
  t.equal(c('mg_mul', '1.1', '1.1'), '1.2100000000000002')
  for (const x of [
    1e21,
    1e-7,
    1.5e-7,
    123.456,
    5e-324,
    1.7976931348623157e308,
    0.1,
    1e20,
    -0.5,
    2 ** 60,
    93840831078387.62,
    1e23,
    0.000001,
    4.35,
    2 ** -1074 * 3,
  ]) {
    t.equal(rt.vdump(rt.ex.mg_float(x)), String(x), String(x))
  }
})

t.test('float formatting matches JS on random doubles', async (t) => {
  const f64 = new Float64Array(1)
  const u32 = new Uint32Array(f64.buffer)
  let seed = 12345
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0)
  const base = rt.ex.opa_heap_ptr_get()
  let bad = 0
  for (let i = 0; i < 20000; i++) {
    u32[0] = rnd()
    u32[1] = rnd()
    const x = f64[0]
    if (!Number.isFinite(x) || x === 0 || (Number.isInteger(x) && Math.abs(x) <= 2 ** 53)) continue
    if (rt.vdump(rt.ex.mg_float(x)) !== String(x)) bad++
    rt.ex.opa_heap_ptr_set(base)
  }
  t.equal(bad, 0)
})

t.test('integers stay exact int64; overflow falls back to float', async (t) => {
  t.equal(c('mg_plus', '9007199254740993', '1'), '9007199254740994')
  t.equal(c('mg_mul', '3037000499', '3037000499'), '9223372030926249001')
  t.equal(c('mg_plus', '9223372036854775807', '1'), '9223372036854775808')
  t.equal(c('mg_mul', '9223372036854775807', '2'), '18446744073709552000')
  t.equal(c('mg_minus', '-9223372036854775808', '1'), '-9223372036854775809')
  t.equal(rt.vdump(rt.ex.mg_int(-9223372036854775808n)), '-9223372036854775808')
})

t.test('literal text is kept exactly', async (t) => {
  t.equal(rt.vdump(rt.num('123456789012345678901234567890')), '123456789012345678901234567890')
  t.equal(rt.vdump(rt.num('1.50')), '1.50')
  t.equal(rt.vdump(rt.num('1E+2')), '1E+2')
  t.equal(c('mg_abs', '-12345678901234567890.5'), '12345678901234567890.5')
  t.throws(() => rt.num('1.'), 'malformed literal aborts')
})

t.test('division, remainder and rounding', async (t) => {
  t.equal(c('mg_div', '1', '0'), undefined)
  t.equal(c('mg_div', '1.5', '0.0'), undefined)
  t.equal(c('mg_rem', '7', '3'), '1')
  t.equal(c('mg_rem', '-7', '3'), '-1')
  t.equal(c('mg_rem', '7', '-3'), '1')
  t.equal(c('mg_rem', '7', '0'), undefined)
  t.equal(c('mg_rem', '7.5', '2'), undefined)
  t.equal(c('mg_rem', '6.0', '4'), '2', 'integral floats are integers')
  t.equal(c('mg_div', '-9223372036854775808', '-1'), '9223372036854775808')
  t.equal(c('mg_round', '2.5'), '3')
  t.equal(c('mg_round', '-2.5'), '-3')
  t.equal(c('mg_round', '2.4999999999999996'), '2')
  t.equal(c('mg_round', '7'), '7')
  t.equal(c('mg_ceil', '1.2'), '2')
  t.equal(c('mg_ceil', '-1.2'), '-1')
  t.equal(c('mg_floor', '-1.5'), '-2')
  t.equal(c('mg_floor', '3'), '3')
  t.equal(c('mg_abs', '-3'), '3')
  t.equal(c('mg_abs', '-3.5'), '3.5')
  t.equal(c('mg_abs', '-9223372036854775808'), '9223372036854775808')
})

t.test('arithmetic on wrong types is undefined', async (t) => {
  for (const f of ['mg_plus', 'mg_mul', 'mg_div', 'mg_rem', 'mg_minus']) {
    t.equal(c(f, '1', '"a"'), undefined, f)
    t.equal(c(f, 'null', '1'), undefined, f)
  }
  for (const f of ['mg_abs', 'mg_round', 'mg_ceil', 'mg_floor']) {
    t.equal(c(f, '"1"'), undefined, f)
  }
  t.equal(rt.ex.mg_plus(0, rt.parse('1')), 0, 'undefined operand')
})

t.test('numbers compare numerically across representations', async (t) => {
  t.equal(c('mg_eq', '1', '1.0'), 'true')
  t.equal(c('mg_eq', '100', '1e2'), 'true')
  t.equal(c('mg_eq', '0', '-0'), 'true')
  t.equal(c('mg_lt', '1', '1.5'), 'true')
  t.equal(c('mg_lt', '-1e400', '1'), 'true')
  t.equal(c('mg_eq', '12345678901234567890', '12345678901234567891'), 'false', 'big literals compare exactly')
  t.equal(c('mg_lt', '12345678901234567890', '12345678901234567891'), 'true')
  t.equal(c('mg_eq', '12345678901234567890', '1.2345678901234567890e19'), 'true')
  t.equal(c('mg_eq', '9007199254740993', '9007199254740992.0'), 'false')
  t.equal(c('mg_eq', '0.1', '0.10'), 'true')
  t.equal(rt.vdump(rt.vparse('{1, 1.0, 1e0, 2}')), '{1,2}', 'equal numbers hash alike')
  t.equal(rt.vdump(rt.ex.mg_get(rt.parse('[10,20,30]'), rt.parse('1.0'))), '20', 'array index by integral float')
  t.equal(rt.ex.mg_get(rt.parse('[10,20,30]'), rt.parse('1.5')), 0)
})
