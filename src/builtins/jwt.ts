// io.jwt.* host built-ins: decoding, signature verification (JWS compact
// serialisation, RFC 7515) and signing, on node:crypto alone so that every
// call is synchronous as the wasm host interface requires. Error messages are
// OPA's; OPA reports JWT errors without the built-in's name in front.

import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  timingSafeEqual,
  X509Certificate,
  constants,
  type KeyObject,
} from 'node:crypto'
import { BuiltinError, type HostImpl } from './types.js'
import { JWT_VERIFY_ALGS } from './declarations.js'

/** A BuiltinError whose message is OPA's bare JWT error text. */
export class JwtError extends BuiltinError {
  constructor(builtin: string, message: string) {
    super(builtin, message)
    this.message = message
  }
}

type JsonObject = Record<string, unknown>

// ---------------------------------------------------------------------------
// Encoding helpers.

const B64URL = /^[A-Za-z0-9_-]*$/

/** base64url with optional padding; errors name the first bad byte as Go does. */
export function decodeBase64Url(s: string): Buffer {
  const body = s.replace(/=+$/, '')
  for (let i = 0; i < body.length; i++) {
    if (!B64URL.test(body.charAt(i))) throw new Error(`illegal base64 data at input byte ${i}`)
  }
  if (body.length % 4 === 1) throw new Error(`illegal base64 data at input byte ${body.length - 1}`)
  return Buffer.from(body, 'base64url')
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url')

/** JSON with object keys sorted, as OPA serialises Rego values. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as JsonObject
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}

function parseJsonObject(text: string): JsonObject | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------
// Tokens.

interface Token {
  header: string
  payload: string
  signature: string
  signingInput: string
}

function splitToken(name: string, jwt: string): Token {
  if (!jwt.includes('.')) throw new JwtError(name, 'encoded JWT had no period separators')
  const parts = jwt.split('.')
  const [header, payload, signature] = parts
  if (parts.length !== 3 || header === undefined || payload === undefined || signature === undefined) {
    throw new JwtError(name, `encoded JWT must have 3 sections, found ${parts.length}`)
  }
  return { header, payload, signature, signingInput: `${header}.${payload}` }
}

function decodeHeader(name: string, t: Token): JsonObject {
  let raw: Buffer
  try {
    raw = decodeBase64Url(t.header)
  } catch (e) {
    throw new JwtError(name, `JWT header had invalid encoding: ${(e as Error).message}`)
  }
  const header = parseJsonObject(raw.toString('utf8'))
  if (header === undefined) throw new JwtError(name, 'JWT header was not a JSON object')
  if (header.enc !== undefined) throw new JwtError(name, 'JWT is a JWE object, which is not supported')
  return header
}

function decodePayloadBytes(name: string, t: Token): Buffer {
  try {
    return decodeBase64Url(t.payload)
  } catch (e) {
    throw new JwtError(name, `JWT payload had invalid encoding: ${(e as Error).message}`)
  }
}

function decodeSignature(name: string, t: Token): Buffer {
  try {
    return decodeBase64Url(t.signature)
  } catch (e) {
    throw new JwtError(name, `JWT signature had invalid encoding: ${(e as Error).message}`)
  }
}

const isNested = (header: JsonObject) => typeof header.cty === 'string' && header.cty.toUpperCase() === 'JWT'

/** The token inside a nested JWT's payload: raw, or as a JSON string. */
function innerToken(name: string, t: Token): Token {
  let text = decodePayloadBytes(name, t).toString('utf8')
  if (text.startsWith('"')) {
    try {
      text = String(JSON.parse(text))
    } catch {
      /* left as is; splitToken reports it */
    }
  }
  return splitToken(name, text)
}

function decode(name: string, jwt: unknown): [JsonObject, JsonObject, string] {
  if (typeof jwt !== 'string') throw new BuiltinError(name, 'operand 1 must be string', 'eval_type_error')
  let t = splitToken(name, jwt)
  let header = decodeHeader(name, t)
  // A nested token (cty JWT) carries the inner token as its payload.
  while (isNested(header)) {
    t = innerToken(name, t)
    header = decodeHeader(name, t)
  }
  const payload = parseJsonObject(decodePayloadBytes(name, t).toString('utf8'))
  if (payload === undefined) throw new JwtError(name, 'JWT payload could not be parsed as a JSON object')
  const sig = decodeSignature(name, t)
  return [header, payload, sig.toString('hex')]
}

// ---------------------------------------------------------------------------
// Keys.

interface VerificationKey {
  key: KeyObject | Buffer
  alg?: string
  kid?: string
}

/** Public keys from a PEM certificate / public key, or from a JWK or JWK set. */
function keysFromCertOrJwk(name: string, text: string): VerificationKey[] {
  const trimmed = text.trim()
  if (trimmed.startsWith('-----BEGIN')) {
    const m = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(trimmed)
    if (m === null) throw new JwtError(name, 'failed to parse a PEM certificate')
    if (trimmed.slice(m[0].length).trim() !== '') throw new JwtError(name, 'extra data after a PEM certificate block')
    if (m[1] === 'CERTIFICATE') {
      try {
        return [{ key: new X509Certificate(m[0]).publicKey }]
      } catch {
        throw new JwtError(name, 'failed to parse a PEM certificate')
      }
    }
    if (m[1] === 'PUBLIC KEY' || m[1] === 'RSA PUBLIC KEY') {
      try {
        return [{ key: createPublicKey(m[0]) }]
      } catch {
        throw new JwtError(name, 'failed to parse a PEM public key')
      }
    }
    throw new JwtError(name, 'failed to extract a Key from the PEM certificate')
  }
  const parsed = parseJsonObject(trimmed)
  if (parsed === undefined) throw new JwtError(name, 'failed to parse a JWK key (set)')
  const jwks = Array.isArray(parsed.keys) ? (parsed.keys as JsonObject[]) : [parsed]
  try {
    return jwks.map((jwk) => ({ key: jwkKey(jwk, false), alg: jwk.alg as string | undefined, kid: jwk.kid as string | undefined }))
  } catch {
    throw new JwtError(name, 'failed to parse a JWK key (set)')
  }
}

function jwkKey(jwk: JsonObject, isPrivate: boolean): KeyObject | Buffer {
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new Error('missing k')
    return decodeBase64Url(jwk.k)
  }
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') throw new Error(`unsupported kty ${String(jwk.kty)}`)
  return isPrivate ? createPrivateKey({ key: jwk as any, format: 'jwk' }) : createPublicKey({ key: jwk as any, format: 'jwk' })
}

// ---------------------------------------------------------------------------
// Signatures.

const HASH: Record<string, string> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' }

export const ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

function verifySignature(alg: string, key: KeyObject | Buffer, input: string, sig: Buffer): boolean {
  try {
    const family = alg.slice(0, 2)
    const hash = HASH[alg.slice(2)]
    const data = Buffer.from(input)
    if (alg === 'EdDSA') return !Buffer.isBuffer(key) && cryptoVerify(null, data, key, sig)
    if (hash === undefined) return false
    if (family === 'HS') {
      const secret = Buffer.isBuffer(key) ? key : undefined
      if (secret === undefined) return false
      const mac = createHmac(hash, secret).update(data).digest()
      return mac.length === sig.length && timingSafeEqual(mac, sig)
    }
    if (Buffer.isBuffer(key)) return false
    if (family === 'RS') return key.asymmetricKeyType === 'rsa' && cryptoVerify(hash, data, key, sig)
    if (family === 'PS') {
      return cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig)
    }
    if (family === 'ES') return key.asymmetricKeyType === 'ec' && cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig)
    return false
  } catch {
    return false
  }
}

function signInput(name: string, alg: string, key: KeyObject | Buffer, input: string): Buffer {
  const family = alg.slice(0, 2)
  const hash = HASH[alg.slice(2)]
  const data = Buffer.from(input)
  try {
    if (alg === 'EdDSA' && !Buffer.isBuffer(key)) return cryptoSign(null, data, key)
    if (family === 'HS' && hash !== undefined && Buffer.isBuffer(key)) return createHmac(hash, key).update(data).digest()
    if (!Buffer.isBuffer(key) && hash !== undefined) {
      if (family === 'RS') return cryptoSign(hash, data, key)
      if (family === 'PS') return cryptoSign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
      if (family === 'ES') return cryptoSign(hash, data, { key, dsaEncoding: 'ieee-p1363' })
    }
  } catch (e) {
    throw new JwtError(name, `failed to sign token: ${(e as Error).message}`)
  }
  throw new JwtError(name, `unsupported signature algorithm or key type for ${alg}`)
}

/** io.jwt.verify_<alg>: the signature check only, no claims. */
function verifyWith(name: string, alg: string) {
  return (jwt: unknown, keyText: unknown): boolean => {
    if (typeof jwt !== 'string') throw new BuiltinError(name, 'operand 1 must be string', 'eval_type_error')
    if (typeof keyText !== 'string') throw new BuiltinError(name, 'operand 2 must be string', 'eval_type_error')
    const t = splitToken(name, jwt)
    const sig = decodeSignature(name, t)
    const keys: VerificationKey[] = alg.startsWith('HS') ? [{ key: Buffer.from(keyText) }] : keysFromCertOrJwk(name, keyText)
    return keys.some((k) => verifySignature(alg, k.key, t.signingInput, sig))
  }
}

// ---------------------------------------------------------------------------
// io.jwt.decode_verify

interface Constraints {
  keys: VerificationKey[]
  alg?: string
  iss?: string
  aud?: string
  timeNs: number
}

function parseConstraints(name: string, c: unknown): Constraints {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new BuiltinError(name, 'operand 2 must be object', 'eval_type_error')
  const out: Constraints = { keys: [], timeNs: Date.now() * 1e6 }
  let keySources = 0
  for (const [k, v] of Object.entries(c as JsonObject)) {
    switch (k) {
      case 'cert':
        if (typeof v !== 'string') throw new JwtError(name, 'cert constraint: must be a string')
        out.keys = keysFromCertOrJwk(name, v)
        keySources++
        break
      case 'secret':
        if (typeof v !== 'string') throw new JwtError(name, 'secret constraint: must be a string')
        out.keys = [{ key: Buffer.from(v) }]
        keySources++
        break
      case 'alg':
      case 'iss':
      case 'aud':
        if (typeof v !== 'string') throw new JwtError(name, `${k} constraint: must be a string`)
        out[k] = v
        break
      case 'time':
        if (typeof v !== 'number') throw new JwtError(name, 'time constraint: must be a number')
        out.timeNs = v
        break
      default:
        throw new JwtError(name, `unknown token validation constraint: ${k}`)
    }
  }
  if (keySources > 1) throw new JwtError(name, 'duplicate key constraints')
  if (keySources === 0) throw new JwtError(name, 'no key constraints')
  return out
}

const UNVERIFIED: [boolean, JsonObject, JsonObject] = [false, {}, {}]

function decodeVerify(jwt: unknown, constraints: unknown): [boolean, JsonObject, JsonObject] {
  const name = 'io.jwt.decode_verify'
  if (typeof jwt !== 'string') throw new BuiltinError(name, 'operand 1 must be string', 'eval_type_error')
  const c = parseConstraints(name, constraints)
  let t = splitToken(name, jwt)
  let header: JsonObject
  for (;;) {
    header = decodeHeader(name, t)
    const alg = header.alg
    if (typeof alg !== 'string' || !ALGORITHMS.includes(alg)) return UNVERIFIED
    // No JWS extensions are understood, so any critical one fails (RFC 7515 §4.1.11).
    if (header.crit !== undefined) return UNVERIFIED
    if (c.alg !== undefined && c.alg !== alg) return UNVERIFIED
    const sig = decodeSignature(name, t)
    const candidates = c.keys.filter((k) => (k.alg === undefined || k.alg === alg) && (k.kid === undefined || header.kid === undefined || k.kid === header.kid))
    if (!candidates.some((k) => verifySignature(alg, k.key, t.signingInput, sig))) return UNVERIFIED
    if (!isNested(header)) break
    t = innerToken(name, t)
  }
  const payload = parseJsonObject(decodePayloadBytes(name, t).toString('utf8'))
  if (payload === undefined) throw new JwtError(name, 'JWT payload could not be parsed as a JSON object')

  if (c.iss !== undefined && payload.iss !== c.iss) return UNVERIFIED
  if (payload.exp !== undefined) {
    if (typeof payload.exp !== 'number') throw new JwtError(name, 'exp value must be a number')
    if (c.timeNs >= payload.exp * 1e9) return UNVERIFIED
  }
  if (payload.nbf !== undefined) {
    if (typeof payload.nbf !== 'number') throw new JwtError(name, 'nbf value must be a number')
    if (c.timeNs < payload.nbf * 1e9) return UNVERIFIED
  }
  // A token with an audience is only accepted by a verifier that names one of them.
  if (payload.aud !== undefined) {
    if (c.aud === undefined) return UNVERIFIED
    const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
    if (!auds.includes(c.aud)) return UNVERIFIED
  } else if (c.aud !== undefined) return UNVERIFIED
  return [true, header, payload]
}

// ---------------------------------------------------------------------------
// Signing.

function headerAlg(name: string, headerText: string): string {
  if (headerText === '') throw new JwtError(name, "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string")
  let header: unknown
  try {
    header = JSON.parse(headerText)
  } catch {
    if (headerText.trimStart().startsWith('{')) throw new JwtError(name, "missing or invalid 'alg' header: cannot parse JSON")
  }
  const alg = header !== null && typeof header === 'object' ? (header as JsonObject).alg : undefined
  if (alg === undefined) throw new JwtError(name, 'missing or invalid \'alg\' header: jwsbb: header "alg" not found')
  if (typeof alg !== 'string' || !ALGORITHMS.includes(alg)) throw new JwtError(name, `unknown signature algorithm: ${String(alg)}`)
  return alg
}

function signingKey(name: string, jwkText: string): KeyObject | Buffer {
  const jwk = parseJsonObject(jwkText)
  if (jwk === undefined) throw new JwtError(name, 'failed to parse a JWK key')
  try {
    return jwkKey(jwk, jwk.kty !== 'oct')
  } catch (e) {
    throw new JwtError(name, `failed to parse a JWK key: ${(e as Error).message}`)
  }
}

function encodeSignRaw(name: string, headerText: string, payloadText: string, keyText: string): string {
  const alg = headerAlg(name, headerText)
  const header = parseJsonObject(headerText) ?? {}
  if (typeof header.typ === 'string' && header.typ.toUpperCase() === 'JWT' && parseJsonObject(payloadText) === undefined) {
    throw new JwtError(name, 'type is JWT but payload is not JSON')
  }
  const key = signingKey(name, keyText)
  const input = `${b64url(headerText)}.${b64url(payloadText)}`
  return `${input}.${b64url(signInput(name, alg, key, input))}`
}

const str = (name: string, i: number, v: unknown): string => {
  if (typeof v !== 'string') throw new BuiltinError(name, `operand ${i} must be string`, 'eval_type_error')
  return v
}
const obj = (name: string, i: number, v: unknown): JsonObject => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BuiltinError(name, `operand ${i} must be object`, 'eval_type_error')
  return v as JsonObject
}

// ---------------------------------------------------------------------------

export const impls: Record<string, HostImpl> = {
  'io.jwt.decode': (jwt: unknown) => decode('io.jwt.decode', jwt),
  'io.jwt.decode_verify': decodeVerify,
  'io.jwt.encode_sign': (header: unknown, payload: unknown, key: unknown) => {
    const name = 'io.jwt.encode_sign'
    return encodeSignRaw(name, canonicalJson(obj(name, 1, header)), canonicalJson(obj(name, 2, payload)), canonicalJson(obj(name, 3, key)))
  },
  'io.jwt.encode_sign_raw': (header: unknown, payload: unknown, key: unknown) => {
    const name = 'io.jwt.encode_sign_raw'
    return encodeSignRaw(name, str(name, 1, header), str(name, 2, payload), str(name, 3, key))
  },
  'io.jwt.verify_eddsa': verifyWith('io.jwt.verify_eddsa', 'EdDSA'),
  ...Object.fromEntries(JWT_VERIFY_ALGS.map((a) => [`io.jwt.verify_${a}`, verifyWith(`io.jwt.verify_${a}`, a.toUpperCase())])),
}
