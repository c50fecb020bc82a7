// Linking a plan with the prebuilt runtime: the module validates, its ABI
// globals and tables are right, abort texts are ASCII, and a switch with
// many cases (the rule index) still assembles.

import t from 'tap'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { linkPlan, ABI_VERSION, ABI_MINOR_VERSION } from '../../dist/src/wasm/link.js'
import { loadRuntime } from '../../dist/src/wasm/runtime-module.js'
import type { Plan, Block } from '../../dist/src/plan/ir.js'
import { planProgram } from '../../dist/src/plan/planner.js'
import { checkProgram } from '../../dist/src/check/index.js'
import { parseModule } from '../../dist/src/rego/index.js'

/** The globals every plan declares (input, data, memo epochs …), as the planner makes them. */
const baseGlobals = planProgram(checkProgram([parseModule('e.rego', 'package e\n', { regoVersion: 1 })]), { entrypoints: [] }).plan.globals

const ret = (stmts: Plan['funcs'][number]['body']['stmts']) => ({ stmts })

t.test('the runtime symbols name the functions codegen calls', async (t) => {
  const rt = loadRuntime()
  for (const f of ['opa_malloc', 'opa_json_dump', 'opa_value_parse', 'mg_obj', 'mg_set_add', 'mg_get', 'mg_equal', 'mg_len']) t.ok(rt.func(f), f)
  t.throws(() => rt.func('no_such_function'), { code: 'internal_error' })
})

t.test('a hand-written plan links into a module the SDK runs', async (t) => {
  const plan: Plan = {
    consts: [
      { kind: 'string', value: 'hi' },
      { kind: 'number', raw: '42' },
      { kind: 'array', items: [0, 1] },
    ],
    funcs: [
      {
        name: 'f0',
        params: [],
        nlocals: 1,
        body: ret([
          { op: 'assign', source: { kind: 'const', index: 2 }, target: 0 },
          { op: 'return', source: { kind: 'local', local: 0 } },
        ]),
      },
    ],
    entrypoints: [{ path: 'x/y', func: 'f0' }],
    hostBuiltins: [],
    globals: baseGlobals,
  }
  const { wasm, policyWat } = await linkPlan(plan)
  t.ok(WebAssembly.validate(new Uint8Array(wasm)))
  t.match(policyWat, `(global $opa_wasm_abi_version i32 (i32.const ${ABI_VERSION}))`)
  t.match(policyWat, `(global $opa_wasm_abi_minor_version i32 (i32.const ${ABI_MINOR_VERSION}))`)
  t.equal(ABI_VERSION, 1)
  t.equal(ABI_MINOR_VERSION, 3)
  const p = await loadPolicy(wasm)
  t.same(p.entrypoints, { 'x/y': 0 })
  t.same(p.evaluate({}, 'x/y'), [{ result: ['hi', 42] }])
})

t.test('abort messages reach the host as ASCII text with file:row:col', async (t) => {
  const plan: Plan = {
    consts: [],
    funcs: [
      {
        name: 'f0',
        params: [],
        nlocals: 0,
        body: ret([{ op: 'abort', message: 'eval_conflict_error: naïve ✓', at: { source: { path: 'p.rego', text: 'a\nb\n      x' }, offset: 10 } }]),
      },
    ],
    entrypoints: [{ path: 'x', func: 'f0' }],
    hostBuiltins: [],
    globals: baseGlobals,
  }
  const p = await loadPolicy((await linkPlan(plan)).wasm)
  let err: unknown
  try {
    p.evaluate({})
  } catch (e) {
    err = e
  }
  t.equal(err, 'p.rego:3:7: eval_conflict_error: na?ve ?')
})

t.test('a switch of 200 cases assembles and picks the right case', async (t) => {
  const n = 200
  const consts: Plan['consts'] = Array.from({ length: n }, (_, i) => ({ kind: 'number', raw: String(i * 10) }))
  const cases: Block[] = Array.from({ length: n }, (_, i) => ({ stmts: [{ op: 'return', source: { kind: 'const', index: i } }] }))
  const funcs: Plan['funcs'] = [
    {
      name: 'pick',
      params: [],
      nlocals: 3,
      body: ret([
        { op: 'assign', source: { kind: 'global', name: 'g_input' }, target: 0 },
        { op: 'caseindex', source: 0, target: 1 },
        { op: 'switch', index: 1, cases },
        { op: 'return', source: { kind: 'i32', value: 0 } },
      ]),
    },
  ]
  const plan: Plan = { consts, funcs, entrypoints: [{ path: 'pick', func: 'pick' }], hostBuiltins: [], globals: baseGlobals }
  const p = await loadPolicy((await linkPlan(plan)).wasm)
  // The SDK does not write a falsy input (0) at all: pass the JSON text.
  const json = (v: number) => new TextEncoder().encode(String(v)).buffer as ArrayBuffer
  for (const i of [0, 1, 31, 32, 63, 64, 65, 130, 199]) t.same(p.evaluate(json(i), 'pick'), [{ result: i * 10 }], `case ${i}`)
  t.same(p.evaluate(json(200), 'pick'), [], 'out of range: no case runs')
})

t.test('a switch of 5,000 cases nests a bounded number of blocks and picks the right case', async (t) => {
  // wabt's text parser recurses once per nested block on a fixed stack: a
  // ladder of 5,000 / 32 groups failed with "memory access out of bounds".
  const n = 5000
  const consts: Plan['consts'] = Array.from({ length: n }, (_, i) => ({ kind: 'number', raw: String(i * 10) }))
  const cases: Block[] = Array.from({ length: n }, (_, i) => ({ stmts: [{ op: 'return', source: { kind: 'const', index: i } }] }))
  const funcs: Plan['funcs'] = [
    {
      name: 'pick',
      params: [],
      nlocals: 3,
      body: ret([
        { op: 'assign', source: { kind: 'global', name: 'g_input' }, target: 0 },
        { op: 'caseindex', source: 0, target: 1 },
        { op: 'switch', index: 1, cases },
        { op: 'return', source: { kind: 'i32', value: 0 } },
      ]),
    },
  ]
  const plan: Plan = { consts, funcs, entrypoints: [{ path: 'pick', func: 'pick' }], hostBuiltins: [], globals: baseGlobals }
  const { wasm, policyWat } = await linkPlan(plan)
  let depth = 0
  let deepest = 0
  for (const c of policyWat) {
    if (c === '(') deepest = Math.max(deepest, ++depth)
    else if (c === ')') depth--
  }
  t.ok(deepest < 80, `at most ${deepest} nested expressions`)
  const p = await loadPolicy(wasm, { initial: 4 })
  const json = (v: number) => new TextEncoder().encode(String(v)).buffer as ArrayBuffer
  for (const i of [0, 31, 32, 1023, 1024, 1025, 2047, 4095, 4096, 4999]) t.same(p.evaluate(json(i), 'pick'), [{ result: i * 10 }], `case ${i}`)
  t.same(p.evaluate(json(5000), 'pick'), [], 'out of range: no case runs')
})

t.test('a linked module that does not validate is an internal_error, not a module', async (t) => {
  // f1 is called with an argument it does not take: the text assembles, the linked module is invalid.
  const plan: Plan = {
    consts: [],
    funcs: [
      { name: 'f1', params: [], nlocals: 0, body: ret([{ op: 'return', source: { kind: 'i32', value: 0 } }]) },
      {
        name: 'f0',
        params: [],
        nlocals: 1,
        body: ret([{ op: 'call', func: 'f1', args: [{ kind: 'i32', value: 1 }], target: 0, check: false }]),
      },
    ],
    entrypoints: [{ path: 'x', func: 'f0' }],
    hostBuiltins: [],
    globals: baseGlobals,
  }
  await t.rejects(linkPlan(plan), { code: 'internal_error', message: /^generated WebAssembly is invalid: .+/ })
})

t.test('indentation is for reading only: the module is the same without it', async (t) => {
  const { plan } = planProgram(checkProgram([parseModule('i.rego', 'package i\n\np contains x if { some x in input.xs; x > 1 }\n', { regoVersion: 1 })]), {
    entrypoints: ['i/p'],
  })
  const pretty = await linkPlan(plan, undefined, { indent: true })
  const plain = await linkPlan(plan, undefined, { indent: false })
  t.same(Buffer.from(plain.wasm), Buffer.from(pretty.wasm))
  t.match(pretty.policyWat, /\n {6}\(/, 'nested lines of generated functions are indented')
  t.notMatch(plain.policyWat, /\n {6}\(/, 'not without it')
  t.ok(plain.policyWat.length < pretty.policyWat.length)
})
