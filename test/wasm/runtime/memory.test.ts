// The runtime's arena and module shape: the heap pointer the SDK resets is the
// only heap, memory grows on demand, and the build output names what the code
// generator links against.

import t from 'tap'
import { assemble, loadRuntime, runtimeText } from './fixtures/harness.js'

t.test('10,000 parse/dump cycles with the heap reset do not grow memory', async (t) => {
  const rt = await loadRuntime()
  const doc = JSON.stringify({ a: [1, 2.5, 'x', { b: null, c: [true, false] }], s: 'héllo', n: 12345678901234567890 })
  const [p, n] = rt.bytes(doc)
  const base = rt.ex.opa_heap_ptr_get()
  const pages = rt.memory.buffer.byteLength
  let last = ''
  for (let i = 0; i < 10000; i++) {
    rt.ex.opa_heap_ptr_set(base)
    const v = rt.ex.opa_value_parse(p, n)
    last = rt.cstr(rt.ex.opa_json_dump(v))
    rt.ex.mg_obj_merge(v, v)
  }
  t.equal(rt.memory.buffer.byteLength, pages)
  t.equal(rt.ex.opa_heap_ptr_get() - base < 4096, true, 'one cycle allocates little')
  t.same(JSON.parse(last), JSON.parse(doc))
})

t.test('opa_malloc grows memory itself, also after the host grew it', async (t) => {
  const rt = await loadRuntime()
  const before = rt.memory.buffer.byteLength
  const p = rt.ex.opa_malloc(3 * 65536)
  t.ok(rt.memory.buffer.byteLength >= p + 3 * 65536)
  t.ok(rt.memory.buffer.byteLength > before)
  rt.memory.grow(2)
  const q = rt.ex.opa_malloc(5 * 65536)
  t.ok(rt.memory.buffer.byteLength >= q + 5 * 65536)
  t.equal(q % 8, 0, 'aligned')
  const big = JSON.stringify(Array.from({ length: 50000 }, (_, i) => ({ id: i, name: `n${i}` })))
  t.equal(JSON.parse(rt.dump(rt.parse(big))).length, 50000)
})

t.test('the heap pointer is shared with the allocator', async (t) => {
  const rt = await loadRuntime()
  const h = rt.ex.opa_heap_ptr_get()
  const p = rt.ex.opa_malloc(10)
  t.equal(p, h)
  t.equal(rt.ex.opa_heap_ptr_get(), h + 16)
  rt.ex.opa_heap_ptr_set(h)
  t.equal(rt.ex.opa_malloc(1), h, 'reset reuses the space')
  rt.ex.opa_free(p)
  rt.ex.opa_value_free(p)
  rt.ex.opa_heap_blocks_stash()
  rt.ex.opa_heap_blocks_restore()
  rt.ex.opa_heap_stash_clear()
})

t.test('symbols.json names every export, the heap global and the init', async (t) => {
  const { wat, symbols } = runtimeText()
  const mod = await WebAssembly.compile(await assemble(wat))
  const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`)
  t.same(imports.sort(), ['env.memory', 'env.opa_abort'])
  const exports = WebAssembly.Module.exports(mod)
    .filter((e) => e.kind === 'function')
    .map((e) => e.name)
  t.same(Object.keys(symbols.functions).sort(), exports.sort())
  for (const name of new Set(Object.values(symbols.functions))) t.ok(wat.includes(`(func ${name}\n`) || wat.includes(`(func ${name} `), name)
  t.match(wat, `(global ${symbols.heapOffsetGlobal} (mut i32)`)
  t.equal(symbols.start, '$~start')
  t.equal(symbols.imports.opa_abort, '$assembly/value/opa_abort')
  t.notMatch(wat, /^\s*\(start /m, 'no start section')
  t.notMatch(wat, /\$~lib\/rt\/stub\//, 'the stub allocator is not linked')
  const rt = await loadRuntime()
  t.equal(rt.ex.opa_heap_ptr_get(), symbols.dataEnd, 'init sets the heap to dataEnd')
  for (const fn of [
    'opa_malloc',
    'opa_json_parse',
    'opa_json_dump',
    'opa_value_parse',
    'opa_value_dump',
    'opa_heap_ptr_get',
    'opa_heap_ptr_set',
    'opa_value_add_path',
    'opa_value_remove_path',
    'mg_get',
    'mg_plus',
    'mg_object_keys',
    'mg_template_str',
    'mg_str_join',
    'mg_upsert',
    'mg_obj_merge',
  ]) {
    t.ok(symbols.functions[fn], fn)
  }
})

t.test('generated code can call runtime functions by their WAT names', async (t) => {
  const { symbols } = runtimeText()
  const f = symbols.functions
  const rt = await loadRuntime(`
    (data (i32.const ${symbols.dataEnd}) "answer")
    (func $gen_answer (export "gen_answer") (result i32)
      (local $o i32)
      (local.set $o (call ${f.mg_obj}))
      (call ${f.mg_obj_insert} (local.get $o)
        (call ${f.mg_str} (i32.const ${symbols.dataEnd}) (i32.const 6))
        (call ${f.mg_int} (i64.const 42)))
      (call ${f.opa_json_dump} (local.get $o)))
    (func $gen_abort (export "gen_abort")
      (call ${symbols.imports.opa_abort} (i32.const ${symbols.dataEnd})))
    ;; as generated modules do: run the runtime's init, then move the heap
    ;; past the generated data
    (func $gen_init
      (call ${symbols.start})
      (global.set ${symbols.heapOffsetGlobal} (i32.const ${symbols.dataEnd + 8})))
    (start $gen_init)
  `)
  t.equal(rt.cstr(rt.ex.gen_answer()), '{"answer":42}')
  t.equal(rt.ex.opa_heap_ptr_get() >= symbols.dataEnd + 8, true, 'the runtime init ran once')
  t.throws(() => rt.ex.gen_abort(), 'opa_abort reaches the host')
})
