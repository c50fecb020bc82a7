// Calling one loaded module's `opa_eval` export directly (OPA's Wasm ABI 1.2+,
// docs/wasm.md "opa_eval"), the same call the SDK's `evaluate` makes, minus
// its per-call overhead, which a profile of the access decision put at a
// third of the time: a fresh TextEncoder and TextDecoder per call, the input
// re-serialized for every entrypoint, and the result's end found by a
// byte-by-byte JavaScript loop. Here the input is serialized once per
// decision (EncodedInput), written into a module's memory once however many
// of its entrypoints are evaluated on it, and the answer's terminating NUL
// is found with the native `indexOf`. The SDK still loads the module, sets
// its data and handles host built-ins; modules of ABI 1.1 (no `opa_eval`) are
// evaluated through the SDK as before.

/** What ModuleCall reads of a loaded module: the SDK's LoadedPolicy, or a PolicyInstance (policy-instance.ts). */
export interface OpaPolicy {
  readonly mem: WebAssembly.Memory
  readonly wasmInstance: WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource
  readonly minorVersion: unknown
  readonly dataAddr: number
  readonly dataHeapPtr: unknown
  evaluate(input: unknown, entrypoint?: number | string): unknown
}

export type ResultSet = { result: unknown }[]

/**
 * An evaluation's input as JSON text, serialized once for every module that
 * reads it. The text is encoded straight into each module's memory
 * (`encodeInto`), with no intermediate byte array.
 */
export class EncodedInput {
  /** undefined: the input is undefined (nothing is written, `opa_eval` gets length 0). */
  readonly text: string | undefined
  private bytes?: Uint8Array

  /** `text`: the value's JSON text when the caller has it already (it must be `JSON.stringify(value)`). */
  constructor(
    readonly value: unknown,
    private readonly encoder: TextEncoder,
    text?: string,
  ) {
    this.text = text ?? (value === undefined ? undefined : JSON.stringify(value))
  }

  /** The UTF-8 bytes (computed on first use: the SDK path, or an input too large for the room at hand). */
  utf8(): Uint8Array | undefined {
    if (this.text === undefined) return undefined
    return (this.bytes ??= this.encoder.encode(this.text))
  }

  /** The bytes as a fresh ArrayBuffer, as the SDK's `evaluate` reads pre-serialized input. */
  arrayBuffer(): ArrayBuffer | undefined {
    return this.utf8()?.slice().buffer
  }
}

interface AbiExports {
  opa_eval: (reserved: number, entrypoint: number, data: number, input: number, inputLen: number, heap: number, format: number) => number
}

/** meshgate-built modules' exports for evaluating several entrypoints on one parsed input (src/wasm/link.ts). */
interface ParsedInputExports {
  opa_value_parse: (ptr: number, len: number) => number
  opa_heap_ptr_get: () => number
  opa_heap_ptr_set: (ptr: number) => void
  mg_eval_parsed: (entrypoint: number, data: number, input: number, heap: number) => number
}

const PAGE = 64 * 1024

/**
 * The answers most decision rules give (`allow` true or false, an empty
 * `deny`, undefined), recognised from their bytes: a fresh result set each
 * time, without decoding and parsing the text.
 */
const COMMON: [Uint8Array, () => ResultSet][] = [
  ['[{"result":true}]', () => [{ result: true }]],
  ['[{"result":false}]', () => [{ result: false }]],
  ['[{"result":[]}]', () => [{ result: [] }]],
  ['[]', () => []],
].map(([text, make]) => [new TextEncoder().encode(text as string), make as () => ResultSet])

function commonResult(view: Uint8Array, start: number, end: number): ResultSet | undefined {
  const len = end - start
  for (const [bytes, make] of COMMON) {
    if (bytes.length !== len) continue
    let i = 0
    while (i < len && view[start + i] === bytes[i]) i++
    if (i === len) return make()
  }
  return undefined
}

/** One module instance's direct evaluator; owned by its LoadedBundle, used by one thread. */
export class ModuleCall {
  private readonly abi?: AbiExports
  private view: Uint8Array
  private readonly decoder = new TextDecoder()
  private readonly encoder = new TextEncoder()
  /** The input last written at `writtenAt` (the data heap pointer then), still intact below the heap. */
  private written?: EncodedInput
  private writtenAt = -1
  private writtenLen = 0
  /** meshgate-built modules: the input parsed once for every entrypoint evaluated on it. */
  private readonly parsed?: ParsedInputExports
  /** The written input's parsed value (0: not parsed, or not parseable: opa_eval then reports it) and the heap above it. */
  private parsedValue = 0
  private parsedHeap = 0

  /** `parseOnce: false` evaluates every entrypoint through opa_eval, parsing the input each time (the reference the tests compare with). */
  constructor(
    private readonly policy: OpaPolicy,
    opts: { parseOnce?: boolean } = {},
  ) {
    const exports = (policy.wasmInstance as WebAssembly.Instance).exports
    // The SDK itself takes its fast path only from minor version 2 (opa_eval exists).
    if (typeof exports.opa_eval === 'function' && Number(policy.minorVersion) >= 2 && typeof policy.dataHeapPtr === 'number') {
      this.abi = exports as unknown as AbiExports
      if (
        opts.parseOnce !== false &&
        typeof exports.mg_eval_parsed === 'function' &&
        typeof exports.opa_value_parse === 'function' &&
        typeof exports.opa_heap_ptr_get === 'function' &&
        typeof exports.opa_heap_ptr_set === 'function'
      ) {
        this.parsed = exports as unknown as ParsedInputExports
      }
    }
    this.view = new Uint8Array(policy.mem.buffer)
  }

  /** True when the module is evaluated through `opa_eval` directly. */
  get direct(): boolean {
    return this.abi !== undefined
  }

  /** The data changed (SDK `setData`): the data heap pointer moved and the input area with it. */
  dataChanged(): void {
    this.written = undefined
    this.writtenAt = -1
    this.parsedValue = 0
  }

  evaluate(id: number, input: EncodedInput): ResultSet {
    if (!this.abi) return this.policy.evaluate(input.arrayBuffer(), id) as ResultSet
    const p = this.policy
    const at = p.dataHeapPtr as number
    if (input.text !== undefined && (this.written !== input || this.writtenAt !== at)) this.write(input, at)
    const len = input.text === undefined ? 0 : this.writtenLen
    // The heap starts past the input (text, and parsed value when parsed), so
    // the input stays intact for the module's next entrypoint; a parsed input
    // is not parsed again by each entrypoint.
    const out =
      len !== 0 && this.parsedValue !== 0
        ? this.parsed!.mg_eval_parsed(id, p.dataAddr, this.parsedValue, this.parsedHeap)
        : this.abi.opa_eval(0, id, p.dataAddr, len ? at : 0, len, at + len, 0)
    const view = this.bytesView()
    const end = view.indexOf(0, out)
    if (end < 0) throw new Error(`the module's result at ${out} has no terminating NUL`)
    return commonResult(view, out, end) ?? (JSON.parse(this.decoder.decode(view.subarray(out, end))) as ResultSet)
  }

  /** Writes the input's UTF-8 bytes at `at`, growing the memory as the SDK does when they do not fit. */
  private write(input: EncodedInput, at: number): void {
    const text = input.text!
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the exact size is needed only when that bound does not fit.
    if (at + text.length * 3 > this.bytesView().byteLength) {
      const bytes = input.utf8()!
      const over = at + bytes.byteLength - this.policy.mem.buffer.byteLength
      if (over > 0) this.policy.mem.grow(Math.ceil(over / PAGE))
      this.bytesView().set(bytes, at)
      this.writtenLen = bytes.byteLength
    } else {
      this.writtenLen = this.encoder.encodeInto(text, this.bytesView().subarray(at)).written
    }
    this.written = input
    this.writtenAt = at
    this.parsedValue = 0
    if (this.parsed) {
      // Parsed (and frozen) right above its text; a text it cannot parse is left to opa_eval, which reports it as always.
      this.parsed.opa_heap_ptr_set(at + this.writtenLen)
      this.parsedValue = this.parsed.opa_value_parse(at, this.writtenLen)
      this.parsedHeap = this.parsed.opa_heap_ptr_get()
    }
  }

  /**
   * A view of the module's memory. Growing a memory detaches its old buffer
   * (a detached view has length 0), so the view is renewed only then, without
   * asking `memory.buffer` (a slow getter) on every call.
   */
  private bytesView(): Uint8Array {
    if (this.view.byteLength === 0) this.view = new Uint8Array(this.policy.mem.buffer)
    return this.view
  }
}
