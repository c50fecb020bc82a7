// Signing from the command line, with OPA's flags: `policy build
// --signing-key` and `policy sign` write `/.signatures.json`, checked here by
// the bundle stage's verifier and accepted by a real registry; a key that
// does not fit, or a --verification-key that does not match, fails with no
// file written. Also `policy registry` config errors.

import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeProtectedHeader } from 'jose'
import { readBundle, verifyBundleSignature } from '../../src/bundle/index.js'
import { bundle, GLOBAL_EPS, governance, KEYS, runPolicy, startTestRegistry } from '../fixtures/registry/harness.js'
import { listing, policy, workspace } from './fixtures/run-policy.js'

const SOURCES = {
  'src/.manifest': JSON.stringify({ roots: ['global'], revision: 'g-built' }),
  'src/global/access.rego': 'package global.access\n\ndefault allow := false\n\nallow if input.user == "alice"\n',
  'global.pem': KEYS.global.priv,
  'global.pub.pem': KEYS.global.pub,
  'orders.pub.pem': KEYS.orders.pub,
}

const keys = { global: { algorithm: 'ES256', key: KEYS.global.pub, roots: ['global'] } }

function signatureHeader(file: string): Record<string, unknown> {
  const files = readBundle(readFileSync(file)).files!
  const sig = JSON.parse(Buffer.from(files.find((f) => f.name === '.signatures.json')!.data).toString()) as { signatures: string[] }
  return decodeProtectedHeader(sig.signatures[0]!) as Record<string, unknown>
}

t.test('policy build --signing-key writes a signature that verifies', async (t) => {
  const dir = workspace(t, SOURCES)
  const r = policy(
    [
      'build',
      '-e',
      'global/access/allow',
      '-o',
      'g.tar.gz',
      '--signing-key',
      'global.pem',
      '--verification-key-id',
      'global',
      '--verification-key',
      'global.pub.pem',
      'src',
    ],
    dir,
  )
  t.equal(r.stderr, '')
  t.equal(r.code, 0)
  const b = readBundle(readFileSync(join(dir, 'g.tar.gz')))
  t.same(b.files!.map((f) => f.name).slice(-2), ['.signatures.json', '.manifest'])
  const v = await verifyBundleSignature(b.files!, { keys, roots: b.manifest.roots })
  t.equal(v.keyId, 'global')
  t.same(signatureHeader(join(dir, 'g.tar.gz')), { alg: 'ES256', kid: 'global' }, 'the algorithm follows the EC key')
})

t.test('claims file and scope end up in the signature', async (t) => {
  const dir = workspace(t, { ...SOURCES, 'claims.json': JSON.stringify({ iss: 'governance', scope: 'write' }) })
  const r = policy(
    [
      'build',
      '-e',
      'global/access/allow',
      '--signing-key',
      'global.pem',
      '--signing-alg',
      'ES256',
      '--claims-file',
      'claims.json',
      '--verification-key',
      'global.pub.pem',
      'src',
    ],
    dir,
  )
  t.equal(r.code, 0, r.stderr)
  const b = readBundle(readFileSync(join(dir, 'bundle.tar.gz')))
  const v = await verifyBundleSignature(b.files!, { keys, roots: b.manifest.roots, scope: 'write' })
  t.match(v.claims, { iss: 'governance', scope: 'write' })
  t.notOk('keyid' in v.claims, 'with a claims file no keyid claim is added, as in OPA')
})

t.test('a signature that the verification key rejects, or a key of the wrong kind: exit 2, no bundle', async (t) => {
  const dir = workspace(t, SOURCES)
  const wrong = policy(
    ['build', '-e', 'global/access/allow', '-o', 'g.tar.gz', '--signing-key', 'global.pem', '--verification-key', 'orders.pub.pem', 'src'],
    dir,
  )
  t.equal(wrong.code, 2)
  t.match(wrong.stderr, /^bundle_signature_error: the signature does not verify with key `verification-key`/)
  const alg = policy(['build', '-e', 'global/access/allow', '-o', 'g.tar.gz', '--signing-key', 'global.pem', '--signing-alg', 'RS256', 'src'], dir)
  t.equal(alg.code, 2)
  t.match(alg.stderr, /^key_error: signing key is of type `ec prime256v1`, which cannot make `RS256` signatures/)
  const hmac = policy(['build', '-e', 'global/access/allow', '--signing-key', 'global.pem', '--signing-alg', 'HS256', 'src'], dir)
  t.match(hmac.stderr, /cannot be bound to roots/)
  const orphan = policy(['build', '-e', 'global/access/allow', '--scope', 'write', 'src'], dir)
  t.equal(orphan.code, 2)
  t.match(orphan.stderr, /`--scope` needs `--signing-key`/)
  t.same(listing(dir), ['global.pem', 'global.pub.pem', 'orders.pub.pem', 'src'], 'no bundle and no temp file left')
})

t.test('policy sign signs a built bundle in place; the registry then accepts it', async (t) => {
  const reg = await startTestRegistry(t)
  const dir = workspace(t, { 'global.pem': KEYS.global.priv })
  writeFileSync(join(dir, 'g.tar.gz'), await bundle({ roots: ['global'], revision: 'g1', exports: GLOBAL_EPS, sign: false }))
  const unsigned = await runPolicy(['push', 'g.tar.gz', '--registry', reg.url, '--name', 'global', '--token', await governance()], dir)
  t.equal(unsigned.code, 1)
  t.match(unsigned.stderr, /bundle_signature_error: the bundle is not signed/)

  const r = policy(['sign', 'g.tar.gz', '--signing-key', 'global.pem', '--verification-key-id', 'global'], dir)
  t.equal(r.code, 0, r.stderr)
  t.same(listing(dir), ['g.tar.gz', 'global.pem'])
  const pushed = await runPolicy(['push', 'g.tar.gz', '--registry', reg.url, '--name', 'global', '--token', await governance()], dir)
  t.equal(pushed.code, 0, pushed.stderr)

  const other = policy(['sign', 'g.tar.gz', '--signing-key', 'global.pem', '-o', 'copy.tar.gz'], dir)
  t.equal(other.code, 0, other.stderr)
  t.same(signatureHeader(join(dir, 'copy.tar.gz')), { alg: 'ES256' }, 'resigned without a kid: the old signature was replaced')
})

t.test('policy sign refuses bad input with exit 2 and leaves the bundle alone', async (t) => {
  const dir = workspace(t, { 'junk.tar.gz': 'junk', 'not-a-key.pem': 'hello' })
  writeFileSync(join(dir, 'g.tar.gz'), await bundle({ roots: ['global'], revision: 'g1', exports: GLOBAL_EPS, sign: false }))
  const before = readFileSync(join(dir, 'g.tar.gz'))
  const cases: [string[], RegExp][] = [
    [['sign', 'g.tar.gz'], /cli_usage_error: name the private key/],
    [['sign', 'g.tar.gz', '--signing-key', 'not-a-key.pem'], /key_error: signing key is not a PEM private key/],
    [['sign', 'g.tar.gz', '--signing-key', 'absent.pem'], /io_error: cannot read signing key `absent.pem`/],
    [['sign', 'junk.tar.gz', '--signing-key', 'not-a-key.pem'], /key_error/],
  ]
  for (const [args, err] of cases) {
    const r = policy(args, dir)
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, err)
  }
  t.ok(readFileSync(join(dir, 'g.tar.gz')).equals(before))
})

t.test('policy registry: a config error points at the line', async (t) => {
  const dir = workspace(t, {
    'bad.yaml': 'server:\n  addr: 127.0.0.1:0\nauth:\n  issuer: https://idp\n  audience: r\n  algorithms: [HS256]\n  jwks_file: j.json\n',
    'nokeys.yaml': 'auth:\n  issuer: https://idp\n  audience: r\n  algorithms: [ES256]\n  jwks_file: j.json\n',
  })
  const r = policy(['registry', '--config', 'bad.yaml'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /^bad\.yaml:6:16: config_error: `\/auth\/algorithms\/0` must be one of `RS256`/)
  t.match(r.stderr, /\n\t  algorithms: \[HS256\]\n\t {15}\^\n/)
  const nokeys = policy(['registry', '--config', 'nokeys.yaml'], dir)
  t.equal(nokeys.code, 2)
  t.match(nokeys.stderr, /^nokeys\.yaml:1:1: config_error: signatures are required \(`signing.required` defaults to true\) but no `keys` are configured/)
  const none = policy(['registry'], dir)
  t.equal(none.code, 2)
  t.match(none.stderr, /name the registry config with `--config <file>`/)
})
