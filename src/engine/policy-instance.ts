// One module instantiated the way @open-policy-agent/opa-wasm's `loadPolicy`
// does it (its `_importObject`, `_preparePolicy` and `LoadedPolicy`, v1.10),
// with one difference: the WebAssembly.Memory is the caller's. The SDK
// creates a new memory for every load, and each new memory counts towards
// V8's external memory, which starts full mark-compact collections: in a
// sidecar hot-reloading a bundle, one every 8–12 reloads, an 8–25 ms pause of
// the thread that answers decisions (issue 9). A layer can instead hand the
// new revision the memory of the revision it retired (memory-pool.ts).
//
// Everything else follows the SDK: the import object (its own JavaScript
// built-ins first, then the host's), the ABI version checks, the built-in
// and entrypoint tables, `setData` and `evaluate` (ABI 1.1 and 1.2), and what
// each throws, so eval-errors.ts classifies errors alike on both paths.

import { createRequire } from 'node:module'

type Builtin = (...args: unknown[]) => unknown

/** The SDK's JavaScript built-ins (json, strings, regex, yaml), which it prefers to the host's: read from its own files (not in its exports map). */
const SDK_BUILTINS = createRequire(import.meta.resolve('@open-policy-agent/opa-wasm'))('./builtins/index.js') as Readonly<Record<string, Builtin>>

interface OpaExports {
  opa_malloc(n: number): number
  opa_json_parse(addr: number, len: number): number
  opa_json_dump(addr: number): number
  opa_heap_ptr_get(): number
  opa_heap_ptr_set(addr: number): void
  builtins(): number
  entrypoints(): number
  opa_eval?(reserved: number, entrypoint: number, data: number, input: number, inputLen: number, heap: number, format: number): number
  opa_eval_ctx_new(): number
  opa_eval_ctx_set_input(ctx: number, input: number): void
  opa_eval_ctx_set_data(ctx: number, data: number): void
  opa_eval_ctx_set_entrypoint(ctx: number, entrypoint: number): void
  eval(ctx: number): void
  opa_eval_ctx_get_result(ctx: number): number
  opa_wasm_abi_version?: WebAssembly.Global | number
  opa_wasm_abi_minor_version?: WebAssembly.Global | number
}

/** A loaded module: the members of the SDK's LoadedPolicy that the engine uses. */
export class PolicyInstance {
  readonly wasmInstance: WebAssembly.Instance
  dataAddr: number
  readonly baseHeapPtr: number
  dataHeapPtr: number
  readonly entrypoints: Record<string, number>

  private constructor(
    instance: WebAssembly.Instance,
    readonly mem: WebAssembly.Memory,
    readonly minorVersion: number | undefined,
    private readonly env: Env,
  ) {
    this.wasmInstance = instance
    const x = this.exports
    this.dataAddr = loadJSON(x, mem, {})
    this.baseHeapPtr = x.opa_heap_ptr_get()
    this.dataHeapPtr = this.baseHeapPtr
    this.entrypoints = dumpJSON(x, mem, x.entrypoints()) as Record<string, number>
  }

  private get exports(): OpaExports {
    return this.wasmInstance.exports as unknown as OpaExports
  }

  /**
   * Instantiates `module` on `memory` (which must be as the module's import
   * asks: at least its initial pages, within its maximum) with the host
   * built-ins `custom`.
   */
  static async instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory, custom: Readonly<Record<string, Builtin>>): Promise<PolicyInstance> {
    const env: Env = { builtins: {}, loading: true }
    const instance = await WebAssembly.instantiate(module, importObject(env, memory, custom))
    env.instance = instance
    const x = instance.exports as unknown as OpaExports
    const version = (g: WebAssembly.Global | number | undefined) => (g === undefined ? undefined : typeof g === 'number' ? g : Number(g.value))
    const abi = version(x.opa_wasm_abi_version)
    // The SDK's own throw (a string), so the load reports it alike.
    if (abi !== undefined && abi !== 1) throw `unsupported ABI version ${abi}`
    const ids = dumpJSON(x, memory, x.builtins()) as Record<string, number>
    for (const name of Object.keys(ids)) env.builtins[ids[name]!] = name
    const policy = new PolicyInstance(instance, memory, version(x.opa_wasm_abi_minor_version), env)
    env.loading = false
    return policy
  }

  /** The SDK's `evaluate`: input as a value or as JSON bytes (an ArrayBuffer), entrypoint by id or name. */
  evaluate(input: unknown, entrypoint: number | string = 0): unknown {
    let id: number
    if (typeof entrypoint === 'number') id = entrypoint
    else if (Object.prototype.hasOwnProperty.call(this.entrypoints, entrypoint)) id = this.entrypoints[entrypoint]!
    else throw `entrypoint ${entrypoint} is not valid in this instance`
    const x = this.exports
    if ((this.minorVersion ?? 0) >= 2 && x.opa_eval) {
      let len = 0
      let addr = 0
      if (input) {
        const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new TextEncoder().encode(JSON.stringify(input))
        addr = this.dataHeapPtr
        len = bytes.byteLength
        const over = addr + len - this.mem.buffer.byteLength
        if (over > 0) this.mem.grow(Math.ceil(over / 65536))
        new Uint8Array(this.mem.buffer).set(bytes, addr)
      }
      return dumpRaw(this.mem, x.opa_eval(0, id, this.dataAddr, addr, len, this.dataHeapPtr + len, 0))
    }
    x.opa_heap_ptr_set(this.dataHeapPtr)
    const inputAddr = loadJSON(x, this.mem, input)
    const ctx = x.opa_eval_ctx_new()
    x.opa_eval_ctx_set_input(ctx, inputAddr)
    x.opa_eval_ctx_set_data(ctx, this.dataAddr)
    x.opa_eval_ctx_set_entrypoint(ctx, id)
    x.eval(ctx)
    return dumpJSON(x, this.mem, x.opa_eval_ctx_get_result(ctx))
  }

  /** The SDK's `setData`: the data document replaces the last one, above the module's base heap. */
  setData(data: unknown): void {
    const x = this.exports
    // Parsing data is loading too: no built-in answers a module's JSON parser.
    this.env.loading = true
    try {
      x.opa_heap_ptr_set(this.baseHeapPtr)
      this.dataAddr = loadJSON(x, this.mem, data)
      this.dataHeapPtr = x.opa_heap_ptr_get()
    } finally {
      this.env.loading = false
    }
  }
}

/**
 * What the imports share with the instance. `loading` refuses every built-in
 * while the module loads (instantiation, the constructor) and while
 * `setData` parses a document: that code (the start function, `builtins`,
 * `entrypoints`, the module's JSON parser) has no legitimate use for a
 * built-in, and the load probe's worker, which proves that it returns, has
 * none of the host's. A module that called one there and then looped would
 * pass the probe (the call failed in the worker, which counts as finished)
 * and hang this thread (test/engine/fail-safe.test.ts, 8).
 */
interface Env {
  instance?: WebAssembly.Instance
  builtins: Record<number, string>
  loading: boolean
}

function importObject(env: Env, memory: WebAssembly.Memory, custom: Readonly<Record<string, Builtin>>) {
  const text = (addr: number) => {
    const bytes = new Int8Array(memory.buffer)
    let s = ''
    while (bytes[addr] !== 0) s += String.fromCharCode(bytes[addr++]!)
    return s
  }
  const call = (id: number, ...args: number[]): number => {
    if (env.loading) throw { message: `built-in function ${id}${env.builtins[id] ? `: ${env.builtins[id]}` : ''} called while the module loads` }
    const x = env.instance!.exports as unknown as OpaExports
    const name = env.builtins[id]!
    const impl = SDK_BUILTINS[name] ?? custom[name]
    if (impl === undefined) throw { message: `not implemented: built-in function ${id}: ${name}` }
    return loadJSON(x, memory, impl(...args.map((a) => dumpJSON(x, memory, a))))
  }
  return {
    env: {
      memory,
      opa_abort: (addr: number) => {
        throw text(addr)
      },
      opa_println: (addr: number) => console.log(text(addr)),
      // Each function takes as many parameters as its import's signature
      // (the built-in's id, the context, the arguments), as the SDK's do.
      // V8 keeps the wrappers it compiles for a module's imports with the
      // compiled module, keyed by whether the function's arity matches: the
      // probe thread (load-probe.ts) instantiates the module with the SDK's
      // import object first, so with the same arities this thread reuses its
      // wrappers instead of compiling them while decisions wait (0.15–0.2 ms per
      // activation; docs/benchmarks.md, eleventh round).
      opa_builtin0: (id: number, _ctx: number) => call(id),
      opa_builtin1: (id: number, _ctx: number, a: number) => call(id, a),
      opa_builtin2: (id: number, _ctx: number, a: number, b: number) => call(id, a, b),
      opa_builtin3: (id: number, _ctx: number, a: number, b: number, c: number) => call(id, a, b, c),
      opa_builtin4: (id: number, _ctx: number, a: number, b: number, c: number, d: number) => call(id, a, b, c, d),
    },
  }
}

function loadJSON(x: OpaExports, memory: WebAssembly.Memory, value: unknown): number {
  if (value === undefined) return 0
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new TextEncoder().encode(JSON.stringify(value))
  const raw = x.opa_malloc(bytes.byteLength)
  new Uint8Array(memory.buffer).set(bytes, raw)
  const parsed = x.opa_json_parse(raw, bytes.byteLength)
  if (parsed === 0) throw 'failed to parse json value'
  return parsed
}

function dumpJSON(x: OpaExports, memory: WebAssembly.Memory, addr: number): unknown {
  return dumpRaw(memory, x.opa_json_dump(addr))
}

function dumpRaw(memory: WebAssembly.Memory, addr: number): unknown {
  const bytes = new Uint8Array(memory.buffer)
  const end = bytes.indexOf(0, addr)
  return JSON.parse(new TextDecoder().decode(bytes.subarray(addr, end < 0 ? bytes.length : end)))
}
