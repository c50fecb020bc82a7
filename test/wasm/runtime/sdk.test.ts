// The runtime plus a minimal hand-written "generated" part loads and runs
// under the unmodified npm SDK (@open-policy-agent/opa-wasm), fast path.

import t from 'tap'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { assemble, linkWat, runtimeText } from './fixtures/harness.js'

t.test('loads under the SDK and evaluates via opa_eval', async (t) => {
  const { wat, symbols } = runtimeText()
  const f = symbols.functions
  const base = symbols.dataEnd
  const texts = ['{}', '{"echo":0}', 'result', 'input']
  const at: number[] = []
  let off = base
  const data = texts
    .map((s) => {
      at.push(off)
      const seg = `(data (i32.const ${off}) "${s.replace(/"/g, '\\"')}")`
      off += s.length
      return seg
    })
    .join('\n')
  const heapStart = (off + 7) & ~7
  const gen = `
    (global $abi (export "opa_wasm_abi_version") i32 (i32.const 1))
    (global $abi_minor (export "opa_wasm_abi_minor_version") i32 (i32.const 3))
    ${data}
    (func $builtins (export "builtins") (result i32)
      (call ${f.opa_json_parse} (i32.const ${at[0]}) (i32.const 2)))
    (func $entrypoints (export "entrypoints") (result i32)
      (call ${f.opa_json_parse} (i32.const ${at[1]}) (i32.const 10)))
    ;; result set: [{"result": {"input": input, "data": data}}]
    (func $opa_eval (export "opa_eval") (param $r i32) (param $ep i32) (param $data i32) (param $in i32)
        (param $inlen i32) (param $heap i32) (param $fmt i32) (result i32)
      (local $input i32) (local $doc i32) (local $row i32) (local $rs i32)
      (call ${f.opa_heap_ptr_set} (local.get $heap))
      (if (local.get $inlen)
        (then (local.set $input (call ${f.opa_value_parse} (local.get $in) (local.get $inlen)))))
      (local.set $doc (call ${f.mg_obj}))
      (if (local.get $input)
        (then (call ${f.mg_obj_insert} (local.get $doc) (call ${f.mg_str} (i32.const ${at[3]}) (i32.const 5)) (local.get $input))))
      (call ${f.mg_obj_insert} (local.get $doc) (call ${f.mg_str} (i32.const ${at[2]} ) (i32.const 4)) (local.get $data))
      (local.set $row (call ${f.mg_obj}))
      (call ${f.mg_obj_insert} (local.get $row) (call ${f.mg_str} (i32.const ${at[2]}) (i32.const 6)) (local.get $doc))
      (local.set $rs (call ${f.mg_arr} (i32.const 1)))
      (call ${f.mg_arr_push} (local.get $rs) (local.get $row))
      (call ${f.opa_json_dump} (local.get $rs)))
    (func $init
      (call ${symbols.start})
      (global.set ${symbols.heapOffsetGlobal} (i32.const ${heapStart})))
    (start $init)
  `
  const bin = await assemble(linkWat(wat, gen))
  const policy = await loadPolicy(bin)
  policy.setData({ roles: { admin: ['alice'] }, n: 1.5 })
  const r1 = policy.evaluate({ user: 'alice', tags: ['a', 'b'], big: 2 ** 40 }, 'echo')
  t.same(r1, [{ result: { input: { user: 'alice', tags: ['a', 'b'], big: 2 ** 40 }, resu: { n: 1.5, roles: { admin: ['alice'] } } } }])
  const r2 = policy.evaluate(undefined, 0)
  t.same(r2, [{ result: { resu: { n: 1.5, roles: { admin: ['alice'] } } } }])
  for (let i = 0; i < 200; i++) policy.evaluate({ i }, 0)
  t.same(policy.evaluate({ ok: true })[0].result.input, { ok: true }, 'heap reset between evaluations')
})
