// semver.compare and semver.is_valid: Semantic Versioning 2.0.0 (no `v`
// prefix), precedence as the spec defines it; build metadata is ignored.

import { BuiltinError, type HostImpl } from './types.js'
import { str } from './strings.js'

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/

interface Version {
  core: [bigint, bigint, bigint]
  pre: string[]
}

function parse(s: string): Version | undefined {
  const m = SEMVER.exec(s)
  if (!m) return undefined
  const [, major = '', minor = '', patch = '', pre] = m // the three core groups are not optional
  return { core: [BigInt(major), BigInt(minor), BigInt(patch)], pre: pre ? pre.split('.') : [] }
}

function cmpIdent(a: string, b: string): number {
  const an = /^\d+$/.test(a)
  const bn = /^\d+$/.test(b)
  if (an && bn) {
    const x = BigInt(a)
    const y = BigInt(b)
    return x < y ? -1 : x > y ? 1 : 0
  }
  if (an) return -1
  if (bn) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

export function compareVersions(a: Version, b: Version): number {
  for (const i of [0, 1, 2] as const) if (a.core[i] !== b.core[i]) return a.core[i] < b.core[i] ? -1 : 1
  if (!a.pre.length || !b.pre.length) return a.pre.length === b.pre.length ? 0 : a.pre.length ? -1 : 1
  for (const [i, x] of a.pre.entries()) {
    const y = b.pre[i]
    if (y === undefined) break
    const c = cmpIdent(x, y)
    if (c !== 0) return c
  }
  return Math.sign(a.pre.length - b.pre.length)
}

export const impls: Record<string, HostImpl> = {
  'semver.compare'(a, b) {
    const n = 'semver.compare'
    const x = str(n, 1, a)
    const y = str(n, 2, b)
    const va = parse(x)
    if (!va) throw new BuiltinError(n, `operand 1: string ${JSON.stringify(x)} is not a valid SemVer`)
    const vb = parse(y)
    if (!vb) throw new BuiltinError(n, `operand 2: string ${JSON.stringify(y)} is not a valid SemVer`)
    return compareVersions(va, vb)
  },
  'semver.is_valid': (v) => typeof v === 'string' && parse(v) !== undefined,
}
