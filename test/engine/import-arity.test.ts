// The probe thread loads each module with its own import object (built from
// PROBE_IMPORTS_SOURCE) before this thread instantiates the same compiled
// module with policy-instance.ts's; both follow the SDK's arities. V8
// keeps the wrappers it compiles for a module's imported functions with the
// compiled module, keyed (among others) by whether each function's arity
// matches its import's signature, so the second instantiation reuses the
// probe's wrappers only when every function has the same arity; otherwise
// this thread compiles them while decisions wait (issue 9; measured in
// docs/benchmarks.md, eleventh round). The SDK's import object is not
// exported: both are captured at WebAssembly.instantiate.

import t from 'tap'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { compile } from '../../src/compiler.js'
import { PolicyInstance } from '../../src/engine/policy-instance.js'
import { initialPages, PROBE_IMPORTS_SOURCE } from '../../src/engine/load-probe.js'

/** The import object of each WebAssembly.instantiate call made while `run` runs. */
async function importsOf(run: () => Promise<unknown>): Promise<WebAssembly.Imports[]> {
  const seen: WebAssembly.Imports[] = []
  const real = WebAssembly.instantiate
  WebAssembly.instantiate = ((source: never, imports?: WebAssembly.Imports) => {
    if (imports) seen.push(imports)
    return real(source, imports)
  }) as typeof WebAssembly.instantiate
  try {
    await run()
  } finally {
    WebAssembly.instantiate = real
  }
  return seen
}

const arities = (imports: WebAssembly.Imports) =>
  Object.fromEntries(
    Object.entries(imports.env ?? {})
      .filter(([, v]) => typeof v === 'function')
      .map(([k, v]) => [k, (v as (...a: unknown[]) => unknown).length]),
  )

t.test('every imported function has the arity the SDK gives it', async (t) => {
  const { wasm } = await compile({
    modules: [{ path: 'p.rego', source: 'package p\n\nallow if input.user == "ann"\n\nn := count(input.items)\n' }],
    entrypoints: ['p/allow', 'p/n'],
  })
  const module = await WebAssembly.compile(wasm)
  const initial = initialPages(wasm, 4096)
  const [sdk] = await importsOf(() => loadPolicy(module, { initial, maximum: 4096 }))
  const [ours] = await importsOf(() => PolicyInstance.instantiate(module, new WebAssembly.Memory({ initial, maximum: 4096 }), {}))
  t.ok(sdk && ours, 'both instantiated through WebAssembly.instantiate')
  const want = arities(sdk!)
  t.same(Object.keys(want).sort(), ['opa_abort', 'opa_builtin0', 'opa_builtin1', 'opa_builtin2', 'opa_builtin3', 'opa_builtin4', 'opa_println'])
  t.same(arities(ours!), want)
  // The ABI's signatures: the built-in's id, the context, then its arguments.
  t.equal(want.opa_builtin0, 2)
  t.equal(want.opa_builtin4, 6)
  // The probe's worker builds its import object from this source (load-probe.ts).
  const probeImports = new Function(`return ${PROBE_IMPORTS_SOURCE}`)() as (m: WebAssembly.Memory) => WebAssembly.Imports
  t.same(arities(probeImports(new WebAssembly.Memory({ initial, maximum: 4096 }))), want, "the probe's imports too")
})
