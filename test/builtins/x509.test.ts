// crypto.x509.* and key parsing. Certificates and keys are made at test time
// with the openssl CLI (node:crypto cannot issue certificates); no secrets
// are committed.

import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { impls } from '../../src/builtins/x509.js'

const dir = mkdtempSync(join(tmpdir(), 'meshgate-x509-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
const read = (f: string) => readFileSync(join(dir, f), 'utf8')

// root -> intermediate -> leaf (with DNS and URI names), plus a CSR.
writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n')
writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:svc.example.test,URI:spiffe://example.test/svc\n')
ssl(
  'req',
  '-x509',
  '-newkey',
  'rsa:2048',
  '-nodes',
  '-keyout',
  'root.key',
  '-out',
  'root.pem',
  '-days',
  '30',
  '-subj',
  '/O=Test/CN=Test Root',
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=keyCertSign,cRLSign',
)
ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=Test Intermediate')
ssl('x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.pem', '-days', '30', '-extfile', 'ca.ext')
ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=svc.example.test')
ssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30', '-extfile', 'leaf.ext')
ssl('rsa', '-in', 'leaf.key', '-traditional', '-out', 'leaf-rsa.key')

const errorOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (e) {
    return (e as Error).message
  }
  return undefined
}
type Cert = { Subject: { CommonName: string }; DNSNames: string[] | null; URIStrings: string[] | null }

t.test('parse_certificates reads PEM, base64 PEM and base64 DER', async (t) => {
  const chain = read('leaf.pem') + read('int.pem') + read('root.pem')
  const certs = impls['crypto.x509.parse_certificates'](chain) as Cert[]
  t.same(
    certs.map((c) => c.Subject.CommonName),
    ['svc.example.test', 'Test Intermediate', 'Test Root'],
  )
  t.same(certs[0].DNSNames, ['svc.example.test'])
  t.same(certs[0].URIStrings, ['spiffe://example.test/svc'])
  t.equal(certs[2].URIStrings, null)
  const b64 = Buffer.from(chain).toString('base64')
  t.equal((impls['crypto.x509.parse_certificates'](b64) as Cert[]).length, 3)
  const der = ssl('x509', '-in', 'root.pem', '-outform', 'DER').toString('base64')
  t.equal((impls['crypto.x509.parse_certificates'](der) as Cert[])[0].Subject.CommonName, 'Test Root')
  t.match(
    errorOf(() => impls['crypto.x509.parse_certificates']('foobar')),
    /illegal base64/,
  )
  t.match(
    errorOf(() => impls['crypto.x509.parse_certificates']('YmFkc3RyaW5n')),
    /x509: malformed certificate/,
  )
})

t.test('parse_and_verify_certificates: root first, leaf last, chain returned leaf first', async (t) => {
  const [ok, chain] = impls['crypto.x509.parse_and_verify_certificates'](read('root.pem') + read('int.pem') + read('leaf.pem')) as [boolean, Cert[]]
  t.equal(ok, true)
  t.same(
    chain.map((c) => c.Subject.CommonName),
    ['svc.example.test', 'Test Intermediate', 'Test Root'],
  )
  t.same(impls['crypto.x509.parse_and_verify_certificates'](read('leaf.pem') + read('int.pem')), [false, []], 'leaf given as the trust anchor')
  const withOpts = impls['crypto.x509.parse_and_verify_certificates_with_options']
  t.equal((withOpts(read('root.pem') + read('int.pem') + read('leaf.pem'), { DNSName: 'svc.example.test' }) as [boolean])[0], true)
  t.equal((withOpts(read('root.pem') + read('int.pem') + read('leaf.pem'), { DNSName: 'other.test' }) as [boolean])[0], false)
  t.equal((withOpts(read('root.pem') + read('int.pem') + read('leaf.pem'), { CurrentTime: Date.parse('2000-01-01') * 1e6 }) as [boolean])[0], false)
})

t.test('certificate requests, key pairs and private keys', async (t) => {
  t.equal((impls['crypto.x509.parse_certificate_request'](read('leaf.csr')) as Cert).Subject.CommonName, 'svc.example.test')
  t.match(
    errorOf(() => impls['crypto.x509.parse_certificate_request']('YmFkc3RyaW5n')),
    /asn1: structure error/,
  )
  const pair = impls['crypto.x509.parse_keypair'](read('leaf.pem'), read('leaf.key')) as { Certificate: string[] }
  t.equal(pair.Certificate[0], ssl('x509', '-in', 'leaf.pem', '-outform', 'DER').toString('base64'))
  t.match(
    errorOf(() => impls['crypto.x509.parse_keypair'](read('leaf.pem'), read('root.key'))),
    /does not match/,
  )
  const jwk = impls['crypto.x509.parse_rsa_private_key'](read('leaf-rsa.key')) as Record<string, string>
  t.equal(jwk.kty, 'RSA')
  t.ok(jwk.d !== undefined && jwk.qi !== undefined)
  t.equal((impls['crypto.parse_private_keys'](read('leaf-rsa.key') + read('root.key')) as unknown[]).length, 2)
  t.same(impls['crypto.parse_private_keys']('nope'), [])
  t.equal(impls['crypto.parse_private_keys'](''), null)
})
