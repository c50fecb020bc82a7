// Compiling Rego with meshgate and loading the module in the official SDK,
// the same way every benchmark does it (and the way the engine does it).

import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm'
import { compile, hostBuiltins, type CompileResult } from '../src/compiler.js'
import { sdkMemory } from '../src/engine/memory-import.js'

export interface Compiled {
  result: CompileResult
  policy: LoadedPolicy
}

export async function compileAndLoad(
  modules: { path: string; source: string }[],
  entrypoints: string[],
  opts: { regoVersion?: 0 | 1; data?: unknown } = {},
): Promise<Compiled> {
  const result = await compile({ modules, entrypoints, ...(opts.regoVersion !== undefined ? { regoVersion: opts.regoVersion } : {}) })
  const policy = await loadPolicy(result.wasm, sdkMemory(result.wasm), { ...hostBuiltins, ...result.hostBuiltins })
  if (opts.data !== undefined) policy.setData(opts.data as object)
  return { result, policy }
}

/** Pages of the module's linear memory (64 KiB each). */
export function memoryPages(policy: LoadedPolicy): number {
  return (policy as unknown as { mem: WebAssembly.Memory }).mem.buffer.byteLength / 65536
}
