// A module to be loaded is compiled without the runtime helpers it exports
// but the host never calls (engine/host-exports.ts): fewer function objects
// per instance, the same answers.

import t from 'tap'
import { compile } from '../../src/compiler.js'
import { decodeModule, encodeModule } from '../../src/wasm/binary.js'
import { hostExport, withHostExports } from '../../src/engine/host-exports.js'
import { LoadProbe } from '../../src/engine/load-probe.js'
import { DEFAULT_LIMITS, LoadedBundle, type BundleImage } from '../../src/engine/loaded-bundle.js'

const SOURCE = 'package a\n\nallow if input.user != "nobody"\n\ndeny contains sprintf("%v is refused", [input.user]) if input.user == "mallory"\n'
const EPS = ['a/allow', 'a/deny']

/**
 * `wasm` with runtime helpers exported too, as meshgate linked modules before
 * the linker pruned them (wasm/prune.ts), which bundles built then still are.
 */
function withHelpersExported(wasm: Uint8Array): Uint8Array {
  const m = decodeModule(wasm, 'policy')
  const f = m.exports.find((e) => e.name === 'opa_malloc')!.index
  return encodeModule({ ...m, exports: [...m.exports, ...['mg_obj', 'mg_len', 'mg_sprintf'].map((name) => ({ name, kind: 'func' as const, index: f }))] })
}

t.test('the copy keeps the ABI, the host-called exports and the code; the helpers go', async (t) => {
  const wasm = withHelpersExported((await compile({ modules: [{ path: 'a.rego', source: SOURCE }], entrypoints: EPS })).wasm)
  const names = (m: WebAssembly.Module) => WebAssembly.Module.exports(m).map((e) => e.name)
  const before = names(new WebAssembly.Module(wasm))
  const stripped = withHostExports(wasm)
  t.not(stripped.buffer, wasm.buffer, 'a copy')
  const after = names(new WebAssembly.Module(stripped))
  t.ok(
    before.some((n) => n.startsWith('mg_') && !hostExport(n)),
    'the module had runtime helpers exported',
  )
  t.same(after, before.filter(hostExport), 'only the host exports are left, in their order')
  for (const n of ['memory', 'opa_eval', 'opa_malloc', 'opa_json_parse', 'opa_json_dump', 'builtins', 'entrypoints', 'mg_eval_parsed', 'mg_set_step_budget']) {
    t.ok(after.includes(n), n)
  }
  t.same(WebAssembly.Module.imports(new WebAssembly.Module(stripped)), WebAssembly.Module.imports(new WebAssembly.Module(wasm)), 'the same imports')
})

t.test('bytes it cannot read are copied as they are', async (t) => {
  const junk = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 7, 0x7f, 1])
  t.same([...withHostExports(junk)], [...junk])
  const notWasm = new Uint8Array([1, 2, 3])
  t.same([...withHostExports(notWasm)], [...notWasm])
})

t.test('the module the probe compiles has only the host exports, and answers as the full one', async (t) => {
  const { wasm } = await compile({ modules: [{ path: 'a.rego', source: SOURCE }], entrypoints: EPS })
  const image: BundleImage = { name: 'a', manifest: { revision: '1', roots: [''] }, modules: [{ path: '/policy.wasm', bytes: wasm }], data: {} }
  const probe = new LoadProbe(50)
  t.teardown(() => probe.close())
  const [compiled] = await probe.probe(image, DEFAULT_LIMITS)
  t.notOk(
    WebAssembly.Module.exports(compiled!).some((e) => !hostExport(e.name)),
    'no runtime helper exported',
  )
  const bounded = await LoadedBundle.loadBounded(probe, image, DEFAULT_LIMITS, { builtins: {} })
  const full = await LoadedBundle.load(image, DEFAULT_LIMITS, { builtins: {} })
  for (const input of [{ user: 'ann' }, { user: 'mallory' }, { user: 'nobody' }, {}]) {
    for (const ep of EPS) t.same(bounded.evaluate(ep, input), full.evaluate(ep, input), `${ep} on ${JSON.stringify(input)}`)
  }
  t.same(bounded.evaluate('a/deny', { user: 'mallory' }), [{ result: ['mallory is refused'] }])
})
