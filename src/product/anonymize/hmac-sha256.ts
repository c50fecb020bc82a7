// HMAC-SHA256 (RFC 2104, FIPS 180-4) of strings, in JavaScript, for the
// `hash` and `tokenize` transforms: the same digest as node:crypto's
// `createHmac('sha256', key).update(s).digest()` (a string is digested as its
// UTF-8 bytes, a lone surrogate as U+FFFD, as Node encodes it), so the output
// format, which consumers join on, does not change. Why not node:crypto:
// each `createHmac` builds a native object, runs the key schedule and crosses
// into C++ three times, about 1.2 µs for a short value, several times the
// hashing itself. Here the key's inner and outer blocks are compressed once
// per key, and an ASCII value shorter than 56 characters costs two
// compressions (inner and outer), its message words read straight from the
// string, and one string allocation for the hex: about 0.5 µs in all.
//
// The functions are not reentrant (one scratch buffer per key), which single-
// threaded JavaScript with no callbacks inside guarantees.

import { createHash } from 'node:crypto'

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]

/** `out` = `init` compressed with 16 message words (`out` may be `init`; `w` is only read). */
type CompressWords = (init: Int32Array, w: Int32Array, out: Int32Array) => void

/**
 * The body of a `CompressWords`: the 64 rounds unrolled, the message
 * schedule in 16 local variables, and each round naming the working
 * variables in rotation instead of shifting them, so that V8 can keep them
 * in registers; the loop it replaces cost 1.6× as much per block (≈270 ns
 * against ≈170 ns), and a digest of a short value is two blocks.
 *
 * One such function serves the inner and the outer block. A second one for
 * the outer block, with its constant words folded in, is 5% faster alone but
 * not where it runs: with JSON.parse and JSON.stringify between digests, two
 * unrolled bodies crowd each other out of the instruction cache (in a loop
 * that parses each record, hashes one field and stringifies it, 0.2 to
 * 0.4 µs more per record; in the NDJSON stream, no difference measured).
 */
function compressSource(): string {
  const v = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
  const rotr = (x: string, n: number) => `((${x} >>> ${n}) | (${x} << ${32 - n}))`
  const lines = [
    `let ${v.map((x, i) => `${x} = init[${i}]`).join(', ')};`,
    `let ${Array.from({ length: 16 }, (_, i) => `w${i} = w[${i}]`).join(', ')};`,
    'let t = 0;',
  ]
  for (let i = 0; i < 64; i++) {
    // Round i's (a … h) are the variables v rotated right by i: no shuffle, the names move instead.
    const [a, b, c, d, e, f, g, h] = v.map((_, k) => v[(k - i + 64) % 8]!)
    const wi = `w${i % 16}`
    if (i >= 16) {
      const x = `w${(i - 15) % 16}`,
        y = `w${(i - 2) % 16}`
      lines.push(
        `${wi} = (${wi} + (${rotr(x, 7)} ^ ${rotr(x, 18)} ^ (${x} >>> 3)) + w${(i - 7) % 16} + (${rotr(y, 17)} ^ ${rotr(y, 19)} ^ (${y} >>> 10))) | 0;`,
      )
    }
    // Σ1(e) + Ch(e, f, g) + K[i] + W[i]; Ch as g ^ (e & (f ^ g)), Maj as (a & b) | (c & (a | b)).
    lines.push(`t = (${h} + (${rotr(e!, 6)} ^ ${rotr(e!, 11)} ^ ${rotr(e!, 25)}) + (${g} ^ (${e} & (${f} ^ ${g}))) + ${K[i]} + ${wi}) | 0;`)
    lines.push(`${d} = (${d} + t) | 0;`)
    lines.push(`${h} = (t + (${rotr(a!, 2)} ^ ${rotr(a!, 13)} ^ ${rotr(a!, 22)}) + ((${a} & ${b}) | (${c} & (${a} | ${b})))) | 0;`)
  }
  // 64 rounds bring the rotation back to the start: a … h are the state's words in order again.
  lines.push(...v.map((x, i) => `out[${i}] = (init[${i}] + ${x}) | 0;`))
  return lines.join('\n')
}

// Generated once, when this module loads, from the constants above: no input reaches the source.
const compressWords = new Function('init', 'w', 'out', compressSource()) as CompressWords

/** Compresses the 64-byte blocks of `bytes[0, end)` into `state`, with `w` as scratch. */
function compress(state: Int32Array, w: Int32Array, bytes: Uint8Array, end: number): void {
  for (let off = 0; off < end; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4
      w[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!
    }
    compressWords(state, w, state)
  }
}

/**
 * The 64 hex digits of the 8 words in `st`, built by one `String.fromCharCode`
 * call with 64 arguments (generated like `compressWords`): a flat string in
 * one allocation, with no rope for JSON.stringify to flatten. Writing the
 * words into a Buffer and calling its `toString('hex')` takes 1.6× as long
 * alone, and about 0.4 µs more per record in a loop that parses each record,
 * hashes one field and stringifies it.
 */
type HexOf = (digits: Uint8Array, st: Int32Array) => string

function hexSource(): string {
  const args: string[] = []
  for (let i = 0; i < 8; i++) for (let shift = 28; shift >= 0; shift -= 4) args.push(`digits[(s${i} >>> ${shift}) & 15]`)
  return `const ${Array.from({ length: 8 }, (_, i) => `s${i} = st[${i}]`).join(', ')};\nreturn String.fromCharCode(${args.join(', ')});`
}

const hexOf = new Function('digits', 'st', hexSource()) as HexOf
const HEX_DIGITS = new Uint8Array(Array.from('0123456789abcdef', (c) => c.charCodeAt(0)))

/** Writes `s` as UTF-8 at `bytes[at…]` (lone surrogates as U+FFFD, as Node does); returns the end offset. */
function utf8(s: string, bytes: Uint8Array, at: number): number {
  let p = at
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) {
      bytes[p++] = c
      continue
    }
    if (c < 0x800) {
      bytes[p++] = 0xc0 | (c >> 6)
      bytes[p++] = 0x80 | (c & 63)
      continue
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        i++
        bytes[p++] = 0xf0 | (c >> 18)
        bytes[p++] = 0x80 | ((c >> 12) & 63)
        bytes[p++] = 0x80 | ((c >> 6) & 63)
        bytes[p++] = 0x80 | (c & 63)
        continue
      }
      c = 0xfffd
    }
    bytes[p++] = 0xe0 | (c >> 12)
    bytes[p++] = 0x80 | ((c >> 6) & 63)
    bytes[p++] = 0x80 | (c & 63)
  }
  return p
}

/** HMAC-SHA256 under one key: the digest of a string as its 8 state words (big-endian order). */
export class HmacSha256 {
  private readonly inner = new Int32Array(8)
  private readonly outer = new Int32Array(8)
  private readonly state = new Int32Array(8)
  private readonly w = new Int32Array(16)
  /** Scratch for the message's blocks, for values up to about 300 characters. */
  private readonly bytes = new Uint8Array(1024)
  private readonly out = Buffer.alloc(32)

  constructor(key: string | Buffer) {
    let k = typeof key === 'string' ? Buffer.from(key, 'utf8') : key
    if (k.length > 64) k = createHash('sha256').update(k).digest()
    const pad = new Uint8Array(64)
    for (const [into, x] of [
      [this.inner, 0x36],
      [this.outer, 0x5c],
    ] as const) {
      for (let i = 0; i < 64; i++) pad[i] = (k[i] ?? 0) ^ x
      into.set(IV)
      compress(into, this.w, pad, 64)
    }
  }

  /** Digests `s`; the result is in `this.state` until the next call. */
  private digest(s: string): Int32Array {
    const st = this.state
    if (!this.asciiBlock(s)) {
      st.set(this.inner)
      this.blocks(s)
    }
    // Outer: the 64-byte key block (compressed), then the inner digest: one block.
    const w = this.w
    for (let i = 0; i < 8; i++) w[i] = st[i]!
    w[8] = 0x80000000 | 0
    for (let i = 9; i < 15; i++) w[i] = 0
    w[15] = (64 + 32) * 8
    compressWords(this.outer, w, st)
    return st
  }

  /**
   * The common case, an ASCII value of at most 55 characters: its one padded
   * block written straight into the message words, four characters to a
   * word, and compressed from the inner key state. False (nothing but
   * scratch written) otherwise.
   */
  private asciiBlock(s: string): boolean {
    const n = s.length
    if (n > 55) return false
    const w = this.w
    // Whole words first, four characters at a time: one test of all four for ASCII.
    const whole = n & ~3
    for (let i = 0; i < whole; i += 4) {
      const c0 = s.charCodeAt(i),
        c1 = s.charCodeAt(i + 1),
        c2 = s.charCodeAt(i + 2),
        c3 = s.charCodeAt(i + 3)
      if ((c0 | c1 | c2 | c3) >= 0x80) return false
      w[i >> 2] = (c0 << 24) | (c1 << 16) | (c2 << 8) | c3
    }
    let word = 0
    for (let i = whole; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) return false
      word = (word << 8) | c
    }
    // The 0x80 that ends the message, then zeros to the length word.
    w[n >> 2] = ((word << 8) | 0x80) << (8 * (3 - (n & 3)))
    for (let j = (n >> 2) + 1; j < 15; j++) w[j] = 0
    // The inner message is the 64-byte key block (already compressed) followed by `s`.
    w[15] = (64 + n) * 8
    compressWords(this.inner, w, this.state)
    return true
  }

  /** Any value: its UTF-8 bytes padded into blocks in the scratch buffer, compressed into the state. */
  private blocks(s: string): void {
    // At most 3 bytes per UTF-16 unit, then 0x80 and the 8-byte length. A
    // longer value gets a buffer of its own for this call: kept, it would
    // hold the largest value ever seen for as long as the plan is cached.
    const need = s.length * 3 + 72
    const bytes = need > this.bytes.length ? new Uint8Array(need) : this.bytes
    const n = utf8(s, bytes, 0)
    const bits = (64 + n) * 8
    let end = n
    bytes[end++] = 0x80
    while ((end & 63) !== 56) bytes[end++] = 0
    // The 64-bit bit length: the top 3 bytes stay 0 below 2^40 bits, beyond any string V8 holds.
    bytes[end++] = 0
    bytes[end++] = 0
    bytes[end++] = 0
    bytes[end++] = Math.floor(bits / 2 ** 32) & 255
    bytes[end++] = bits >>> 24
    bytes[end++] = (bits >>> 16) & 255
    bytes[end++] = (bits >>> 8) & 255
    bytes[end++] = bits & 255
    compress(this.state, this.w, bytes, end)
  }

  /** The digest as lowercase hex, as `digest('hex')`. */
  hex(s: string): string {
    return hexOf(HEX_DIGITS, this.digest(s))
  }

  /** The digest in base64url, as `digest('base64url')`. */
  base64url(s: string): string {
    const st = this.digest(s)
    const out = this.out
    for (let i = 0; i < 8; i++) out.writeInt32BE(st[i]!, i * 4)
    return out.toString('base64url')
  }
}
