// units.parse and units.parse_bytes in the module (builtins-units.ts):
// exact decimal arithmetic, as OPA's big.Rat, so results past 2^53 keep
// every digit (conformance: units_parse_bytes/10 ebibytes as ei, as eib).

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const u = (fn: string, s: string) => rt.call(fn, JSON.stringify(s))

t.test('parse_bytes: binary and SI multipliers, truncated to whole bytes, exact', async (t) => {
  t.equal(u('mg_units_parse_bytes', '10EiB'), '11529215046068469760')
  t.equal(u('mg_units_parse_bytes', '10ei'), '11529215046068469760')
  t.equal(u('mg_units_parse_bytes', '123456789012345678901234'), '123456789012345678901234')
  t.equal(u('mg_units_parse_bytes', '1.5KB'), '1500')
  t.equal(u('mg_units_parse_bytes', '1.9999'), '1', 'truncated toward zero')
  t.equal(u('mg_units_parse_bytes', '-1.5'), '-1')
  t.equal(u('mg_units_parse_bytes', '-0.5'), '0', 'no negative zero')
  t.equal(u('mg_units_parse_bytes', '"12MiB"'), '12582912', 'quotes are stripped')
  t.equal(u('mg_units_parse_bytes', '12 MiB'), undefined, 'spaces are refused')
  t.equal(u('mg_units_parse_bytes', '12b'), undefined, 'a bare b is not a unit')
  t.equal(u('mg_units_parse_bytes', 'MiB'), undefined, 'no amount')
  t.equal(u('mg_units_parse_bytes', '1e1234567'), undefined, 'an exponent of more than 6 digits')
})

t.test('parse: SI, binary and milli; fractions to 10 places', async (t) => {
  t.equal(u('mg_units_parse', '100m'), '0.1')
  t.equal(u('mg_units_parse', '1M'), '1000000', 'M is mega, m milli')
  t.equal(u('mg_units_parse', '1mi'), '1048576', 'every letter after the first may be any case')
  t.equal(u('mg_units_parse', '2.5e3K'), '2500000')
  t.equal(u('mg_units_parse', '0.00000000005'), '0.0000000001', 'half away from zero at 10 places (big.Rat.FloatString)')
  t.equal(u('mg_units_parse', '-0.00000000004'), '0')
  t.equal(u('mg_units_parse', '8Ei'), '9223372036854775808', 'past int64, exact')
  t.equal(u('mg_units_parse', '1Q'), undefined)
  t.equal(rt.call('mg_units_parse', '1'), undefined, 'a number is not a resource string')
})
