// Where evaluations run. A decision is a list of calls (bundle, entrypoint) on
// one input; an Evaluator runs the list and gives one result set per call.
// InProcessEvaluator runs on the calling thread (fastest; only the step
// budget can stop a runaway module). WorkerPoolEvaluator (worker-pool.ts)
// adds a wall-clock budget by running in worker threads it can terminate.

import { EncodedInput, type LoadedBundle, type ResultSet } from './loaded-bundle.js'
import { MeshgateError } from '../errors/index.js'
import { evalError } from './eval-errors.js'

export interface EvalCall {
  /** Key under which the bundle was registered. */
  bundle: string
  entrypoint: string
}

/**
 * One call's outcome. Calls settle one by one, so a decision can tell which
 * layer failed (and deny for it) while the input is serialized once and the
 * list is one task for a worker.
 */
export type CallResult = { ok: true; rs: ResultSet } | { ok: false; error: MeshgateError }

/** The result sets, or the first call's error thrown (for answers that need every call). */
export function allOrThrow(results: CallResult[]): ResultSet[] {
  return results.map((r) => {
    if (!r.ok) throw r.error
    return r.rs
  })
}

export interface Evaluator {
  register(key: string, bundle: LoadedBundle): Promise<void>
  unregister(key: string): void
  setData(key: string, data: Record<string, unknown>): Promise<void>
  run(calls: EvalCall[], input: unknown): Promise<CallResult[]>
  close(): Promise<void>
}

export class InProcessEvaluator implements Evaluator {
  private readonly bundles = new Map<string, LoadedBundle>()

  async register(key: string, bundle: LoadedBundle): Promise<void> {
    this.bundles.set(key, bundle)
  }

  unregister(key: string): void {
    this.bundles.delete(key)
  }

  async setData(key: string, data: Record<string, unknown>): Promise<void> {
    this.bundles.get(key)?.setData(data)
  }

  async run(calls: EvalCall[], input: unknown): Promise<CallResult[]> {
    return runCalls(this.bundles, calls, input)
  }

  /** `run` without the promise, for a caller in this thread. */
  runNow(calls: EvalCall[], input: unknown): CallResult[] {
    return runCalls(this.bundles, calls, input)
  }

  async close(): Promise<void> {
    this.bundles.clear()
  }
}

/** Shared by the in-process evaluator and the worker thread. */
/** `input` may be an EncodedInput already (in this thread only: a worker gets plain values). */
export function runCalls(bundles: Map<string, LoadedBundle>, calls: EvalCall[], input: unknown): CallResult[] {
  // Serialized once for every call (and written once into each module's memory).
  let encoded: EncodedInput | undefined
  return calls.map((c): CallResult => {
    const b = bundles.get(c.bundle)
    if (!b) return { ok: false, error: new MeshgateError('bundle_unavailable', `bundle \`${c.bundle}\` is not loaded`) }
    try {
      encoded ??= input instanceof EncodedInput ? input : b.encode(input)
      return { ok: true, rs: b.evaluate(c.entrypoint, encoded) }
    } catch (e) {
      return { ok: false, error: evalError(e, c.entrypoint) }
    }
  })
}
