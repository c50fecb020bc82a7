// The built-ins implemented in the module: the catalog says which (by Rego
// name), wasm/natives.ts says which runtime function computes each, and the
// runtime build exports it. A built-in marked in-module without a runtime
// function, or a runtime mapping for a host built-in, fails here rather than
// at the first compile that calls it.

import t from 'tap'
import { NATIVES } from '../../dist/src/wasm/natives.js'
import { loadRuntime } from '../../dist/src/wasm/runtime-module.js'
import { catalog } from '../../dist/src/builtins/catalog.js'
import { compile } from '../../dist/src/compiler.js'

t.test('every in-module built-in has a runtime function, and only those', async (t) => {
  const inModule = [...catalog().values()]
    .filter((e) => e.inModule)
    .map((e) => e.name)
    .sort()
  t.ok(inModule.length > 0)
  t.same([...NATIVES.keys()].sort(), inModule)
  const rt = loadRuntime()
  for (const [name, fn] of NATIVES) t.doesNotThrow(() => rt.func(fn), `${name} → ${fn}`)
})

t.test('the catalog carries no runtime symbol names', async (t) => {
  const named = [...catalog().values()].filter((e) => Object.values(e).some((v) => typeof v === 'string' && v.startsWith('mg_'))).map((e) => e.name)
  t.same(named, [])
})

t.test('an in-module built-in compiles to its runtime function, a host one to an opa_builtin import', async (t) => {
  const r = await compile({
    modules: [{ path: 'p.rego', source: 'package p\nx := plus(input.a, 1)\ny := io.jwt.decode(input.s)\n' }],
    entrypoints: ['p/x', 'p/y'],
    debug: true,
  })
  t.match(r.plan, /callbuiltin plus\(l\d+, l\d+\)  @p\.rego:2:6/)
  t.match(r.wat, /call \$[^\s)]*mg_plus /)
  t.match(r.plan, /host #0\(l\d+\) {2}@p\.rego:3:6/)
  t.same(r.builtins, ['io.jwt.decode'])
})
