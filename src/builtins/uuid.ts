// uuid.rfc4122 (a random v4; the compiler memoises it per key within one
// evaluation) and uuid.parse (the fields Go's google/uuid exposes).

import { randomUUID } from 'node:crypto'
import { type HostImpl } from './types.js'
import { str } from './strings.js'

/** 100-ns intervals between 1582-10-15 and the Unix epoch. */
const GREGORIAN_OFFSET = 122192928000000000n

/** The 16 bytes of a UUID in any of google/uuid's accepted spellings. */
function bytes(s: string): DataView | undefined {
  let hex: string
  if (s.length === 36) hex = dashed(s)
  else if (s.length === 38 && s[0] === '{' && s[37] === '}') hex = dashed(s.slice(1, 37))
  else if (s.length === 45 && s.slice(0, 9).toLowerCase() === 'urn:uuid:') hex = dashed(s.slice(9))
  else if (s.length === 32) hex = s
  else return undefined
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined
  return new DataView(Uint8Array.from(Buffer.from(hex, 'hex')).buffer)
}

function dashed(s: string): string {
  if (s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') return ''
  return s.replace(/-/g, '')
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return 'RFC4122'
  if ((b & 0xe0) === 0xc0) return 'Microsoft'
  if ((b & 0xe0) === 0xe0) return 'Future'
  return 'Reserved'
}

function parseUUID(s: string): Record<string, unknown> | undefined {
  // A DataView: reads past the 16 bytes throw instead of giving undefined.
  const dv = bytes(s)
  if (!dv) return undefined
  const version = dv.getUint8(6) >> 4
  const out: Record<string, unknown> = { version, variant: variant(dv.getUint8(8)) }
  if (version === 1 || version === 2) {
    const t = BigInt(dv.getUint32(0)) | (BigInt(dv.getUint16(4)) << 32n) | (BigInt(dv.getUint16(6) & 0x0fff) << 48n)
    out.time = Number((t - GREGORIAN_OFFSET) * 100n)
    out.clocksequence = dv.getUint16(8) & 0x3fff
    out.nodeid = Array.from(new Uint8Array(dv.buffer, 10), (b) => b.toString(16).padStart(2, '0')).join('-')
    const node0 = dv.getUint8(10)
    out.macvariables = `${node0 & 0x02 ? 'local' : 'global'}:${node0 & 0x01 ? 'multicast' : 'unicast'}`
    if (version === 2) {
      out.id = dv.getUint32(0)
      const domain = dv.getUint8(9)
      out.domain = ['Person', 'Group', 'Org'][domain] ?? `Domain${domain}`
    }
  }
  return out
}

export const impls: Record<string, HostImpl> = {
  'uuid.rfc4122'(key) {
    str('uuid.rfc4122', 1, key)
    return randomUUID()
  },
  'uuid.parse': (s) => parseUUID(str('uuid.parse', 1, s)),
}
