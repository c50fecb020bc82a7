// The load probe's worker (engine/load-probe.ts) is stopped once idle, so
// its isolate does not stay resident for the sidecar's lifetime, and a later
// activation starts a new one.

import t from 'tap'
import { compile } from '../../src/compiler.js'
import { LoadProbe } from '../../src/engine/load-probe.js'
import { DEFAULT_LIMITS, LoadedBundle, type BundleImage } from '../../src/engine/loaded-bundle.js'
import { waitFor } from '../fixtures/wait/until.js'

t.test('an idle probe worker stops, and the next probe starts another', async (t) => {
  const { wasm } = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\nx := 1\n' }], entrypoints: ['a/x'] })
  const image: BundleImage = { name: 'a', manifest: { revision: '1', roots: [''] }, modules: [{ path: '/policy.wasm', bytes: wasm }], data: {} }
  const probe = new LoadProbe(50)
  t.teardown(() => probe.close())
  await probe.probe(image, DEFAULT_LIMITS)
  t.equal(probe.running, true, 'the worker is there right after a probe')
  await waitFor('the idle worker to stop', () => !probe.running)
  await probe.probe(image, DEFAULT_LIMITS)
  t.equal(probe.running, true, 'a new one for the next probe')
  await waitFor('the idle worker to stop again', () => !probe.running)
})

// The probe hands back what it compiled, and loading on the calling thread
// instantiates that instead of compiling the bytes again (a hot reload then
// costs one compile, not two).
t.test('the probe returns its compiled modules, and a load instantiates them', async (t) => {
  const one = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\nx := 1\n' }], entrypoints: ['a/x'] })
  const two = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\nx := 2\n' }], entrypoints: ['a/x'] })
  const image = (bytes: Uint8Array): BundleImage => ({
    name: 'a',
    manifest: { revision: '1', roots: [''] },
    modules: [{ path: '/policy.wasm', bytes }],
    data: {},
  })
  const probe = new LoadProbe(50)
  t.teardown(() => probe.close())
  const compiled = await probe.probe(image(one.wasm), DEFAULT_LIMITS)
  t.equal(compiled.length, 1)
  t.ok(compiled[0] instanceof WebAssembly.Module, 'a WebAssembly.Module crossed from the worker')
  // Given the module compiled from `one`, the load answers as `one` does even though the image holds `two`'s bytes.
  const lb = await LoadedBundle.load(image(two.wasm), DEFAULT_LIMITS, { compiled })
  t.same(lb.evaluate('a/x', {}), [{ result: 1 }])
  t.same((await LoadedBundle.load(image(two.wasm))).evaluate('a/x', {}), [{ result: 2 }], 'without it, the bytes are compiled')
  const bad = await probe.probe(image(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99])), DEFAULT_LIMITS)
  t.same(bad, [], 'a module that does not compile: nothing to reuse (the load reports why)')
})
