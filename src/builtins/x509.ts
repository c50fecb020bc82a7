// crypto.x509.* and key-parsing host built-ins. Certificates come back in the
// shape of Go's x509.Certificate as OPA marshals it (field names, nil slices
// as null), for the fields policies use; node:crypto parses certificates and
// keys, and a small DER reader covers certificate requests, which it cannot.

import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto'
import { BuiltinError, type HostImpl } from './types.js'

type JsonObject = Record<string, unknown>

// ---------------------------------------------------------------------------
// Input: PEM text, base64 of PEM text, or base64 of DER, as OPA accepts.

interface PemBlock {
  type: string
  der: Buffer
}

function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = []
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    const [, type = '', body = ''] = m // both groups always take part in a match
    out.push({ type, der: Buffer.from(body.replace(/\s+/g, ''), 'base64') })
  }
  return out
}

/** Go's base64.StdEncoding.DecodeString, with its error for the first bad byte. */
function decodeStdBase64(s: string): Buffer {
  const bad = /[^A-Za-z0-9+/=]/.exec(s)
  if (bad !== null) throw new Error(`illegal base64 data at input byte ${bad.index}`)
  if (s.length % 4 !== 0) throw new Error(`illegal base64 data at input byte ${s.length - (s.length % 4)}`)
  const pad = s.indexOf('=')
  if (pad >= 0 && pad < s.length - 2) throw new Error(`illegal base64 data at input byte ${pad}`)
  return Buffer.from(s, 'base64')
}

/** PEM blocks, or the DER bytes when the input is base64 of DER. */
function readInput(name: string, input: unknown): { blocks: PemBlock[] } | { der: Buffer } {
  if (typeof input !== 'string') throw new BuiltinError(name, 'operand 1 must be string', 'eval_type_error')
  if (input.trimStart().startsWith('-----BEGIN')) return { blocks: pemBlocks(input) }
  let bytes: Buffer
  try {
    bytes = decodeStdBase64(input.trim())
  } catch (e) {
    throw new BuiltinError(name, (e as Error).message)
  }
  const text = bytes.toString('latin1')
  if (text.trimStart().startsWith('-----BEGIN')) return { blocks: pemBlocks(text) }
  return { der: bytes }
}

// ---------------------------------------------------------------------------
// Certificates.

const NAME_FIELDS: Record<string, string> = {
  C: 'Country',
  O: 'Organization',
  OU: 'OrganizationalUnit',
  L: 'Locality',
  ST: 'Province',
  street: 'StreetAddress',
  postalCode: 'PostalCode',
}

/** pkix.Name from node's "K=V\n" distinguished-name text. */
function pkixName(dn: string | undefined): JsonObject {
  const name: JsonObject = {
    Country: null,
    Organization: null,
    OrganizationalUnit: null,
    Locality: null,
    Province: null,
    StreetAddress: null,
    PostalCode: null,
    SerialNumber: '',
    CommonName: '',
  }
  for (const line of (dn ?? '').split('\n')) {
    const eq = line.indexOf('=')
    if (eq < 0) continue
    const k = line.slice(0, eq)
    const v = line.slice(eq + 1)
    if (k === 'CN') name.CommonName = v
    else if (k === 'serialNumber') name.SerialNumber = v
    else if (NAME_FIELDS[k] !== undefined) {
      const field = NAME_FIELDS[k]
      name[field] = [...((name[field] as string[] | null) ?? []), v]
    }
  }
  return name
}

function altNames(cert: X509Certificate, prefix: string): string[] | null {
  const san = cert.subjectAltName
  if (san === undefined) return null
  const out = san
    .split(/,\s*/)
    .filter((s) => s.startsWith(prefix))
    .map((s) => s.slice(prefix.length))
  return out.length === 0 ? null : out
}

/** Go's x509.PublicKeyAlgorithm numbering. */
const PUBLIC_KEY_ALGORITHM: Record<string, number> = { rsa: 1, dsa: 2, ec: 3, ed25519: 4 }

function certificateJson(der: Buffer): JsonObject {
  const cert = new X509Certificate(der)
  return {
    Raw: der.toString('base64'),
    Version: 3,
    SerialNumber: BigInt(`0x${cert.serialNumber}`).toString(),
    Issuer: pkixName(cert.issuer),
    Subject: pkixName(cert.subject),
    NotBefore: new Date(cert.validFrom).toISOString().replace('.000Z', 'Z'),
    NotAfter: new Date(cert.validTo).toISOString().replace('.000Z', 'Z'),
    PublicKeyAlgorithm: PUBLIC_KEY_ALGORITHM[cert.publicKey.asymmetricKeyType ?? ''] ?? 0,
    IsCA: cert.ca,
    DNSNames: altNames(cert, 'DNS:'),
    EmailAddresses: altNames(cert, 'email:'),
    IPAddresses: altNames(cert, 'IP Address:'),
    URIStrings: altNames(cert, 'URI:'),
  }
}

function certificatesDer(name: string, input: unknown): Buffer[] {
  const read = readInput(name, input)
  const ders = 'der' in read ? [read.der] : read.blocks.filter((b) => b.type === 'CERTIFICATE').map((b) => b.der)
  for (const der of ders) {
    try {
      new X509Certificate(der)
    } catch {
      throw new BuiltinError(name, 'x509: malformed certificate')
    }
  }
  return ders
}

/**
 * OPA's argument order: the first certificate is the trusted root, the last
 * the leaf, the rest intermediates. Returns the verified chain leaf to root
 * (indices into certs), or undefined.
 */
function verifyChain(certs: X509Certificate[], atMs: number, dnsName?: string): number[] | undefined {
  const leaf = certs.length - 1
  const root = certs[0]
  const leafCert = certs[leaf]
  if (root === undefined || leafCert === undefined) return undefined
  const valid = (c: X509Certificate) => atMs >= Date.parse(c.validFrom) && atMs <= Date.parse(c.validTo)
  const signs = (issuer: X509Certificate, c: X509Certificate) => c.checkIssued(issuer) && c.verify(issuer.publicKey)
  if (dnsName !== undefined && leafCert.checkHost(dnsName) === undefined) return undefined
  const chain = [leaf]
  const used = new Set([leaf])
  let at = leaf
  let cur = leafCert
  for (;;) {
    if (!valid(cur)) return undefined
    if (at === 0) return chain
    if (signs(root, cur) && valid(root)) return [...chain, 0]
    const issuer = cur
    const next = certs.findIndex((c, i) => i > 0 && !used.has(i) && c.ca && signs(c, issuer))
    const nextCert = certs[next]
    if (nextCert === undefined) return undefined // none found (-1)
    chain.push(next)
    used.add(next)
    at = next
    cur = nextCert
  }
}

function parseAndVerify(name: string, input: unknown, options: JsonObject): [boolean, JsonObject[]] {
  let ders: Buffer[]
  try {
    ders = certificatesDer(name, input)
  } catch {
    return [false, []]
  }
  const atMs = typeof options.CurrentTime === 'number' ? options.CurrentTime / 1e6 : Date.now()
  const dns = typeof options.DNSName === 'string' ? options.DNSName : undefined
  const chain = verifyChain(
    ders.map((d) => new X509Certificate(d)),
    atMs,
    dns,
  )
  // The chain's indices are into certs, which is ders parsed one to one.
  return chain === undefined ? [false, []] : [true, chain.map((i) => certificateJson(ders[i]!))]
}

// ---------------------------------------------------------------------------
// Certificate requests: just enough DER to read the subject.

interface Tlv {
  tag: number
  start: number
  end: number
}

function readTlv(b: Buffer, at: number): Tlv {
  // Bounds are checked first, for Go's errors; readUInt8 would throw a RangeError.
  if (at + 2 > b.length) throw new Error('asn1: structure error: truncated')
  const tag = b.readUInt8(at)
  let len = b.readUInt8(at + 1)
  let start = at + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4 || start + n > b.length) throw new Error('asn1: structure error: bad length')
    len = 0
    for (const x of b.subarray(start, start + n)) len = len * 256 + x
    start += n
  }
  if (start + len > b.length) throw new Error('asn1: structure error: data truncated')
  return { tag, start, end: start + len }
}

function children(b: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = []
  for (let at = t.start; at < t.end;) {
    const c = readTlv(b, at)
    out.push(c)
    at = c.end
  }
  return out
}

function oid(b: Buffer, t: Tlv): string {
  const bytes = b.subarray(t.start, t.end)
  const first = bytes[0]
  if (first === undefined) throw new Error('asn1: syntax error: zero length OBJECT IDENTIFIER')
  const parts = [Math.floor(first / 40), first % 40]
  let v = 0
  for (const x of bytes.subarray(1)) {
    v = v * 128 + (x & 0x7f)
    if (!(x & 0x80)) {
      parts.push(v)
      v = 0
    }
  }
  return parts.join('.')
}

const DN_OIDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.17': 'postalCode',
  '2.5.4.5': 'serialNumber',
}

function certificateRequestJson(der: Buffer): JsonObject {
  const SEQ = 0x30
  const top = readTlv(der, 0)
  if (top.tag !== SEQ || top.end !== der.length) throw new Error("asn1: structure error: tags don't match")
  const [info] = children(der, top)
  if (info?.tag !== SEQ) throw new Error("asn1: structure error: tags don't match")
  const [, subject] = children(der, info)
  if (subject?.tag !== SEQ) throw new Error("asn1: structure error: tags don't match")
  const lines: string[] = []
  for (const rdn of children(der, subject)) {
    for (const atv of children(der, rdn)) {
      const [type, value] = children(der, atv)
      if (type === undefined || value === undefined) throw new Error('asn1: structure error: sequence truncated')
      const label = DN_OIDS[oid(der, type)]
      if (label !== undefined) lines.push(`${label}=${der.subarray(value.start, value.end).toString('utf8')}`)
    }
  }
  return { Raw: der.toString('base64'), Version: 0, Subject: pkixName(lines.join('\n')) }
}

// ---------------------------------------------------------------------------
// Keys.

function privateKeys(name: string, input: unknown): KeyObject[] {
  const read = readInput(name, input)
  const blocks = 'der' in read ? [{ type: 'PRIVATE KEY', der: read.der }] : read.blocks
  return blocks
    .filter((b) => b.type.endsWith('PRIVATE KEY'))
    .map((b) => {
      const type = b.type === 'RSA PRIVATE KEY' ? 'pkcs1' : b.type === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8'
      try {
        return createPrivateKey({ key: b.der, format: 'der', type })
      } catch (e) {
        throw new BuiltinError(name, `failed to parse private key: ${(e as Error).message}`)
      }
    })
}

const jwk = (k: KeyObject) => k.export({ format: 'jwk' }) as JsonObject

function parseKeypair(certInput: unknown, keyInput: unknown): JsonObject {
  const name = 'crypto.x509.parse_keypair'
  const ders = certificatesDer(name, certInput)
  const [key] = privateKeys(name, keyInput)
  const [first] = ders
  if (first === undefined || key === undefined) throw new BuiltinError(name, 'tls: failed to find any PEM data in certificate or key input')
  const certKey = new X509Certificate(first).publicKey.export({ format: 'der', type: 'spki' })
  if (!createPublicKey(key).export({ format: 'der', type: 'spki' }).equals(certKey)) {
    throw new BuiltinError(name, 'tls: private key does not match public key')
  }
  return { Certificate: ders.map((d) => d.toString('base64')), PrivateKey: jwk(key), Leaf: null }
}

// ---------------------------------------------------------------------------

export const impls: Record<string, HostImpl> = {
  'crypto.x509.parse_certificates': (input: unknown) => certificatesDer('crypto.x509.parse_certificates', input).map(certificateJson),
  'crypto.x509.parse_and_verify_certificates': (input: unknown) => parseAndVerify('crypto.x509.parse_and_verify_certificates', input, {}),
  'crypto.x509.parse_and_verify_certificates_with_options': (input: unknown, options: unknown) => {
    const name = 'crypto.x509.parse_and_verify_certificates_with_options'
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new BuiltinError(name, 'operand 2 must be object', 'eval_type_error')
    return parseAndVerify(name, input, options as JsonObject)
  },
  'crypto.x509.parse_certificate_request': (input: unknown) => {
    const name = 'crypto.x509.parse_certificate_request'
    const read = readInput(name, input)
    const der = 'der' in read ? read.der : read.blocks.find((b) => b.type === 'CERTIFICATE REQUEST' || b.type === 'NEW CERTIFICATE REQUEST')?.der
    if (der === undefined) throw new BuiltinError(name, 'invalid PEM-encoded certificate signing request')
    try {
      return certificateRequestJson(der)
    } catch (e) {
      throw new BuiltinError(name, (e as Error).message)
    }
  },
  'crypto.x509.parse_keypair': parseKeypair,
  'crypto.x509.parse_rsa_private_key': (input: unknown) => {
    const name = 'crypto.x509.parse_rsa_private_key'
    const [key] = privateKeys(name, input)
    if (key?.asymmetricKeyType !== 'rsa') throw new BuiltinError(name, 'failed to parse PEM block containing the key')
    return jwk(key)
  },
  'crypto.parse_private_keys': (input: unknown) => {
    // OPA: no input, no keys (null); input without key blocks, an empty list.
    if (input === '') return null
    try {
      return privateKeys('crypto.parse_private_keys', input).map(jwk)
    } catch {
      return []
    }
  },
}
