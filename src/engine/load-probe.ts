// Bounded instantiation. Loading a module runs code the bundle brought: its
// start function, and the exports the SDK calls while loading (`builtins`,
// `entrypoints`, the JSON parser behind `setData`). A module whose code never
// returns would hang the process at 100% CPU, and no evaluation budget
// applies yet. So a bundle is first loaded in a worker thread with a
// deadline; past it the worker is terminated (and replaced on the next
// probe) and the bundle refused. The same image then loads on the calling
// thread: the load is deterministic, so what finished in the worker
// finishes here.
//
// The worker compiles each module once and hands the compiled
// WebAssembly.Module back (a module posted between threads of one process
// shares its compiled code): the calling thread only instantiates it. Before,
// both threads compiled the same bytes, which cost the process about a
// millisecond of CPU per activation on the two cores the sidecar shares with
// its clients (docs/registry.md, "What a reload costs the decisions").
//
// One worker per LoadProbe (the engine owns one), kept between probes:
// starting a Node worker costs ≈ 60 ms of CPU, which on a small machine shows
// in the latency of every decision served during a hot reload.

import { readdirSync } from 'node:fs'
import { setPriority } from 'node:os'
import { Worker } from 'node:worker_threads'
import { MeshgateError } from '../errors/index.js'
import type { BundleImage, BundleLimits } from './loaded-bundle.js'
import { withHostExports } from './host-exports.js'
import { sdkMemory } from './memory-import.js'

/**
 * The probe's import object for a module on `memory`, as JavaScript source:
 * each function with the arity policy-instance.ts gives it (V8 keeps the
 * wrappers it compiles for the imports with the compiled module, keyed by
 * arity, so the calling thread reuses the probe's; test/engine/import-arity).
 * Every built-in throws: the calling thread refuses built-ins while a module
 * loads too, so both stop at the same call.
 */
export const PROBE_IMPORTS_SOURCE = `(memory) => {
  const refuse = (id) => { throw { message: 'built-in function ' + id + ' called while the module loads' } }
  return {
    env: {
      memory,
      opa_abort: (addr) => { throw 'opa_abort' },
      opa_println: (addr) => {},
      opa_builtin0: (id, _ctx) => refuse(id),
      opa_builtin1: (id, _ctx, a) => refuse(id),
      opa_builtin2: (id, _ctx, a, b) => refuse(id),
      opa_builtin3: (id, _ctx, a, b, c) => refuse(id),
      opa_builtin4: (id, _ctx, a, b, c, d) => refuse(id),
    },
  }
}`

/**
 * The worker: for each request, exactly the module code that loading runs
 * (policy-instance.ts, which follows the SDK's loadPolicy: instantiation with
 * its start function, the ABI version check, `builtins`, the empty document
 * and `entrypoints`, then `setData`), then a reply saying it finished, with
 * each module as compiled (null where it did not compile). A load that
 * throws also counts as finished: the calling thread's load reports the
 * error with its code.
 *
 * It is inline JavaScript started with no `execArgv` and importing nothing,
 * so it starts in tens of milliseconds whatever loaders the parent runs
 * under (a TypeScript loader in a worker costs seconds per start). It once
 * imported the SDK for its `loadPolicy`: a start and a first probe then took
 * ≈ 130 ms of the process's CPU, against ≈ 60 ms now (docs/benchmarks.md,
 * seventeenth round).
 */
const PROBE_SOURCE = `
const { parentPort } = require('node:worker_threads')
const importsFor = ${PROBE_IMPORTS_SOURCE}
const encoder = new TextEncoder()
const decoder = new TextDecoder()
const loadJSON = (x, memory, value) => {
  const bytes = encoder.encode(JSON.stringify(value))
  const raw = x.opa_malloc(bytes.byteLength)
  new Uint8Array(memory.buffer).set(bytes, raw)
  if (x.opa_json_parse(raw, bytes.byteLength) === 0) throw 'failed to parse json value'
}
const dumpJSON = (x, memory, addr) => {
  const at = x.opa_json_dump(addr)
  const bytes = new Uint8Array(memory.buffer)
  const end = bytes.indexOf(0, at)
  return JSON.parse(decoder.decode(bytes.subarray(at, end < 0 ? bytes.length : end)))
}
// The last probe's memory, when it did not grow: the next probe of a module
// of the same size loads into it, zeroed, as the calling thread reuses a
// retired revision's (loaded-bundle.ts). A new one each time is a new
// reservation of address space to map, fault in and tear down, and on a
// small VM page faults were a large share of the probe thread's time
// (docs/benchmarks.md, seventeenth round). The rule is takeMemory's in
// loaded-bundle.ts, written again here because this is inline JavaScript.
let spare
const memoryFor = (pages, maximum) => {
  const reuse = spare && spare.maximum === maximum && spare.memory.buffer.byteLength === pages * 65536
  const memory = reuse ? spare.memory : new WebAssembly.Memory({ initial: pages, maximum })
  if (reuse) new Uint8Array(memory.buffer).fill(0)
  spare = undefined
  return memory
}
const keep = (memory, pages, maximum) => {
  if (memory.buffer.byteLength === pages * 65536) spare = { memory, maximum }
}
parentPort.on('message', async ({ id, image, maximum, initial }) => {
  const compiled = image.modules.map(() => null)
  try {
    for (const [i, m] of image.modules.entries()) {
      compiled[i] = await WebAssembly.compile(m.bytes)
      const memory = memoryFor(initial[i], maximum)
      try {
        await probeLoad(compiled[i], memory, image.data)
      } finally {
        keep(memory, initial[i], maximum)
      }
    }
  } catch {}
  parentPort.postMessage({ id, compiled })
})
async function probeLoad(module, memory, data) {
  const instance = await WebAssembly.instantiate(module, importsFor(memory))
  const x = instance.exports
  const abi = x.opa_wasm_abi_version
  if (abi !== undefined && Number(typeof abi === 'number' ? abi : abi.value) !== 1) throw 'unsupported ABI version'
  dumpJSON(x, memory, x.builtins())
  loadJSON(x, memory, {})
  const base = x.opa_heap_ptr_get()
  dumpJSON(x, memory, x.entrypoints())
  x.opa_heap_ptr_set(base)
  if (data !== undefined) loadJSON(x, memory, data)
}
parentPort.postMessage('ready')
`

/**
 * The probe thread's nice value (Linux; elsewhere it keeps the process's):
 * its work is a check with a deadline of seconds, while the thread that
 * started it answers decisions within a millisecond; on a machine with few
 * cores the two compete, and the decisions should win. Most of that work is
 * the worker's own start (Node's bootstrap of a thread; with a first probe
 * ≈ 60 ms of the process's CPU), paid again by the first activation after
 * the worker stopped when idle; a probe of the reload benchmark's module
 * (receiving it, compiling, instantiating) is ≈ 1.5 ms. So the thread is
 * set from here, as soon as it exists: set by the worker itself, its
 * bootstrap ran at the decisions' priority.
 */
export const PROBE_NICE = 10

/** This process's thread ids (Linux), or undefined where /proc has none. */
function threadIds(): Set<string> | undefined {
  try {
    return new Set(readdirSync('/proc/self/task'))
  } catch {
    return undefined
  }
}

/**
 * Sets `nice` on the threads of this process that `before` did not list: a
 * Worker's thread is created within its constructor, and nothing else starts
 * a thread meanwhile (V8's and libuv's pools are started by the main thread's
 * own calls, not concurrently). setpriority on a thread id sets that
 * thread's nice value only.
 */
function niceNewThreads(before: Set<string> | undefined, nice: number): void {
  if (!before) return
  for (const tid of threadIds() ?? []) {
    if (before.has(tid)) continue
    try {
      setPriority(Number(tid), nice)
    } catch {
      // ended meanwhile, or not permitted: it keeps the process's priority
    }
  }
}

/** The most 64 KiB pages one module's memory may grow to. */
export function maxPages(limits: BundleLimits): number {
  return Math.max(2, Math.floor((limits.memoryMiB * 1024 * 1024) / 65536))
}

/** The pages a module's memory starts with: the SDK's 5, or what its memory import asks for (large data segments), within the limit. */
export function initialPages(bytes: Uint8Array, maximum: number): number {
  return Math.min(sdkMemory(bytes).initial, maximum)
}

/** Default deadline for loading one bundle, in milliseconds. */
export const DEFAULT_LOAD_MS = 10_000

/** Each module of a probed image as the worker compiled it, by index; undefined where it did not compile. */
export type Compiled = (WebAssembly.Module | undefined)[]

interface ProbeWorker {
  worker: Worker
  ready: Promise<void>
  /** Heap limit it was started with; a probe needing more starts a new one. */
  heapMb: number
}

/**
 * An idle worker is stopped after this long: its isolate (and the modules it
 * last loaded) would otherwise stay resident for the sidecar's lifetime, tens
 * of MB for a check that runs once per bundle activation. The next
 * activation starts a new one (tens of milliseconds, inside its deadline).
 */
export const PROBE_IDLE_MS = 2_000

/** The worker's JS heap cap: the module's own memory is capped by `limits.memoryMiB`; this caps the JS side. */
function heapMbFor(limits: BundleLimits): number {
  return Math.max(256, limits.memoryMiB * 4)
}

export class LoadProbe {
  private current?: ProbeWorker
  private nextId = 1
  private queue: Promise<unknown> = Promise.resolve()
  private pending = 0
  private idle?: NodeJS.Timeout

  constructor(private readonly idleMs = PROBE_IDLE_MS) {}

  /** Whether a worker is running now (stopped when idle). */
  get running(): boolean {
    return this.current !== undefined
  }

  /**
   * Loads `image` in the worker within `limits.loadMs`; throws
   * `bundle_format_error` past the deadline. Resolves to each module as the
   * worker compiled it (undefined where it did not compile: the caller's own
   * load then reports why). Probes run one at a time.
   */
  probe(image: BundleImage, limits: BundleLimits): Promise<Compiled> {
    clearTimeout(this.idle)
    this.pending++
    const run = this.queue.then(() => this.once(image, limits))
    this.queue = run
      .catch(() => undefined)
      .then(() => {
        if (--this.pending === 0) this.stopWhenIdle()
      })
    return run
  }

  /**
   * Starts the worker now, ahead of a first probe expected soon (a sidecar
   * starting): its start then overlaps the caller's other work instead of
   * delaying the first activation (issue 13). Unused, it stops when idle.
   */
  warm(limits: BundleLimits): void {
    if (this.pending > 0 || this.current) return
    this.current = this.start(heapMbFor(limits))
    this.stopWhenIdle()
  }

  private stopWhenIdle(): void {
    clearTimeout(this.idle)
    this.idle = setTimeout(() => {
      if (this.pending === 0) void this.close()
    }, this.idleMs)
    this.idle.unref()
  }

  async close(): Promise<void> {
    clearTimeout(this.idle)
    const w = this.current
    this.current = undefined
    await w?.worker.terminate()
  }

  private start(heapMb: number): ProbeWorker {
    const before = threadIds()
    const worker = new Worker(PROBE_SOURCE, {
      eval: true,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    })
    niceNewThreads(before, PROBE_NICE)
    worker.unref()
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if (m === 'ready') {
          worker.off('message', onMessage)
          resolve()
        }
      }
      worker.on('message', onMessage)
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`the loader exited (${code})`)))
    })
    ready.catch(() => undefined)
    return { worker, ready, heapMb }
  }

  private async once(image: BundleImage, limits: BundleLimits): Promise<Compiled> {
    const deadline = limits.loadMs ?? DEFAULT_LOAD_MS
    const heapMb = heapMbFor(limits)
    if (!this.current || this.current.heapMb !== heapMb) {
      await this.current?.worker.terminate()
      this.current = this.start(heapMb)
    }
    const w = this.current
    const id = this.nextId++
    const refuse = (why: string) => new MeshgateError('bundle_format_error', `bundle \`${image.name}\` ${why}`)
    try {
      return await new Promise<Compiled>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            finish(refuse(`: a module did not finish loading within ${deadline} ms (its start function or an export it runs while loading does not return)`)),
          deadline,
        )
        const onMessage = (m: unknown) => {
          const reply = m as { id?: unknown; compiled?: unknown }
          if (typeof reply !== 'object' || reply === null || reply.id !== id) return
          // Only what this worker compiled from these bytes, one per module: anything else is compiled here from the bytes.
          const compiled = Array.isArray(reply.compiled) ? reply.compiled : []
          finish(
            undefined,
            image.modules.map((_, i) => (compiled[i] instanceof WebAssembly.Module ? (compiled[i] as WebAssembly.Module) : undefined)),
          )
        }
        const onError = (e: Error) => finish(refuse(`cannot be loaded: ${e.message}`))
        const onExit = (code: number) => finish(refuse(`cannot be loaded: the loader exited (${code})`))
        function finish(err?: Error, compiled: Compiled = []) {
          clearTimeout(timer)
          w.worker.off('message', onMessage)
          w.worker.off('error', onError)
          w.worker.off('exit', onExit)
          if (err) reject(err)
          else resolve(compiled)
        }
        w.worker.on('message', onMessage)
        w.worker.once('error', onError)
        w.worker.once('exit', onExit)
        // The deadline covers the worker's start too: a first probe pays it once.
        w.ready.then(
          () => {
            // The modules go as copies the worker takes over (transferred, not
            // serialized): cloning a view writes its bytes into the message
            // through a buffer that grows as it goes (several copies; 120–130
            // against 155–200 µs per postMessage of a 180 KiB module, timed
            // alone). The caller's bytes stay here for the load that follows.
            // withHostExports copies into a buffer of its own (a Buffer's `slice` would not).
            // The copy keeps only the exports the host calls (host-exports.ts): the worker compiles it, and this thread instantiates what it compiled.
            const modules = image.modules.map((m) => ({ path: m.path, bytes: withHostExports(m.bytes) }))
            const initial = image.modules.map((m) => initialPages(m.bytes, maxPages(limits)))
            w.worker.postMessage(
              { id, image: { ...image, modules }, maximum: maxPages(limits), initial },
              modules.map((m) => m.bytes.buffer),
            )
          },
          (e: Error) => finish(refuse(`cannot be loaded: ${e.message}`)),
        )
      })
    } catch (e) {
      // A worker past its deadline may be spinning forever: replace it.
      if (this.current === w) this.current = undefined
      await w.worker.terminate()
      throw e
    }
  }
}
