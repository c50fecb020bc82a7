// The initial page count a module's imported memory asks for, read from its
// binary's import section (the WebAssembly JS API does not expose import
// limits). A module whose data segments are large (a policy with thousands of
// rules interns every string it compares) imports more than the 5 pages the
// SDK creates by default, and instantiating it with fewer fails with a link
// error; the loader therefore creates the memory at least this large.

import { WasmReader } from './wasm-reader.js'

/** The SDK's default initial memory, in 64 KiB pages (`loadPolicy` without a memory descriptor). */
export const SDK_DEFAULT_PAGES = 5

/**
 * The memory descriptor to hand `loadPolicy` for a module: the SDK's 5 pages,
 * or what the module's memory import asks for when that is more (a module
 * with large data segments), so loading it never fails with a link error.
 */
export function sdkMemory(bytes: Uint8Array): { initial: number } {
  return { initial: Math.max(SDK_DEFAULT_PAGES, memoryImportMinimum(bytes) ?? 0) }
}

/** Minimum pages of the first `memory` import, or undefined when there is none or the binary cannot be read. */
export function memoryImportMinimum(bytes: Uint8Array): number | undefined {
  const r = new WasmReader(bytes)
  const skipName = () => {
    const n = r.u32()
    r.at += n
  }
  const skipLimits = (): number => {
    const flags = r.byte()
    const min = r.u32()
    if (flags & 1) r.u32()
    return min
  }
  try {
    if (!r.isModule()) return undefined
    while (r.at < bytes.length) {
      const id = r.byte()
      const size = r.u32()
      const end = r.at + size
      if (id !== 2) {
        r.at = end
        continue
      }
      const count = r.u32()
      for (let i = 0; i < count; i++) {
        skipName()
        skipName()
        const kind = r.byte()
        if (kind === 0) r.u32()
        else if (kind === 1) {
          r.at++
          skipLimits()
        } else if (kind === 2) return skipLimits()
        else if (kind === 3) r.at += 2
        else return undefined
      }
      return undefined
    }
  } catch {
    return undefined
  }
  return undefined
}
