// The initial page count a module's imported memory asks for, read from its
// binary's import section (the WebAssembly JS API does not expose import
// limits). A module whose data segments are large (a policy with thousands of
// rules interns every string it compares) imports more than the 5 pages the
// SDK creates by default, and instantiating it with fewer fails with a link
// error; the loader therefore creates the memory at least this large.

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
  let at = 8 // magic and version
  const u32 = (): number => {
    let result = 0
    let shift = 0
    for (let i = 0; i < 5; i++) {
      if (at >= bytes.length) throw new RangeError('truncated')
      const b = bytes[at++]!
      result |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) return result >>> 0
      shift += 7
    }
    throw new RangeError('LEB128 too long')
  }
  const skipName = () => {
    const n = u32()
    at += n
  }
  const skipLimits = (): number => {
    const flags = bytes[at++]!
    const min = u32()
    if (flags & 1) u32()
    return min
  }
  try {
    if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return undefined
    while (at < bytes.length) {
      const id = bytes[at++]!
      const size = u32()
      const end = at + size
      if (id !== 2) {
        at = end
        continue
      }
      const count = u32()
      for (let i = 0; i < count; i++) {
        skipName()
        skipName()
        const kind = bytes[at++]!
        if (kind === 0) u32()
        else if (kind === 1) {
          at++
          skipLimits()
        } else if (kind === 2) return skipLimits()
        else if (kind === 3) at += 2
        else return undefined
      }
      return undefined
    }
  } catch {
    return undefined
  }
  return undefined
}
