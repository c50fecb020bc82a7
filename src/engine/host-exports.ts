// The exports a loaded module keeps: what the host calls (OPA's Wasm ABI,
// meshgate's `mg_eval_parsed`, `mg_set_step_budget` and `mg_coverage`, the
// memory and the ABI version globals). Modules that meshgate linked before
// its linker pruned them (wasm/prune.ts) also export their runtime's helpers
// (`mg_*`, about two hundred), which the host never calls; V8 makes a
// function object for every export of every instance: for the reload
// benchmark's bundle, 113 of the 186 KB of JavaScript heap each
// activation allocated (V8's sampling heap profiler), and about half a
// millisecond of the sidecar's main thread per activation (3.95 against 3.35
// ms, benchmarks/reload-cpu.ts, load 0.5; issue 9). A module to be loaded is
// therefore compiled from a copy of its bytes with those exports left out:
// the code, the imports and every other section are as they were. (The full
// collections did not become rarer: V8 sizes the old space from the
// allocation rate, and marked every ≈ 20 reloads either way.)

import { leb128, WasmReader } from './wasm-reader.js'

/** Exports the host calls besides OPA's ABI (`opa_*`, `builtins`, `entrypoints`, `eval`, `memory`). */
const HOST_CALLED = new Set(['mg_eval_parsed', 'mg_set_step_budget', 'mg_coverage'])

/** Whether the host may call or read the export `name`. */
export function hostExport(name: string): boolean {
  return !name.startsWith('mg_') || HOST_CALLED.has(name)
}

const HOST_CALLED_UTF8 = [...HOST_CALLED].map((n) => new TextEncoder().encode(n))

/** hostExport on the name's UTF-8 bytes, `len` of them at `at` (without a string per export: a reload's garbage is what this file is for). */
function hostExportAt(bytes: Uint8Array, at: number, len: number): boolean {
  if (len < 3 || bytes[at] !== 0x6d || bytes[at + 1] !== 0x67 || bytes[at + 2] !== 0x5f) return true // not `mg_`
  for (const name of HOST_CALLED_UTF8) {
    if (name.length !== len) continue
    let i = 0
    while (i < len && bytes[at + i] === name[i]) i++
    if (i === len) return true
  }
  return false
}

/**
 * A copy of the module `bytes` whose export section keeps only the exports
 * `hostExport` accepts; a plain copy when nothing is left out or the binary
 * cannot be read (the compiler then reports what is wrong with it).
 */
export function withHostExports(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  try {
    return rewrite(bytes) ?? new Uint8Array(bytes)
  } catch {
    return new Uint8Array(bytes)
  }
}

function rewrite(bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  const r = new WasmReader(bytes)
  if (!r.isModule()) return undefined
  while (r.at < bytes.length) {
    const sectionStart = r.at
    const id = r.byte()
    const size = r.u32()
    const end = r.at + size
    if (end > bytes.length) return undefined
    if (id !== 7) {
      r.at = end
      continue
    }
    const count = r.u32()
    const kept: Uint8Array[] = []
    for (let i = 0; i < count; i++) {
      const start = r.at
      const len = r.u32()
      const host = hostExportAt(bytes, r.at, len)
      r.at += len
      r.byte() // kind
      r.u32() // index
      if (host) kept.push(bytes.subarray(start, r.at))
    }
    if (r.at !== end) return undefined
    if (kept.length === count) return undefined
    const body = [leb128(kept.length), ...kept]
    const bodySize = body.reduce((n, b) => n + b.length, 0)
    const parts = [bytes.subarray(0, sectionStart), Uint8Array.of(7), leb128(bodySize), ...body, bytes.subarray(end)]
    const out = new Uint8Array(parts.reduce((n, b) => n + b.length, 0))
    let o = 0
    for (const p of parts) {
      out.set(p, o)
      o += p.length
    }
    return out
  }
  return undefined
}
