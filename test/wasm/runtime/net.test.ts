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

// cidr_contains_matches, cidr_expand, cidr_merge: edge cases reproduce
// behaviour of OPA's topdown/cidr.go (Go's net.IP.String() for the text),
// see https://github.com/open-policy-agent/opa/blob/main/v1/topdown/cidr.go.
t.test('cidr_contains_matches: keys of both operands for each containment', async (t) => {
  const m = (a: string, b: string) => rt.call('mg_cidr_contains_matches', a, b)
  t.equal(m('["10.0.0.0/8", ["192.168.0.0/16", "x"]]', '{"a": "10.1.2.3", "b": "192.168.5.5/24"}'), '{[0,"a"],[1,"b"]}')
  t.equal(m('"10.0.0.0/8"', '["10.0.0.1", "11.0.0.1"]'), '{["10.0.0.0/8",0]}', 'a string is its own key')
  t.equal(m('{"10.0.0.0/8", "::/0"}', '{"::1", "10.9.9.9"}'), '{["10.0.0.0/8","10.9.9.9"],["::/0","::1"]}', 'set members are their own keys')
  t.equal(m('[]', '["not an address"]'), 'set()', 'an empty first operand reads nothing of the second')
  t.equal(m('5', '["10.0.0.1"]'), 'set()', 'an operand of another type has no items (OPA iterates nothing)')
  t.equal(m('["10.0.0.0/8"]', '["nope"]'), undefined, 'a malformed address is an error')
  t.equal(m('["10.0.0.1"]', '["10.0.0.1"]'), undefined, 'the first operand holds CIDRs')
  t.equal(m('[[]]', '["10.0.0.1"]'), undefined, 'an element is a string or a non-empty array')
})

t.test('cidr_expand', async (t) => {
  const e = (s: string) => rt.call('mg_cidr_expand', JSON.stringify(s))
  t.equal(e('192.168.1.0/30'), '{"192.168.1.0","192.168.1.1","192.168.1.2","192.168.1.3"}')
  t.equal(e('192.168.1.1/30'), '{"192.168.1.0","192.168.1.1","192.168.1.2","192.168.1.3"}', 'from the network address')
  t.equal(e('10.0.0.7/32'), '{"10.0.0.7"}')
  t.equal(e('2001:db8::/126'), '{"2001:db8::","2001:db8::1","2001:db8::2","2001:db8::3"}')
  t.equal(e('1:0:0:1::/127'), '{"1:0:0:1::","1:0:0:1::1"}', 'the first longest zero run is compressed')
  t.equal(e('::ffff:10.0.0.0/127'), '{"10.0.0.0","10.0.0.1"}', 'IPv4-mapped addresses print as IPv4 (Go)')
  t.equal(rt.call('mg_cidr_expand', '"10.0.0.0/24"')!.split(',').length, 256)
  t.equal(e('10.0.0.0/7'), undefined, 'more than 2^24 addresses is an error, as on the host')
  t.equal(e('10.0.0.1'), undefined)
})

t.test('cidr_merge: the fewest CIDRs covering the same addresses', async (t) => {
  const mg = (a: string) => rt.call('mg_cidr_merge', a)
  t.equal(mg('["192.0.128.0/24", "192.0.129.0/24"]'), '{"192.0.128.0/23"}')
  t.equal(mg('["10.0.0.0/8", "10.1.0.0/16", "10.1.0.0/16"]'), '{"10.0.0.0/8"}', 'contained and duplicate prefixes')
  t.equal(mg('["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]'), '{"10.0.0.0/23","10.0.2.0/24"}')
  t.equal(mg('{"10.0.1.0/24", "10.0.0.0/24"}'), '{"10.0.0.0/23"}', 'a set')
  t.equal(mg('["10.0.0.0/24", "10.0.2.0/24"]'), '{"10.0.0.0/24","10.0.2.0/24"}', 'a gap')
  t.equal(mg('["0.0.0.0/1", "128.0.0.0/1"]'), '{"0.0.0.0/0"}')
  t.equal(mg('["255.255.255.255/32", "255.255.255.254/32"]'), '{"255.255.255.254/31"}', 'the top of the space')
  t.equal(mg('["1.2.3.4", "130.1.1.1", "200.1.1.1"]'), '{"1.0.0.0/8","130.1.0.0/16","200.1.1.0/24"}', 'bare IPv4: classful network')
  t.equal(mg('["2001:db8::/33", "2001:db8:8000::/33", "10.0.0.0/8"]'), '{"10.0.0.0/8","2001:db8::/32"}', 'families apart')
  t.equal(mg('["::/1", "8000::/1"]'), '{"::/0"}')
  // many prefixes out of order: the 256 /24s of 10.0.0.0/16, shuffled, and one more
  const blocks = Array.from({ length: 256 }, (_, i) => `10.0.${(i * 97) % 256}.0/24`)
  t.equal(mg(JSON.stringify([...blocks, '10.2.0.0/24'])), '{"10.0.0.0/16","10.2.0.0/24"}')
  t.equal(
    mg(JSON.stringify(blocks.filter((b) => b !== '10.0.128.0/24'))),
    '{"10.0.0.0/17","10.0.129.0/24","10.0.130.0/23","10.0.132.0/22","10.0.136.0/21","10.0.144.0/20","10.0.160.0/19","10.0.192.0/18"}',
    'one hole',
  )
  t.equal(mg('[]'), 'set()')
  t.equal(mg('["::1"]'), undefined, 'a bare IPv6 address needs a prefix length (OPA)')
  t.equal(mg('["nope"]'), undefined)
  t.equal(mg('[1]'), undefined)
  t.equal(mg('"10.0.0.0/8"'), undefined)
})
