// time.*: ns instants in OPA's int64 range, Go layouts, zones via Intl.

import t from 'tap'
import { impls } from '../../src/builtins/time.js'

const call = (name: string, ...args: unknown[]): unknown => impls[name](...args)

t.test('RFC 3339 parsing covers the full int64 range and no more', async (t) => {
  t.equal(call('time.parse_rfc3339_ns', '1970-01-01T00:00:00-00:00'), 0)
  t.equal(call('time.parse_rfc3339_ns', '2017-06-02T19:00:00-07:00'), 1496455200000000000)
  t.equal(call('time.parse_rfc3339_ns', '1677-09-21T00:12:43.145224192-00:00'), -9223372036854775808)
  t.throws(() => call('time.parse_rfc3339_ns', '1677-09-21T00:12:43.145224191-00:00'), { message: 'time.parse_rfc3339_ns: time outside of valid range' })
  t.throws(() => call('time.parse_rfc3339_ns', '2262-04-11T23:47:16.854775808-00:00'), /time outside of valid range/)
})

t.test('parse_ns with Go layouts and Go error text', async (t) => {
  t.equal(call('time.parse_ns', '2006-01-02', '2018-02-05'), 1517788800000000000)
  t.equal(call('time.parse_ns', 'Mon Jan _2 15:04:05 2006', 'Mon Feb  5 12:00:00 2018'), 1517832000000000000)
  t.equal(call('time.parse_ns', '02 Jan 06 15:04 -0700', '05 Feb 18 07:00 -0500'), 1517832000000000000)
  // A layout without a date parses to year 0, outside OPA's ns range.
  t.throws(() => call('time.parse_ns', '3:04PM', '12:00AM'), { message: 'time.parse_ns: time outside of valid range' })
  t.throws(() => call('time.parse_ns', '2006-01-02', '2018-13-05'), { message: 'time.parse_ns: parsing time "2018-13-05": month out of range' })
  t.throws(() => call('time.parse_ns', '2006-01-02', 'x'), { message: 'time.parse_ns: parsing time "x" as "2006-01-02": cannot parse "x" as "2006"' })
  t.throws(() => call('time.parse_ns', '2006-01-02', '2018-02-30'), /day out of range/)
})

t.test('parse_duration_ns', async (t) => {
  t.equal(call('time.parse_duration_ns', '100ms'), 100000000)
  t.equal(call('time.parse_duration_ns', '-1h2m3.5s'), -3723500000000)
  t.equal(call('time.parse_duration_ns', '1µs'), 1000)
  t.throws(() => call('time.parse_duration_ns', '1x'), { message: 'time.parse_duration_ns: time: unknown unit "x" in duration "1x"' })
  t.throws(() => call('time.parse_duration_ns', '1'), /missing unit in duration "1"/)
})

t.test('date, clock and weekday, optionally in a zone', async (t) => {
  t.same(call('time.date', 1517814000 * 1e9), [2018, 2, 5])
  t.same(call('time.date', [1517814000 * 1e9, 'America/Los_Angeles']), [2018, 2, 4])
  t.same(call('time.date', [1582977600e9, '']), [2020, 2, 29])
  t.same(call('time.clock', [1517832000e9, 'America/New_York']), [7, 0, 0])
  t.equal(call('time.weekday', 1518350400000000000), 'Sunday')
  t.throws(() => call('time.clock', 1582977600e12), { message: 'time.clock: timestamp too big' })
  t.throws(() => call('time.date', [0, 'Mars/Olympus']), { message: 'time.date: unknown time zone Mars/Olympus' })
})

t.test('add_date normalises like Go and checks the range', async (t) => {
  t.equal(call('time.add_date', 1585852421593912000, 3, 9, 12), 1705257221593912000)
  t.equal(call('time.add_date', 1585852421593912000, -1, -1, -1), 1551465221593912000)
  // 2020-01-31 + 1 month = 2020-03-02 (February has 29 days).
  t.same(call('time.date', call('time.add_date', 1580428800e9, 0, 1, 0)), [2020, 3, 2])
  t.throws(() => call('time.add_date', 0, 2262, 1, 1), { message: 'time.add_date: time outside of valid range' })
  t.throws(() => call('time.add_date', -9223372036854775808, 0, 0, -1), /time outside of valid range/)
})

t.test('diff gives calendar components, earlier first', async (t) => {
  t.same(call('time.diff', 1517832000e9, 1582977600e9), [2, 0, 24, 0, 0, 0])
  t.same(call('time.diff', 1582977600e9, 1517832000e9), [2, 0, 24, 0, 0, 0])
})

t.test('format uses RFC3339Nano by default, named and custom layouts', async (t) => {
  t.equal(call('time.format', 1517832000e9), '2018-02-05T12:00:00Z')
  t.equal(call('time.format', [1517832000e9, 'America/New_York', 'RFC1123Z']), 'Mon, 05 Feb 2018 07:00:00 -0500')
  // Only Go's layout constants are names; anything else is a layout, even an Object method's name.
  t.equal(call('time.format', [1517832000e9, 'UTC', 'toString']), 'toString')
  t.equal(call('time.format', [1517832000e9, 'America/New_York', 'Mon Jan _2 15:04:05 MST 2006']), 'Mon Feb  5 07:00:00 EST 2018')
  t.equal(call('time.format', [1517832123456789000, 'UTC', '2006-01-02T15:04:05.000Z07:00 3:04PM .999 002']), '2018-02-05T12:02:03.456Z 12:02PM .456 036')
})

t.test('now_ns is a recent ns timestamp', async (t) => {
  const n = call('time.now_ns') as number
  t.ok(Math.abs(n / 1e6 - Date.now()) < 5000)
})
