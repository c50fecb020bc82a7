// io.jwt.* host built-ins: keys are generated per run, nothing secret is committed.

import t from 'tap'
import { generateKeyPairSync, createHmac } from 'node:crypto'
import { impls, decodeBase64Url } from '../../src/builtins/jwt.js'

const errorOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (e) {
    return (e as Error).message
  }
  return undefined
}
const b64 = (s: string) => Buffer.from(s).toString('base64url')
const hs256 = (header: object, payload: object, secret: string) => {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}
const octKey = (secret: string) => ({ kty: 'oct', k: b64(secret) })

t.test('decode splits a token into header, payload and hex signature', async (t) => {
  const token = hs256({ alg: 'HS256', typ: 'JWT' }, { sub: '0' }, 's')
  const [header, payload, sig] = impls['io.jwt.decode'](token) as [object, object, string]
  t.same(header, { alg: 'HS256', typ: 'JWT' })
  t.same(payload, { sub: '0' })
  t.equal(sig, decodeBase64Url(token.split('.')[2]).toString('hex'))
  t.equal(
    errorOf(() => impls['io.jwt.decode']('abc')),
    'encoded JWT had no period separators',
  )
  t.equal(
    errorOf(() => impls['io.jwt.decode']('a.b')),
    'encoded JWT must have 3 sections, found 2',
  )
  t.equal(
    errorOf(() => impls['io.jwt.decode']('eyJhbGciOiJIU^%zI1NiJ9.e30.')),
    'JWT header had invalid encoding: illegal base64 data at input byte 13',
  )
  t.equal(
    errorOf(() => impls['io.jwt.decode'](`${b64('{"alg":"HS256","enc":"x"}')}.e30.`)),
    'JWT is a JWE object, which is not supported',
  )
})

t.test('encode_sign produces tokens that verify, for every key family', async (t) => {
  const payload = { iss: 'opa', aud: ['a', 'b'] }
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const ed = generateKeyPairSync('ed25519')
  const cases: Array<[string, object, string, string]> = [
    ['HS512', octKey('secret'), 'io.jwt.verify_hs512', 'secret'],
    ['RS256', rsa.privateKey.export({ format: 'jwk' }), 'io.jwt.verify_rs256', rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string],
    ['PS384', rsa.privateKey.export({ format: 'jwk' }), 'io.jwt.verify_ps384', JSON.stringify(rsa.publicKey.export({ format: 'jwk' }))],
    ['ES256', ec.privateKey.export({ format: 'jwk' }), 'io.jwt.verify_es256', JSON.stringify(ec.publicKey.export({ format: 'jwk' }))],
    ['EdDSA', ed.privateKey.export({ format: 'jwk' }), 'io.jwt.verify_eddsa', ed.publicKey.export({ format: 'pem', type: 'spki' }) as string],
  ]
  for (const [alg, jwk, verify, pub] of cases) {
    const token = impls['io.jwt.encode_sign']({ alg, typ: 'JWT' }, payload, jwk) as string
    t.equal(impls[verify](token, pub), true, `${alg} verifies`)
    t.equal(impls[verify](token.slice(0, -4) + 'AAAA', pub), false, `${alg} rejects a bad signature`)
  }
  // Keys sorted, as OPA serialises objects.
  t.equal((impls['io.jwt.encode_sign']({ typ: 'JWT', alg: 'HS256' }, {}, octKey('k')) as string).split('.')[0], b64('{"alg":"HS256","typ":"JWT"}'))
})

t.test('encode_sign_raw reports header and payload problems as OPA does', async (t) => {
  const key = JSON.stringify(octKey('k'))
  t.equal(
    errorOf(() => impls['io.jwt.encode_sign_raw']('', '{}', key)),
    "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string",
  )
  t.equal(
    errorOf(() => impls['io.jwt.encode_sign_raw']('{}', '{}', key)),
    'missing or invalid \'alg\' header: jwsbb: header "alg" not found',
  )
  t.equal(
    errorOf(() => impls['io.jwt.encode_sign_raw']('{"typ":"JWT","alg":"HS256"}', 'e', key)),
    'type is JWT but payload is not JSON',
  )
  const token = impls['io.jwt.encode_sign_raw']('{"typ":"text/plain","alg":"HS256"}', '', key) as string
  t.match(token, /^[^.]+\.\.[^.]+$/)
})

t.test('decode_verify checks signature, alg, iss, aud, exp and nbf', async (t) => {
  const token = (payload: object) => hs256({ alg: 'HS256', typ: 'JWT' }, payload, 'secret')
  const ok = (tok: string, c: object) => (impls['io.jwt.decode_verify'](tok, c) as [boolean])[0]
  t.same(impls['io.jwt.decode_verify'](token({ iss: 'x' }), { secret: 'secret' }), [true, { alg: 'HS256', typ: 'JWT' }, { iss: 'x' }])
  t.equal(ok(token({}), { secret: 'wrong' }), false)
  t.equal(ok(token({}), { secret: 'secret', alg: 'RS256' }), false)
  t.equal(ok(token({ iss: 'x' }), { secret: 'secret', iss: 'y' }), false)
  t.equal(ok(token({ aud: ['a', 'b'] }), { secret: 'secret', aud: 'b' }), true)
  t.equal(ok(token({ aud: 'a' }), { secret: 'secret' }), false)
  t.equal(ok(token({}), { secret: 'secret', aud: 'a' }), false)
  t.equal(ok(token({ exp: 3000 }), { secret: 'secret', time: 2000e9 }), true)
  t.equal(ok(token({ exp: 3000 }), { secret: 'secret', time: 4000e9 }), false)
  t.equal(ok(token({ nbf: 1000.5 }), { secret: 'secret', time: 1000.4e9 }), false)
  t.equal(
    errorOf(() => impls['io.jwt.decode_verify'](token({ exp: null }), { secret: 'secret' })),
    'exp value must be a number',
  )
  t.equal(
    errorOf(() => impls['io.jwt.decode_verify'](token({}), { secret: 'secret', bogus: 1 })),
    'unknown token validation constraint: bogus',
  )
  // A nested token is verified layer by layer and yields the innermost claims.
  const inner = token({ iss: 'inner' })
  const outer = hs256({ alg: 'HS256', typ: 'JWT', cty: 'JWT' }, inner as unknown as object, 'secret')
  t.same((impls['io.jwt.decode_verify'](outer, { secret: 'secret' }) as unknown[])[2], { iss: 'inner' })
})

t.test('certificate inputs are checked as OPA checks them', async (t) => {
  const tok = hs256({ alg: 'RS256' }, {}, 'x')
  t.equal(
    errorOf(() => impls['io.jwt.verify_rs256'](tok, '-----BEGIN CERT-----\nAAAA\n-----END CERT-----')),
    'failed to extract a Key from the PEM certificate',
  )
  t.equal(
    errorOf(() => impls['io.jwt.verify_rs256'](tok, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')),
    'failed to parse a PEM certificate',
  )
  t.equal(
    errorOf(() => impls['io.jwt.verify_rs256'](tok, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\nEXTRA')),
    'extra data after a PEM certificate block',
  )
  t.equal(
    errorOf(() => impls['io.jwt.verify_rs256'](tok, '{"kty":"bogus"}')),
    'failed to parse a JWK key (set)',
  )
})
