// Signing bundles as `opa build --signing-key` and `opa sign` do (OPA's
// v1/bundle/sign.go, "Signature Format" in its bundle docs): `/.signatures.json`
// holds `{"signatures": ["<JWS compact>"]}`; the JWS payload lists every other
// member as `{name, hash, algorithm: "SHA-256"}` (names without a leading `/`,
// structured files hashed in OPA's normal form, see hash.ts), plus the extra
// claims of a claims file, or else the deprecated `keyid` claim; the protected
// header has `alg` and, with a key id, `kid`.

import { CompactSign } from 'jose'
import { MeshgateError } from '../errors/index.js'
import { DEFAULT_HASH, hashFile } from './hash.js'
import { defaultAlgorithmFor, privateKeyFrom } from './keys.js'
import type { TarEntry } from './tar.js'

export const SIGNATURES_FILE = '.signatures.json'

export interface FileInfo {
  name: string
  hash: string
  algorithm: string
}

export interface SigningOptions {
  /** PEM text of the private key. */
  key: string
  /** JWS algorithm; by default the one the key implies (RS256 for RSA keys, as OPA). */
  algorithm?: string
  /** Sets the `kid` header and, without claims, the `keyid` claim (as OPA's build does). */
  keyId?: string
  /** Extra payload claims (OPA's `--claims-file`); `files` cannot be overridden. */
  claims?: Record<string, unknown>
  /** The `scope` claim. */
  scope?: string
}

/** The `files` list for a bundle's members (everything but the signatures file). */
export function signatureFiles(entries: readonly TarEntry[]): FileInfo[] {
  return entries.filter((e) => e.name !== SIGNATURES_FILE).map((e) => ({ name: e.name, hash: hashFile(e.name, e.data, DEFAULT_HASH), algorithm: DEFAULT_HASH }))
}

/** The `.signatures.json` member for these entries. */
export async function signEntries(entries: readonly TarEntry[], opts: SigningOptions): Promise<TarEntry> {
  const algorithm = opts.algorithm ?? defaultAlgorithmFor(opts.key)
  const key = privateKeyFrom(opts.key, algorithm)
  const payload: Record<string, unknown> = { files: signatureFiles(entries) }
  if (opts.claims) {
    if ('files' in opts.claims) throw new MeshgateError('bundle_signature_error', 'the claims may not set `files`; it lists the signed files')
    Object.assign(payload, opts.claims)
  } else if (opts.keyId) {
    payload.keyid = opts.keyId // deprecated in OPA, still written for older verifiers
  }
  if (opts.scope !== undefined) {
    if (opts.claims && 'scope' in opts.claims && opts.claims.scope !== opts.scope) {
      throw new MeshgateError('bundle_signature_error', `the claims set scope \`${String(opts.claims.scope)}\` but \`${opts.scope}\` was asked for`)
    }
    payload.scope = opts.scope
  }
  const header: { alg: string; kid?: string } = { alg: algorithm }
  if (opts.keyId) header.kid = opts.keyId
  // Go marshals a map with sorted keys; do the same so our payloads read like OPA's.
  const sorted = Object.fromEntries(
    Object.keys(payload)
      .sort()
      .map((k) => [k, payload[k]]),
  )
  const jws = await new CompactSign(Buffer.from(JSON.stringify(sorted))).setProtectedHeader(header).sign(key)
  return { name: SIGNATURES_FILE, data: Buffer.from(JSON.stringify({ signatures: [jws] }, null, 1)) }
}

/** `entries` with `sig` in place of any signatures file they held. */
export function withSignature(entries: readonly TarEntry[], sig: TarEntry): TarEntry[] {
  const rest = entries.filter((e) => e.name !== SIGNATURES_FILE)
  // OPA writes the signatures before the manifest; keep the manifest last.
  const manifest = rest.findIndex((e) => e.name === '.manifest')
  return manifest < 0 ? [...rest, sig] : [...rest.slice(0, manifest), sig, ...rest.slice(manifest)]
}
