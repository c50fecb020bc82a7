// The prebuilt runtime (dist/runtime/runtime.wat + symbols.json, made by
// `npm run build:runtime`): loaded once per process, then queried by the
// code generator for function names.

import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MeshgateError } from '../errors/index.js'

export interface SymbolsFile {
  functions: Record<string, string>
  heapOffsetGlobal: string
  start: string | null
  imports: Record<string, string>
  dataEnd: number
}

export class RuntimeSymbols {
  constructor(readonly wat: string, readonly symbols: SymbolsFile) {}
  func(name: string): string {
    const f = this.symbols.functions[name]
    if (!f) throw new MeshgateError('internal_error', `runtime function ${name} is missing from the runtime build`)
    return f
  }
}

// A lazily built immutable table: the runtime build's text and symbols are
// files of this installation, read once; a RuntimeSymbols never changes after
// its constructor (it only reads its frozen symbols), so every compile in
// the process sees the same answer and none can change it for another.
let loaded: RuntimeSymbols | undefined

/** dist/runtime, whether this file runs compiled (dist/src/wasm) or from source (src/wasm, under tsx). */
export function runtimeDir(): string {
  const compiled = fileURLToPath(new URL('../../runtime/', import.meta.url))
  if (existsSync(compiled + 'runtime.wat')) return compiled
  return fileURLToPath(new URL('../../dist/runtime/', import.meta.url))
}

export function loadRuntime(): RuntimeSymbols {
  if (loaded) return loaded
  const dir = runtimeDir()
  let wat: string, symbols: SymbolsFile
  try {
    wat = readFileSync(dir + 'runtime.wat', 'utf8')
    symbols = JSON.parse(readFileSync(dir + 'symbols.json', 'utf8')) as SymbolsFile
  } catch (e) {
    throw new MeshgateError('internal_error', `the wasm runtime is not built (run \`npm run build:runtime\`): ${(e as Error).message}`)
  }
  return (loaded = new RuntimeSymbols(wat, deepFreeze(symbols)))
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') { for (const v of Object.values(o)) deepFreeze(v); Object.freeze(o) }
  return o
}
