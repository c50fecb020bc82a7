// One bundle made runnable: an instance per module (loaded as the
// @open-policy-agent/opa-wasm SDK loads it, policy-instance.ts), each with its
// own WebAssembly.Memory capped at a maximum, the
// bundle's data (plus `data.mesh`) set once, and an optional step budget
// passed to meshgate-built modules through `mg_set_step_budget` before each
// evaluation. Built from a BundleImage, which is plain data so the worker
// pool can rebuild the same bundle in another thread.

import { underRoots, type Bundle, type Manifest } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import { evalError } from './eval-errors.js'
import { loadHostBuiltins, type HostBuiltins } from './host-builtins.js'
import { initialPages, maxPages, type Compiled, type LoadProbe } from './load-probe.js'
import { EncodedInput, ModuleCall, type ResultSet } from './module-call.js'
import { PolicyInstance } from './policy-instance.js'
import { afterPendingIo } from './turns.js'

export { EncodedInput, type ResultSet } from './module-call.js'

/** A bundle as plain, cloneable data (a worker pool rebuilds it in each worker). */
export interface BundleImage {
  name: string
  manifest: Manifest
  modules: { path: string; bytes: Uint8Array }[]
  /** The full data document the modules see (bundle data, plus `mesh`). */
  data: Record<string, unknown>
}

export interface BundleLimits {
  /** Maximum memory per module, in MiB. */
  memoryMiB: number
  /** Steps per evaluation for modules exporting `mg_set_step_budget`; 0 = unlimited. */
  steps: number
  /** URL of a module exporting extra `hostBuiltins`. */
  builtinsModule?: string
  /** Deadline for loading a bundle (instantiation runs the module's code), in ms; default 10 s. */
  loadMs?: number
}

export const DEFAULT_LIMITS: BundleLimits = { memoryMiB: 256, steps: 0 }

export interface LoadOptions {
  /** Host functions beyond the catalogued ones (and `limits.builtinsModule`'s). */
  extraBuiltins?: HostBuiltins
  /**
   * The whole host table, already built (loadHostBuiltins plus extras): an
   * engine builds it once instead of once per activation.
   */
  builtins?: HostBuiltins
  /** The modules already compiled (by index, from the load probe's worker): instantiated, not compiled again. */
  compiled?: Compiled
  /**
   * Memories of a retired revision (`retire`), for this load to take instead
   * of creating its own: a new WebAssembly.Memory per reload is what starts
   * most of the sidecar's full collections (policy-instance.ts). A memory
   * taken is removed from the list, whether the load then succeeds or not.
   */
  memories?: SpareMemory[]
  /** Yield to pending I/O between the load's steps (turns.ts): on for a load while the process serves (loadBounded). */
  turns?: boolean
}

/** A retired module's memory, zeroed when taken: as a new one would be, if it is the size and maximum a new one would have. */
export interface SpareMemory {
  memory: WebAssembly.Memory
  /** Its maximum, in pages (which JavaScript cannot read back from the memory). */
  maximum: number
}

/** A memory from `spares` exactly as `new WebAssembly.Memory({ initial, maximum })` would make it (all zero), or undefined. */
function takeMemory(spares: SpareMemory[] | undefined, initial: number, maximum: number): WebAssembly.Memory | undefined {
  const i = spares?.findIndex((s) => s.maximum === maximum && s.memory.buffer.byteLength === initial * 65536) ?? -1
  if (i < 0) return undefined
  const [{ memory }] = spares!.splice(i, 1) as [SpareMemory]
  new Uint8Array(memory.buffer).fill(0)
  return memory
}

interface ModuleRef {
  path: string
  policy: PolicyInstance
  call: ModuleCall
  setSteps?: (n: number) => void
}

export function imageOf(bundle: Bundle, name: string, data: Record<string, unknown>): BundleImage {
  return { name, manifest: bundle.manifest, modules: [...bundle.wasm].map(([path, bytes]) => ({ path, bytes })), data }
}

export class LoadedBundle {
  private img: BundleImage
  /** Entrypoint name → module. */
  private readonly entries = new Map<string, { mod: ModuleRef; id: number }>()
  private readonly limits: BundleLimits
  private readonly encoder = new TextEncoder()
  /** Set by `retire`: its memories may belong to another revision now. */
  private retired = false

  private constructor(image: BundleImage, limits: BundleLimits) {
    this.img = image
    this.limits = limits
  }

  /** What the bundle was loaded from; its modules' bytes are empty after `forgetModuleBytes`. */
  get image(): BundleImage {
    return this.img
  }

  /**
   * Drops the modules' bytes, once nothing will load them again (an engine
   * evaluating in process; a worker pool keeps them to start workers). A
   * large bundle's module is otherwise held twice for the sidecar's
   * lifetime: as bytes and compiled (issue 13: 15 MiB of a 20× domain
   * bundle).
   */
  forgetModuleBytes(): void {
    this.img = { ...this.img, modules: this.img.modules.map((m) => ({ path: m.path, bytes: new Uint8Array(0) })) }
  }

  get name(): string {
    return this.image.name
  }
  get revision(): string {
    return this.image.manifest.revision
  }
  get roots(): string[] {
    return this.image.manifest.roots
  }
  get entrypoints(): string[] {
    return [...this.entries.keys()]
  }

  /**
   * Loads a bundle that came from outside the process (a file, the
   * registry): first in a worker with a deadline (load-probe.ts), then here.
   */
  static async loadBounded(prober: LoadProbe, image: BundleImage, limits: BundleLimits = DEFAULT_LIMITS, opts: LoadOptions = {}): Promise<LoadedBundle> {
    // A turn between the caller's work (reading and checking the bundle) and
    // handing the module to the worker, and between each step of the load
    // below: a sidecar activates while it answers decisions on this thread,
    // and requests that arrive meanwhile are served between the steps
    // instead of waiting for all of them (issue 9).
    await afterPendingIo()
    const compiled = await prober.probe(image, limits)
    return LoadedBundle.load(image, limits, { ...opts, compiled, turns: true })
  }

  static async load(image: BundleImage, limits: BundleLimits = DEFAULT_LIMITS, opts: LoadOptions = {}): Promise<LoadedBundle> {
    const lb = new LoadedBundle(image, limits)
    if (image.modules.length === 0) {
      throw new MeshgateError('bundle_format_error', `bundle \`${image.name}\` holds no \`policy.wasm\``)
    }
    const builtins = opts.builtins ?? { ...(await loadHostBuiltins(limits.builtinsModule)), ...opts.extraBuiltins }
    const maximum = maxPages(limits)
    // Every entrypoint any module exports must lie under the bundle's roots,
    // whatever the manifest lists: the wasm export is what answers, so a
    // domain bundle's module must not be able to answer for `global/...` or
    // `system/main` (the manifest's own `wasm` list is checked by readBundle).
    const roots = image.manifest.roots.length ? image.manifest.roots : ['']
    const declared = new Map<string, string>()
    for (const w of image.manifest.wasm ?? []) declared.set(w.entrypoint, w.module.startsWith('/') ? w.module : '/' + w.module)
    for (const [i, m] of image.modules.entries()) {
      let policy: PolicyInstance
      try {
        const module = opts.compiled?.[i] ?? (await WebAssembly.compile(m.bytes as Uint8Array<ArrayBuffer>))
        const initial = initialPages(m.bytes, maximum)
        const memory = takeMemory(opts.memories, initial, maximum) ?? new WebAssembly.Memory({ initial, maximum })
        policy = await PolicyInstance.instantiate(module, memory, builtins)
        if (opts.turns) await afterPendingIo()
        policy.setData(image.data)
      } catch (e) {
        const err = evalError(e, m.path)
        throw new MeshgateError(
          err.code === 'eval_memory_exceeded' ? err.code : 'bundle_format_error',
          `bundle \`${image.name}\`: module \`${m.path}\` cannot be loaded: ${err.message}`,
        )
      }
      const exports = policy.wasmInstance.exports
      const ref: ModuleRef = { path: m.path, policy, call: new ModuleCall(policy) }
      if (typeof exports.mg_set_step_budget === 'function') ref.setSteps = exports.mg_set_step_budget as (n: number) => void
      const eps = policy.entrypoints
      const outside = Object.keys(eps).filter((ep) => !underRoots(roots, ep))
      if (outside.length) {
        throw new MeshgateError(
          'bundle_scope_error',
          `bundle \`${image.name}\`: module \`${m.path}\` exports entrypoint \`${outside[0]}\` outside the bundle roots ${roots.map((r) => `\`${r}\``).join(', ')}${outside.length > 1 ? ` (and ${outside.length - 1} more)` : ''}`,
          undefined,
          { roots, outside },
        )
      }
      for (const [ep, id] of Object.entries(eps)) {
        // The manifest says which module answers an entrypoint; with no entry
        // every module's own list is used (first module wins).
        const want = declared.get(ep)
        if (want !== undefined && want !== m.path) continue
        if (!lb.entries.has(ep)) lb.entries.set(ep, { mod: ref, id })
      }
    }
    for (const [ep, mod] of declared) {
      if (!lb.entries.has(ep)) throw new MeshgateError('bundle_format_error', `bundle \`${image.name}\`: module \`${mod}\` has no entrypoint \`${ep}\``)
    }
    // The caller's checks and swap come in a turn of their own.
    if (opts.turns) await afterPendingIo()
    return lb
  }

  /**
   * Takes the bundle out of service and gives its modules' memories for a
   * later load to reuse (LoadOptions.memories). Call it only once nothing
   * can evaluate on the bundle again: the engine does at the swap, when the
   * layer's new revision has replaced it (an evaluation in this thread runs
   * to its end synchronously, so none is under way then). From here every
   * `evaluate` and `setData` throws `bundle_unavailable`: a caller that kept
   * the bundle can never read another revision's memory. A load takes only
   * a memory of the size and maximum a new one would have: one that grew
   * (a large input) would stay large for every later revision.
   */
  retire(): SpareMemory[] {
    if (this.retired) return []
    this.retired = true
    const maximum = maxPages(this.limits)
    const spares: SpareMemory[] = []
    const seen = new Set<ModuleRef>()
    for (const { mod } of this.entries.values()) {
      if (seen.has(mod)) continue
      seen.add(mod)
      spares.push({ memory: mod.policy.mem, maximum })
    }
    return spares
  }

  has(entrypoint: string): boolean {
    return this.entries.has(entrypoint)
  }

  /** Serializes an input once, for any number of `evaluate` calls on any bundle. */
  encode(input: unknown): EncodedInput {
    return new EncodedInput(input, this.encoder)
  }

  /**
   * Evaluates one entrypoint. Give an EncodedInput when several entrypoints
   * read the same input: it is serialized once and written into each
   * module's memory once.
   */
  evaluate(entrypoint: string, input: unknown): ResultSet {
    if (this.retired) throw this.retiredError()
    const e = this.entries.get(entrypoint)
    if (!e) throw new MeshgateError('resource_not_found', `bundle \`${this.name}\` has no entrypoint \`${entrypoint}\``)
    try {
      e.mod.setSteps?.(this.limits.steps)
      return e.mod.call.evaluate(e.id, input instanceof EncodedInput ? input : this.encode(input))
    } catch (err) {
      throw evalError(err, entrypoint)
    }
  }

  private retiredError(): MeshgateError {
    return new MeshgateError('bundle_unavailable', `bundle \`${this.name}\` (revision \`${this.revision}\`) has been replaced`)
  }

  /** Replaces the data document of every module. */
  setData(data: Record<string, unknown>): void {
    if (this.retired) throw this.retiredError()
    this.img.data = data
    const seen = new Set<ModuleRef>()
    for (const { mod } of this.entries.values()) {
      if (seen.has(mod)) continue
      seen.add(mod)
      mod.policy.setData(data)
      mod.call.dataChanged()
    }
  }
}
