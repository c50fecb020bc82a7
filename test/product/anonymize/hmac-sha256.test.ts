// HMAC-SHA256 in JavaScript (hmac-sha256.ts) against node:crypto's: the
// same digest, hex and base64url, for any string (lone surrogates, astral
// characters, every length around the block boundaries) under any key
// (short, exactly one block, longer than a block and so hashed first).

import t from 'tap'
import fc from 'fast-check'
import { createHmac } from 'node:crypto'
import { HmacSha256 } from '../../../src/product/anonymize/hmac-sha256.js'

const SEED = Number(process.env.MESHGATE_FUZZ_SEED ?? 0x4a4c)
const node = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest()

t.test('RFC 4231 test case 2 (key "Jefe")', async (t) => {
  t.equal(new HmacSha256('Jefe').hex('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
})

t.test('every length from 0 to 300 bytes, one- and multi-byte characters', async (t) => {
  const h = new HmacSha256('k')
  let same = 0
  for (let n = 0; n <= 300; n++) {
    for (const s of ['a'.repeat(n), 'é'.repeat(n), '😀'.repeat(n >> 1)]) {
      if (h.hex(s) === node('k', s).toString('hex')) same++
      else t.fail(`length ${n}: ${s.slice(0, 4)}…`)
    }
  }
  t.equal(same, 301 * 3)
})

t.test('an ASCII start that turns non-ASCII at any position, then ASCII again', async (t) => {
  // The one-block ASCII path writes message words as it reads and gives up at
  // the first non-ASCII character; whatever it wrote must not leak into the digest.
  const h = new HmacSha256('k')
  let same = 0
  for (let k = 0; k <= 60; k++) {
    for (const odd of ['\u0080', 'é', '\ud800', '😀']) {
      const s = 'x'.repeat(k) + odd + 'yz'
      if (h.hex(s) === node('k', s).toString('hex') && h.hex('x'.repeat(k)) === node('k', 'x'.repeat(k)).toString('hex')) same++
      else t.fail(`${k} ASCII characters then ${JSON.stringify(odd)}`)
    }
  }
  t.equal(same, 61 * 4)
})

t.test('random strings and keys: the digest node:crypto gives', async (t) => {
  const key = fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }),
    fc.uint8Array({ minLength: 1, maxLength: 130 }).map((b) => Buffer.from(b)),
  )
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: fc.constantFrom('\ud800', '\udc00', 'a', '€', '\u{10ffff}'), maxLength: 70 }),
  )
  fc.assert(
    fc.property(key, fc.array(text, { minLength: 1, maxLength: 4 }), (k, texts) => {
      const h = new HmacSha256(k)
      for (const s of texts) {
        const want = node(k, s)
        if (h.hex(s) !== want.toString('hex')) throw new Error(`hex of ${JSON.stringify(s)} under ${JSON.stringify(k)}`)
        if (h.base64url(s) !== want.toString('base64url')) throw new Error(`base64url of ${JSON.stringify(s)}`)
      }
    }),
    { seed: SEED, numRuns: 2000 },
  )
  t.pass('2000 keys')
})

t.test('a value longer than the scratch buffer, then a short one again', async (t) => {
  const h = new HmacSha256('k')
  const long = '€'.repeat(100_000)
  t.equal(h.hex(long), node('k', long).toString('hex'))
  t.equal(h.hex('short'), node('k', 'short').toString('hex'))
})
