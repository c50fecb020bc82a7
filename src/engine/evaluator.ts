// Where evaluations run. A decision is a list of calls (bundle, entrypoint) on
// one input; an Evaluator runs the list and gives one result set per call.
// InProcessEvaluator runs on the calling thread (fastest; only the step
// budget can stop a runaway module). WorkerPoolEvaluator (worker-pool.ts)
// adds a wall-clock budget by running in worker threads it can terminate.

import { inputBytes, type LoadedBundle, type ResultSet } from './loaded-bundle.js'
import { MeshgateError } from '../errors/index.js'

export interface EvalCall {
  /** Key under which the bundle was registered. */
  bundle: string
  entrypoint: string
}

export interface Evaluator {
  register(key: string, bundle: LoadedBundle): Promise<void>
  unregister(key: string): void
  setData(key: string, data: Record<string, unknown>): Promise<void>
  run(calls: EvalCall[], input: unknown): Promise<ResultSet[]>
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

  async run(calls: EvalCall[], input: unknown): Promise<ResultSet[]> {
    return runCalls(this.bundles, calls, input)
  }

  async close(): Promise<void> {
    this.bundles.clear()
  }
}

/** Shared by the in-process evaluator and the worker thread. */
export function runCalls(bundles: Map<string, LoadedBundle>, calls: EvalCall[], input: unknown): ResultSet[] {
  const bytes = inputBytes(input)
  return calls.map((c) => {
    const b = bundles.get(c.bundle)
    if (!b) throw new MeshgateError('bundle_unavailable', `bundle \`${c.bundle}\` is not loaded`)
    // The SDK reads an ArrayBuffer as JSON text; a fresh copy per call keeps
    // the bytes valid whichever path (ABI 1.1 or 1.2) the module takes.
    return b.evaluate(c.entrypoint, bytes === undefined ? undefined : bytes.slice(0))
  })
}
