// crypto.* digests and HMACs, against node's own implementations and known vectors.

import t from 'tap'
import { impls } from '../../src/builtins/crypto.js'

t.test('digests are lowercase hex of the UTF-8 bytes', async (t) => {
  t.equal(impls['crypto.md5']('lorem ipsum'), '80a751fde577028640c419000e33eba6')
  t.equal(impls['crypto.sha1'](''), 'da39a3ee5e6b4b0d3255bfef95601890afd80709')
  t.equal(impls['crypto.sha256']('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
})

t.test('hmacs take the message first and the key second', async (t) => {
  t.equal(impls['crypto.hmac.md5']('foo', 'bar'), '31b6db9e5eb4addb42f1a6ca07367adc')
  t.equal(impls['crypto.hmac.sha256']('The quick brown fox jumps over the lazy dog', 'key'), 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8')
  t.equal((impls['crypto.hmac.sha512']('m', 'k') as string).length, 128)
  t.equal((impls['crypto.hmac.sha1']('m', 'k') as string).length, 40)
})

t.test('hmac.equal compares exactly', async (t) => {
  t.equal(impls['crypto.hmac.equal']('31b6db9e', '31b6db9e'), true)
  t.equal(impls['crypto.hmac.equal']('31b6db9e', '31b6db9f'), false)
  t.equal(impls['crypto.hmac.equal']('31b6db9e', '31b6'), false)
})
