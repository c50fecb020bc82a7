// The load probe's worker (engine/load-probe.ts) is stopped once idle, so
// its isolate does not stay resident for the sidecar's lifetime, and a later
// activation starts a new one.

import t from 'tap'
import { compile } from '../../src/compiler.js'
import { LoadProbe } from '../../src/engine/load-probe.js'
import { DEFAULT_LIMITS, type BundleImage } from '../../src/engine/loaded-bundle.js'
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

t.test('a warmed worker serves the first probe, and stops when no probe comes', async (t) => {
  const { wasm } = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\nx := 1\n' }], entrypoints: ['a/x'] })
  const image: BundleImage = { name: 'a', manifest: { revision: '1', roots: [''] }, modules: [{ path: '/policy.wasm', bytes: wasm }], data: {} }
  const probe = new LoadProbe(200)
  t.teardown(() => probe.close())
  t.equal(probe.running, false)
  probe.warm(DEFAULT_LIMITS)
  t.equal(probe.running, true, 'started before any probe')
  await probe.probe(image, DEFAULT_LIMITS)
  t.equal(probe.running, true)
  await waitFor('the idle worker to stop', () => !probe.running)
  probe.warm(DEFAULT_LIMITS)
  t.equal(probe.running, true, 'warmed again')
  await waitFor('the unused warm worker to stop', () => !probe.running)
})
