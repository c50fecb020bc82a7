// Pruning a linked module (wasm/prune.ts): small modules written here as text
// (wabt assembles them), pruned, instantiated and run. Checks that what can
// run stays and runs with its indices renumbered (calls, tail calls, the
// table behind call_indirect, ref.func, the start function), that what cannot
// run goes (imported functions too), and that a compiled policy keeps none
// of the runtime's helpers yet answers as before.

import t from 'tap'
import { assemble } from './fixtures/wat.js'
import { decodeModule, encodeModule } from '../../dist/src/wasm/binary.js'
import { pruneModule } from '../../dist/src/wasm/prune.js'
import { loadRuntime } from '../../dist/src/wasm/runtime-module.js'
import { compile } from '../../dist/src/compiler.js'
import { loadPolicy } from '@open-policy-agent/opa-wasm'

// $dead* are reachable from nothing kept; everything else from an export, the
// start function, the table or a global's ref.func. Each live function adds
// its own digit, so a call renumbered to the wrong function shows in the sum.
const TEXT = `(module
  (import "env" "log" (func $log (param i32)))
  (type $t (func (result i32)))
  (table 2 funcref)
  (global $started (mut i32) (i32.const 0))
  (global $fref funcref (ref.func $viaGlobal))
  (elem (i32.const 0) $viaTable $tail)
  (elem declare func $viaGlobal)
  (func $dead1 (result i32) (call $dead2))
  (func $dead2 (result i32) (i32.const 1000))
  (func $leaf (result i32) (i32.const 1))
  (func $mid (result i32) (i32.add (call $leaf) (i32.const 10)))
  (func $viaTable (result i32) (i32.const 100))
  (func $tail (result i32) (return_call $mid))
  (func $viaGlobal (result i32) (i32.const 10000))
  (func $start (global.set $started (i32.const 7)) (call $log (i32.const 1)))
  (func $dead3 (result i32) (call $leaf))
  (func $run (result i32)
    (i32.add (call $mid)
      (i32.add (call_indirect (type $t) (i32.const 0))
        (i32.add (call_indirect (type $t) (i32.const 1)) (global.get $started)))))
  (func $helper (result i32) (call $dead1))
  (export "run" (func $run))
  (export "helper" (func $helper))
  (export "started" (global $started))
  (start $start)
)`

async function instantiate(bytes: Uint8Array): Promise<WebAssembly.Exports> {
  const logged: number[] = []
  const { instance } = await WebAssembly.instantiate(bytes, { env: { log: (x: number) => logged.push(x) } })
  return instance.exports
}

t.test('reachable functions stay and run renumbered; the rest and the exports not kept go', async (t) => {
  const m = decodeModule(assemble(TEXT), 'test')
  const pruned = pruneModule(m, (e) => e.name !== 'helper')
  t.equal(m.funcs.length, 11)
  // $leaf $mid $viaTable $tail $viaGlobal $start $run
  t.equal(pruned.funcs.length, 7, 'the three dead functions and the dropped export’s helper are gone')
  t.same(
    pruned.exports.map((e) => e.name),
    ['run', 'started'],
  )
  const bytes = encodeModule(pruned)
  t.ok(WebAssembly.validate(bytes), 'valid')
  const ex = await instantiate(bytes)
  // $mid 11 + table[0] 100 + table[1] (tail call to $mid) 11 + started 7
  t.equal((ex.run as () => number)(), 129)
  const full = await instantiate(encodeModule(m))
  t.equal((full.run as () => number)(), 129, 'as the module before pruning')
})

t.test('keeping every export keeps what they reach', async (t) => {
  const m = decodeModule(assemble(TEXT), 'test')
  const pruned = pruneModule(m, () => true)
  t.equal(pruned.funcs.length, 10, '$helper and $dead1, $dead2 with it stay; $dead3 goes')
  const ex = await instantiate(encodeModule(pruned))
  t.equal((ex.helper as () => number)(), 1000)
  t.equal((ex.run as () => number)(), 129)
})

t.test('a module with nothing to drop comes back with the same functions', async (t) => {
  const m = decodeModule(assemble('(module (func $a (result i32) (i32.const 1)) (export "a" (func $a)))'), 'test')
  const pruned = pruneModule(m, () => true)
  t.same([...encodeModule(pruned)], [...encodeModule(m)])
})

t.test('a call out of range is refused as malformed, with where', async (t) => {
  const m = decodeModule(assemble('(module (func $a (result i32) (i32.const 1)) (export "a" (func $a)))'), 'test')
  const broken = { ...m, exports: [{ name: 'a', kind: 'func' as const, index: 5 }] }
  t.throws(() => pruneModule(broken, () => true), { code: 'internal_error', message: /function index 5 out of range/ })
})

t.test('imported functions nothing reaches go; the others stay, and every call is renumbered', async (t) => {
  // $unused is named by nothing; $viaTable only by the table; the memory
  // import between them stays whatever reaches it.
  const text = `(module
    (import "env" "log" (func $log (param i32)))
    (import "env" "unused" (func $unused (param i32 i32) (result i32)))
    (import "env" "memory" (memory 1))
    (import "env" "viaTable" (func $viaTable (result i32)))
    (type $t (func (result i32)))
    (table 1 funcref)
    (elem (i32.const 0) $viaTable)
    (func $two (result i32) (i32.const 2))
    (func $run (result i32)
      (call $log (i32.const 5))
      (i32.add (call $two) (call_indirect (type $t) (i32.const 0))))
    (export "run" (func $run)))`
  const m = decodeModule(assemble(text), 'test')
  const pruned = pruneModule(m, () => true)
  t.same(
    pruned.imports.map((i) => i.name),
    ['log', 'memory', 'viaTable'],
  )
  const bytes = encodeModule(pruned)
  t.ok(WebAssembly.validate(bytes), 'valid')
  const logged: number[] = []
  const env = { log: (x: number) => logged.push(x), unused: () => 0, memory: new WebAssembly.Memory({ initial: 1 }), viaTable: () => 40 }
  const { instance } = await WebAssembly.instantiate(bytes, { env })
  t.equal((instance.exports.run as () => number)(), 42)
  t.same(logged, [5])
})

t.test('a compiled policy imports only the host hooks it calls', async (t) => {
  const imports = async (source: string, entrypoints: string[]) => {
    const { wasm } = await compile({ modules: [{ path: 'a.rego', source }], entrypoints })
    return WebAssembly.Module.imports(new WebAssembly.Module(wasm))
      .map((i) => i.name)
      .sort()
  }
  t.same(await imports('package a\n\nallow if input.user != "nobody"\n', ['a/allow']), ['memory', 'opa_abort'], 'no built-in served by the host, no print')
  // time.now_ns is served by the host (opa_builtin0); print by opa_println.
  t.same(await imports('package a\n\nt := time.now_ns()\n\np if print("hi")\n', ['a/t', 'a/p']), ['memory', 'opa_abort', 'opa_builtin0', 'opa_println'])
  const { wasm } = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\nt := time.now_ns()\n' }], entrypoints: ['a/t'] })
  const policy = await loadPolicy(wasm, undefined, { 'time.now_ns': () => 42 })
  t.same(policy.evaluate({}, 'a/t'), [{ result: 42 }], 'and the SDK calls the host built-in through the import that stayed')
})

t.test('a compiled policy exports none of the runtime helpers, is much smaller than the runtime, and answers as before', async (t) => {
  const rt = loadRuntime()
  const source = 'package a\n\nallow if input.user != "nobody"\n\ndeny contains sprintf("%v is refused", [input.user]) if input.user == "mallory"\n'
  const { wasm } = await compile({ modules: [{ path: 'a.rego', source }], entrypoints: ['a/allow', 'a/deny'] })
  const names = WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.name)
  t.notOk(
    names.some((n) => rt.helperExports.has(n)),
    'no runtime helper exported',
  )
  for (const n of [
    'opa_eval',
    'opa_malloc',
    'opa_json_parse',
    'opa_json_dump',
    'opa_value_dump',
    'builtins',
    'entrypoints',
    'eval',
    'mg_eval_parsed',
    'mg_set_step_budget',
    'mg_coverage',
  ])
    t.ok(names.includes(n), n)
  const linked = decodeModule(wasm, 'policy')
  t.ok(linked.funcs.length < rt.module.funcs.length / 2, `${linked.funcs.length} functions, the runtime has ${rt.module.funcs.length}`)
  const policy = await loadPolicy(wasm)
  t.same(policy.evaluate({ user: 'ann' }, 'a/allow'), [{ result: true }])
  t.same(policy.evaluate({ user: 'mallory' }, 'a/deny'), [{ result: ['mallory is refused'] }])
})
