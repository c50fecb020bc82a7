// sprintf with Go fmt verbs, applied to Rego values the way OPA converts them.

import t from 'tap'
import { sprintf } from '../../src/builtins/go-fmt.js'
import { impls } from '../../src/builtins/strings.js'

t.test('integers, floats and strings take Go verbs', async (t) => {
  t.equal(sprintf('hi %02X.%02X', [127, 1]), 'hi 7F.01')
  t.equal(sprintf('%d|%5d|%-5d|%05d|%+d', [1, 2, 3, -4, 7]), '1|    2|3    |-0004|+7')
  t.equal(sprintf('%x %o %b %#x', [255, 8, 5, 255]), 'ff 10 101 0xff')
  t.equal(sprintf('%.2f %6.2f %e %E', [3.1415, 3.14159, 3.1415, 1234.5]), '3.14   3.14 3.141500e+00 1.234500E+03')
  t.equal(sprintf('%v %v %v %g %.3g', [3.14, 1e-7, 1234567.5, 1e-5, 100.25]), '3.14 1e-07 1.2345675e+06 1e-05 100')
  t.equal(sprintf('%s %q %x %5s|%-4s|', ['a', 'a"b\n', 'hi', 'x', 'y']), 'a "a\\"b\\n" 6869     x|y   |')
  t.equal(sprintf('100%%', []), '100%')
})

t.test('precision 0 prints nothing for 0 but the padding, as Go does', async (t) => {
  // The in-module sprintf (test/wasm/self-contained.test.ts) found the host's "+" for %+.0d of 0.
  t.equal(sprintf('[%+.0d|%.0d|%#.0x|%3.0d|%-3.0d]', [0, 0, 0, 0, 0]), '[|||   |   ]')
  t.equal(sprintf('%.0d %+.0d %.3d', [5, 5, 0]), '5 +5 000')
})

t.test('composite and non-string values print as Rego text', async (t) => {
  t.equal(sprintf('hi %v', [['there', 5, 3.14]]), 'hi ["there", 5, 3.14]')
  t.equal(sprintf('%s %v', [true, null]), 'true null')
  t.equal(sprintf('%v', [{ b: [1], a: 'x' }]), '{"a": "x", "b": [1]}')
})

t.test('verb/type mismatches and argument errors print like Go', async (t) => {
  t.equal(sprintf('%d', ['x']), '%!d(string=x)')
  t.equal(sprintf('%s', [5]), '%!s(int=5)')
  t.equal(sprintf('%d', [1.5]), '%!d(float64=1.5)')
  t.equal(sprintf('%d %d', [1]), '1 %!d(MISSING)')
  t.equal(sprintf('%d', [1, 'a']), '1%!(EXTRA string=a)')
  t.equal(sprintf('%[2]d %[1]d', [1, 2]), '2 1')
  t.equal(sprintf('%*d', [4, 7]), '   7')
})

t.test('integers beyond int64 format with %s as *big.Int does', async (t) => {
  t.equal(sprintf('%s', [2 ** 66]), '73786976294838206464')
  t.equal(sprintf('%d', [2 ** 66]), '73786976294838206464')
})

t.test('the sprintf built-in checks its operands', async (t) => {
  t.equal(impls.sprintf('hi %s', ['there']), 'hi there')
  t.throws(() => impls.sprintf('x', 'y'), { message: 'sprintf: operand 2 must be array but got string' })
})
