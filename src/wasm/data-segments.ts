// Static bytes a policy needs (string and number literals, abort messages),
// laid out after the runtime's own static data.

export class DataSegments {
  private chunks: Uint8Array[] = []
  private size = 0
  private readonly interned = new Map<string, number>()
  constructor(readonly base: number) {}

  /** Address of `bytes` (deduplicated); `nul` appends a terminating 0 byte. */
  add(text: string, nul = false): { addr: number; len: number } {
    const key = (nul ? '\0' : '') + text
    const bytes = new TextEncoder().encode(text)
    const have = this.interned.get(key)
    if (have !== undefined) return { addr: have, len: bytes.length }
    const addr = this.base + this.size
    const chunk = nul ? new Uint8Array(bytes.length + 1) : bytes
    if (nul) chunk.set(bytes)
    this.chunks.push(chunk)
    this.size += chunk.length
    this.interned.set(key, addr)
    return { addr, len: bytes.length }
  }

  get end(): number {
    return this.base + this.size
  }

  /** One `(data …)` segment in WAT string syntax. */
  toWat(): string {
    if (this.size === 0) return ''
    const all = new Uint8Array(this.size)
    let o = 0
    for (const c of this.chunks) {
      all.set(c, o)
      o += c.length
    }
    let s = ''
    for (const b of all) {
      s += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString(16).padStart(2, '0')}`
    }
    return `(data (i32.const ${this.base}) "${s}")`
  }
}
