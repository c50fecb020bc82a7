// The module compile() emits, seen from the host: OPA ABI imports and
// exports, the slow (eval context) path, memory that does not grow across
// evaluations, coverage, and the step budget.

import t from 'tap'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { compile, hostBuiltins } from 'meshgate/compiler'
import { load, cstring, thrown, exportsOf } from './fixtures/load.js'

const src = `package app

allow if {
	some r in input.roles
	r == "admin"
}

names contains n if {
	some u in input.users
	n := concat("-", [u.first, u.last])
}

count_big := count([x | some x in input.xs; x > 10])
`

t.test('imports and exports follow the OPA ABI', async (t) => {
  const r = await compile({ modules: [{ path: 'a.rego', source: src }], entrypoints: ['app/allow', 'app/names'] })
  const mod = new WebAssembly.Module(new Uint8Array(r.wasm))
  const imports = WebAssembly.Module.imports(mod)
    .map((i) => `${i.module}.${i.name}:${i.kind}`)
    .sort()
  const supplied = [
    'env.memory:memory',
    'env.opa_abort:function',
    'env.opa_builtin0:function',
    'env.opa_builtin1:function',
    'env.opa_builtin2:function',
    'env.opa_builtin3:function',
    'env.opa_builtin4:function',
    'env.opa_println:function',
  ]
  t.same(
    imports.filter((i) => !supplied.includes(i)),
    [],
    'only what the SDK supplies',
  )
  // This policy calls no host built-in and never prints: the linker drops those imports (wasm/prune.ts).
  t.same(imports, ['env.memory:memory', 'env.opa_abort:function'], 'and only what it calls')
  const exports = new Map(WebAssembly.Module.exports(mod).map((e) => [e.name, e.kind]))
  for (const f of [
    'opa_eval',
    'eval',
    'entrypoints',
    'builtins',
    'opa_malloc',
    'opa_free',
    'opa_json_parse',
    'opa_json_dump',
    'opa_value_parse',
    'opa_value_dump',
    'opa_heap_ptr_get',
    'opa_heap_ptr_set',
    'opa_eval_ctx_new',
    'opa_eval_ctx_set_input',
    'opa_eval_ctx_set_data',
    'opa_eval_ctx_set_entrypoint',
    'opa_eval_ctx_get_result',
    'opa_value_add_path',
    'opa_value_remove_path',
    'opa_value_free',
    'opa_heap_blocks_stash',
    'opa_heap_blocks_restore',
    'opa_heap_stash_clear',
  ]) {
    t.equal(exports.get(f), 'function', `exports function ${f}`)
  }
  t.equal(exports.get('memory'), 'memory', 'ABI 1.1 memory export')
  t.equal(exports.get('opa_wasm_abi_version'), 'global')
  t.equal(exports.get('opa_wasm_abi_minor_version'), 'global')
  const memory = new WebAssembly.Memory({ initial: 5 })
  const noop = () => 0
  const inst = new WebAssembly.Instance(mod, {
    env: { memory, opa_abort: noop, opa_println: noop, opa_builtin0: noop, opa_builtin1: noop, opa_builtin2: noop, opa_builtin3: noop, opa_builtin4: noop },
  })
  const g = (n: string) => (inst.exports[n] as WebAssembly.Global).value
  t.equal(g('opa_wasm_abi_version'), 1)
  t.equal(g('opa_wasm_abi_minor_version'), 3)
  const policy = await loadPolicy(r.wasm, undefined, hostBuiltins)
  t.same(policy.entrypoints, { 'app/allow': 0, 'app/names': 1 }, 'the entrypoints export dumps to path → id')
  t.ok(policy.minorVersion >= 2, 'the SDK takes the opa_eval fast path')
  t.same(policy.evaluate({ roles: ['x', 'admin'] }, 0), [{ result: true }], 'entrypoint by id')
  t.match(
    thrown(() => policy.evaluate({}, 7)),
    /illegal entrypoint id/,
    'an unknown id aborts as OPA does',
  )
})

t.test('the builtins export maps each host built-in to its id', async (t) => {
  const { policy, result } = await load('package app\n\np := sprintf("%s", [input.a])\n\nq := trim_space(input.b)\n', ['app/p', 'app/q'])
  const ex = exportsOf(policy)
  const table = JSON.parse(cstring(policy, ex.opa_json_dump(ex.builtins())))
  t.same(Object.keys(table).sort(), [...result.builtins].sort())
  t.same(
    Object.values(table).sort(),
    result.builtins.map((_, i) => i),
  )
  t.same(policy.evaluate({ a: 'x', b: ' y ' }, 'app/q'), [{ result: 'y' }])
})

t.test('the slow path: eval context exports give the same result as opa_eval', async (t) => {
  const { policy } = await load(src, ['app/allow', 'app/names'])
  const ex = exportsOf(policy)
  const value = (v: unknown) => {
    const bytes = new TextEncoder().encode(JSON.stringify(v))
    const addr = ex.opa_malloc(bytes.length)
    new Uint8Array(policy.mem.buffer).set(bytes, addr)
    return ex.opa_json_parse(addr, bytes.length)
  }
  const input = {
    users: [
      { first: 'ann', last: 'lee' },
      { first: 'bo', last: 'ma' },
    ],
  }
  const ctx = ex.opa_eval_ctx_new()
  ex.opa_eval_ctx_set_input(ctx, value(input))
  ex.opa_eval_ctx_set_data(ctx, value({}))
  ex.opa_eval_ctx_set_entrypoint(ctx, 1)
  t.equal(ex.eval(ctx), 0)
  const slow = JSON.parse(cstring(policy, ex.opa_json_dump(ex.opa_eval_ctx_get_result(ctx))))
  t.same(slow, [{ result: ['ann-lee', 'bo-ma'] }])
  t.same(policy.evaluate(input, 'app/names'), slow, 'fast path agrees')
  const undef = ex.opa_eval_ctx_new()
  ex.opa_eval_ctx_set_input(undef, value({}))
  ex.opa_eval_ctx_set_data(undef, value({}))
  ex.opa_eval_ctx_set_entrypoint(undef, 0)
  ex.eval(undef)
  t.equal(cstring(policy, ex.opa_json_dump(ex.opa_eval_ctx_get_result(undef))), '[]')
})

t.test('memory pages do not grow across 10,000 evaluations', async (t) => {
  const { policy } = await load(src, ['app/allow', 'app/names', 'app/count_big'])
  const run = (i: number) => {
    policy.evaluate({ roles: ['u', i % 2 ? 'admin' : 'x'] }, 'app/allow')
    policy.evaluate({ users: [{ first: `f${i}`, last: 'l' }] }, 'app/names')
    policy.evaluate({ xs: [i, 20, 30] }, 'app/count_big')
  }
  for (let i = 0; i < 200; i++) run(i)
  const warm = policy.mem.buffer.byteLength
  for (let i = 0; i < 10_000; i++) run(i)
  t.equal(policy.mem.buffer.byteLength / 65536, warm / 65536, 'pages after 10,000 evaluations equal pages after warm-up')
  t.same(policy.evaluate({ xs: [1, 11, 12] }, 'app/count_big'), [{ result: 2 }], 'still correct')
})

t.test('coverage: mg_coverage() lists the "file:row" lines the last evaluation ran', async (t) => {
  const source = 'package app\n\nallow if {\n\tinput.a == 1\n}\n\nallow if {\n\tinput.b == 1\n}\n'
  const { policy, result } = await load({ 'cov.rego': source }, ['app/allow'], { coverage: true })
  t.same(result.coverable, { 'cov.rego': [3, 4, 7, 8] }, 'rule heads and expressions are coverable')
  const ex = exportsOf(policy)
  const covered = () => JSON.parse(cstring(policy, ex.mg_coverage())) as string[]
  t.same(policy.evaluate({ a: 1 }, 'app/allow'), [{ result: true }])
  const first = covered()
  t.ok(first.includes('cov.rego:3') && first.includes('cov.rego:4'), 'the first definition produced the value')
  t.notOk(first.includes('cov.rego:7'), 'the second one did not')
  policy.evaluate({ b: 1 }, 'app/allow')
  const second = covered()
  t.ok(second.includes('cov.rego:7') && second.includes('cov.rego:8'))
  t.notOk(second.includes('cov.rego:3'), 'coverage is per evaluation')
  for (const line of [...first, ...second]) t.match(line, /^cov\.rego:\d+$/)
  const plain = await compile({ modules: [{ path: 'cov.rego', source }], entrypoints: ['app/allow'] })
  t.equal(plain.coverable, undefined, 'no coverage unless asked')
})

t.test('step budget: mg_set_step_budget(n) stops runaway loops; 0 is unlimited', async (t) => {
  const { policy } = await load('package app\n\nn := count([x | some x in input.xs; x >= 0])\n', ['app/n'])
  const ex = exportsOf(policy)
  const xs = Array.from({ length: 10_000 }, (_, i) => i)
  ex.mg_set_step_budget(1000)
  t.match(
    thrown(() => policy.evaluate({ xs }, 'app/n')),
    /step budget exceeded/,
  )
  t.same(policy.evaluate({ xs: [1, 2, 3] }, 'app/n'), [{ result: 3 }], 'a small evaluation fits the same budget')
  ex.mg_set_step_budget(0)
  t.same(policy.evaluate({ xs }, 'app/n'), [{ result: 10_000 }], '0 = unlimited')
  ex.mg_set_step_budget(50_000)
  t.same(policy.evaluate({ xs }, 'app/n'), [{ result: 10_000 }], 'the budget is per evaluation, not cumulative')
  t.same(policy.evaluate({ xs }, 'app/n'), [{ result: 10_000 }])
})
