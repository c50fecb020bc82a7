// The prebuilt runtime (dist/runtime/runtime.wasm + symbols.json, made by
// `npm run build:runtime`): read by loadRuntime() into a RuntimeSymbols that
// a Toolchain (toolchain.ts) holds for as many compiles as its owner runs;
// the code generator queries it for function names, the linker takes its
// decoded module.

import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MeshgateError } from '../errors/index.js'
import { decodeModule, emptyModule, Reader, valtype, type WasmModule } from './binary.js'
import { mergeModules } from './merge-modules.js'

/** The module name under which policy code imports the runtime's exports. */
export const RUNTIME_IMPORT_MODULE = 'meshgate:runtime'

/**
 * The SDK's host functions every policy module imports besides the
 * runtime's own `env.opa_abort`: opa_builtin0…4 (builtin id, context, n
 * arguments → value) and opa_println.
 */
export const HOST_FUNCTIONS: readonly { name: string; params: number; result: boolean }[] = [
  ...[0, 1, 2, 3, 4].map((n) => ({ name: `opa_builtin${n}`, params: n + 2, result: true })),
  { name: 'opa_println', params: 1, result: false },
]

export interface SymbolsFile {
  functions: Record<string, string>
  heapOffsetGlobal: string
  start: string | null
  imports: Record<string, string>
  dataEnd: number
  /** The value layout, measured from the runtime's own constructors at build time. */
  layout: RuntimeLayout
}

export interface RuntimeLayout {
  /** mg_type's answer for each kind of value. */
  typeTags: Record<'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set', number>
  /** Byte offsets, in a string value, of its byte length and of its bytes pointer. */
  string: { length: number; bytes: number }
}

export class RuntimeSymbols {
  /** The runtime decoded (its sections; function bodies stay bytes). */
  readonly module: WasmModule
  /**
   * The runtime with the host functions of HOST_FUNCTIONS imported too,
   * what each policy is linked with: the host imports come before every
   * defined function, so adding them shifts the runtime's function indices;
   * done once here, a link only appends and copies the runtime's code as is.
   */
  readonly linkBase: WasmModule
  /**
   * WAT import declarations for every function the runtime exports, under
   * the names code generation uses (`$assembly/index/mg_obj`), typed from
   * the runtime binary itself: the policy module's text starts with them.
   */
  readonly importsWat: string
  /** The runtime's exports for policy code to import (`mg_*`), which a linked module does not export. */
  readonly helperExports: ReadonlySet<string>
  constructor(
    readonly wasm: Uint8Array,
    readonly symbols: SymbolsFile,
  ) {
    this.module = decodeModule(wasm, 'runtime')
    this.linkBase = mergeModules(this.module, hostImports(), RUNTIME_IMPORT_MODULE)
    this.importsWat = runtimeImports(this.module, symbols)
    this.helperExports = new Set(this.module.exports.filter((e) => e.name.startsWith('mg_')).map((e) => e.name))
    Object.freeze(this)
  }
  func(name: string): string {
    const f = this.symbols.functions[name]
    if (!f) throw new MeshgateError('internal_error', `runtime function ${name} is missing from the runtime build`)
    return f
  }
}

/** A module that only imports the host functions. */
function hostImports(): WasmModule {
  const types = HOST_FUNCTIONS.map((h) =>
    Uint8Array.from([0x60, h.params, ...Array<number>(h.params).fill(0x7f), h.result ? 1 : 0, ...(h.result ? [0x7f] : [])]),
  )
  return {
    ...emptyModule('host imports'),
    types,
    imports: HOST_FUNCTIONS.map((h, i) => ({ module: 'env', name: h.name, desc: { kind: 'func', type: i } })),
  }
}

const VALTYPE_NAMES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' }

function runtimeImports(m: WasmModule, symbols: SymbolsFile): string {
  const exported = new Map(m.exports.filter((e) => e.kind === 'func').map((e) => [e.name, e.index]))
  const importedFuncs = m.imports.filter((i) => i.desc.kind === 'func').map((i) => (i.desc.kind === 'func' ? i.desc.type : 0))
  const lines: string[] = []
  const declared = new Set<string>()
  for (const [name, id] of Object.entries(symbols.functions)) {
    if (declared.has(id)) continue // several export names for one function: one import
    const index = exported.get(name)
    if (index === undefined)
      throw new MeshgateError('internal_error', `symbols.json names \`${name}\`, which runtime.wasm does not export (run \`npm run build:runtime\`)`)
    const type = index < importedFuncs.length ? importedFuncs[index]! : m.funcs[index - importedFuncs.length]!
    declared.add(id)
    lines.push(`(import "${RUNTIME_IMPORT_MODULE}" "${name}" (func ${id} ${funcTypeWat(m.types[type]!)}))`)
  }
  return lines.join('\n')
}

/** `(param …) (result …)` of an encoded function type. */
function funcTypeWat(t: Uint8Array): string {
  const r = new Reader(t, 'runtime', 1)
  const params = r.vec(() => VALTYPE_NAMES[valtype(r)]!)
  const results = r.vec(() => VALTYPE_NAMES[valtype(r)]!)
  return [params.length ? `(param ${params.join(' ')})` : '', results.length ? `(result ${results.join(' ')})` : ''].filter(Boolean).join(' ')
}

/** dist/runtime, whether this file runs compiled (dist/src/wasm) or from source (src/wasm, under tsx). */
export function runtimeDir(): string {
  const compiled = fileURLToPath(new URL('../../runtime/', import.meta.url))
  if (existsSync(compiled + 'runtime.wasm')) return compiled
  return fileURLToPath(new URL('../../dist/runtime/', import.meta.url))
}

/** Reads the runtime build; each call reads the files again (about a millisecond), so the caller decides how long one is kept. */
export function loadRuntime(): RuntimeSymbols {
  const dir = runtimeDir()
  let wasm: Uint8Array, symbols: SymbolsFile
  try {
    wasm = new Uint8Array(readFileSync(dir + 'runtime.wasm'))
    symbols = JSON.parse(readFileSync(dir + 'symbols.json', 'utf8')) as SymbolsFile
  } catch (e) {
    throw new MeshgateError('internal_error', `the wasm runtime is not built (run \`npm run build:runtime\`): ${(e as Error).message}`)
  }
  if (!symbols.layout) throw new MeshgateError('internal_error', 'the wasm runtime build predates its layout in symbols.json (run `npm run build:runtime`)')
  return new RuntimeSymbols(wasm, deepFreeze(symbols))
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}
