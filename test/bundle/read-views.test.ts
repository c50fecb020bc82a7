// readBundleAsync (the sidecar's reader) keeps members as views into the
// inflated tar instead of copying each one, but never lets a module pin an
// archive made mostly of other members; readTar copies unless asked not to.

import t from 'tap'
import { readBundle, readBundleAsync, readTar, writeBundle, writeTar } from '../../src/bundle/index.js'

const module = new Uint8Array(200_000).fill(7)

t.test('readTar: copies by default, views on request', async (t) => {
  const tar = writeTar([{ name: 'a.bin', data: module }])
  const [copied] = readTar(tar)
  t.equal(copied!.data.buffer.byteLength, module.length, 'a buffer of its own')
  const [view] = readTar(tar, { views: true })
  t.equal(view!.data.buffer, tar.buffer, 'a view into the archive')
  t.same(Buffer.from(view!.data), Buffer.from(module))
})

t.test('readBundleAsync: the module is a view when it is most of the archive, a copy when a large data file is beside it', async (t) => {
  const small = writeBundle({ manifest: { revision: 'r', roots: ['a'] }, wasm: module, data: {} })
  const b = await readBundleAsync(small, 'small')
  const wasm = b.wasm.get('/policy.wasm')!
  t.ok(wasm.buffer.byteLength < module.length * 2, 'no copy: a view into the inflated tar')
  t.same(Buffer.from(wasm), Buffer.from(module))
  t.ok(Buffer.from(readBundle(small, 'small').wasm.get('/policy.wasm')!).equals(wasm), 'the same bytes as the copying reader')

  const big = { a: { rows: Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `row ${i}` })) } }
  const withData = writeBundle({ manifest: { revision: 'r', roots: ['a'] }, wasm: module, data: big })
  const d = await readBundleAsync(withData, 'big')
  t.equal(d.wasm.get('/policy.wasm')!.buffer.byteLength, module.length, 'copied out: it does not keep the data file alive')
  t.same(d.data, big)
})
