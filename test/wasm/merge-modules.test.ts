// The module-level linker: two small modules written here as text (wabt
// assembles them), merged, instantiated and run. Checks that every index
// space is remapped (calls both ways across the boundary, globals, tables
// and element segments, block types), that types are deduplicated, that
// data keeps its place and overlapping data is refused, and that malformed
// or mismatched input fails with internal_error and where.

import t from 'tap'
import fc from 'fast-check'
import { assemble } from './fixtures/wat.js'
import { decodeModule, encodeModule, type WasmModule } from '../../dist/src/wasm/binary.js'
import { mergeModules, dataEnd } from '../../dist/src/wasm/merge-modules.js'
import { loadRuntime } from '../../dist/src/wasm/runtime-module.js'

const mod = (text: string, name: string): WasmModule => decodeModule(assemble(text), name)

// The runtime's role: a host import, functions that call each other, a global, data.
const BASE = `(module
  (import "env" "memory" (memory 1))
  (import "env" "log" (func $log (param i32)))
  (type $unused (func (param f64) (result f64)))
  (global $counter (mut i32) (i32.const 100))
  (func $inc (param i32) (result i32) (global.set $counter (i32.add (global.get $counter) (i32.const 1))) (i32.add (local.get 0) (i32.const 1)))
  (func $twice (param i32) (result i32) (call $inc (call $inc (local.get 0))))
  (func $count (result i32) (global.get $counter))
  (func $pair (result i32 i32) (i32.const 3) (i32.const 4))
  (export "inc" (func $inc))
  (export "twice" (func $twice))
  (export "count" (func $count))
  (export "pair" (func $pair))
  (export "counter" (global $counter))
  (export "memory" (memory 0))
  (data (i32.const 16) "base"))`

// The policy's role: imports from "rt", new host imports (shifting base's
// functions), its own globals, a table with an element segment, a block of
// multi-value type, data after base's.
const EXTRA = `(module
  (import "env" "memory" (memory 2))
  (import "env" "log" (func $log (param i32)))
  (import "env" "extra_host" (func $host (param i32) (result i32)))
  (import "rt" "twice" (func $twice (param i32) (result i32)))
  (import "rt" "pair" (func $pair (result i32 i32)))
  (import "rt" "counter" (global $counter (mut i32)))
  (type $ii (func (param i32) (result i32)))
  (global $mine (mut i32) (i32.const 7))
  (table 2 funcref)
  (elem (i32.const 0) $times10 $twice)
  (func $times10 (param i32) (result i32) (i32.mul (local.get 0) (i32.const 10)))
  (func $run (param i32) (result i32)
    (global.set $mine (i32.add (global.get $mine) (local.get 0)))
    (i32.add
      (call_indirect (type $ii) (local.get 0) (i32.const 0))
      (call_indirect (type $ii) (global.get $mine) (i32.const 1))))
  (func $viaHost (param i32) (result i32) (call $host (local.get 0)))
  (func $sum (result i32) (block (result i32 i32) (call $pair)) (i32.add))
  (func $counted (result i32) (global.get $counter))
  (func $init (global.set $mine (i32.const 1)))
  (export "run" (func $run))
  (export "viaHost" (func $viaHost))
  (export "sum" (func $sum))
  (export "counted" (func $counted))
  (start $init)
  (data (i32.const 64) "extra"))`

async function instantiate(bytes: Uint8Array, memory = new WebAssembly.Memory({ initial: 2 })) {
  const logged: number[] = []
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory, log: (x: number) => logged.push(x), extra_host: (x: number) => x * 3 } })
  return { ex: instance.exports as Record<string, (...a: number[]) => number> & { counter: WebAssembly.Global }, memory }
}

t.test('every index space is remapped: calls, globals, tables, elements, block types, start', async (t) => {
  const merged = mergeModules(mod(BASE, 'base'), mod(EXTRA, 'extra'), 'rt')
  const bytes = encodeModule(merged)
  t.ok(WebAssembly.validate(bytes), 'the merged module validates')
  const { ex } = await instantiate(bytes)
  t.equal(ex.twice!(5), 7, "base's own calls still reach its functions after the new imports shifted them")
  // start set $mine to 1; run(2): $mine = 3; times10(2) + twice(3) = 20 + 5
  t.equal(ex.run!(2), 25, 'call_indirect through the table reaches an extra function and a resolved base export')
  t.equal(ex.viaHost!(4), 12, "extra's new host import")
  t.equal(ex.sum!(), 7, 'a block of multi-value type (a type index) and a call to a base export')
  t.equal(ex.counted!(), ex.count!(), "extra's imported global is base's global")
  t.equal(ex.counter.value, 100 + 4, 'four calls of inc so far (twice × 2)')
  const names = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => `${i.module}.${i.name}`)
  t.same(names, ['env.memory', 'env.log', 'env.extra_host'], 'shared imports once, new ones appended, nothing left from "rt"')
  t.same(merged.imports[0]!.desc, { kind: 'memory', limits: { min: 2, shared: false } }, 'the shared memory has the larger minimum')
})

t.test('types are deduplicated: equal signatures share one entry', async (t) => {
  const base = mod(BASE, 'base')
  const extra = mod(EXTRA, 'extra')
  const merged = mergeModules(base, extra, 'rt')
  const key = (b: Uint8Array) => Buffer.from(b).toString('hex')
  const distinct = new Set([...base.types, ...extra.types].map(key))
  t.equal(merged.types.length, distinct.size, 'one entry per distinct signature')
  t.same(merged.types.slice(0, base.types.length).map(key), base.types.map(key), "base's types keep their indices")
  t.ok(extra.types.length > 0 && merged.types.length < base.types.length + extra.types.length, 'some of extra reused base entries')
})

t.test('data keeps its addresses; data overlapping the base is refused', async (t) => {
  const base = mod(BASE, 'base')
  t.equal(dataEnd(base), 20, 'the end of base data ("base" at 16)')
  const { memory } = await instantiate(encodeModule(mergeModules(base, mod(EXTRA, 'extra'), 'rt')))
  const text = (at: number, n: number) => Buffer.from(new Uint8Array(memory.buffer, at, n)).toString()
  t.equal(text(16, 4), 'base')
  t.equal(text(64, 5), 'extra')
  const clash = mod('(module (import "env" "memory" (memory 1)) (data (i32.const 18) "xy"))', 'policy')
  t.throws(() => mergeModules(base, clash, 'rt'), {
    code: 'internal_error',
    message: /policy module.*data at \[18, 20\) overlaps the runtime's data at \[16, 20\)/,
  })
  const after = mod('(module (import "env" "memory" (memory 1)) (data (i32.const 20) "xy"))', 'policy')
  t.ok(WebAssembly.validate(encodeModule(mergeModules(base, after, 'rt'))), 'right after the end is fine')
})

t.test('mismatched imports and exports are errors naming the module', async (t) => {
  const base = mod(BASE, 'base')
  const extra = (body: string) => mod(`(module ${body})`, 'policy')
  t.throws(() => mergeModules(base, extra('(import "rt" "nope" (func))'), 'rt'), {
    code: 'internal_error',
    message: /policy module.*`nope` from rt, which does not export it/,
  })
  t.throws(() => mergeModules(base, extra('(import "rt" "inc" (func (param i64)))'), 'rt'), { message: /another type than the runtime exports/ })
  t.throws(() => mergeModules(base, extra('(import "env" "log" (func (param f32)))'), 'rt'), { message: /another type than the runtime does/ })
  t.throws(() => mergeModules(base, extra('(func $f) (export "inc" (func $f))'), 'rt'), { message: /exports `inc`, which the runtime exports too/ })
  t.throws(() => mergeModules(base, extra('(memory 1)'), 'rt'), { message: /more than one memory/ })
  const started = mod('(module (func $s) (start $s))', 'base')
  t.throws(() => mergeModules(started, extra('(func $s) (start $s)'), 'rt'), { message: /both modules have a start function/ })
})

t.test('malformed bytes fail with internal_error and the byte offset', async (t) => {
  const good = assemble(BASE)
  t.throws(() => decodeModule(Uint8Array.from([0, 0x61, 0x73, 0x6e, 1, 0, 0, 0]), 'policy'), {
    code: 'internal_error',
    message: 'malformed WebAssembly in the policy module at byte 3: not a WebAssembly module (bad magic)',
    details: { module: 'policy', offset: 3 },
  })
  t.throws(() => decodeModule(good.subarray(0, good.length - 3), 'policy'), {
    code: 'internal_error',
    message: /policy module at byte \d+: section 11 of \d+ bytes runs past the end/,
  })
  // A SIMD instruction in a body: refused by name, not copied blindly.
  const simd = decodeModule(assemble('(module (func (result i32) (i32.const 1)))'), 'policy')
  simd.codes[0] = { ...simd.codes[0]!, body: Uint8Array.from([0x41, 0x01, 0x1a, 0xfd, 0x0c, 0x0b]) }
  const at = simd.codes[0].at! + 3
  t.throws(() => mergeModules(mod(BASE, 'base'), simd, 'rt'), {
    code: 'internal_error',
    message: `malformed WebAssembly in the policy module at byte ${at}: unsupported instruction 0xfd`,
  })
})

t.test('any corruption of a module decodes or fails with internal_error, never another exception', async (t) => {
  const good = assemble(EXTRA)
  const base = mod(BASE, 'base')
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
      const bytes = good.slice()
      for (const [at, b] of edits) bytes[at] = b
      try {
        encodeModule(mergeModules(base, decodeModule(bytes, 'policy'), 'rt'))
      } catch (e) {
        if ((e as { code?: string }).code !== 'internal_error') throw e
      }
    }),
    { numRuns: 400 },
  )
  t.pass()
})

t.test('the runtime build decodes and re-encodes to a module that validates, and encoding is stable', async (t) => {
  const rt = loadRuntime()
  const once = encodeModule(decodeModule(rt.wasm, 'runtime'))
  t.ok(WebAssembly.validate(once))
  t.same(Buffer.from(encodeModule(decodeModule(once, 'runtime'))), Buffer.from(once))
  t.same(
    WebAssembly.Module.exports(new WebAssembly.Module(once)).map((e) => e.name),
    WebAssembly.Module.exports(new WebAssembly.Module(rt.wasm)).map((e) => e.name),
  )
})
