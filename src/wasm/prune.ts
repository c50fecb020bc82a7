// Drops the functions a linked module can never run. A policy is linked with
// the whole prebuilt runtime (every built-in, the JSON and YAML parsers, the
// regex engine …), and the runtime exports each of its functions so that
// policy code can import them (merge-modules.ts); left as they are, those
// exports keep every function alive, and a two-rule policy weighed 192 KB, of
// which it could reach 79 KB. Every byte is paid again wherever the module
// goes: gzip and upload at publish, the registry's checks, each sidecar's
// download, hashing, signature check and compilation on every activation
// (docs/registry.md, "What a reload costs the decisions").
//
// Reachability is the usual one: from the exports kept, the start function,
// every function an element segment names (the runtime's indirect calls go
// through its table) and every `ref.func` in a constant expression, along
// `call`, `return_call` and `ref.func` in function bodies. Imported
// functions nothing reaches go too: V8 compiles a wrapper for each imported
// function of every new module it instantiates (on its platform threads,
// beside the thread that answers decisions), and a policy that calls no
// host built-in has no use for `opa_builtin0` … `opa_builtin4`. Any import
// object that offers them still links (extra imports are ignored). Types,
// tables, memories, globals, data and other imports are kept as they are
// (all small); the indices of the functions that stay are renumbered.

import { binaryError, Reader, Writer, type Export, type WasmModule } from './binary.js'
import { rewriteBodies, rewriteExpr, rewriteInstructions, type IndexMaps } from './instructions.js'

const same = (i: number) => i

/**
 * `m` with only the exports `keep` accepts and the defined functions they
 * (and the start function and element segments) can reach.
 */
export function pruneModule(m: WasmModule, keep: (e: Export) => boolean): WasmModule {
  const imported = m.imports.filter((i) => i.desc.kind === 'func').length
  const exports = m.exports.filter(keep)
  const live = new Uint8Array(imported + m.funcs.length)
  const work: number[] = []
  const reach = (f: number) => {
    if (f >= live.length) throw binaryError(m.name, 0, `function index ${f} out of range`)
    if (live[f]) return
    live[f] = 1
    if (f >= imported) work.push(f)
  }
  const scratch = new Writer(1024)
  // rewriteInstructions with every map the identity: the walk sees each function index once.
  const visit: IndexMaps = { func: (i) => (reach(i), i), global: same, table: same, type: same, elem: same, data: same }
  const scan = (bytes: Uint8Array, at = 0) => {
    scratch.length = 0
    rewriteInstructions(new Reader(bytes, m.name, 0, bytes.length, at), scratch, visit)
  }

  for (const e of exports) if (e.kind === 'func') reach(e.index)
  if (m.start !== null) reach(m.start)
  for (const el of m.elements) {
    for (const f of el.funcs ?? []) reach(f)
    for (const x of el.exprs ?? []) scan(x)
  }
  for (const g of m.globals) scan(g.init)
  while (work.length) {
    const code = m.codes[work.pop()! - imported]!
    scan(code.body, code.at ?? 0)
  }

  // New indices: the live functions close up, imports first as before.
  const index = new Int32Array(live.length).fill(-1)
  let n = 0
  for (let f = 0; f < live.length; f++) if (live[f]) index[f] = n++
  if (n === live.length) return { ...m, exports }
  const func = (i: number) => index[i]!
  const maps: IndexMaps = { ...visit, func }
  const kept = m.funcs.map((_, d) => d).filter((d) => live[imported + d])
  let importedFunc = 0
  return {
    ...m,
    imports: m.imports.filter((i) => i.desc.kind !== 'func' || live[importedFunc++]),
    funcs: kept.map((d) => m.funcs[d]!),
    codes: rewriteBodies(
      kept.map((d) => m.codes[d]!),
      m.name,
      maps,
    ),
    exports: exports.map((e) => (e.kind === 'func' ? { ...e, index: func(e.index) } : e)),
    start: m.start === null ? null : func(m.start),
    elements: m.elements.map((el) => ({
      ...el,
      ...(el.funcs ? { funcs: el.funcs.map(func) } : {}),
      ...(el.exprs ? { exprs: el.exprs.map((x) => rewriteExpr(x, m.name, maps)) } : {}),
    })),
    globals: m.globals.map((g) => ({ type: g.type, init: rewriteExpr(g.init, m.name, maps) })),
  }
}
