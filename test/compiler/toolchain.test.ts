// compile() keeps no state between calls: the runtime and assembler it links
// with are a Toolchain its caller owns (or one it makes for the call), so a
// shared toolchain and a fresh one give the same module, and compiles that
// share one at the same time do not see each other.
import t from 'tap'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { compile, createToolchain } from '../../dist/src/compiler.js'

const policy = (v: number) => [{ path: 'p.rego', source: `package p\n\nx := ${v}\n\ny contains n if some n in [1, 2, ${v}]\n` }]

t.test('a shared toolchain and a per-call one link the same module', async (t) => {
  const toolchain = await createToolchain()
  const shared = await compile({ modules: policy(7), entrypoints: ['p/x', 'p/y'], toolchain })
  const own = await compile({ modules: policy(7), entrypoints: ['p/x', 'p/y'] })
  t.same(Buffer.from(shared.wasm), Buffer.from(own.wasm))
  t.same((await loadPolicy(shared.wasm)).evaluate({}, 'p/x'), [{ result: 7 }])
})

t.test('a toolchain is read-only and reusable across concurrent compiles', async (t) => {
  const toolchain = createToolchain() // a promise is accepted too
  const results = await Promise.all([3, 4, 5].map((v) => compile({ modules: policy(v), entrypoints: ['p/x'], toolchain })))
  for (const [i, r] of results.entries()) t.same((await loadPolicy(r.wasm)).evaluate({}, 'p/x'), [{ result: 3 + i }])
  const tc = await toolchain
  t.ok(Object.isFrozen(tc), 'the toolchain object cannot be changed by a compile')
  t.ok(Object.isFrozen(tc.runtime.symbols), 'nor can the runtime symbols')
})

t.test('codegen takes the runtime layout from the runtime build, not from constants of its own', async (t) => {
  const { RuntimeSymbols } = await import('../../dist/src/wasm/runtime-module.js')
  const real = await createToolchain()
  const layout = real.runtime.symbols.layout
  t.same(Object.keys(layout.typeTags).sort(), ['array', 'boolean', 'null', 'number', 'object', 'set', 'string'])
  t.equal(new Set(Object.values(layout.typeTags)).size, 7, 'the measured tags are distinct')
  // A toolchain whose runtime says arrays have tag 99 generates code testing for 99.
  const symbols = { ...real.runtime.symbols, layout: { ...layout, typeTags: { ...layout.typeTags, array: 99 } } }
  const altered = { runtime: new RuntimeSymbols(real.runtime.wasm, symbols), wabt: real.wabt }
  const modules = [{ path: 'l.rego', source: 'package l\n\np := a if [a, _] = input.pair\n' }]
  const normal = await compile({ modules, entrypoints: ['l/p'], toolchain: real, debug: true })
  const odd = await compile({ modules, entrypoints: ['l/p'], toolchain: altered, debug: true })
  t.match(normal.wat!, `(i32.const ${layout.typeTags.array})`)
  t.match(odd.wat!, '(i32.const 99)')
  t.same((await loadPolicy(normal.wasm)).evaluate({ pair: [1, 2] }, 'l/p'), [{ result: 1 }])
  t.same((await loadPolicy(odd.wasm)).evaluate({ pair: [1, 2] }, 'l/p'), [], 'with a wrong tag no array matches: the tag really comes from the layout')
})
