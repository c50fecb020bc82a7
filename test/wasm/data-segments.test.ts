// Static data after the runtime's: literals are laid out once, aborts get a
// NUL terminator, and the WAT text escapes what a WAT string cannot hold.

import t from 'tap'
import { DataSegments } from '../../dist/src/wasm/data-segments.js'

t.test('addresses start at the base and follow each other', async (t) => {
  const d = new DataSegments(1024)
  t.same(d.add('abc'), { addr: 1024, len: 3 })
  t.same(d.add('héllo'), { addr: 1027, len: 6 }, 'length in UTF-8 bytes')
  t.equal(d.end, 1033)
})

t.test('the same text is stored once; the NUL-terminated copy is separate', async (t) => {
  const d = new DataSegments(0)
  const a = d.add('x')
  t.same(d.add('x'), a)
  const z = d.add('x', true)
  t.not(z.addr, a.addr)
  t.equal(z.len, 1, 'the length excludes the NUL')
  t.equal(d.end, 3)
})

t.test('toWat escapes quotes, backslashes and non-ASCII bytes', async (t) => {
  const d = new DataSegments(16)
  d.add('a"b\\c')
  d.add('é', true)
  t.equal(d.toWat(), '(data (i32.const 16) "a\\22b\\5cc\\c3\\a9\\00")')
  t.equal(new DataSegments(0).toWat(), '', 'no segment when empty')
})
