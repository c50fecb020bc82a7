// A module whose data segments outgrow the SDK's default 5 pages imports a
// larger memory (engine/memory-import.ts): the engine must create the memory
// that large, or the bundle (a domain policy with thousands of rules) can
// never load, and the load probe must run the same module the same way.

import t from 'tap'
import { compile } from '../../src/compiler.js'
import { Engine, globalLayer } from '../../src/engine/index.js'
import { memoryImportMinimum } from '../../src/engine/memory-import.js'
import { writeBundle } from '../../src/bundle/index.js'

t.test('a module importing more than 5 pages loads and answers', async (t) => {
  const names = Array.from({ length: 3000 }, (_, i) => `"${'consumer-with-a-rather-long-identifier-'.repeat(3)}${i}"`)
  const source = `package global.access\n\nknown := {${names.join(', ')}}\n\nallow if input.id in known\n`
  const { wasm } = await compile({ modules: [{ path: 'big.rego', source }], entrypoints: ['global/access', 'global/access/allow'] })
  const min = memoryImportMinimum(wasm)
  t.ok(min !== undefined && min > 5, `the module imports ${min} pages`)
  const e = new Engine({ layers: [globalLayer()], cacheSize: 0 })
  t.teardown(() => e.close())
  await e.activate('global', writeBundle({ manifest: { revision: 'big', roots: ['global'] }, wasm, data: {} }))
  t.equal((await e.access({ id: `${'consumer-with-a-rather-long-identifier-'.repeat(3)}2999` })).value.allow, true)
  t.equal((await e.access({ id: 'nobody' })).value.allow, false)
})

t.test('the import section is read, and anything else is no answer rather than an error', async (t) => {
  const { wasm } = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\nx := 1\n' }], entrypoints: ['a/x'] })
  t.type(memoryImportMinimum(wasm), 'number')
  t.equal(memoryImportMinimum(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), undefined, 'no import section')
  t.equal(memoryImportMinimum(new Uint8Array([1, 2, 3])), undefined, 'not wasm')
  t.equal(memoryImportMinimum(wasm.subarray(0, 12)), undefined, 'truncated')
})
