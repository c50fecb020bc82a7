// Digests in the module (builtins-crypto.ts) against node:crypto: the
// published test vectors (RFC 1321, FIPS 180-4 examples, RFC 4231 HMAC) and
// random inputs of every length around the block boundaries, where padding
// mistakes show.

import t from 'tap'
import fc from 'fast-check'
import { createHash, createHmac } from 'node:crypto'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const call = (fn: string, ...args: string[]) => {
  const r = rt.call(fn, ...args.map((a) => JSON.stringify(a)))
  return r === undefined ? undefined : JSON.parse(r)
}

t.test('known vectors', async (t) => {
  t.equal(call('mg_crypto_md5', ''), 'd41d8cd98f00b204e9800998ecf8427e')
  t.equal(call('mg_crypto_md5', 'abc'), '900150983cd24fb0d6963f7d28e17f72')
  t.equal(call('mg_crypto_sha1', 'abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d')
  t.equal(call('mg_crypto_sha256', 'abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  t.equal(
    call('mg_crypto_sha256', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  )
  // RFC 4231 test case 2
  t.equal(call('mg_hmac_sha256', 'what do ya want for nothing?', 'Jefe'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
  t.equal(
    call('mg_hmac_sha512', 'what do ya want for nothing?', 'Jefe'),
    '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  )
  t.equal(call('mg_hmac_equal', 'abc', 'abc'), true)
  t.equal(call('mg_hmac_equal', 'abc', 'abd'), false)
  t.equal(call('mg_hmac_equal', 'abc', 'ab'), false)
  t.equal(rt.call('mg_crypto_sha256', '1'), undefined, 'a non-string is an error')
})

t.test('random inputs and keys agree with node:crypto', async (t) => {
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.nat({ max: 300 }).map((n) => 'x'.repeat(n)),
  )
  fc.assert(
    fc.property(text, text, (m, k) => {
      for (const [fn, alg] of [
        ['mg_crypto_md5', 'md5'],
        ['mg_crypto_sha1', 'sha1'],
        ['mg_crypto_sha256', 'sha256'],
      ] as const) {
        if (call(fn, m) !== createHash(alg).update(m).digest('hex')) throw new Error(`${alg}(${JSON.stringify(m)})`)
      }
      for (const alg of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
        if (call(`mg_hmac_${alg}`, m, k) !== createHmac(alg, k).update(m).digest('hex'))
          throw new Error(`hmac ${alg}(${JSON.stringify(m)}, ${JSON.stringify(k)})`)
      }
    }),
    { numRuns: 300 },
  )
})
