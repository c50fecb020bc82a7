// Links two decoded modules into one at the module level, the way the
// policy meets the runtime: `extra` (the generated policy) imports what it
// needs from `base` (the prebuilt runtime) under the module name `from`, and
// from the host under any other name.
//
//  - types: base's keep their indices; each of extra's is reused when base
//    has the same signature, else appended (dedupe by encoding)
//  - imports: extra's imports from `from` resolve to base's exports of the
//    same name and kind (function types, global types must match); its
//    other imports are shared with base's import of the same module and
//    name (one memory: the larger minimum) or appended after base's
//  - functions, globals, tables: base's first, then extra's; every index in
//    code, constant expressions, element segments, exports and the start
//    function is rewritten through the maps
//  - data and element segments: base's first; extra's active data must not
//    overlap base's, so the code generator places it after the runtime's
//    data end (checked here)
//  - exports: the union; a name both export is an error
//  - start: whichever module has one (both: an error)
//  - custom sections (names) are dropped

import { binaryError, type Element, type Global, type Import, type Limits, type WasmModule } from './binary.js'
import { rewriteBodies, rewriteExpr, type IndexMaps } from './instructions.js'

type Space = 'func' | 'table' | 'memory' | 'global'

/** How each of extra's imports is satisfied: by an index in the merged module, or by a new import. */
interface Resolution {
  kind: Space
  index: number
}

export function mergeModules(base: WasmModule, extra: WasmModule, from: string): WasmModule {
  const fail = (message: string) => {
    throw binaryError(extra.name, 0, message)
  }

  // Types: dedupe extra's against base's (and against each other).
  const types = [...base.types]
  const typeIndex = new Map<string, number>()
  types.forEach((t, i) => {
    const k = key(t)
    if (!typeIndex.has(k)) typeIndex.set(k, i)
  })
  const extraType = extra.types.map((t) => {
    const k = key(t)
    let i = typeIndex.get(k)
    if (i === undefined) {
      i = types.length
      types.push(t)
      typeIndex.set(k, i)
    }
    return i
  })
  const typeOf = (i: number) => extraType[i] ?? fail(`type index ${i} out of range`)

  // Base's index spaces: imports, then definitions.
  const baseImports = { func: 0, table: 0, memory: 0, global: 0 }
  for (const i of base.imports) baseImports[i.desc.kind]++
  const baseCount = {
    func: baseImports.func + base.funcs.length,
    table: baseImports.table + base.tables.length,
    memory: baseImports.memory + base.memories.length,
    global: baseImports.global + base.globals.length,
  }
  const baseExports = new Map(base.exports.map((e) => [`${e.kind} ${e.name}`, e.index]))
  const baseImportAt = new Map<string, { position: number; index: number }>()
  {
    const n = { func: 0, table: 0, memory: 0, global: 0 }
    base.imports.forEach((imp, position) => baseImportAt.set(`${imp.module}\0${imp.name}`, { position, index: n[imp.desc.kind]++ }))
  }

  // Extra's imports: resolved against base's exports, shared with base's imports, or new.
  const imports: Import[] = base.imports.map((i) => ({ ...i }))
  const added = { func: 0, table: 0, memory: 0, global: 0 }
  const resolutions: (Resolution | { kind: Space; added: number })[] = []
  for (const imp of extra.imports) {
    const kind = imp.desc.kind
    if (imp.module === from) {
      const index = baseExports.get(`${kind} ${imp.name}`)
      if (index === undefined) fail(`imports ${kind} \`${imp.name}\` from ${from}, which does not export it`)
      checkSame(imp, base, index!, typeOf, fail)
      resolutions.push({ kind, index: index! })
      continue
    }
    const shared = baseImportAt.get(`${imp.module}\0${imp.name}`)
    if (shared) {
      const theirs = imports[shared.position]!
      if (theirs.desc.kind !== kind) fail(`imports \`${imp.module}.${imp.name}\` as a ${kind}, the runtime as a ${theirs.desc.kind}`)
      if (imp.desc.kind === 'func' && theirs.desc.kind === 'func' && typeOf(imp.desc.type) !== theirs.desc.type)
        fail(`imports function \`${imp.module}.${imp.name}\` with another type than the runtime does`)
      if (imp.desc.kind === 'global' && theirs.desc.kind === 'global' && !sameGlobal(imp.desc.global, theirs.desc.global))
        fail(`imports global \`${imp.module}.${imp.name}\` with another type than the runtime does`)
      if (imp.desc.kind === 'memory' && theirs.desc.kind === 'memory')
        imports[shared.position] = { ...theirs, desc: { kind: 'memory', limits: widen(theirs.desc.limits, imp.desc.limits, fail) } }
      if (imp.desc.kind === 'table') fail(`imports table \`${imp.module}.${imp.name}\` that the runtime imports too (not supported)`)
      resolutions.push({ kind, index: shared.index })
      continue
    }
    const desc = imp.desc.kind === 'func' ? { kind: 'func' as const, type: typeOf(imp.desc.type) } : imp.desc
    imports.push({ module: imp.module, name: imp.name, desc })
    resolutions.push({ kind, added: added[kind]++ })
  }

  // Merged index spaces: base's imports, extra's new imports, base's definitions, extra's definitions.
  const baseMap = (space: Space) => (i: number) => {
    if (i >= baseCount[space]) throw binaryError(base.name, 0, `${space} index ${i} out of range`)
    return i < baseImports[space] ? i : i + added[space]
  }
  const extraImportIndex: Record<Space, number[]> = { func: [], table: [], memory: [], global: [] }
  for (const r of resolutions) {
    const merged = 'added' in r ? baseImports[r.kind] + r.added : baseMap(r.kind)(r.index)
    extraImportIndex[r.kind].push(merged)
  }
  const extraDefined = { func: extra.funcs.length, table: extra.tables.length, memory: extra.memories.length, global: extra.globals.length }
  const extraMap = (space: Space) => (i: number) => {
    const imported = extraImportIndex[space]
    if (i < imported.length) return imported[i]!
    const d = i - imported.length
    if (d >= extraDefined[space]) fail(`${space} index ${i} out of range`)
    return baseCount[space] + added[space] + d
  }
  if (baseCount.memory + added.memory + extra.memories.length > 1) fail('the merged module would have more than one memory')

  const baseMaps: IndexMaps = {
    func: baseMap('func'),
    global: baseMap('global'),
    table: baseMap('table'),
    type: (i) => i,
    elem: (i) => i,
    data: (i) => i,
  }
  const extraMaps: IndexMaps = {
    func: extraMap('func'),
    global: extraMap('global'),
    table: extraMap('table'),
    type: typeOf,
    elem: (i) => (i < extra.elements.length ? base.elements.length + i : fail(`element index ${i} out of range`)),
    data: (i) => (i < extra.datas.length ? base.datas.length + i : fail(`data index ${i} out of range`)),
  }
  const identity = added.func === 0 && added.global === 0 && added.table === 0

  checkDataPlacement(base, extra, fail)

  // Exports: the union, each name once.
  const exports = base.exports.map((e) => ({ ...e, index: baseMap(e.kind)(e.index) }))
  const names = new Set(exports.map((e) => e.name))
  for (const e of extra.exports) {
    if (names.has(e.name)) fail(`exports \`${e.name}\`, which the runtime exports too`)
    names.add(e.name)
    exports.push({ ...e, index: extraMap(e.kind)(e.index) })
  }

  if (base.start !== null && extra.start !== null) fail('both modules have a start function')
  const start = extra.start !== null ? extraMaps.func(extra.start) : base.start !== null ? baseMaps.func(base.start) : null

  const dataCount = base.dataCount !== null || extra.dataCount !== null ? base.datas.length + extra.datas.length : null
  return {
    name: base.name,
    types,
    imports,
    funcs: [...base.funcs, ...extra.funcs.map(typeOf)],
    tables: [...base.tables, ...extra.tables],
    memories: [...base.memories, ...extra.memories],
    globals: [...base.globals.map((g) => (identity ? g : global(g, base, baseMaps))), ...extra.globals.map((g) => global(g, extra, extraMaps))],
    exports,
    start,
    elements: [...base.elements.map((e) => (identity ? e : element(e, base, baseMaps))), ...extra.elements.map((e) => element(e, extra, extraMaps))],
    dataCount,
    codes: [...(identity ? base.codes : rewriteBodies(base.codes, base.name, baseMaps)), ...rewriteBodies(extra.codes, extra.name, extraMaps)],
    datas: [...base.datas, ...extra.datas.map((d) => (d.mode === 'active' ? { ...d, offset: rewriteExpr(d.offset!, extra.name, extraMaps) } : d))],
  }
}

/** A byte string as a Map key. */
function key(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += String.fromCharCode(x)
  return s
}

/** An import from `from` must have the type of the export it resolves to. */
function checkSame(imp: Import, base: WasmModule, index: number, typeOf: (i: number) => number, fail: (m: string) => never): void {
  if (imp.desc.kind === 'func') {
    const theirs = funcType(base, index)
    if (theirs !== typeOf(imp.desc.type)) fail(`imports function \`${imp.name}\` with another type than the runtime exports it with`)
  } else if (imp.desc.kind === 'global') {
    const theirs = globalTypeOf(base, index)
    if (!sameGlobal(imp.desc.global, theirs)) fail(`imports global \`${imp.name}\` with another type than the runtime exports it with`)
  }
}

function funcType(m: WasmModule, index: number): number {
  let n = 0
  for (const i of m.imports) if (i.desc.kind === 'func' && n++ === index) return i.desc.type
  return m.funcs[index - n]!
}

function globalTypeOf(m: WasmModule, index: number): Global['type'] {
  let n = 0
  for (const i of m.imports) if (i.desc.kind === 'global' && n++ === index) return i.desc.global
  return m.globals[index - n]!.type
}

function sameGlobal(a: Global['type'], b: Global['type']): boolean {
  return a.valtype === b.valtype && a.mutable === b.mutable
}

/** One imported memory serving both modules: at least the larger minimum, at most the smaller maximum. */
function widen(a: Limits, b: Limits, fail: (m: string) => never): Limits {
  if (a.shared !== b.shared) fail('imports a shared and an unshared memory under one name')
  const max = a.max === undefined ? b.max : b.max === undefined ? a.max : Math.min(a.max, b.max)
  const min = Math.max(a.min, b.min)
  if (max !== undefined && min > max) fail(`memory needs ${min} pages but may have at most ${max}`)
  return max === undefined ? { min, shared: a.shared } : { min, max, shared: a.shared }
}

/** Extra's active data (at constant addresses) must not overlap any of base's. */
function checkDataPlacement(base: WasmModule, extra: WasmModule, fail: (m: string) => never): void {
  const ranges = (m: WasmModule) =>
    m.datas.flatMap((d) => {
      const at = d.mode === 'active' ? constI32(d.offset!) : null
      return at === null || d.bytes.length === 0 ? [] : [[at, at + d.bytes.length] as const]
    })
  const theirs = ranges(base)
  for (const [a, b] of ranges(extra)) {
    const hit = theirs.find(([c, d]) => a < d && c < b)
    if (hit) fail(`data at [${a}, ${b}) overlaps the runtime's data at [${hit[0]}, ${hit[1]})`)
  }
}

/** The value of an `i32.const n; end` expression, else null. */
export function constI32(e: Uint8Array): number | null {
  if (e[0] !== 0x41) return null
  let result = 0
  let shift = 0
  let i = 1
  for (;;) {
    const b = e[i++]
    if (b === undefined) return null
    result |= (b & 0x7f) << shift
    shift += 7
    if ((b & 0x80) === 0) {
      if (shift < 32 && b & 0x40) result |= ~0 << shift
      return e[i] === 0x0b ? result : null
    }
  }
}

/** The end of a module's static data: the first byte after its last active segment at a constant address. */
export function dataEnd(m: WasmModule): number {
  let end = 0
  for (const d of m.datas) {
    const at = d.mode === 'active' ? constI32(d.offset!) : null
    if (at !== null) end = Math.max(end, at + d.bytes.length)
  }
  return end
}

function global(g: Global, m: WasmModule, maps: IndexMaps): Global {
  return { type: g.type, init: rewriteExpr(g.init, m.name, maps) }
}

function element(e: Element, m: WasmModule, maps: IndexMaps): Element {
  const out: Element = { ...e, table: e.mode === 'active' ? maps.table(e.table) : e.table }
  if (e.offset) out.offset = rewriteExpr(e.offset, m.name, maps)
  if (e.funcs) out.funcs = e.funcs.map(maps.func)
  if (e.exprs) out.exprs = e.exprs.map((x) => rewriteExpr(x, m.name, maps))
  return out
}
