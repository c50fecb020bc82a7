// Verifying `/.signatures.json` as OPA does (v1/bundle/verify.go and the
// bundle reader in v1/bundle/bundle.go), plus binding keys to roots:
// 1. exactly one JWS, no signing plugin;
// 2. the key: the configured key id, else the JWS `kid`, else the payload's
//    deprecated `keyid` (OPA's order); only keys whose `roots` cover every
//    root of the bundle's manifest are eligible, so a domain's key can never
//    sign a global bundle. Without any key id each eligible key is tried
//    (OPA would refuse; a registry holding one key per team needs no kid);
// 3. the JWS verifies with that key and its configured algorithm only;
// 4. the `scope` claim equals the expected scope (both may be empty);
// 5. every member but the signatures file is listed with a matching hash,
//    and every listed file is in the bundle.

import { compactVerify, decodeProtectedHeader, errors as joseErrors } from 'jose'
import { MeshgateError } from '../errors/index.js'
import { hashFile, isSupportedHash } from './hash.js'
import { publicKeyFrom, type KeyMap } from './keys.js'
import { rootCovered, uncoveredRoots } from './root-cover.js'
import { SIGNATURES_FILE, type FileInfo } from './sign.js'
import type { TarEntry } from './tar.js'

export interface VerifyOptions {
  keys: KeyMap
  /** The bundle's manifest roots; keys must cover all of them. */
  roots: readonly string[]
  /** OPA's `bundles.<b>.signing.keyid`: takes precedence over the JWS `kid`. */
  keyId?: string
  /** OPA's `bundles.<b>.signing.scope`: takes precedence over the key's scope. */
  scope?: string
  /** OPA's `bundles.<b>.signing.exclude_files`: member globs left unchecked. */
  exclude?: readonly string[]
}

export interface VerifiedSignature {
  keyId: string
  algorithm: string
  files: FileInfo[]
  /** The whole verified payload (files, scope, iat, iss and any other claims). */
  claims: Record<string, unknown>
}

const fail = (message: string, details?: unknown) => new MeshgateError('bundle_signature_error', message, undefined, details)

/**
 * OPA's table: unsigned and not required → nothing to check; unsigned and
 * required, or signed with no key to check it → refused; else verified.
 */
export async function checkBundleSignature(entries: readonly TarEntry[], opts: VerifyOptions & { required: boolean }): Promise<VerifiedSignature | undefined> {
  const signed = entries.some((e) => e.name === SIGNATURES_FILE)
  if (!signed && !opts.required) return undefined
  return verifyBundleSignature(entries, opts)
}

export async function verifyBundleSignature(entries: readonly TarEntry[], opts: VerifyOptions): Promise<VerifiedSignature> {
  const sigs = entries.filter((e) => e.name === SIGNATURES_FILE)
  if (sigs.length === 0) throw fail('the bundle is not signed: it has no `/.signatures.json`')
  if (sigs.length > 1) throw fail('the bundle holds `/.signatures.json` twice')
  const jws = parseSignaturesFile(sigs[0]!.data)

  let header: { alg?: unknown; kid?: unknown }
  let unverified: Record<string, unknown>
  try {
    header = decodeProtectedHeader(jws)
    unverified = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    throw fail('the signature is not a JWS in compact form')
  }
  const wanted = opts.keyId || (typeof header.kid === 'string' && header.kid) || (typeof unverified.keyid === 'string' && unverified.keyid) || undefined
  const roots = opts.roots.length ? opts.roots : ['']
  const rootList = roots.map((r) => `\`${r}\``).join(', ')
  const eligible = Object.keys(opts.keys).filter((id) => covers(opts.keys[id]!.roots, roots))
  let candidates: string[]
  if (wanted !== undefined) {
    const key = opts.keys[wanted]
    if (!key) throw fail(`the bundle is signed with key \`${wanted}\`, which is not configured`, { keys: Object.keys(opts.keys) })
    if (!eligible.includes(wanted)) {
      throw fail(`key \`${wanted}\` may not sign for the bundle's roots ${rootList}`, {
        key: wanted,
        key_roots: key.roots,
        bundle_roots: roots,
        outside: uncoveredRoots(key.roots ?? [''], roots),
      })
    }
    candidates = [wanted]
  } else {
    if (eligible.length === 0) throw fail(`no configured key may sign for the bundle's roots ${rootList}`)
    candidates = eligible
  }

  let verified: { keyId: string; algorithm: string; payload: Uint8Array } | undefined
  for (const id of candidates) {
    const k = opts.keys[id]!
    try {
      const r = await compactVerify(jws, publicKeyFrom(k.key, k.algorithm, `key \`${id}\``), { algorithms: [k.algorithm] })
      verified = { keyId: id, algorithm: k.algorithm, payload: r.payload }
      break
    } catch (e) {
      if (e instanceof MeshgateError) throw e
      if (candidates.length === 1) throw fail(`the signature does not verify with key \`${id}\`: ${joseReason(e, k.algorithm)}`)
    }
  }
  if (!verified) throw fail(`the signature verifies with none of the keys that may sign for roots ${rootList}`, { tried: candidates })

  let claims: Record<string, unknown>
  try {
    claims = JSON.parse(Buffer.from(verified.payload).toString('utf8')) as Record<string, unknown>
  } catch {
    throw fail('the signature payload is not JSON')
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw fail('the signature payload is not a JSON object')
  const scope = opts.scope || opts.keys[verified.keyId]!.scope || ''
  const got = typeof claims.scope === 'string' ? claims.scope : ''
  if (got !== scope) throw fail(`the signature's scope \`${got}\` does not match the expected scope \`${scope}\``)
  const files = checkFiles(claims.files, entries, opts.exclude ?? [])
  return { keyId: verified.keyId, algorithm: verified.algorithm, files, claims }
}

function covers(keyRoots: readonly string[] | undefined, roots: readonly string[]): boolean {
  return keyRoots === undefined || roots.every((r) => rootCovered(keyRoots, r))
}

function parseSignaturesFile(data: Uint8Array): string {
  let doc: unknown
  try {
    doc = JSON.parse(Buffer.from(data).toString('utf8'))
  } catch {
    throw fail('`/.signatures.json` is not JSON')
  }
  const d = doc as { signatures?: unknown; plugin?: unknown }
  if (typeof d !== 'object' || d === null) throw fail('`/.signatures.json` is not a JSON object')
  if (d.plugin !== undefined && d.plugin !== '') throw fail(`\`/.signatures.json\` names signing plugin \`${String(d.plugin)}\`, which is not supported`)
  if (!Array.isArray(d.signatures) || d.signatures.length === 0) throw fail('`/.signatures.json` holds no signature (expected exactly one)')
  if (d.signatures.length > 1) throw fail('`/.signatures.json` holds several signatures (expected exactly one, as OPA)')
  if (typeof d.signatures[0] !== 'string') throw fail('the signature in `/.signatures.json` is not a string')
  return d.signatures[0]
}

function checkFiles(raw: unknown, entries: readonly TarEntry[], exclude: readonly string[]): FileInfo[] {
  if (!Array.isArray(raw)) throw fail('the signature payload has no `files` list')
  const listed = new Map<string, FileInfo>()
  for (const f of raw as unknown[]) {
    const fi = f as Partial<FileInfo>
    if (typeof fi !== 'object' || fi === null || typeof fi.name !== 'string' || typeof fi.hash !== 'string' || typeof fi.algorithm !== 'string') {
      throw fail('a `files` entry of the signature lacks a string `name`, `hash` or `algorithm`')
    }
    const name = fi.name.replace(/^\/+/, '')
    if (listed.has(name)) throw fail(`the signature lists \`${name}\` twice`)
    if (!isSupportedHash(fi.algorithm)) hashFile(name, new Uint8Array(), fi.algorithm) // throws the clear error
    listed.set(name, { name, hash: fi.hash.toLowerCase(), algorithm: fi.algorithm })
  }
  const excluded = exclude.map(globToRegExp)
  for (const e of entries) {
    if (e.name === SIGNATURES_FILE) continue
    if (excluded.some((re) => re.test(e.name))) {
      listed.delete(e.name)
      continue
    }
    const fi = listed.get(e.name)
    if (!fi) throw fail(`\`${e.name}\` is in the bundle but not in its signature`)
    const got = hashFile(e.name, e.data, fi.algorithm)
    if (got !== fi.hash) throw fail(`\`${e.name}\` does not match its signed digest`, { file: e.name, signed: fi.hash, actual: got })
    listed.delete(e.name)
  }
  if (listed.size) throw fail(`the signature lists ${[...listed.keys()].map((n) => `\`${n}\``).join(', ')}, not found in the bundle`)
  return (raw as FileInfo[]).map((f) => ({ name: f.name.replace(/^\/+/, ''), hash: f.hash, algorithm: f.algorithm }))
}

/** Go's filepath.Match: `*` and `?` stop at `/`, `[...]` classes, `\` escapes. */
function globToRegExp(glob: string): RegExp {
  let re = '^'
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i]!)
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2)
      if (end < 0) {
        re += '\\['
        continue
      }
      let cls = glob.slice(i + 1, end)
      if (cls.startsWith('^')) cls = '!' + cls.slice(1)
      re += cls.startsWith('!') ? `[^/${cls.slice(1).replace(/[\\\]]/g, '\\$&')}]` : `[${cls.replace(/[\\\]]/g, '\\$&')}]`
      i = end
    } else re += escapeRe(c)
  }
  return new RegExp(re + '$')
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

function joseReason(e: unknown, algorithm: string): string {
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return `it is not signed with \`${algorithm}\``
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'the signature is wrong for this key'
  if (e instanceof joseErrors.JWSInvalid) return 'it is malformed'
  return 'it cannot be verified'
}
