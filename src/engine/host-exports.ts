// The exports a loaded module keeps: what the host calls (OPA's Wasm ABI,
// meshgate's `mg_eval_parsed`, `mg_set_step_budget` and `mg_coverage`, the
// memory and the ABI version globals). A meshgate-built module also exports
// its runtime's helpers (`mg_*`, about two hundred), which the host never
// calls; V8 makes a function object for every export of every instance: for
// the reload benchmark's bundle, 113 of the 186 KB of JavaScript heap each
// activation allocated (V8's sampling heap profiler), and about half a
// millisecond of the sidecar's main thread per activation (3.95 against 3.35
// ms, benchmarks/reload-cpu.ts, load 0.5; issue 9). A module to be loaded is
// therefore compiled from a copy of its bytes with those exports left out:
// the code, the imports and every other section are as they were. (The full
// collections did not become rarer: V8 sizes the old space from the
// allocation rate, and marked every ≈ 20 reloads either way.)

import { Reader, Writer } from '../wasm/binary.js'
import { isWasm } from './memory-import.js'

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
  if (!isWasm(bytes)) return undefined
  const r = new Reader(bytes, 'policy', 8)
  while (!r.done) {
    const sectionStart = r.pos
    const id = r.byte()
    const size = r.u32()
    const end = r.pos + size
    if (end > bytes.length) return undefined
    if (id !== 7) {
      r.pos = end
      continue
    }
    const count = r.u32()
    const body = new Writer(size)
    let kept = 0
    for (let i = 0; i < count; i++) {
      const start = r.pos
      const len = r.u32()
      const host = hostExportAt(bytes, r.pos, len)
      r.take(len)
      r.byte() // kind
      r.u32() // index
      if (host) {
        body.copy(bytes, start, r.pos)
        kept++
      }
    }
    if (r.pos !== end || kept === count) return undefined
    const section = new Writer(body.length + 5)
    section.u32(kept)
    section.bytes(body.view())
    const sizeField = new Writer(5)
    sizeField.u32(section.length)
    // One buffer of the new module's exact size: the copy the caller owns.
    const out = new Writer(sectionStart + 1 + sizeField.length + section.length + (bytes.length - end))
    out.copy(bytes, 0, sectionStart)
    out.byte(7)
    out.bytes(sizeField.view())
    out.bytes(section.view())
    out.copy(bytes, end, bytes.length)
    const v = out.view()
    return v.byteLength === v.buffer.byteLength ? v : v.slice()
  }
  return undefined
}
