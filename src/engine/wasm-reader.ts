// A cursor over a WebAssembly binary, for the few facts the loader reads or
// changes before V8 compiles it (memory-import.ts: the memory import's
// minimum; host-exports.ts: the export section): unsigned LEB128 numbers and
// section boundaries, nothing more. A binary that ends early throws a
// RangeError, which each caller turns into "cannot tell" and leaves the
// verdict on the binary to the compiler.
//
// Not the compiler's Reader (src/wasm/binary.ts): the sidecar's serve path
// loads no module of the compiler stage (start-up and memory, issue 13;
// test/cli/serve.test.ts checks the modules it loads).

export class WasmReader {
  /** The next byte to read: after the magic number and version. */
  at = 8

  constructor(readonly bytes: Uint8Array) {}

  /** Whether the bytes start with WebAssembly's magic number. */
  isModule(): boolean {
    const b = this.bytes
    return b.length >= 8 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d
  }

  byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError('truncated')
    return this.bytes[this.at++]!
  }

  /** An unsigned LEB128 number of at most 32 bits. */
  u32(): number {
    let result = 0
    let shift = 0
    for (let i = 0; i < 5; i++) {
      const b = this.byte()
      result |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) return result >>> 0
      shift += 7
    }
    throw new RangeError('LEB128 too long')
  }
}

/** `n` as unsigned LEB128. */
export function leb128(n: number): Uint8Array {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return Uint8Array.from(out)
}
