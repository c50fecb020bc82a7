// File digests for bundle signatures, computed exactly as OPA computes them
// (v1/bundle/hash.go and VerifyBundleFile in v1/bundle/verify.go), so that a
// signature made by `opa build`/`opa sign` verifies here and ours verify in
// OPA:
// - `data.json`, `data.yaml`, `.manifest` (OPA's IsStructuredDoc; note: not
//   `data.yml`) are parsed and hashed in a normal form: compact JSON, object
//   keys sorted byte-wise (Go's sort of UTF-8 strings), strings escaped as
//   Go's encoding/json does with HTML escaping off, and numbers kept as the
//   literal text of the file (OPA decodes with json.Number), so `1.0` and
//   `1` hash differently while whitespace and key order do not matter;
// - every other file is hashed over its raw bytes.

import { createHash } from 'node:crypto'
import { parse as parseYaml } from 'yaml'
import { MeshgateError } from '../errors/index.js'

/** OPA's hashing algorithm names → node's. MD5 and SHA-1 are left out on purpose: too weak to bind a signature to content. */
const HASHES: Record<string, string> = {
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
}

export const DEFAULT_HASH = 'SHA-256'

export function isSupportedHash(algorithm: string): boolean {
  return algorithm in HASHES
}

/** Whether OPA hashes the file in normal form rather than over its bytes. */
export function isStructuredFile(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1)
  return base === 'data.json' || base === 'data.yaml' || base === '.manifest' || base === 'signatures.json'
}

/** Hex digest of one bundle member, as listed in a signature's `files`. */
export function hashFile(name: string, bytes: Uint8Array, algorithm = DEFAULT_HASH): string {
  const node = HASHES[algorithm]
  if (!node) {
    throw new MeshgateError(
      'bundle_signature_error',
      `file \`${name}\` is hashed with \`${algorithm}\`, which is not accepted`,
      undefined,
      `accepted: ${Object.keys(HASHES).join(', ')}`,
    )
  }
  const h = createHash(node)
  h.update(isStructuredFile(name) ? normalFormOf(name, bytes) : bytes)
  return h.digest('hex')
}

/** The text OPA hashes for a structured file (exported for tests and debugging). */
export function normalFormOf(name: string, bytes: Uint8Array): string {
  let text = new TextDecoder('utf-8').decode(bytes)
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1) // OPA strips a UTF-8 BOM first
  try {
    // OPA's util.Unmarshal: JSON when the text is valid JSON, else YAML turned into JSON.
    return encode(new JsonReader(text).document())
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e
    let value: unknown
    try {
      value = parseYaml(text)
    } catch {
      throw new MeshgateError('bundle_format_error', `\`${name}\` is neither JSON nor YAML: ${e.message}`)
    }
    return encode(fromPlain(value))
  }
}

// A JSON value that keeps number literals as written.
type Value = null | boolean | string | NumberText | Value[] | Map<string, Value>

class NumberText {
  constructor(readonly text: string) {}
}

function fromPlain(v: unknown): Value {
  if (v === null || v === undefined) return null
  if (typeof v === 'boolean' || typeof v === 'string') return v
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new MeshgateError('bundle_format_error', 'a YAML data file holds a number JSON cannot hold')
    return new NumberText(String(v))
  }
  if (typeof v === 'bigint') return new NumberText(v.toString())
  if (Array.isArray(v)) return v.map(fromPlain)
  if (v instanceof Date) return v.toISOString()
  const m = new Map<string, Value>()
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, fromPlain(x))
  return m
}

function encode(v: Value): string {
  if (v === null) return 'null'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'string') return goString(v)
  if (v instanceof NumberText) return v.text
  if (Array.isArray(v)) return `[${v.map(encode).join(',')}]`
  const keys = [...v.keys()].sort(byUtf8)
  return `{${keys.map((k) => `${goString(k)}:${encode(v.get(k)!)}`).join(',')}}`
}

/** Go sorts map keys as byte strings; UTF-16 order differs above U+FFFF. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** A string as Go's encoding/json writes it with SetEscapeHTML(false). */
function goString(s: string): string {
  let out = '"'
  for (const ch of wellFormed(s)) {
    const c = ch.codePointAt(0)!
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (c < 0x20) {
      out += c === 0x08 ? '\\b' : c === 0x0c ? '\\f' : c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : c === 0x09 ? '\\t' : `\\u00${c.toString(16).padStart(2, '0')}`
    } else if (c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16)}`
    else out += ch
  }
  return out + '"'
}

/** Lone surrogates become U+FFFD, as Go's decoder makes them. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

class JsonSyntaxError extends Error {}

/** A strict JSON reader (RFC 8259) that keeps number literals; duplicate keys: the last wins, as in Go. */
class JsonReader {
  private i = 0
  constructor(private readonly s: string) {}

  document(): Value {
    const v = this.value(0)
    this.ws()
    if (this.i !== this.s.length) this.fail('unexpected text after the value')
    return v
  }

  private fail(what: string): never {
    throw new JsonSyntaxError(`${what} at offset ${this.i}`)
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++
  }

  private value(depth: number): Value {
    if (depth > 10_000) this.fail('nesting too deep')
    this.ws()
    const c = this.s[this.i]
    if (c === '{') return this.object(depth)
    if (c === '[') return this.array(depth)
    if (c === '"') return this.string()
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number()
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length
        return v
      }
    }
    return this.fail('expected a JSON value')
  }

  private object(depth: number): Value {
    const m = new Map<string, Value>()
    this.i++
    this.ws()
    if (this.s[this.i] === '}') {
      this.i++
      return m
    }
    for (;;) {
      this.ws()
      if (this.s[this.i] !== '"') this.fail('expected a string key')
      const k = this.string()
      this.ws()
      if (this.s[this.i] !== ':') this.fail('expected `:`')
      this.i++
      m.set(k, this.value(depth + 1))
      this.ws()
      const c = this.s[this.i++]
      if (c === '}') return m
      if (c !== ',') this.fail('expected `,` or `}`')
    }
  }

  private array(depth: number): Value {
    const a: Value[] = []
    this.i++
    this.ws()
    if (this.s[this.i] === ']') {
      this.i++
      return a
    }
    for (;;) {
      a.push(this.value(depth + 1))
      this.ws()
      const c = this.s[this.i++]
      if (c === ']') return a
      if (c !== ',') this.fail('expected `,` or `]`')
    }
  }

  private string(): string {
    let out = ''
    this.i++
    for (;;) {
      const c = this.s[this.i++]
      if (c === undefined) this.fail('unterminated string')
      if (c === '"') return out
      if (c === '\\') {
        const e = this.s[this.i++]
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
        if (e !== undefined && e in simple) out += simple[e]
        else if (e === 'u') {
          const hex = this.s.slice(this.i, this.i + 4)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad `\\u` escape')
          out += String.fromCharCode(parseInt(hex, 16))
          this.i += 4
        } else this.fail('bad escape')
      } else if (c < ' ') this.fail('control character in string')
      else out += c
    }
  }

  private number(): NumberText {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i, this.i + 1024))
    if (!m) this.fail('bad number')
    this.i += m[0].length
    return new NumberText(m[0])
  }
}
