// net.* host built-ins: CIDR arithmetic for IPv4 and IPv6.

import t from 'tap'
import { impls, formatIP, parseIP } from '../../src/builtins/net.js'

const errorOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (e) {
    return (e as Error).message
  }
  return undefined
}

t.test('cidr_contains and cidr_intersects', async (t) => {
  t.equal(impls['net.cidr_contains']('10.0.0.0/8', '10.1.2.3'), true)
  t.equal(impls['net.cidr_contains']('10.0.0.0/8', '192.168.1.0/24'), false)
  t.equal(impls['net.cidr_contains']('2001:4860:4860::8888/32', '2001:4860:4860:1234::8888/40'), true)
  t.equal(impls['net.cidr_contains']('10.0.0.0/8', '::1'), false)
  t.ok(errorOf(() => impls['net.cidr_contains']('not-a-cidr', '10.0.0.1')))
  t.equal(impls['net.cidr_intersects']('192.168.1.0/25', '192.168.1.64/25'), true)
  t.equal(impls['net.cidr_intersects']('fd1e:5bfe:8af3:9ddc::/64', '2001:4860:4860::8888/32'), false)
})

t.test('cidr_is_valid, cidr_expand', async (t) => {
  t.equal(impls['net.cidr_is_valid']('2002::1234:abcd:ffff:c0a8:101/64'), true)
  t.equal(impls['net.cidr_is_valid']('192.168.1.2'), false)
  t.equal(impls['net.cidr_is_valid']('192.168.1.2/33'), false)
  t.same(impls['net.cidr_expand']('172.16.100.255/30'), ['172.16.100.252', '172.16.100.253', '172.16.100.254', '172.16.100.255'])
  t.equal(
    errorOf(() => impls['net.cidr_expand']('192.168.1.1/33')),
    'net.cidr_expand: invalid CIDR address: 192.168.1.1/33',
  )
})

t.test('cidr_merge joins sibling blocks and drops covered ones', async (t) => {
  t.same(impls['net.cidr_merge'](['192.0.2.112/30', '192.0.2.116/31', '192.0.2.118/31']), ['192.0.2.112/29'])
  t.same(impls['net.cidr_merge'](['192.0.2.112/31', '192.0.2.116/31', '192.0.2.118/31']), ['192.0.2.112/31', '192.0.2.116/30'])
  t.same(impls['net.cidr_merge'](['fe80::/120', '192.0.2.0/24', '192.0.3.0/24']), ['192.0.2.0/23', 'fe80::/120'])
  t.same(impls['net.cidr_merge'](['::/0', 'fe80::1/128']), ['::/0'])
  // Bare IPv4 addresses take their classful mask, as Go's DefaultMask.
  t.same(impls['net.cidr_merge'](['192.0.128.0', '192.0.129.0']), ['192.0.128.0/23'])
  t.same(impls['net.cidr_merge']([]), [])
  t.ok(errorOf(() => impls['net.cidr_merge'](['foo'])))
})

t.test('cidr_contains_matches keys results by operand shape', async (t) => {
  t.same(impls['net.cidr_contains_matches']('1.1.1.0/24', '1.1.1.1'), [['1.1.1.0/24', '1.1.1.1']])
  t.same(impls['net.cidr_contains_matches'](['1.1.2.0/24', '1.1.1.0/24'], ['1.1.1.1', '1.1.2.1']), [
    [0, 1],
    [1, 0],
  ])
  t.same(impls['net.cidr_contains_matches']({ k1: '1.1.1.1/24', k2: ['1.1.1.2/24', 1] }, '1.1.1.128'), [
    ['k1', '1.1.1.128'],
    ['k2', '1.1.1.128'],
  ])
  t.equal(
    errorOf(() => impls['net.cidr_contains_matches'](['1.1.1.0/24'], [[]])),
    'net.cidr_contains_matches: operand 2: element must be string or non-empty array',
  )
})

t.test('IPv6 text follows RFC 5952; lookups resolve literals only', async (t) => {
  t.equal(formatIP(parseIP('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1')
  t.equal(formatIP(parseIP('::192.0.2.1')!), '::c000:201')
  t.same(impls['net.lookup_ip_addr']('10.0.0.0'), ['10.0.0.0'])
  t.same(impls['net.lookup_ip_addr']('localhost'), ['127.0.0.1', '::1'])
  t.ok(errorOf(() => impls['net.lookup_ip_addr']('example.com')))
})
