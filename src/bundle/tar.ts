// A small ustar reader and writer, enough for OPA bundles (bundle stage, lowest
// layer). Reading accepts what `opa build` and GNU/BSD tar write: leading `/`
// in names, pax `path` records and GNU long names. Writing is deterministic:
// fixed mtime, owner and mode, so the same files give the same bytes.

import { MeshgateError } from '../errors/index.js'

export interface TarEntry {
  /** Member name as stored, without a leading `/` or `./`. */
  name: string
  data: Uint8Array
}

const BLOCK = 512

/**
 * The members of a tar. Each member's bytes are a copy, unless `views`:
 * then they are views into `buf` (no copy, but each keeps all of `buf`
 * alive), for a caller that drops the archive soon after, as the sidecar
 * does with a downloaded bundle.
 */
export function readTar(buf: Uint8Array, opts: { views?: boolean } = {}): TarEntry[] {
  const out: TarEntry[] = []
  let off = 0
  let longName: string | undefined
  let paxPath: string | undefined
  while (off + BLOCK <= buf.length) {
    const header = buf.subarray(off, off + BLOCK)
    if (header.every((b) => b === 0)) break
    if (!checksumOk(header)) throw formatError(`tar header at offset ${off} has a bad checksum`)
    const size = readOctal(header, 124, 12)
    const type = String.fromCharCode(header[156] || 0x30)
    const start = off + BLOCK
    const end = start + size
    if (end > buf.length) throw formatError(`tar member at offset ${off} runs past the end of the archive`)
    const data = buf.subarray(start, end)
    off = start + Math.ceil(size / BLOCK) * BLOCK
    if (type === 'L') {
      longName = cString(data)
      continue
    }
    if (type === 'x') {
      paxPath = parsePax(data).path ?? paxPath
      continue
    }
    if (type === 'g') continue
    let name = longName ?? paxPath ?? headerName(header)
    longName = paxPath = undefined
    if (type !== '0' && type !== '\0' && type !== '7') continue // directories, links, devices
    name = normalizeName(name)
    if (name === '') continue
    out.push({ name, data: opts.views ? data : Uint8Array.from(data) })
  }
  return out
}

export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    const name = '/' + normalizeName(e.name) // OPA writes members with a leading `/`
    const nameBytes = Buffer.from(name, 'utf8')
    if (nameBytes.length > 100) parts.push(...paxRecord(name))
    parts.push(header(nameBytes.length > 100 ? nameBytes.subarray(0, 100) : nameBytes, e.data.length, '0'))
    parts.push(Buffer.from(e.data), Buffer.alloc(pad(e.data.length)))
  }
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}

function normalizeName(name: string): string {
  let n = name.replace(/\\/g, '/')
  while (n.startsWith('/') || n.startsWith('./')) n = n.startsWith('/') ? n.slice(1) : n.slice(2)
  if (n.split('/').some((s) => s === '..')) throw formatError(`tar member \`${name}\` escapes the bundle`)
  return n
}

function header(name: Uint8Array, size: number, type: string): Buffer {
  const h = Buffer.alloc(BLOCK)
  h.set(name, 0)
  writeOctal(h, 100, 8, 0o644)
  writeOctal(h, 108, 8, 0)
  writeOctal(h, 116, 8, 0)
  writeOctal(h, 124, 12, size)
  writeOctal(h, 136, 12, 0)
  h.write(type, 156, 'latin1')
  h.write('ustar\u000000', 257, 'latin1')
  h.fill(0x20, 148, 156)
  let sum = 0
  for (const b of h) sum += b
  writeOctal(h, 148, 7, sum)
  return h
}

function paxRecord(path: string): Buffer[] {
  const body = `path=${path}\n`
  // A pax record is `<len> <key>=<value>\n` where len counts itself.
  let len = Buffer.byteLength(body) + 2
  while (String(len).length + 1 + Buffer.byteLength(body) !== len) len = String(len).length + 1 + Buffer.byteLength(body)
  const rec = Buffer.from(`${len} ${body}`, 'utf8')
  return [header(Buffer.from('PaxHeader', 'latin1'), rec.length, 'x'), rec, Buffer.alloc(pad(rec.length))]
}

function pad(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK
}

function headerName(h: Uint8Array): string {
  const name = cString(h.subarray(0, 100))
  const magic = cString(h.subarray(257, 263))
  const prefix = magic.startsWith('ustar') ? cString(h.subarray(345, 500)) : ''
  return prefix ? `${prefix}/${name}` : name
}

function cString(b: Uint8Array): string {
  const z = b.indexOf(0)
  return Buffer.from(z < 0 ? b : b.subarray(0, z)).toString('utf8')
}

function readOctal(h: Uint8Array, off: number, len: number): number {
  if (h[off]! & 0x80) {
    // GNU base-256 for large sizes.
    let n = 0
    for (let i = off + 1; i < off + len; i++) n = n * 256 + h[i]!
    return n
  }
  const s = cString(h.subarray(off, off + len)).trim()
  return s === '' ? 0 : parseInt(s, 8)
}

function writeOctal(h: Buffer, off: number, len: number, n: number): void {
  h.write(n.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1')
}

function checksumOk(h: Uint8Array): boolean {
  const want = readOctal(h, 148, 8)
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!
  return sum === want
}

function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {}
  const text = Buffer.from(data).toString('utf8')
  let i = 0
  while (i < text.length) {
    const sp = text.indexOf(' ', i)
    if (sp < 0) break
    const len = parseInt(text.slice(i, sp), 10)
    if (!(len > 0)) break
    const rec = text.slice(sp + 1, i + len - 1)
    const eq = rec.indexOf('=')
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1)
    i += len
  }
  return out
}

function formatError(message: string): MeshgateError {
  return new MeshgateError('bundle_format_error', message)
}
