// The load probe's worker (engine/load-probe.ts) is stopped once idle, so
// its isolate does not stay resident for the sidecar's lifetime, and a later
// activation starts a new one.

import t from 'tap'
import { compile } from '../../src/compiler.js'
import { LoadProbe, PROBE_NICE } from '../../src/engine/load-probe.js'
import { readdirSync, readFileSync } from 'node:fs'
import { DEFAULT_LIMITS, LoadedBundle, type BundleImage } from '../../src/engine/loaded-bundle.js'
import { waitFor } from '../fixtures/wait/until.js'
import { assemble } from '../wasm/fixtures/wat.js'
import { abiModuleText } from '../fixtures/wasm/abi-module.js'

t.test('an idle probe worker stops, and the next probe starts another', async (t) => {
  const { wasm } = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\nx := 1\n' }], entrypoints: ['a/x'] })
  const image: BundleImage = { name: 'a', manifest: { revision: '1', roots: [''] }, modules: [{ path: '/policy.wasm', bytes: wasm }], data: {} }
  const probe = new LoadProbe(50)
  t.teardown(() => probe.close())
  const before = Buffer.from(wasm)
  await probe.probe(image, DEFAULT_LIMITS)
  t.equal(probe.running, true, 'the worker is there right after a probe')
  // The worker gets a copy of the module (transferred); the caller's bytes stay, for the load here.
  t.ok(Buffer.from(image.modules[0]!.bytes).equals(before), "the caller's module bytes are intact")
  // Also when they are a Buffer, a view into a larger one (a tar member), whose `slice` copies nothing.
  const tar = Buffer.concat([Buffer.alloc(512), Buffer.from(wasm), Buffer.alloc(512)])
  const member = tar.subarray(512, 512 + wasm.length)
  await probe.probe({ ...image, modules: [{ path: '/policy.wasm', bytes: member }] }, DEFAULT_LIMITS)
  t.equal(tar.byteLength, 1024 + wasm.length, 'the archive they lie in is not handed to the worker')
  t.ok(member.equals(before), 'the member is intact')
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

t.test('the module the probe compiled is the one loaded here: instantiated, not compiled a second time', async (t) => {
  const { wasm } = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\nx := 1\n' }], entrypoints: ['a/x'] })
  const image: BundleImage = { name: 'a', manifest: { revision: '1', roots: [''] }, modules: [{ path: '/policy.wasm', bytes: wasm }], data: {} }
  const probe = new LoadProbe(50)
  t.teardown(() => probe.close())
  const compiled = await probe.probe(image, DEFAULT_LIMITS)
  t.equal(compiled.length, 1)
  t.ok(compiled[0] instanceof WebAssembly.Module, 'the worker hands back its compiled module')

  // What this thread hands WebAssembly while loading the bundle after its probe.
  const seen: string[] = []
  const { compile: realCompile, instantiate: realInstantiate } = WebAssembly
  // (Only this bundle's bytes: Node compiles modules of its own lazily, e.g. undici's HTTP parser.)
  const ours = (b: BufferSource) => ArrayBuffer.isView(b) && Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(wasm))
  WebAssembly.compile = ((bytes: BufferSource) => {
    if (ours(bytes)) seen.push('compile')
    return realCompile(bytes)
  }) as typeof WebAssembly.compile
  WebAssembly.instantiate = ((source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => {
    seen.push(source instanceof WebAssembly.Module ? 'instantiate module' : 'instantiate bytes')
    return realInstantiate(source as WebAssembly.Module, imports)
  }) as typeof WebAssembly.instantiate
  t.teardown(() => {
    WebAssembly.compile = realCompile
    WebAssembly.instantiate = realInstantiate
  })
  const loaded = await LoadedBundle.loadBounded(probe, image, DEFAULT_LIMITS, { builtins: {} })
  t.same(seen, ['instantiate module'])
  t.same(loaded.evaluate('a/x', {}), [{ result: 1 }], 'and it answers')
})

t.test('bytes that do not compile come back as no module, and the load here reports them', async (t) => {
  const image: BundleImage = {
    name: 'bad',
    manifest: { revision: '1', roots: [''] },
    modules: [{ path: '/policy.wasm', bytes: new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]) }],
    data: {},
  }
  const probe = new LoadProbe(50)
  t.teardown(() => probe.close())
  t.same(await probe.probe(image, DEFAULT_LIMITS), [undefined])
  await t.rejects(LoadedBundle.loadBounded(probe, image, DEFAULT_LIMITS, { builtins: {} }), { code: 'bundle_format_error', message: /cannot be loaded/ })
})

t.test('a bounded load lets the event loop turn before the probe and between its own steps', async (t) => {
  const { wasm } = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\nx := 1\n' }], entrypoints: ['a/x'] })
  const image: BundleImage = { name: 'a', manifest: { revision: '1', roots: [''] }, modules: [{ path: '/policy.wasm', bytes: wasm }], data: {} }
  // Turns of the event loop, counted by a chain of immediates (what a server's pending requests would get).
  let turns = 0
  let counting = true
  const count = () => {
    turns++
    if (counting) setImmediate(count)
  }
  setImmediate(count)
  t.teardown(() => {
    counting = false
  })
  const at: { probe?: number; probed?: number } = {}
  class CountingProbe extends LoadProbe {
    override async probe(...args: Parameters<LoadProbe['probe']>) {
      at.probe = turns
      const compiled = await super.probe(...args)
      at.probed = turns
      return compiled
    }
  }
  const probe = new CountingProbe(50)
  t.teardown(() => probe.close())
  const called = turns
  const loaded = await LoadedBundle.loadBounded(probe, image, DEFAULT_LIMITS, { builtins: {} })
  const done = turns
  t.ok(at.probe! > called, 'the module goes to the worker a turn after the call (the caller read and checked the bundle in its own)')
  // WebAssembly.instantiate resolves in a turn of its own; the load adds one after it and one before it returns.
  t.ok(done - at.probed! >= 3, `instantiation, then the data and tables, then the caller's swap, each in a turn of its own (${done - at.probed!} turns)`)
  t.same(loaded.evaluate('a/x', {}), [{ result: 1 }])
})

/** Each thread of this process with its nice value (field 19 of its stat; Linux). */
const nices = () =>
  readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
  })

t.test(
  'the probe thread runs at a lower priority than the thread that serves decisions',
  { skip: process.platform === 'linux' ? false : 'thread nice values are read from /proc' },
  async (t) => {
    const { wasm } = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\nx := 1\n' }], entrypoints: ['a/x'] })
    const image: BundleImage = { name: 'a', manifest: { revision: '1', roots: [''] }, modules: [{ path: '/policy.wasm', bytes: wasm }], data: {} }
    const before = nices()
    t.notOk(before.includes(PROBE_NICE), `no thread at nice ${PROBE_NICE} before`)
    const probe = new LoadProbe(50)
    t.teardown(() => probe.close())
    await probe.probe(image, DEFAULT_LIMITS)
    const after = nices()
    t.equal(after.filter((n) => n === PROBE_NICE).length, 1, 'the probe thread, alone')
    t.equal(Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[16]), before[0], "the main thread's own is unchanged")
  },
)

t.test(
  "the probe thread's start runs at the lower priority too: it is set as soon as the thread exists",
  { skip: process.platform === 'linux' ? false : 'thread nice values are read from /proc' },
  async (t) => {
    const before = nices().filter((n) => n === PROBE_NICE).length
    const probe = new LoadProbe(5_000)
    t.teardown(() => probe.close())
    // Synchronously after the worker is created: its bootstrap (tens of ms) has not reached any code of ours yet.
    probe.warm(DEFAULT_LIMITS)
    t.equal(nices().filter((n) => n === PROBE_NICE).length, before + 1, 'the new thread is at the probe nice already')
  },
)

t.test('a probe that reuses the last probe’s memory finds it zeroed', async (t) => {
  // The worker loads each module into the last probe's memory when it did
  // not grow. `mark` writes a byte while loading; `check` loops while
  // loading if that byte is not zero. Loaded one after the other, `check`
  // finishes only on a clean memory.
  const abi = (entrypoints: string) => abiModuleText({ entrypoints })
  const mark = assemble(abi('(i32.store8 (i32.const 60000) (i32.const 255))'))
  const check = assemble(abi('(loop $l (br_if $l (i32.load8_u (i32.const 60000))))'))
  const image = (bytes: Uint8Array): BundleImage => ({
    name: 'm',
    manifest: { revision: '1', roots: [''] },
    modules: [{ path: '/policy.wasm', bytes }],
    data: {},
  })
  const probe = new LoadProbe(5_000)
  t.teardown(() => probe.close())
  const limits = { ...DEFAULT_LIMITS, loadMs: 2_000 }
  await probe.probe(image(mark), limits)
  const compiled = await probe.probe(image(check), limits)
  t.ok(compiled[0] instanceof WebAssembly.Module, 'the second module loaded, on a zeroed memory')
})
