// time.* in the module (builtins-time.ts) against meshgate's host
// implementation (src/builtins/time.ts), which the module replaces for
// operands without a named zone: the same values, exact to the nanosecond
// (the host computes with BigInt internally; its results are rounded to JS
// numbers, so exact ns are compared with its BigInt functions), and the
// same error messages (read through mg_builtin_abort, as strict mode does).

import t from 'tap'
import fc from 'fast-check'
import { loadRuntime, type Runtime } from './fixtures/harness.js'
import { impls, parseTime, parseDuration } from '../../../src/builtins/time.js'

const rt = await loadRuntime()

/** NUL-terminated ASCII in the arena. */
const cstr = (r: Runtime, s: string) => r.bytes(s + '\0')[0]

/** The module's answer: its value text, `{ error }` with the message it
 *  records (as mg_builtin_abort prints it), or `{ host }` when it defers. */
function mod(name: string, ...args: string[]): { value: string } | { error: string } | { host: true } | { undefined: true } {
  const fn = 'mg_' + name.replaceAll('.', '_')
  const v = rt.call(fn, ...args)
  if (rt.ex.mg_take_host_defer() === 1) return { host: true }
  if (v !== undefined) return { value: v }
  try {
    rt.ex.mg_builtin_abort(cstr(rt, 'x: eval_builtin_error: '), cstr(rt, name), cstr(rt, 'none'))
  } catch (e) {
    if (e === 'none') return { undefined: true }
    return { error: String(e).replace(/^x: eval_builtin_error: /, '') }
  }
  throw new Error('mg_builtin_abort returned')
}

/** The host's answer for the same call, in the same shape (exact ns when `exact` gives it). */
function host(name: string, args: unknown[], exact?: () => bigint): { value: string } | { error: string } {
  try {
    const v = impls[name]!(...args)
    if (exact) return { value: exact().toString() }
    return { value: JSON.stringify(v) }
  } catch (e) {
    // Abort text is ASCII: the module prints `?` for each other character.
    return { error: (e as Error).message.replace(/[^\x00-\x7f]/gu, '?') }
  }
}

const same = (name: string, args: unknown[], got: unknown, want: unknown) => {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${name}(${args.map((a) => JSON.stringify(a)).join(', ')}): module ${JSON.stringify(got)}, host ${JSON.stringify(want)}`)
  }
}

// ns across OPA's whole int64 range (1677..2262), given to both sides as the
// same integer (a JS number: what the host receives).
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const nsBig = fc.oneof(
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }),
  // around leap days and year ends
  fc
    .tuple(fc.integer({ min: 1678, max: 2261 }), fc.constantFrom([2, 28], [2, 29], [3, 1], [12, 31], [1, 1]), fc.integer({ min: 0, max: 86399 }))
    .map(([y, [m, d], s]) => BigInt(Date.UTC(y, m! - 1, d!)) * 1_000_000n + BigInt(s) * 1_000_000_000n),
)
const nsNum = nsBig.map((n) => Number(n)).filter((n) => n < 2 ** 63 && n >= -(2 ** 63))
const numText = (n: number) => BigInt(n).toString()

t.test('time.date, time.clock, time.weekday: module = host, UTC and ""/"UTC" zones', async (t) => {
  for (const name of ['time.date', 'time.clock', 'time.weekday']) {
    fc.assert(
      fc.property(nsNum, fc.constantFrom(undefined, '', 'UTC'), (n, tz) => {
        const arg = tz === undefined ? n : [n, tz]
        const text = tz === undefined ? numText(n) : `[${numText(n)}, ${JSON.stringify(tz)}]`
        same(name, [arg], mod(name, text), host(name, [arg]))
      }),
      { numRuns: 600 },
    )
  }
  t.same(mod('time.date', '1582977600000000000'), { value: '[2020,2,29]' }, 'a leap day')
  t.same(mod('time.date', '-9223372036854775808'), { value: '[1677,9,21]' })
  t.same(mod('time.clock', '9223372036854775807'), { value: '[23,47,16]' })
  t.same(mod('time.weekday', '-1'), { value: '"Wednesday"' }, 'negative ns: the nanosecond before 1970')
})

t.test('named zones and Local are left to the host', async (t) => {
  t.same(mod('time.date', '[0, "America/New_York"]'), { host: true })
  t.same(mod('time.format', '[0, "Local", "RFC3339"]'), { host: true })
  t.same(mod('time.diff', '0', '[0, "Europe/Paris"]'), { host: true })
  t.same(mod('time.clock', '[0, "UTC"]'), { value: '[0,0,0]' }, 'the flag is cleared once read')
  t.equal(rt.ex.mg_take_host_defer(), 0)
})

t.test('operand errors: timestamp too big, wrong shapes', async (t) => {
  t.same(mod('time.clock', '1.5828e+27'), { error: 'time.clock: timestamp too big' })
  t.same(mod('time.date', '1.5'), { error: 'time.date: timestamp too big' })
  t.same(mod('time.date', '9223372036854775808'), { error: 'time.date: timestamp too big' })
  t.same(mod('time.date', '[]'), { undefined: true })
  t.same(mod('time.date', '["x"]'), { undefined: true })
  t.same(mod('time.date', '[0, 1]'), { undefined: true })
  t.same(mod('time.format', '[0, "", 5]'), { undefined: true })
  t.same(mod('time.date', '"0"'), { undefined: true })
})

// Layouts: Go's tokens and named layouts, with literal text between them.
const TOKENS = [
  'January',
  'Jan',
  '1',
  '01',
  'Monday',
  'Mon',
  '2',
  '_2',
  '02',
  '__2',
  '002',
  '15',
  '3',
  '03',
  '4',
  '04',
  '5',
  '05',
  '2006',
  '06',
  'PM',
  'pm',
  'MST',
  'Z070000',
  'Z07:00:00',
  'Z0700',
  'Z07:00',
  'Z07',
  '-070000',
  '-07:00:00',
  '-0700',
  '-07:00',
  '-07',
  '.000',
  '.999',
  ',000000',
  '.999999999',
  '.0',
  '.9999999999',
]
const NAMED = [
  'ANSIC',
  'UnixDate',
  'RubyDate',
  'RFC822',
  'RFC822Z',
  'RFC850',
  'RFC1123',
  'RFC1123Z',
  'RFC3339',
  'RFC3339Nano',
  'Kitchen',
  'Stamp',
  'StampMilli',
  'StampMicro',
  'StampNano',
  'DateTime',
  'DateOnly',
  'TimeOnly',
]
const LITERALS = [' ', '-', ':', 'T', 'x', '_', 'Janet', 'Mond', '.', ',', '9', '0', 'é', '"', '\\', '\n']
const layout = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.constantFrom(...LITERALS)), { minLength: 1, maxLength: 8 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.constantFrom(...NAMED) },
)

t.test('time.format: module = host over Go layout tokens and named layouts', async (t) => {
  fc.assert(
    fc.property(nsNum, fc.option(layout, { nil: undefined }), (n, l) => {
      const arg = l === undefined ? n : [n, 'UTC', l]
      const text = l === undefined ? numText(n) : `[${numText(n)}, "UTC", ${JSON.stringify(l)}]`
      same('time.format', [arg], mod('time.format', text), host('time.format', [arg]))
    }),
    { numRuns: 3000 },
  )
  t.same(mod('time.format', '[1517832000123456789, "", "Monday January _2 3:04:05.000PM MST -07:00 Z07"]'), {
    value: '"Monday February  5 12:00:00.123PM UTC +00:00 Z"',
  })
})

t.test('time.parse_ns and time.parse_rfc3339_ns: module = host, exact ns', async (t) => {
  // A value written from an instant with the layout it is parsed by, then
  // mutated now and then (a character dropped, changed, appended).
  const NAMED_TEXT: Record<string, string> = {
    RFC3339: '2006-01-02T15:04:05Z07:00',
    RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
    Kitchen: '3:04PM',
    DateTime: '2006-01-02 15:04:05',
  }
  const pieces = fc
    .array(fc.oneof(fc.constantFrom(...TOKENS), fc.constantFrom(' ', '-', ':', 'T', '/', 'é')), { minLength: 1, maxLength: 7 })
    .map((a) => a.join(''))
  const parseLayout = fc.oneof(pieces, fc.constantFrom(...Object.values(NAMED_TEXT)))
  const mutate = fc.oneof(
    { weight: 3, arbitrary: fc.constant((s: string) => s) },
    { weight: 1, arbitrary: fc.nat().map((i) => (s: string) => s.slice(0, i % (s.length + 1)) + s.slice((i % (s.length + 1)) + 1)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat(), fc.constantFrom('0', '9', 'Z', '+', ' ', 'x', 'µ')).map(
        ([i, c]) =>
          (s: string) =>
            s.slice(0, i % (s.length + 1)) + c + s.slice(i % (s.length + 1)),
      ),
    },
  )
  const seen = { value: 0, error: 0 }
  fc.assert(
    fc.property(nsNum, parseLayout, mutate, (n, l, mut) => {
      // the value text: the instant formatted in UTC by the same layout
      const value = mut(impls['time.format']!([n, 'UTC', l]) as string)
      const want = host('time.parse_ns', [l, value], () => {
        const r = parseTime(l, value)
        return r.sec * 1_000_000_000n + BigInt(r.nsec)
      })
      seen['value' in want ? 'value' : 'error']++
      same('time.parse_ns', [l, value], mod('time.parse_ns', JSON.stringify(l), JSON.stringify(value)), want)
    }),
    { numRuns: 3000 },
  )
  t.ok(seen.value > 300 && seen.error > 300, `the generated cases parse and fail alike (${JSON.stringify(seen)})`)
  // 12-hour clocks: every hour of the day, round-tripped through format
  const clockLayout = fc.constantFrom('2006-01-02 3:04:05PM', '2006-01-02 03:04:05.000 pm', 'Jan _2 2006 3PM', '2006 002 03:04 PM -0700')
  const anyHour = fc.tuple(fc.integer({ min: -106000, max: 106000 }), fc.integer({ min: 0, max: 86399 })).map(([d, s]) => (d * 86400 + s) * 1e9)
  fc.assert(
    fc.property(anyHour, clockLayout, (n, l) => {
      const value = impls['time.format']!([n, 'UTC', l]) as string
      const want = host('time.parse_ns', [l, value], () => {
        const r = parseTime(l, value)
        return r.sec * 1_000_000_000n + BigInt(r.nsec)
      })
      same('time.parse_ns', [l, value], mod('time.parse_ns', JSON.stringify(l), JSON.stringify(value)), want)
    }),
    { numRuns: 1000 },
  )
  t.same(mod('time.parse_ns', '"2006 3:04PM"', '"2020 12:30PM"'), { value: '1577881800000000000' }, '12 PM is noon')
  t.same(mod('time.parse_ns', '"2006 3:04PM"', '"2020 12:30AM"'), { value: '1577838600000000000' }, '12 AM is midnight')
  // RFC 3339 values over years 0001..9999 (OPA's range is the int64 one: the rest is an error)
  const rfc = fc
    .tuple(
      fc.integer({ min: 1, max: 9999 }),
      fc.integer({ min: 1, max: 13 }),
      fc.integer({ min: 1, max: 31 }),
      fc.integer({ min: 0, max: 24 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 60 }),
      fc.option(fc.stringMatching(/^[.,][0-9]{1,12}$/), { nil: '' }),
      fc.oneof(fc.constant('Z'), fc.constant('z'), fc.stringMatching(/^[+-][0-2][0-9]:[0-5][0-9]$/), fc.constant('+0100')),
    )
    .map(
      ([y, mo, d, h, mi, s, frac, z]) =>
        `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}${frac}${z}`,
    )
  fc.assert(
    fc.property(rfc, (value) => {
      const want = host('time.parse_rfc3339_ns', [value], () => {
        const r = parseTime('2006-01-02T15:04:05Z07:00', value)
        return r.sec * 1_000_000_000n + BigInt(r.nsec)
      })
      same('time.parse_rfc3339_ns', [value], mod('time.parse_rfc3339_ns', JSON.stringify(value)), want)
    }),
    { numRuns: 3000 },
  )
  t.same(mod('time.parse_rfc3339_ns', '"2262-04-11T23:47:16.854775807-00:00"'), { value: '9223372036854775807' }, 'int64 max, exact')
  t.same(mod('time.parse_rfc3339_ns', '"1677-09-21T00:12:43.145224192-00:00"'), { value: '-9223372036854775808' }, 'int64 min, exact')
  t.same(mod('time.parse_rfc3339_ns', '"2262-04-11T23:47:16.854775808-00:00"'), { error: 'time.parse_rfc3339_ns: time outside of valid range' })
  t.same(mod('time.parse_rfc3339_ns', '"2017-06-02T19:00:00.123456789-07:00"'), { value: '1496455200123456789' })
  const parsed = (l: string, v: string) => {
    const want = host('time.parse_ns', [l, v], () => {
      const r = parseTime(l, v)
      return r.sec * 1_000_000_000n + BigInt(r.nsec)
    })
    t.same(mod('time.parse_ns', JSON.stringify(l), JSON.stringify(v)), want, `${l} / ${v}: as the host`)
    return want
  }
  t.same(parsed('2006 Jan _2 3:04PM', '2020 feb  5 12:30AM'), { value: '1580862600000000000' }, 'month names in any case, 12-hour clock')
  t.same(parsed('2006-01-02 15:04 MST', '2020-01-01 10:00 GMT+5'), { value: '1577854800000000000' }, 'GMT+N is an offset')
  t.same(parsed('2006-01-02 15:04 MST', '2020-01-01 10:00 PDT'), { value: '1577872800000000000' }, 'other abbreviations are read as UTC')
  t.same(parsed('2006 MST', '2020 ABCDET'), { value: '1577836800000000000' }, 'up to five capitals and a T')
  t.same(parsed('2006 002 15', '2020 060 01'), { value: '1582938000000000000' }, 'day of the year (2020-02-29)')
  t.same(parsed('15:04', '10:00'), { error: 'time.parse_ns: time outside of valid range' }, 'no year: year 1, outside int64 ns')
  t.same(mod('time.parse_ns', '"2006-01-02"', '"2021-02-29"'), { error: 'time.parse_ns: parsing time "2021-02-29": day out of range' })
  t.same(mod('time.parse_ns', '"2006"', '"20x"'), { error: 'time.parse_ns: parsing time "20x" as "2006": cannot parse "20x" as "2006"' })
  t.same(
    mod('time.parse_ns', '"RFC3339"', '"2006-01-02T15:04:05Z"'),
    { error: 'time.parse_ns: parsing time "2006-01-02T15:04:05Z" as "RFC3339": cannot parse "2006-01-02T15:04:05Z" as "RFC"' },
    'parse_ns takes no layout names',
  )
})

t.test('time.parse_duration_ns: module = host', async (t) => {
  const num = fc.oneof(fc.stringMatching(/^[0-9]{0,4}(\.[0-9]{0,4})?$/), fc.stringMatching(/^[0-9]{15,21}$/), fc.stringMatching(/^0?\.[0-9]{10,25}$/))
  const unit = fc.constantFrom('ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h', '', 'd', 'H', ' ')
  const dur = fc
    .tuple(fc.constantFrom('', '-', '+'), fc.array(fc.tuple(num, unit), { minLength: 0, maxLength: 4 }))
    .map(([s, parts]) => s + parts.map(([n, u]) => n + u).join(''))
  fc.assert(
    fc.property(fc.oneof(dur, fc.string({ maxLength: 6 })), (value) => {
      const want = host('time.parse_duration_ns', [value], () => parseDuration(value))
      same('time.parse_duration_ns', [value], mod('time.parse_duration_ns', JSON.stringify(value)), want)
    }),
    { numRuns: 4000 },
  )
  t.same(mod('time.parse_duration_ns', '"1h2m3.5s"'), { value: '3723500000000' })
  t.same(mod('time.parse_duration_ns', '"-1.5h"'), { value: '-5400000000000' })
  t.same(mod('time.parse_duration_ns', '"1µs"'), { value: '1000' })
  t.same(mod('time.parse_duration_ns', '"1us"'), { value: '1000' })
  t.same(mod('time.parse_duration_ns', '"2562047h47m16.854775807s"'), { value: '9223372036854775807' }, 'int64 max, exact')
  t.same(mod('time.parse_duration_ns', '"-2562047h47m16.854775808s"'), { value: '-9223372036854775808' }, 'int64 min')
  t.same(mod('time.parse_duration_ns', '"2562047h47m16.854775808s"'), { error: 'time.parse_duration_ns: time: invalid duration "2562047h47m16.854775808s"' })
  t.same(mod('time.parse_duration_ns', '"1"'), { error: 'time.parse_duration_ns: time: missing unit in duration "1"' })
  t.same(mod('time.parse_duration_ns', '"1d"'), { error: 'time.parse_duration_ns: time: unknown unit "d" in duration "1d"' })
})

t.test('time.add_date and time.diff: module = host', async (t) => {
  const delta = fc.oneof(fc.integer({ min: -30, max: 30 }), fc.integer({ min: -400, max: 400 }), fc.integer({ min: -300000, max: 300000 }))
  fc.assert(
    fc.property(nsNum, delta, delta, delta, (n, y, m, d) => {
      const args = [n, y, m, d]
      // the host's ns is rounded to a JS number: compare the module's exact ns rounded the same way
      const got = mod('time.add_date', numText(n), String(y), String(m), String(d))
      const g = 'value' in got ? { value: JSON.stringify(Number(BigInt(got.value))) } : got
      same('time.add_date', args, g, host('time.add_date', args))
    }),
    { numRuns: 3000 },
  )
  t.same(mod('time.add_date', '1585852421593912000', '3', '9', '12'), { value: '1705257221593912000' })
  t.same(
    mod('time.add_date', '1580428800000000001', '0', '1', '0'),
    { value: '1583107200000000001' },
    'Jan 31 + 1 month = Mar 2 (2020 is leap), exact to the ns',
  )
  t.same(mod('time.add_date', '0', '2262', '1', '1'), { error: 'time.add_date: time outside of valid range' })
  t.same(mod('time.add_date', '-9223372036854775808', '0', '0', '-1'), { error: 'time.add_date: time outside of valid range' })
  fc.assert(
    fc.property(nsNum, nsNum, fc.constantFrom(undefined, '', 'UTC'), (a, b, tz) => {
      const A = tz === undefined ? a : [a, tz]
      const text = (n: number) => (tz === undefined ? numText(n) : `[${numText(n)}, ${JSON.stringify(tz)}]`)
      same('time.diff', [A, b], mod('time.diff', text(a), numText(b)), host('time.diff', [A, b]))
    }),
    { numRuns: 2000 },
  )
})
