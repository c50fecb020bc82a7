// net.* host built-ins: CIDR arithmetic over IPv4 and IPv6, addresses held
// as bigints with their bit width. Parsing and printing follow Go's net
// package, whose text OPA returns (RFC 5952 zero compression for IPv6).

import { isIP } from 'node:net'
import { BuiltinError, type HostImpl, RegoSet } from './types.js'

interface Addr {
  bits: 32 | 128
  value: bigint
}
interface Prefix extends Addr {
  len: number
}

// ---------------------------------------------------------------------------
// Parsing and printing.

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  let v = 0n
  for (const p of parts) {
    // Go rejects leading zeros (ambiguous octal) and anything but digits.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined
    v = (v << 8n) | BigInt(p)
  }
  return v
}

function parseIPv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined
  let head = s
  let tailV4: bigint | undefined
  const lastColon = s.lastIndexOf(':')
  if (s.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIPv4(s.slice(lastColon + 1))
    if (tailV4 === undefined) return undefined
    head = s.slice(0, lastColon + 1)
    if (!head.endsWith('::')) head = head.slice(0, -1)
  }
  const [before = '', after, ...more] = head.split('::') // split always gives a first part
  if (more.length > 0) return undefined
  const groups = (h: string): number[] | undefined => {
    if (h === '') return []
    const out: number[] = []
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined
      out.push(parseInt(g, 16))
    }
    return out
  }
  const left = groups(before)
  const right = after !== undefined ? groups(after) : []
  if (left === undefined || right === undefined) return undefined
  const want = tailV4 !== undefined ? 6 : 8
  let all: number[]
  if (after !== undefined) {
    const missing = want - left.length - right.length
    if (missing < 1) return undefined
    all = [...left, ...new Array<number>(missing).fill(0), ...right]
  } else {
    if (left.length !== want) return undefined
    all = left
  }
  let v = 0n
  for (const g of all) v = (v << 16n) | BigInt(g)
  if (tailV4 !== undefined) v = (v << 32n) | tailV4
  return v
}

export function parseIP(s: string): Addr | undefined {
  const v4 = parseIPv4(s)
  if (v4 !== undefined) return { bits: 32, value: v4 }
  if (!s.includes(':')) return undefined
  const v6 = parseIPv6(s)
  return v6 === undefined ? undefined : { bits: 128, value: v6 }
}

const mask = (bits: number, len: number): bigint => ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - len)) - 1n)

/** Go's net.ParseCIDR; the result's value is the masked network address. */
export function parseCIDR(s: string): (Prefix & { ip: bigint }) | undefined {
  const slash = s.indexOf('/')
  if (slash < 0) return undefined
  const ip = parseIP(s.slice(0, slash))
  const lenText = s.slice(slash + 1)
  if (ip === undefined || !/^[0-9]{1,3}$/.test(lenText)) return undefined
  const len = Number(lenText)
  if (len > ip.bits) return undefined
  return { bits: ip.bits, value: ip.value & mask(ip.bits, len), len, ip: ip.value }
}

export function formatIP(a: Addr): string {
  if (a.bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 255n)).join('.')
  const groups = [...Array(8).keys()].map((i) => Number((a.value >> BigInt(112 - 16 * i)) & 0xffffn))
  // Longest run of two or more zero groups, leftmost on ties (RFC 5952).
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':')
  if (best < 0) return hex(groups)
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`
}

const formatPrefix = (p: Prefix) => `${formatIP(p)}/${p.len}`

function contains(outer: Prefix, inner: Prefix): boolean {
  return outer.bits === inner.bits && outer.len <= inner.len && (inner.value & mask(outer.bits, outer.len)) === outer.value
}

// ---------------------------------------------------------------------------
// The built-ins.

function str(name: string, i: number, v: unknown): string {
  if (typeof v !== 'string') throw new BuiltinError(name, `operand ${i} must be string`, 'eval_type_error')
  return v
}

function cidrOperand(name: string, s: string): Prefix {
  const p = parseCIDR(s)
  if (p === undefined) throw new BuiltinError(name, `invalid CIDR address: ${s}`)
  return p
}

/** A CIDR, or a bare address as a full-length prefix. */
function cidrOrIP(name: string, s: string): Prefix {
  const ip = parseIP(s)
  if (ip !== undefined) return { ...ip, len: ip.bits }
  return cidrOperand(name, s)
}

function cidrContains(name: string) {
  return (a: unknown, b: unknown): boolean => {
    const outer = cidrOperand(name, str(name, 1, a))
    return contains(outer, cidrOrIP(name, str(name, 2, b)))
  }
}

/** The (key, cidr-or-ip) pairs of a cidr_contains_matches operand. */
function matchItems(name: string, operand: number, v: unknown): Array<[unknown, string]> {
  const elementText = (e: unknown): string => {
    if (typeof e === 'string') return e
    if (Array.isArray(e) && e.length > 0 && typeof e[0] === 'string') return e[0]
    throw new BuiltinError(name, `operand ${operand}: element must be string or non-empty array`)
  }
  if (typeof v === 'string') return [[v, v]]
  // Sets arrive as arrays, so a set operand is keyed by position like an array.
  // a set's members are their own keys; an array's are its indexes
  if (v instanceof RegoSet) return v.map((e) => [e, elementText(e)])
  if (Array.isArray(v)) return v.map((e, i) => [i, elementText(e)])
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, e]) => [k, elementText(e)])
  throw new BuiltinError(name, `operand ${operand} must be one of {string, array, set, object}`, 'eval_type_error')
}

function cidrContainsMatches(a: unknown, b: unknown): unknown[] {
  const name = 'net.cidr_contains_matches'
  const cidrs = matchItems(name, 1, a)
  const ips = matchItems(name, 2, b)
  const out: unknown[] = []
  for (const [ck, c] of cidrs) {
    const outer = cidrOperand(name, c)
    for (const [ik, ip] of ips) {
      if (contains(outer, cidrOrIP(name, ip))) out.push([ck, ik])
    }
  }
  return out
}

/** Go's net.IP.DefaultMask: a bare IPv4 address in cidr_merge gets its classful prefix. */
function classfulLength(v: bigint): number {
  const first = Number(v >> 24n)
  return first < 0x80 ? 8 : first < 0xc0 ? 16 : 24
}

function cidrMerge(addrs: unknown): string[] {
  const name = 'net.cidr_merge'
  if (!Array.isArray(addrs)) throw new BuiltinError(name, 'operand 1 must be one of {array, set}', 'eval_type_error')
  const prefixes: Prefix[] = addrs.map((a) => {
    if (typeof a !== 'string') throw new BuiltinError(name, 'operand 1: element must be string')
    const ip = parseIP(a)
    if (ip !== undefined) {
      const len = ip.bits === 32 ? classfulLength(ip.value) : 128
      return { bits: ip.bits, len, value: ip.value & mask(ip.bits, len) }
    }
    const p = parseCIDR(a)
    if (p === undefined) throw new BuiltinError(name, `IPv4 or IPv6 address expected: ${a}`)
    return { bits: p.bits, len: p.len, value: p.value }
  })
  const merged: Prefix[] = []
  for (const bits of [32, 128] as const) {
    let set = prefixes.filter((p) => p.bits === bits)
    for (let changed = true; changed;) {
      changed = false
      set.sort((x, y) => (x.value < y.value ? -1 : x.value > y.value ? 1 : x.len - y.len))
      const next: Prefix[] = []
      for (const p of set) {
        const last = next[next.length - 1]
        if (last !== undefined && contains(last, p)) {
          changed ||= last.len !== p.len || last.value !== p.value
          continue
        }
        // Two halves of one block become the block.
        if (last !== undefined && last.len === p.len && last.len > 0) {
          const parentLen = last.len - 1
          const parent = last.value & mask(bits, parentLen)
          if (parent === last.value && (p.value & mask(bits, parentLen)) === parent) {
            next[next.length - 1] = { bits, len: parentLen, value: parent }
            changed = true
            continue
          }
        }
        next.push(p)
      }
      set = next
    }
    merged.push(...set)
  }
  return merged.map(formatPrefix)
}

/** Expanding is capped: OPA would enumerate a /0 until memory runs out. */
const MAX_EXPAND = 1 << 24

function cidrExpand(cidr: unknown): string[] {
  const name = 'net.cidr_expand'
  const p = cidrOperand(name, str(name, 1, cidr))
  const count = 1n << BigInt(p.bits - p.len)
  if (count > BigInt(MAX_EXPAND)) throw new BuiltinError(name, `CIDR ${cidr as string} has more than ${MAX_EXPAND} addresses`)
  const out: string[] = []
  for (let i = 0n; i < count; i++) out.push(formatIP({ bits: p.bits, value: p.value + i }))
  return out
}

/**
 * No resolver is reachable from a host built-in (they are synchronous and the
 * server runs without network lookups), so only literal addresses and the
 * loopback name `localhost` (RFC 6761) resolve; other names are errors.
 */
function lookupIPAddr(host: unknown): string[] {
  const name = 'net.lookup_ip_addr'
  const h = str(name, 1, host)
  if (isIP(h) !== 0) {
    const ip = parseIP(h)
    return [ip === undefined ? h : formatIP(ip)]
  }
  if (h.toLowerCase() === 'localhost' || h.toLowerCase().endsWith('.localhost')) return ['127.0.0.1', '::1']
  throw new BuiltinError(name, `lookup ${h}: name resolution is not available in this host`)
}

export const impls: Record<string, HostImpl> = {
  'net.cidr_contains': cidrContains('net.cidr_contains'),
  'net.cidr_overlap': cidrContains('net.cidr_overlap'),
  'net.cidr_contains_matches': cidrContainsMatches,
  'net.cidr_expand': cidrExpand,
  'net.cidr_intersects': (a: unknown, b: unknown) => {
    const name = 'net.cidr_intersects'
    const x = cidrOperand(name, str(name, 1, a))
    const y = cidrOperand(name, str(name, 2, b))
    return contains(x, y) || contains(y, x)
  },
  'net.cidr_is_valid': (a: unknown) => typeof a === 'string' && parseCIDR(a) !== undefined,
  'net.cidr_merge': cidrMerge,
  'net.lookup_ip_addr': lookupIPAddr,
}
