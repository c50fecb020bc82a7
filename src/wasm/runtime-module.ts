// The prebuilt runtime (dist/runtime/runtime.wat + symbols.json, made by
// `npm run build:runtime`): read by loadRuntime() into a RuntimeSymbols that
// a Toolchain (toolchain.ts) holds for as many compiles as its owner runs;
// the code generator queries it for function names.

import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MeshgateError } from '../errors/index.js'

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
  constructor(
    readonly wat: string,
    readonly symbols: SymbolsFile,
  ) {}
  func(name: string): string {
    const f = this.symbols.functions[name]
    if (!f) throw new MeshgateError('internal_error', `runtime function ${name} is missing from the runtime build`)
    return f
  }
}

/** dist/runtime, whether this file runs compiled (dist/src/wasm) or from source (src/wasm, under tsx). */
export function runtimeDir(): string {
  const compiled = fileURLToPath(new URL('../../runtime/', import.meta.url))
  if (existsSync(compiled + 'runtime.wat')) return compiled
  return fileURLToPath(new URL('../../dist/runtime/', import.meta.url))
}

/** Reads the runtime build; each call reads the files again (about a millisecond), so the caller decides how long one is kept. */
export function loadRuntime(): RuntimeSymbols {
  const dir = runtimeDir()
  let wat: string, symbols: SymbolsFile
  try {
    wat = readFileSync(dir + 'runtime.wat', 'utf8')
    symbols = JSON.parse(readFileSync(dir + 'symbols.json', 'utf8')) as SymbolsFile
  } catch (e) {
    throw new MeshgateError('internal_error', `the wasm runtime is not built (run \`npm run build:runtime\`): ${(e as Error).message}`)
  }
  if (!symbols.layout) throw new MeshgateError('internal_error', 'the wasm runtime build predates its layout in symbols.json (run `npm run build:runtime`)')
  return new RuntimeSymbols(wat, deepFreeze(symbols))
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}
