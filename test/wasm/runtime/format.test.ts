// sprintf and format_int in the module (builtins-format.ts): Go's fmt over
// OPA's argument conversion, in the classes where the host implementation
// (builtins/go-fmt.ts, JavaScript number formatting) departs from OPA. The
// expected texts reproduce Go's fmt (src/fmt/print.go, format.go and
// fmt_test.go, https://github.com/golang/go/tree/master/src/fmt) and OPA's
// builtinSprintf conversion (topdown/strings.go).

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const sprintf = (format: string, args: string) => {
  const r = rt.call('mg_sprintf', JSON.stringify(format), args)
  return r === undefined ? undefined : (JSON.parse(r) as string)
}

t.test('floats round half to even on the exact binary value, as strconv does', async (t) => {
  t.equal(sprintf('%.1f', '[0.25]'), '0.2', 'an exact tie goes to the even digit (JS toFixed gives 0.3)')
  t.equal(sprintf('%.0f', '[2.5]'), '2')
  t.equal(sprintf('%.0f', '[3.5]'), '4')
  t.equal(sprintf('%.2f', '[1.005]'), '1.00', '1.005 is 1.00499999… in binary')
  t.equal(sprintf('%.1e', '[0.125]'), '1.2e-01')
  t.equal(sprintf('%.3g', '[2.0625]'), '2.06')
  t.equal(sprintf('%.2f', '[0.006]'), '0.01', 'rounding carries into a new leading digit')
  t.equal(sprintf('%5.1f%%', '[99.95]'), '100.0%')
  t.equal(sprintf('%.3f', '[0.0004]'), '0.000')
  t.equal(sprintf('%e %E', '[123456.789, 0.000123]'), '1.234568e+05 1.230000E-04')
  t.equal(sprintf('%.20f', '[0.1]'), '0.10000000000000000555', 'exact digits past 17')
})

t.test('numbers are ints or floats by their text, as OPA converts them', async (t) => {
  t.equal(sprintf('%v', '[1e6]'), '1e+06', 'an exponent literal is a float64: %v is %g')
  t.equal(sprintf('%v %v', '[123456, 1234567.5]'), '123456 1.2345675e+06')
  t.equal(sprintf('%d', '[1.0]'), '%!d(float64=1)')
  t.equal(sprintf('%v', '[0.000012]'), '1.2e-05')
  const big = '123456789012345678901234567890'
  t.equal(
    sprintf('%d|%v|%s|%x|%X|%o|%b', `[${big}, ${big}, ${big}, ${big}, ${big}, 9223372036854775808, 18446744073709551616]`),
    `${big}|${big}|${big}|18ee90ff6c373e0ee4e3f0ad2|18EE90FF6C373E0EE4E3F0AD2|1000000000000000000000|1${'0'.repeat(64)}`,
  )
  t.equal(sprintf('%d %d', '[-9223372036854775808, 9223372036854775807]'), '-9223372036854775808 9223372036854775807')
  t.equal(sprintf('%d', '[-123456789012345678901234567890]'), '-123456789012345678901234567890')
  t.equal(sprintf('%c', `[${big}]`), `%!c(big.Int=${big})`, 'a *big.Int formats itself')
  t.equal(sprintf('%s', '[5]'), '%!s(int=5)')
  t.equal(sprintf('hi %v', '[2e308]'), 'hi 2e308', 'beyond float64 OPA passes the text')
})

t.test('integers: precision, zero padding and prefixes as fmtInteger', async (t) => {
  t.equal(sprintf('%#08x', '[255]'), '0x000000ff', 'zeros pad the digits; the prefix comes after')
  t.equal(sprintf('%010.3d|%010.3d', '[1, -1]'), '       001|      -001', 'a precision turns the 0 flag off')
  t.equal(sprintf('%.0d|%.d|%5.0d|', '[0, 0, 0]'), '||     |', 'precision 0 prints no digit for 0')
  t.equal(sprintf('%#o %#o %#b %O', '[8, 0, 5, 8]'), '010 0 0b101 0o10')
  t.equal(sprintf('%x %X %#X', '[-255, 255, 255]'), '-ff FF 0XFF')
  t.equal(sprintf('%U|%.8U|%#U|%#U', '[1, 2, 9731, 10]'), "U+0001|U+00000002|U+2603 '☃'|U+000A")
  t.equal(sprintf('%c%c|%q|%q', '[72, 1114112, 39, 10]'), "H\ufffd|'\\''|'\\n'")
})

t.test('strings: precision in code points, %x in bytes, %q as strconv.Quote', async (t) => {
  t.equal(sprintf('%.3s|%-6s|%6s|', '["héllo", "日本", "ab"]'), 'hél|日本    |    ab|', 'width counts code points')
  t.equal(sprintf('%.5x', '["abcdefghijklmnopqrstuvwxyz"]'), '6162636465', 'precision limits the bytes encoded')
  t.equal(sprintf('% x|%# x|%#X', '["hi", "hi", "hi"]'), '68 69|0x68 0x69|0X6869')
  t.equal(sprintf('%q', '["a\\"b\\\\c\\n\\t\\u0001\\u007f\\u0085é"]'), '"a\\"b\\\\c\\n\\t\\x01\\x7f\\u0085é"')
  t.equal(sprintf('%+q', '["日本語"]'), '"\\u65e5\\u672c\\u8a9e"', '+ quotes to ASCII')
  t.equal(sprintf('%#q|%#q', '["abc", "a`b"]'), '`abc`|"a`b"', '# backquotes when it can')
  t.equal(sprintf('%#v', '["x"]'), '"x"', '%#v of a string is Go syntax')
})

t.test('other values print as Rego text', async (t) => {
  t.equal(sprintf('%v', '[[1, "a", {"k": {1, 2}}, set(), null, true]]'), '[1, "a", {"k": {1, 2}}, set(), null, true]')
  t.equal(sprintf('%s %v', '[null, false]'), 'null false')
  t.equal(sprintf('%d', '[true]'), '%!d(string=true)', 'OPA passes a boolean as its text')
})

t.test('argument indexes, * width and precision, and the error forms', async (t) => {
  t.equal(sprintf('%[2]d %[1]d', '[1, 2]'), '2 1')
  t.equal(sprintf('%[3]d', '[1, 2]'), '%!d(BADINDEX)')
  t.equal(sprintf('%[1]d %d', '[1, 2]'), '1 2', 'after an index, arguments continue from it')
  t.equal(sprintf('%*d|%-*d|', '[5, 42, 4, 7]'), '   42|7   |')
  t.equal(sprintf('%*d', '[-5, 42]'), '42   ', 'a negative * width pads on the right')
  t.equal(sprintf('%.*f', '[2, 3.14159]'), '3.14')
  t.equal(sprintf('%*d', '["x", 42]'), '%!(BADWIDTH)42')
  t.equal(sprintf('%*d', '[10000000, 42]'), '%!(BADWIDTH)42', 'widths past 1e6 are refused')
  t.equal(sprintf('%.*d', '[-1, 42]'), '%!(BADPREC)42')
  t.equal(sprintf('%d %d', '[1]'), '1 %!d(MISSING)')
  t.equal(sprintf('%d', '[1, "x", 2.5]'), '1%!(EXTRA string=x, float64=2.5)')
  t.equal(sprintf('%z', '[3]'), '%!z(int=3)')
  t.equal(sprintf('%5z', '[3]'), '%!z(int=    3)', 'a bad verb prints the value under its flags')
  t.equal(sprintf('%', '[]'), '%!(NOVERB)')
  t.equal(sprintf('%5.', '[1]'), '%!.(int=    1)', 'a trailing . is the verb')
  t.equal(sprintf('100%% %s', '["sure"]'), '100% sure')
  t.equal(sprintf('%!', '[]'), '%!!(MISSING)')
})

t.test('format_int: truncates toward zero, any size, bases 2 8 10 16', async (t) => {
  const fi = (n: string, b: string) => rt.call('mg_format_int', n, b)
  t.equal(fi('255', '16'), '"ff"')
  t.equal(fi('-255', '2'), '"-11111111"')
  t.equal(fi('3.9', '10'), '"3"')
  t.equal(fi('-3.9', '8'), '"-3"')
  t.equal(fi('-0.5', '10'), '"0"', 'no sign on zero')
  t.equal(fi('123456789012345678901234567890', '16'), '"18ee90ff6c373e0ee4e3f0ad2"')
  t.equal(fi('1e20', '16'), '"56bc75e2d63100000"')
  t.equal(fi('5', '3'), undefined)
  t.equal(fi('5', '2.0'), undefined, 'OPA compares the base as a number literal')
  t.equal(fi('"5"', '10'), undefined)
  t.equal(rt.call('mg_sprintf', '"%d"', '{1}'), undefined, 'sprintf takes an array')
})
