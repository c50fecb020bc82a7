// The registry's "does it load" check (registry/load-check.ts): its
// wall-clock limit bounds the bundle's load, starting once the loader has
// imported its code, so a loader that starts slowly does not get a good
// bundle refused; a module that never finishes loading still is.

import t from 'tap'
import { compile } from '../../src/compiler.js'
import { readBundle, writeBundle } from '../../src/bundle/index.js'
import { LoadChecker } from '../../src/registry/load-check.js'

const slowStart = new URL('../fixtures/registry/slow-start-worker.mjs', import.meta.url)

async function bundleOf(source: string, entrypoint: string) {
  const { wasm } = await compile({ modules: [{ path: 'p.rego', source }], entrypoints: [entrypoint] })
  return readBundle(writeBundle({ manifest: { revision: '1', roots: [''], wasm: [{ entrypoint, module: '/policy.wasm' }] }, wasm, data: {} }), 'p')
}

t.test('a loader slower to start than the deadline still checks a good bundle', async (t) => {
  const checker = new LoadChecker({ memoryMiB: 64, timeoutMs: 500, workerUrl: slowStart })
  t.teardown(() => checker.close())
  t.same(await checker.check(await bundleOf('package a\n\nx := 1\n', 'a/x'), 'a'), ['a/x'])
  t.same(await checker.check(await bundleOf('package b\n\ny := 2\n', 'b/y'), 'b'), ['b/y'], 'the started loader is kept for the next check')
})

t.test('a module whose start function never returns is refused at the deadline; the next check gets a new loader', async (t) => {
  // (module (func $spin (loop (br 0))) (start $spin)), written by hand.
  const spin = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00,
    0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
  ])
  t.ok(WebAssembly.validate(spin), 'a valid module')
  const hanging = readBundle(writeBundle({ manifest: { revision: '1', roots: [''] }, wasm: spin, data: {} }), 'spin')
  const checker = new LoadChecker({ memoryMiB: 64, timeoutMs: 1000, workerUrl: new URL('../../dist/src/registry/load-check-worker.js', import.meta.url) })
  t.teardown(() => checker.close())
  await t.rejects(checker.check(hanging, 'spin'), { code: 'bundle_format_error', message: 'bundle `spin` did not load within 1000 ms' })
  t.same(await checker.check(await bundleOf('package a\n\nx := 1\n', 'a/x'), 'a'), ['a/x'])
})
