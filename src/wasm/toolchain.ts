// The tools a link needs that are not the plan: the prebuilt runtime (its
// decoded binary, ready to be merged with, and symbols) and an instantiated
// wabt, which assembles each policy's own text. Making them costs tens of
// milliseconds (wabt instantiates its own WebAssembly), so whoever compiles
// many times (`policy test`, the engine, benchmarks) creates one Toolchain
// and passes it to each compile(); a compile() without one makes its own.
// Nothing here is module state: two toolchains never share anything, and a
// Toolchain is only read after it is created.

import wabtInit from 'wabt'
import { loadRuntime, type RuntimeSymbols } from './runtime-module.js'

export type Wabt = Awaited<ReturnType<typeof wabtInit>>

export interface Toolchain {
  readonly runtime: RuntimeSymbols
  /**
   * The wabt library. Each link creates, uses and destroys its own wabt
   * module in one synchronous stretch (no await between parseWat and
   * destroy), so compiles sharing a toolchain never see each other's module.
   */
  readonly wabt: Wabt
}

/** Reads the runtime build and instantiates wabt. */
export async function createToolchain(): Promise<Toolchain> {
  const runtime = loadRuntime()
  return Object.freeze({ runtime, wabt: await wabtInit() })
}
