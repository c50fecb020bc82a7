// Instruction-level index rewriting for the linker (merge-modules.ts): walks
// a function body or constant expression once and writes it again with each
// function, global, table, type, element and data index passed through the
// module's maps. Everything else is copied byte for byte. Covers the
// features the runtime build and the code generator use (MVP, sign
// extension, saturating conversions, bulk memory, reference types, multi
// value, tail calls); any other opcode (SIMD, exceptions, threads, GC) is
// refused by name rather than guessed at.

import { Reader, Writer, type Code } from './binary.js'

/** Old index → new index, per index space of one input module. */
export interface IndexMaps {
  func(i: number): number
  global(i: number): number
  table(i: number): number
  type(i: number): number
  elem(i: number): number
  data(i: number): number
}

const BLOCK_TYPE_BYTES = new Set([0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f])

/**
 * Rewrites the instructions in `r` (from its position to its end) into `w`.
 * Spans without indices are copied in one piece, so a body whose maps are
 * the identity costs one pass and a copy.
 */
export function rewriteInstructions(r: Reader, w: Writer, maps: IndexMaps): void {
  let copied = r.pos
  const flush = (upTo: number) => {
    if (upTo > copied) w.copy(r.bytes, copied, upTo)
  }
  /** Replaces the u32 immediate at the reader's position by `map(it)`. */
  const remap = (map: (i: number) => number) => {
    flush(r.pos)
    w.u32(map(r.u32()))
    copied = r.pos
  }
  while (!r.done) {
    const at = r.pos
    const op = r.byte()
    if (op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || op === 0xd1) continue
    if (op >= 0x45 && op <= 0xc4) continue // numeric instructions: no immediates
    if (op >= 0x28 && op <= 0x3e) {
      const align = r.u32()
      if (align & 0x40) r.fail('multiple memories are not supported', at)
      r.u32()
      continue
    }
    switch (op) {
      case 0x02: // block
      case 0x03: // loop
      case 0x04: {
        // if
        if (BLOCK_TYPE_BYTES.has(r.bytes[r.pos]!)) r.pos++
        else {
          flush(r.pos)
          const t = r.s33()
          if (t < 0) r.fail('unsupported block type', at + 1)
          w.s33(maps.type(t))
          copied = r.pos
        }
        continue
      }
      case 0x0c: // br
      case 0x0d: // br_if
      case 0x20: // local.get
      case 0x21: // local.set
      case 0x22: // local.tee
        r.u32()
        continue
      case 0x0e: {
        // br_table
        const n = r.u32()
        for (let i = 0; i <= n; i++) r.u32()
        continue
      }
      case 0x10: // call
      case 0x12: // return_call
      case 0xd2: // ref.func
        remap(maps.func)
        continue
      case 0x11: // call_indirect
      case 0x13: // return_call_indirect
        remap(maps.type)
        remap(maps.table)
        continue
      case 0x1c: {
        // select t*
        const n = r.u32()
        r.take(n)
        continue
      }
      case 0x23: // global.get
      case 0x24: // global.set
        remap(maps.global)
        continue
      case 0x25: // table.get
      case 0x26: // table.set
        remap(maps.table)
        continue
      case 0x3f: // memory.size
      case 0x40: // memory.grow
        memoryIndex(r, at)
        continue
      case 0x41:
        r.skipSigned(32)
        continue
      case 0x42:
        r.skipSigned(64)
        continue
      case 0x43:
        r.take(4)
        continue
      case 0x44:
        r.take(8)
        continue
      case 0xd0: // ref.null
        r.byte()
        continue
      case 0xfc:
        prefixed(r, at, maps, remap)
        continue
      default:
        r.fail(`unsupported instruction 0x${op.toString(16)}`, at)
    }
  }
  flush(r.pos)
}

function memoryIndex(r: Reader, at: number): void {
  if (r.u32() !== 0) r.fail('multiple memories are not supported', at)
}

/** The 0xfc group: saturating conversions, bulk memory, table instructions. */
function prefixed(r: Reader, at: number, maps: IndexMaps, remap: (map: (i: number) => number) => void): void {
  const sub = r.u32()
  if (sub <= 7) return // i32.trunc_sat_f32_s … i64.trunc_sat_f64_u
  switch (sub) {
    case 8: // memory.init
      remap(maps.data)
      memoryIndex(r, at)
      return
    case 9: // data.drop
      remap(maps.data)
      return
    case 10: // memory.copy
      memoryIndex(r, at)
      memoryIndex(r, at)
      return
    case 11: // memory.fill
      memoryIndex(r, at)
      return
    case 12: // table.init
      remap(maps.elem)
      remap(maps.table)
      return
    case 13: // elem.drop
      remap(maps.elem)
      return
    case 14: // table.copy
      remap(maps.table)
      remap(maps.table)
      return
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      remap(maps.table)
      return
    default:
      r.fail(`unsupported instruction 0xfc ${sub}`, at)
  }
}

/** A constant expression (a global's init, a segment's offset, an element) rewritten. */
export function rewriteExpr(e: Uint8Array, module: string, maps: IndexMaps): Uint8Array {
  const w = new Writer(e.length + 8)
  rewriteInstructions(new Reader(e, module), w, maps)
  return w.view().slice()
}

/** Function bodies rewritten into one buffer (thousands of small ones would each cost an allocation). */
export function rewriteBodies(codes: readonly Code[], module: string, maps: IndexMaps): Code[] {
  let size = 0
  for (const c of codes) size += c.body.length
  const w = new Writer(size + (size >> 3))
  const ends = codes.map((c) => {
    rewriteInstructions(new Reader(c.body, module, 0, c.body.length, c.at ?? 0), w, maps)
    return w.length
  })
  const all = w.view()
  return codes.map((c, i) => ({ locals: c.locals, body: all.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]!) }))
}
