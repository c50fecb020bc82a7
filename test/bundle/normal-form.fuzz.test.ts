// Fuzz test of the normal form OPA hashes structured files in (hash.ts has
// its own JSON reader, so open-ended input deserves it): for any JSON value,
// how it is laid out (indentation, key order) never changes the normal form,
// and the normal form is compact JSON meaning the same value.

import t from 'tap'
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { normalFormOf } from '../../src/bundle/index.js'

/** The same value with object keys in reverse order. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed)
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reversed(x)]),
    )
  return v
}

const json = fc.jsonValue({ maxDepth: 4 })

t.test('layout and key order never change the normal form', async (t) => {
  fc.assert(
    fc.property(json, fc.integer({ min: 0, max: 4 }), (v, indent) => {
      const compact = normalFormOf('data.json', Buffer.from(JSON.stringify(v)))
      const laidOut = normalFormOf('data.json', Buffer.from(JSON.stringify(reversed(v), null, indent)))
      return compact === laidOut
    }),
    { numRuns: 500 },
  )
  t.pass()
})

t.test('the normal form is compact JSON for the same value', async (t) => {
  fc.assert(
    fc.property(json, (v) => {
      const nf = normalFormOf('.manifest', Buffer.from(JSON.stringify(v, null, 2)))
      return !nf.includes('\n') && isDeepStrictEqual(JSON.parse(nf), JSON.parse(JSON.stringify(v)))
    }),
    { numRuns: 500 },
  )
  t.pass()
})
