// CIDR built-ins in the module (builtins-net.ts): Go's net.ParseIP /
// ParseCIDR syntax and prefix containment, IPv4 and IPv6.

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const q = JSON.stringify
const contains = (a: string, b: string) => rt.call('mg_cidr_contains', q(a), q(b))
const intersects = (a: string, b: string) => rt.call('mg_cidr_intersects', q(a), q(b))
const valid = (a: string) => rt.call('mg_cidr_is_valid', q(a))

t.test('cidr_contains: addresses and prefixes', async (t) => {
  t.equal(contains('10.0.0.0/8', '10.1.2.3'), 'true')
  t.equal(contains('10.0.0.0/8', '11.0.0.1'), 'false')
  t.equal(contains('10.0.0.0/8', '10.128.0.0/9'), 'true')
  t.equal(contains('10.0.0.0/9', '10.0.0.0/8'), 'false', 'a wider prefix is not inside')
  t.equal(contains('10.1.2.3/8', '10.200.0.1'), 'true', 'host bits of the CIDR are ignored')
  t.equal(contains('0.0.0.0/0', '255.255.255.255'), 'true')
  t.equal(contains('192.168.1.1/32', '192.168.1.1'), 'true')
  t.equal(contains('2001:db8::/32', '2001:db8:1234::1'), 'true')
  t.equal(contains('2001:db8::/32', '2001:db9::1'), 'false')
  t.equal(contains('::/0', '::1'), 'true')
  t.equal(contains('fe80::/64', 'fe80::1:2:3:4'), 'true')
  t.equal(contains('fe80::/65', 'fe80::8000:0:0:0'), 'false', 'a prefix past 64 bits')
  t.equal(contains('::ffff:10.0.0.0/104', '::ffff:10.1.2.3'), 'true', 'dotted-quad tail')
  t.equal(contains('10.0.0.0/8', '::ffff:10.1.2.3'), 'false', 'the families differ')
  t.equal(contains('10.0.0.0', '10.0.0.1'), undefined, 'the first operand must be a CIDR')
  t.equal(contains('10.0.0.0/8', 'nope'), undefined)
})

t.test('cidr_intersects and cidr_is_valid', async (t) => {
  t.equal(intersects('10.0.0.0/8', '10.1.0.0/16'), 'true')
  t.equal(intersects('10.1.0.0/16', '10.0.0.0/8'), 'true')
  t.equal(intersects('10.0.0.0/16', '10.1.0.0/16'), 'false')
  t.equal(intersects('2001:db8::/48', '2001:db8:0:1::/64'), 'true')
  for (const v of ['10.0.0.0/8', '0.0.0.0/0', '1.2.3.4/32', '::/0', '2001:db8::/32', '1:2:3:4:5:6:7:8/128', '::ffff:1.2.3.4/128']) t.equal(valid(v), 'true', v)
  for (const v of [
    '10.0.0.0/33',
    '10.0.0/8',
    '010.0.0.0/8',
    '1.2.3.4/',
    '1.2.3.4/0008',
    '1:2:3:4:5:6:7:8:9/64',
    '1::2::3/64',
    'fe80::1%eth0/64',
    '12345::/16',
    '::/129',
    '1.2.3.4',
  ])
    t.equal(valid(v), 'false', v)
  t.equal(rt.call('mg_cidr_is_valid', '1'), 'false')
})
