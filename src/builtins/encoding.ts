// Encoding built-ins: base64, base64url, hex, urlquery, json.* and yaml.*.
// Byte-level results follow Go's encoders (strict base64 padding, Go's JSON
// escaping with sorted keys); decoded bytes are read back as UTF-8.

import YAML from 'yaml'
import { BuiltinError, type HostImpl } from './types.js'
import { obj, str, typeName } from './strings.js'
import { numberText } from './rego-text.js'

// ---------------------------------------------------------------------------
// base64 (Go's StdEncoding / URLEncoding: padded, `\r` and `\n` ignored).

function b64decode(builtin: string, s: string, url: boolean): string {
  const alpha = url ? /[A-Za-z0-9\-_]/ : /[A-Za-z0-9+/]/
  const chars = s.replace(/[\r\n]/g, '')
  let err = -1
  let quantum = 0
  let padAt = -1
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charAt(i)
    if (c === '=') {
      if (padAt < 0) {
        if (quantum < 2) {
          err = i
          break
        }
        padAt = i
      }
      quantum++
      if (quantum === 4) {
        quantum = 0
        if (i !== chars.length - 1) {
          err = i + 1
          break
        }
      }
      continue
    }
    if (padAt >= 0 || !alpha.test(c)) {
      err = i
      break
    }
    quantum = (quantum + 1) % 4
  }
  if (err < 0 && quantum !== 0) err = chars.length - quantum
  if (err >= 0) throw new BuiltinError(builtin, `illegal base64 data at input byte ${err}`)
  return Buffer.from(chars, url ? 'base64url' : 'base64').toString('utf8')
}

function b64valid(s: string): boolean {
  try {
    b64decode('base64.is_valid', s, false)
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------
// hex and urlquery.

function hexDecode(builtin: string, s: string): string {
  const b = Buffer.from(s, 'utf8')
  const bad = (x: number): BuiltinError =>
    new BuiltinError(builtin, `encoding/hex: invalid byte: U+${x.toString(16).toUpperCase().padStart(4, '0')} ${goRuneQuote(x)}`)
  const isHex = (x: number): boolean => (x >= 48 && x <= 57) || (x >= 65 && x <= 70) || (x >= 97 && x <= 102)
  // Go reads pairs left to right, so the first non-hex byte is reported
  // before an odd length is.
  for (const x of b) if (!isHex(x)) throw bad(x)
  if (b.length % 2 === 1) throw new BuiltinError(builtin, 'encoding/hex: odd length hex string')
  return Buffer.from(s, 'hex').toString('utf8')
}

function goRuneQuote(c: number): string {
  const ch = String.fromCodePoint(c)
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`
  return ch === "'" ? "'\\''" : `'${ch}'`
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = ''
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b)
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c
    else if (c === ' ') out += '+'
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/** Go's url.QueryUnescape. */
function queryUnescape(builtin: string, s: string): string {
  const bytes: number[] = []
  const src = Buffer.from(s, 'utf8')
  for (let i = 0; i < src.length; i++) {
    const c = src[i]! // i < src.length
    if (c === 0x25) {
      const hex = src.subarray(i + 1, i + 3).toString('latin1')
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw new BuiltinError(builtin, `invalid URL escape ${JSON.stringify(src.subarray(i, i + 3).toString('utf8'))}`)
      }
      bytes.push(parseInt(hex, 16))
      i += 2
    } else bytes.push(c === 0x2b ? 0x20 : c)
  }
  return Buffer.from(bytes).toString('utf8')
}

function encodeObject(builtin: string, o: Record<string, unknown>): string {
  const bad = (): BuiltinError => new BuiltinError(builtin, 'operand 1 values must be string, array[string], or set[string]')
  const parts: string[] = []
  for (const k of Object.keys(o).sort()) {
    const v = o[k]
    const vals = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined
    if (!vals) throw bad()
    for (const x of vals) {
      if (typeof x !== 'string') throw bad()
      parts.push(`${queryEscape(k)}=${queryEscape(x)}`)
    }
  }
  return parts.join('&')
}

function decodeObject(builtin: string, s: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  let firstErr: BuiltinError | undefined
  for (const part of s.split('&')) {
    if (part === '') continue
    if (part.includes(';')) {
      firstErr ??= new BuiltinError(builtin, 'invalid semicolon separator in query')
      continue
    }
    const eq = part.indexOf('=')
    const [rk, rv] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]
    try {
      const k = queryUnescape(builtin, rk)
      const v = queryUnescape(builtin, rv)
      ;(out[k] ??= []).push(v)
    } catch (e) {
      if (!(e instanceof BuiltinError)) throw e
      firstErr ??= e
    }
  }
  if (firstErr) throw firstErr
  return out
}

// ---------------------------------------------------------------------------
// JSON as Go's encoding/json writes it: sorted keys, HTML-safe escaping.

function goJSONString(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    switch (ch) {
      case '"':
        out += '\\"'
        continue
      case '\\':
        out += '\\\\'
        continue
      case '\n':
        out += '\\n'
        continue
      case '\r':
        out += '\\r'
        continue
      case '\t':
        out += '\\t'
        continue
      case '\b':
        out += '\\b'
        continue
      case '\f':
        out += '\\f'
        continue
    }
    if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += '\\u' + c.toString(16).padStart(4, '0')
    } else out += ch
  }
  return out + '"'
}

/** Go's json.Marshal (indent === undefined) or json.MarshalIndent. */
export function goJSON(v: unknown, indent?: string, prefix = '', depth = 0): string {
  if (v === null || v === undefined) return 'null'
  switch (typeof v) {
    case 'string':
      return goJSONString(v)
    case 'number':
      return numberText(v)
    case 'boolean':
      return String(v)
  }
  const nl = (d: number): string => '\n' + prefix + (indent ?? '').repeat(d)
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]'
    const items = v.map((x) => goJSON(x, indent, prefix, depth + 1))
    return indent === undefined ? `[${items.join(',')}]` : `[${items.map((x) => nl(depth + 1) + x).join(',')}${nl(depth)}]`
  }
  const keys = Object.keys(v as object).sort()
  if (keys.length === 0) return '{}'
  const items = keys.map((k) => `${goJSONString(k)}:${indent === undefined ? '' : ' '}${goJSON((v as Record<string, unknown>)[k], indent, prefix, depth + 1)}`)
  return indent === undefined ? `{${items.join(',')}}` : `{${items.map((x) => nl(depth + 1) + x).join(',')}${nl(depth)}}`
}

function marshalWithOptions(builtin: string, x: unknown, opts: Record<string, unknown>): string {
  let indent = '\t'
  let prefix = ''
  let implicit = false
  let explicit: boolean | undefined
  for (const key of Object.keys(opts).sort()) {
    const val = opts[key]
    switch (key) {
      case 'prefix':
      case 'indent':
        if (typeof val !== 'string') {
          throw new BuiltinError(builtin, `operand 2 key ${key} failed cast to string: operand must be string but got ${typeName(val)}`)
        }
        if (key === 'prefix') prefix = val
        else indent = val
        implicit = true
        break
      case 'pretty':
        if (typeof val !== 'boolean') throw new BuiltinError(builtin, `operand 2 key ${key} failed cast to bool`)
        explicit = val
        break
      default:
        throw new BuiltinError(builtin, `operand 2 object contained unknown key ${key}`)
    }
  }
  const pretty = explicit ?? implicit
  // MarshalIndent does not prefix the first line; OPA adds it.
  return pretty ? prefix + goJSON(x, indent, prefix) : goJSON(x)
}

/** Go's encoding/json syntax errors, in its wording where the shape is common. */
function jsonUnmarshal(builtin: string, s: string): unknown {
  try {
    return JSON.parse(s)
  } catch (e) {
    const text = (e as Error).message
    const at = /position (\d+)/.exec(text)
    const tok = /Unexpected token '(.)'/u.exec(text)
    const ch = at ? s.codePointAt(Number(at[1])) : tok ? tok[1]?.codePointAt(0) : undefined
    const msg =
      /end of JSON input/.test(text) || ch === undefined
        ? 'unexpected end of JSON input'
        : `invalid character ${goRuneQuote(ch)} looking for beginning of value`
    throw new BuiltinError(builtin, msg)
  }
}

// ---------------------------------------------------------------------------
// YAML (YAML 1.1 scalars as go-yaml v2 reads them; keys sorted on output).

function yamlParse(builtin: string, s: string): unknown {
  const doc = YAML.parseDocument(s, { version: '1.1', uniqueKeys: false, prettyErrors: false })
  const err = doc.errors[0]
  if (err) {
    const line = err.linePos?.[0]?.line ?? 1
    let what = err.message.replace(/\n[\s\S]*/, '') // its first line
    if (err.code === 'MISSING_CHAR' || /flow (sequence|collection|mapping)/i.test(what)) {
      what = `did not find expected ',' or '${/mapping|\{/.test(what) ? '}' : ']'}'`
    }
    throw new BuiltinError(builtin, `yaml: line ${line}: ${what}`)
  }
  // The yaml library takes a quoted scalar that ends in an escape at the end of
  // the input (`'''`, `'a''`, `"a\"`) as closed by it, without an error; OPA's
  // parser (go-yaml) refuses it: found by the module/host differential fuzz
  // (test/wasm/self-contained-yaml.test.ts).
  YAML.visit(doc, {
    Scalar(_, node) {
      const quote = node.type === 'QUOTE_SINGLE' ? SINGLE_QUOTED : node.type === 'QUOTE_DOUBLE' ? DOUBLE_QUOTED : undefined
      if (quote && node.range && !quote.test(s.slice(node.range[0], node.range[1]))) {
        const line = s.slice(0, node.range[1]).split('\n').length
        throw new BuiltinError(builtin, `yaml: line ${line}: found unexpected end of stream`)
      }
    },
  })
  return toJSONValue(doc.toJS({ maxAliasCount: 100 }))
}

/** A whole quoted scalar, closed: any run of its escapes (`''`; a backslash and the character after it) followed by the closing quote. */
const SINGLE_QUOTED = /^'(?:[^']|'')*'$/
const DOUBLE_QUOTED = /^"(?:[^"\\]|\\[\s\S])*"$/

/** YAML values as JSON: non-string keys become their text, dates their ISO text. */
function toJSONValue(v: unknown): unknown {
  if (v === undefined) return null
  if (v instanceof Date) return v.toISOString()
  if (v instanceof Map) return Object.fromEntries(Array.from(v, ([k, x]) => [String(k), toJSONValue(x)]))
  if (v instanceof Set) return Array.from(v, toJSONValue)
  if (Array.isArray(v)) return v.map(toJSONValue)
  if (typeof v === 'bigint') return Number(v)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJSONValue(x)]))
  return v
}

function yamlMarshal(v: unknown): string {
  return YAML.stringify(v, { sortMapEntries: true, indentSeq: false, version: '1.1', lineWidth: 0 })
}

export const impls: Record<string, HostImpl> = {
  'base64.encode': (s) => Buffer.from(str('base64.encode', 1, s), 'utf8').toString('base64'),
  'base64.decode': (s) => b64decode('base64.decode', str('base64.decode', 1, s), false),
  'base64.is_valid': (s) => typeof s === 'string' && b64valid(s),
  'base64url.encode': (s) =>
    Buffer.from(str('base64url.encode', 1, s), 'utf8')
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_'),
  'base64url.encode_no_pad': (s) => Buffer.from(str('base64url.encode_no_pad', 1, s), 'utf8').toString('base64url'),
  'base64url.decode'(s) {
    const b = 'base64url.decode'
    let x = str(b, 1, s)
    // RFC 7515 Appendix C: restore the padding some encoders omit.
    if (!x.endsWith('=')) {
      switch (x.length % 4) {
        case 0:
          break
        case 2:
          x += '=='
          break
        case 3:
          x += '='
          break
        default:
          throw new BuiltinError(b, `illegal base64url string: ${x}`)
      }
    }
    return b64decode(b, x, true)
  },
  'hex.encode': (s) => Buffer.from(str('hex.encode', 1, s), 'utf8').toString('hex'),
  'hex.decode': (s) => hexDecode('hex.decode', str('hex.decode', 1, s)),
  'urlquery.encode': (s) => queryEscape(str('urlquery.encode', 1, s)),
  'urlquery.decode': (s) => queryUnescape('urlquery.decode', str('urlquery.decode', 1, s)),
  'urlquery.encode_object': (o) => encodeObject('urlquery.encode_object', obj('urlquery.encode_object', 1, o)),
  'urlquery.decode_object': (s) => decodeObject('urlquery.decode_object', str('urlquery.decode_object', 1, s)),
  'json.marshal': (x) => goJSON(x),
  'json.marshal_with_options': (x, o) => marshalWithOptions('json.marshal_with_options', x, obj('json.marshal_with_options', 2, o)),
  'json.unmarshal': (s) => jsonUnmarshal('json.unmarshal', str('json.unmarshal', 1, s)),
  'json.is_valid'(s) {
    if (typeof s !== 'string') return false
    try {
      JSON.parse(s)
      return true
    } catch {
      return false
    }
  },
  'yaml.marshal': (x) => yamlMarshal(x),
  'yaml.unmarshal': (s) => yamlParse('yaml.unmarshal', str('yaml.unmarshal', 1, s)),
  'yaml.is_valid'(s) {
    if (typeof s !== 'string') return false
    try {
      yamlParse('yaml.is_valid', s)
      return true
    } catch {
      return false
    }
  },
}
