// The worker thread behind WorkerPoolEvaluator: it rebuilds bundles from their
// images and runs decision call lists. Messages are handled one at a time, in
// order, so a `load` always completes before the `run` that follows it.

import { parentPort } from 'node:worker_threads'
import { MeshgateError, type ErrorCode } from '../errors/index.js'
import { runCalls, type EvalCall } from './evaluator.js'
import { LoadedBundle, type BundleImage, type BundleLimits } from './loaded-bundle.js'

export type WorkerRequest =
  | { type: 'load'; key: string; image: BundleImage; limits: BundleLimits }
  | { type: 'unload'; key: string }
  | { type: 'setData'; key: string; data: Record<string, unknown> }
  | { type: 'run'; id: number; calls: EvalCall[]; input: unknown }
  | { type: 'sync' }

/** An error as it crosses the thread boundary (errors lose their class in a structured clone). */
export type WireError = { code: ErrorCode; message: string }

/** A CallResult as it crosses the thread boundary. */
export type WireCallResult = { ok: true; rs: unknown } | { ok: false; error: WireError }

export type WorkerReply =
  | { type: 'done'; id: number; results: WireCallResult[] }
  | { type: 'failed'; id: number; error: WireError }
  | { type: 'loadFailed'; key: string; error: WireError }
  | { type: 'synced' }

const bundles = new Map<string, LoadedBundle>()
let chain: Promise<void> = Promise.resolve()

function toWire(e: unknown): WireError {
  if (e instanceof MeshgateError) return { code: e.code, message: e.message }
  return { code: 'eval_error', message: e instanceof Error ? e.message : String(e) }
}

async function handle(msg: WorkerRequest): Promise<void> {
  switch (msg.type) {
    case 'load':
      try {
        bundles.set(msg.key, await LoadedBundle.load(msg.image, msg.limits))
      } catch (e) {
        parentPort!.postMessage({ type: 'loadFailed', key: msg.key, error: toWire(e) } satisfies WorkerReply)
      }
      return
    case 'unload':
      bundles.delete(msg.key)
      return
    case 'setData':
      bundles.get(msg.key)?.setData(msg.data)
      return
    case 'sync':
      parentPort!.postMessage({ type: 'synced' } satisfies WorkerReply)
      return
    case 'run':
      try {
        const results = runCalls(bundles, msg.calls, msg.input).map((r): WireCallResult => (r.ok ? r : { ok: false, error: toWire(r.error) }))
        parentPort!.postMessage({ type: 'done', id: msg.id, results } satisfies WorkerReply)
      } catch (e) {
        parentPort!.postMessage({ type: 'failed', id: msg.id, error: toWire(e) } satisfies WorkerReply)
      }
  }
}

parentPort!.on('message', (msg: WorkerRequest) => {
  chain = chain.then(() => handle(msg))
})
