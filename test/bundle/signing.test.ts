// Bundle signatures in OPA's format. The signatures here are built by the
// test itself from OPA's documented format (a few lines of jose, digests
// computed by hand), never by our signer, so a bundle signed by `opa build`
// verifies too; our signer's output is then checked the same independent way.

import t from 'tap'
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose'
import {
  checkBundleSignature,
  hashFile,
  normalFormOf,
  readBundle,
  readTar,
  signEntries,
  verifyBundleSignature,
  withSignature,
  packEntries,
  type KeyMap,
  type TarEntry,
} from '../../src/bundle/index.js'
import { MeshgateError } from '../../src/errors/index.js'

interface Pair {
  pub: string
  priv: string
  privKey: KeyObject
}
function pair(type: 'ec' | 'rsa' | 'ed25519'): Pair {
  const { publicKey, privateKey } =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519')
  return {
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privKey: privateKey,
  }
}
const globalKey = pair('ec')
const ordersKey = pair('ec')
const rsaKey = pair('rsa')

const sha256 = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex')

// A bundle as `opa build` lays it out: leading `/` stripped, pretty JSON with
// keys out of order (the normal form must not depend on either).
const MANIFEST = '{\n  "roots": ["global"],\n  "revision": "r1"\n}\n'
const MANIFEST_NORMAL = '{"revision":"r1","roots":["global"]}'
const DATA = '{ "global": { "limits": { "max": 1.50, "tags": ["<a>&b", "line\u2028sep"] }, "flag": true, "none": null } }'
const DATA_NORMAL = '{"global":{"flag":true,"limits":{"max":1.50,"tags":["<a>&b","line\\u2028sep"]},"none":null}}'
const WASM = Buffer.from([0, 97, 115, 109, 1, 0, 0, 0])
const REGO = 'package global.access\n\nallow := true\n'

function entries(over: Partial<Record<string, string | Uint8Array>> = {}): TarEntry[] {
  const files: Record<string, string | Uint8Array> = { 'data.json': DATA, 'global/access.rego': REGO, 'policy.wasm': WASM, '.manifest': MANIFEST, ...over }
  return Object.entries(files)
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => ({ name, data: typeof v === 'string' ? Buffer.from(v) : v! }))
}

/** OPA's documented payload for these files, digests computed here, not by the code under test. */
function documentedFiles(): { name: string; hash: string; algorithm: string }[] {
  return [
    { name: 'data.json', hash: sha256(DATA_NORMAL), algorithm: 'SHA-256' },
    { name: 'global/access.rego', hash: sha256(REGO), algorithm: 'SHA-256' },
    { name: 'policy.wasm', hash: sha256(WASM), algorithm: 'SHA-256' },
    { name: '.manifest', hash: sha256(MANIFEST_NORMAL), algorithm: 'SHA-256' },
  ]
}

async function opaSignature(payload: Record<string, unknown>, key: KeyObject, header: Record<string, unknown>): Promise<TarEntry> {
  const jws = await new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(key)
  return { name: '.signatures.json', data: Buffer.from(JSON.stringify({ signatures: [jws] }, null, 1)) }
}

const KEYS: KeyMap = {
  global: { algorithm: 'ES256', key: globalKey.pub, roots: ['global'] },
  orders: { algorithm: 'ES256', key: ordersKey.pub, roots: ['domains/orders'] },
}

async function refusal(p: Promise<unknown>): Promise<MeshgateError> {
  try {
    await p
  } catch (e) {
    return e as MeshgateError
  }
  throw new Error('expected a refusal')
}

t.test('normal form of structured files matches OPA (sorted keys, literal numbers, Go string escapes)', async (t) => {
  t.equal(normalFormOf('data.json', Buffer.from(DATA)), DATA_NORMAL)
  t.equal(normalFormOf('.manifest', Buffer.from(MANIFEST)), MANIFEST_NORMAL)
  t.equal(
    normalFormOf('a/data.json', Buffer.from('\ufeff{"x":"\\u00e9\\n\\u0001"}')),
    '{"x":"é\\n\\u0001"}',
    'BOM dropped; \\u escapes decoded, control characters re-escaped as Go does',
  )
  // Go sorts keys as UTF-8 bytes: U+FB01 (EF AC 81) before U+1F600 (F0 9F 98 80), the reverse of UTF-16 order.
  t.equal(normalFormOf('data.json', Buffer.from('{"\u{1F600}":1,"\ufb01":2}')), '{"\ufb01":2,"\u{1F600}":1}')
  t.equal(normalFormOf('data.json', Buffer.from('{"a":1,"a":2}')), '{"a":2}', 'duplicate keys: the last wins')
  t.equal(normalFormOf('x/data.yaml', Buffer.from('b: [1, two]\na: {c: true}\n')), '{"a":{"c":true},"b":[1,"two"]}', 'YAML data is hashed as JSON')
  t.equal(hashFile('data.yml', Buffer.from('a: 1\n')), sha256('a: 1\n'), 'data.yml is not a structured file in OPA: raw bytes')
  t.equal(hashFile('x.rego', Buffer.from(REGO)), sha256(REGO))
  t.not(hashFile('data.json', Buffer.from('{"a":1.0}')), hashFile('data.json', Buffer.from('{"a":1}')), 'number literals are kept as written')
  // The digest OPA's own tests (v1/bundle/verify_test.go, bad_digest) report for this manifest.
  t.equal(
    createHash('md5')
      .update(normalFormOf('.manifest', Buffer.from('{"revision": "quickbrownfaux"}')))
      .digest('hex'),
    'a005c38a509dc2d5a7407b9494efb2ad',
  )
})

t.test('a signature made from the documented format verifies (ES256, kid header)', async (t) => {
  const sig = await opaSignature({ files: documentedFiles() }, globalKey.privKey, { alg: 'ES256', kid: 'global' })
  const v = await verifyBundleSignature([...entries(), sig], { keys: KEYS, roots: ['global'] })
  t.equal(v.keyId, 'global')
  t.equal(v.algorithm, 'ES256')
  t.same(
    v.files.map((f) => f.name),
    ['data.json', 'global/access.rego', 'policy.wasm', '.manifest'],
  )
})

t.test('names with a leading `/`, the deprecated keyid claim and RS256 (what older opa builds write) verify', async (t) => {
  const keys: KeyMap = { legacy: { algorithm: 'RS256', key: rsaKey.pub, roots: ['global'] } }
  const files = documentedFiles().map((f) => ({ ...f, name: `/${f.name}` }))
  const sig = await opaSignature({ files, keyid: 'legacy', iat: 1592248027, iss: 'JWTService' }, rsaKey.privKey, { alg: 'RS256', typ: 'JWT' })
  const v = await verifyBundleSignature([...entries(), sig], { keys, roots: ['global'] })
  t.equal(v.keyId, 'legacy')
  t.equal(v.claims.iss, 'JWTService', 'extra claims are kept')
})

t.test('whitespace and key order of JSON files do not matter; content does', async (t) => {
  const sig = await opaSignature({ files: documentedFiles() }, globalKey.privKey, { alg: 'ES256', kid: 'global' })
  const reformatted = JSON.stringify(JSON.parse(DATA.replace('1.50', '"KEEP"'))).replace('"KEEP"', '1.50')
  await verifyBundleSignature([...entries({ 'data.json': reformatted }), sig], { keys: KEYS, roots: ['global'] })
  t.pass('reformatted data.json still verifies')
  const e = await refusal(verifyBundleSignature([...entries({ 'data.json': DATA.replace('true', 'false') }), sig], { keys: KEYS, roots: ['global'] }))
  t.equal(e.code, 'bundle_signature_error')
  t.match(e.message, '`data.json` does not match its signed digest')
  const w = await refusal(
    verifyBundleSignature([...entries({ 'policy.wasm': Buffer.from([0, 97, 115, 109, 1, 0, 0, 1]) }), sig], { keys: KEYS, roots: ['global'] }),
  )
  t.match(w.message, '`policy.wasm` does not match its signed digest')
})

t.test('files: none may be missing from the signature, none missing from the bundle', async (t) => {
  const sig = await opaSignature({ files: documentedFiles() }, globalKey.privKey, { alg: 'ES256', kid: 'global' })
  const extra = await refusal(verifyBundleSignature([...entries({ 'global/extra.rego': 'package global.extra\n' }), sig], { keys: KEYS, roots: ['global'] }))
  t.match(extra.message, '`global/extra.rego` is in the bundle but not in its signature')
  const missing = await refusal(verifyBundleSignature([...entries({ 'global/access.rego': undefined }), sig], { keys: KEYS, roots: ['global'] }))
  t.match(missing.message, 'the signature lists `global/access.rego`, not found in the bundle')
  const sig2 = await opaSignature({ files: [...documentedFiles(), documentedFiles()[0]!] }, globalKey.privKey, { alg: 'ES256', kid: 'global' })
  t.match((await refusal(verifyBundleSignature([...entries(), sig2], { keys: KEYS, roots: ['global'] }))).message, 'lists `data.json` twice')
  const md5 = await opaSignature({ files: documentedFiles().map((f) => ({ ...f, algorithm: 'MD5' })) }, globalKey.privKey, { alg: 'ES256', kid: 'global' })
  t.match((await refusal(verifyBundleSignature([...entries(), md5], { keys: KEYS, roots: ['global'] }))).message, 'hashed with `MD5`, which is not accepted')
})

t.test('keys are bound to roots: a domain key never signs a global bundle', async (t) => {
  const byOrders = await opaSignature({ files: documentedFiles() }, ordersKey.privKey, { alg: 'ES256', kid: 'orders' })
  const e = await refusal(verifyBundleSignature([...entries(), byOrders], { keys: KEYS, roots: ['global'] }))
  t.equal(e.code, 'bundle_signature_error')
  t.match(e.message, "key `orders` may not sign for the bundle's roots `global`")
  // Lying in the kid does not help: the global key's check fails on the orders signature.
  const lying = await opaSignature({ files: documentedFiles() }, ordersKey.privKey, { alg: 'ES256', kid: 'global' })
  t.match((await refusal(verifyBundleSignature([...entries(), lying], { keys: KEYS, roots: ['global'] }))).message, 'does not verify with key `global`')
  // No kid at all: only keys bound to the roots are tried (here only `global`).
  const anonymous = await opaSignature({ files: documentedFiles() }, ordersKey.privKey, { alg: 'ES256' })
  t.match((await refusal(verifyBundleSignature([...entries(), anonymous], { keys: KEYS, roots: ['global'] }))).message, 'does not verify with key `global`')
  const twoGlobal: KeyMap = { ...KEYS, global2: { algorithm: 'ES256', key: pair('ec').pub, roots: ['global'] } }
  t.match(
    (await refusal(verifyBundleSignature([...entries(), anonymous], { keys: twoGlobal, roots: ['global'] }))).message,
    'verifies with none of the keys that may sign for roots `global`',
  )
  // A key bound to `domains` covers `domains/orders` but not a bundle that also claims `global`.
  const wide: KeyMap = { domains: { algorithm: 'ES256', key: ordersKey.pub, roots: ['domains'] } }
  const ordersFiles = entries({ '.manifest': '{"roots":["domains/orders"]}', 'data.json': '{}', 'global/access.rego': undefined })
  const ok = await opaSignature(
    { files: ordersFiles.map((f) => ({ name: f.name, hash: hashFile(f.name, f.data), algorithm: 'SHA-256' })) },
    ordersKey.privKey,
    { alg: 'ES256' },
  )
  t.equal((await verifyBundleSignature([...ordersFiles, ok], { keys: wide, roots: ['domains/orders'] })).keyId, 'domains')
  t.match(
    (await refusal(verifyBundleSignature([...ordersFiles, ok], { keys: wide, roots: ['domains/orders', 'global'] }))).message,
    'no configured key may sign',
  )
  t.match(
    (await refusal(verifyBundleSignature([...ordersFiles, ok], { keys: wide, roots: [''] }))).message,
    'no configured key may sign',
    'roots [""] claim the whole tree',
  )
})

t.test('kid narrows the choice; an unknown kid is refused', async (t) => {
  const sig = await opaSignature({ files: documentedFiles() }, globalKey.privKey, { alg: 'ES256', kid: 'nobody' })
  t.match(
    (await refusal(verifyBundleSignature([...entries(), sig], { keys: KEYS, roots: ['global'] }))).message,
    'signed with key `nobody`, which is not configured',
  )
  const two: KeyMap = { a: { algorithm: 'ES256', key: ordersKey.pub, roots: ['global'] }, b: { algorithm: 'ES256', key: globalKey.pub, roots: ['global'] } }
  const plain = await opaSignature({ files: documentedFiles() }, globalKey.privKey, { alg: 'ES256' })
  t.equal((await verifyBundleSignature([...entries(), plain], { keys: two, roots: ['global'] })).keyId, 'b', 'without kid every eligible key is tried')
  t.equal(
    (await verifyBundleSignature([...entries(), sig], { keys: two, roots: ['global'], keyId: 'b' })).keyId,
    'b',
    "a configured keyid overrides the JWS kid (OPA's order)",
  )
})

t.test("scope must match exactly; the algorithm is the key's", async (t) => {
  const scoped = await opaSignature({ files: documentedFiles(), scope: 'write' }, globalKey.privKey, { alg: 'ES256', kid: 'global' })
  t.match(
    (await refusal(verifyBundleSignature([...entries(), scoped], { keys: KEYS, roots: ['global'] }))).message,
    'scope `write` does not match the expected scope ``',
  )
  await verifyBundleSignature([...entries(), scoped], { keys: { global: { ...KEYS.global!, scope: 'write' } }, roots: ['global'] })
  await verifyBundleSignature([...entries(), scoped], { keys: KEYS, roots: ['global'], scope: 'write' })
  const rsKeys: KeyMap = { global: { algorithm: 'RS256', key: rsaKey.pub, roots: ['global'] } }
  const ps = await opaSignature({ files: documentedFiles() }, rsaKey.privKey, { alg: 'PS256', kid: 'global' })
  t.match((await refusal(verifyBundleSignature([...entries(), ps], { keys: rsKeys, roots: ['global'] }))).message, 'not signed with `RS256`')
})

t.test('unsigned bundles: refused when a signature is required, passed over when not', async (t) => {
  t.equal(await checkBundleSignature(entries(), { keys: KEYS, roots: ['global'], required: false }), undefined)
  const e = await refusal(checkBundleSignature(entries(), { keys: KEYS, roots: ['global'], required: true }))
  t.match(e.message, 'not signed')
  const bad = await refusal(
    verifyBundleSignature([...entries(), { name: '.signatures.json', data: Buffer.from('{"signatures":["x.y.z","a.b.c"]}') }], {
      keys: KEYS,
      roots: ['global'],
    }),
  )
  t.match(bad.message, 'several signatures')
  const plugin = await refusal(
    verifyBundleSignature([...entries(), { name: '.signatures.json', data: Buffer.from('{"plugin":"kms","signatures":["x"]}') }], {
      keys: KEYS,
      roots: ['global'],
    }),
  )
  t.match(plugin.message, 'signing plugin `kms`')
})

t.test("our signer writes OPA's format, checked independently", async (t) => {
  const sig = await signEntries(entries(), { key: globalKey.priv, algorithm: 'ES256', keyId: 'global' })
  t.equal(sig.name, '.signatures.json')
  const doc = JSON.parse(Buffer.from(sig.data).toString()) as { signatures: string[] }
  t.equal(doc.signatures.length, 1)
  t.same(decodeProtectedHeader(doc.signatures[0]!), { alg: 'ES256', kid: 'global' })
  const { payload } = await compactVerify(doc.signatures[0]!, (await import('node:crypto')).createPublicKey(globalKey.pub))
  const claims = JSON.parse(Buffer.from(payload).toString()) as Record<string, unknown>
  t.same(claims, { files: documentedFiles(), keyid: 'global' }, 'files in archive order, the deprecated keyid claim as OPA writes it')

  const withClaims = await signEntries(entries(), { key: globalKey.priv, keyId: 'global', claims: { iss: 'governance' }, scope: 'write' })
  const c2 = JSON.parse(Buffer.from(JSON.parse(Buffer.from(withClaims.data).toString()).signatures[0].split('.')[1], 'base64url').toString())
  t.same(Object.keys(c2), ['files', 'iss', 'scope'], 'claims replace keyid (as OPA); keys sorted as Go marshals maps')
  t.equal(decodeProtectedHeader(JSON.parse(Buffer.from(withClaims.data).toString()).signatures[0]).alg, 'ES256', 'the algorithm follows the key when not given')

  // Round trip through an archive: sign, pack, read, verify.
  const gz = packEntries(withSignature(entries(), sig))
  const b = readBundle(gz)
  t.same(
    readTar(gunzipSync(gz))
      .map((e) => e.name)
      .slice(-2),
    ['.signatures.json', '.manifest'],
    'signatures written before the manifest, as OPA does',
  )
  t.equal((await verifyBundleSignature(b.files!, { keys: KEYS, roots: b.manifest.roots })).keyId, 'global')
})

t.test('keys must suit their algorithm; HMAC is refused', async (t) => {
  const e = await refusal(signEntries(entries(), { key: globalKey.priv, algorithm: 'RS256' }))
  t.equal(e.code, 'key_error')
  t.match(e.message, 'cannot make `RS256` signatures')
  const h = await refusal(signEntries(entries(), { key: globalKey.priv, algorithm: 'HS256' }))
  t.equal(h.code, 'key_error')
  t.match(String(h.details), 'cannot be bound to roots')
  const junk = await refusal(
    verifyBundleSignature([...entries(), await signEntries(entries(), { key: globalKey.priv, keyId: 'global' })], {
      keys: { global: { algorithm: 'ES256', key: 'not a pem', roots: ['global'] } },
      roots: ['global'],
    }),
  )
  t.equal(junk.code, 'key_error')
  const ed = pair('ed25519')
  const edSig = await signEntries(entries(), { key: ed.priv, keyId: 'ed' })
  t.equal(
    (await verifyBundleSignature([...entries(), edSig], { keys: { ed: { algorithm: 'EdDSA', key: ed.pub, roots: ['global'] } }, roots: ['global'] })).algorithm,
    'EdDSA',
  )
})
