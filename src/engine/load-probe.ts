// Bounded instantiation. Loading a module runs code the bundle brought: its
// start function, and the exports the SDK calls while loading (`builtins`,
// `entrypoints`, the JSON parser behind `setData`). A module whose code never
// returns would hang the process at 100% CPU, and no evaluation budget
// applies yet. So a bundle is first loaded in a worker thread with a
// deadline; past it the worker is terminated and the bundle refused. The
// same image then loads on the calling thread: the load is deterministic, so
// what finished in the worker finishes here.

import { Worker } from 'node:worker_threads'
import { MeshgateError } from '../errors/index.js'
import type { BundleImage, BundleLimits } from './loaded-bundle.js'

/**
 * The worker: for each module, exactly the module code that loading runs
 * (instantiation with its start function, the SDK's calls to `builtins` and
 * `entrypoints`, `setData`), then a message saying it finished. A load that
 * throws also counts as finished: the calling thread's load reports the
 * error with its code. No host built-ins: none is called while loading.
 *
 * It is inline JavaScript started with no `execArgv`, importing only the
 * SDK, so it starts in tens of milliseconds whatever loaders the parent runs
 * under (a TypeScript loader in a worker costs seconds per start).
 */
const PROBE_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
import(workerData.sdk).then(async ({ loadPolicy }) => {
  const { image, maximum } = workerData
  try {
    for (const m of image.modules) {
      const policy = await loadPolicy(m.bytes, { initial: Math.min(5, maximum), maximum }, {})
      policy.setData(image.data)
    }
  } catch {}
  parentPort.postMessage('finished')
})
`

const SDK_URL = import.meta.resolve('@open-policy-agent/opa-wasm')

/** The most 64 KiB pages one module's memory may grow to. */
export function maxPages(limits: BundleLimits): number {
  return Math.max(2, Math.floor((limits.memoryMiB * 1024 * 1024) / 65536))
}

/** Default deadline for loading one bundle, in milliseconds. */
export const DEFAULT_LOAD_MS = 10_000

/** Loads `image` in a worker within `limits.loadMs`; throws what the load threw, or `bundle_format_error` past the deadline. */
export function probeLoad(image: BundleImage, limits: BundleLimits): Promise<void> {
  const deadline = limits.loadMs ?? DEFAULT_LOAD_MS
  return new Promise((resolve, reject) => {
    const maximum = maxPages(limits)
    const worker = new Worker(PROBE_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { image, maximum, sdk: SDK_URL },
      // The module's own memory is capped by `limits.memoryMiB`; this caps the JS side.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(256, limits.memoryMiB * 4) },
    })
    let settled = false
    const finish = (err?: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void worker.terminate()
      if (err) reject(err)
      else resolve()
    }
    const timer = setTimeout(() => finish(new MeshgateError(
      'bundle_format_error',
      `bundle \`${image.name}\`: a module did not finish loading within ${deadline} ms (its start function or an export it runs while loading does not return)`,
    )), deadline)
    worker.once('message', () => finish())
    // A worker that crashes (e.g. over its heap limit) refuses the bundle.
    worker.once('error', (e) => finish(new MeshgateError('bundle_format_error', `bundle \`${image.name}\` cannot be loaded: ${e.message}`)))
    worker.once('exit', (code) => finish(new MeshgateError('bundle_format_error', `bundle \`${image.name}\` cannot be loaded: the loader exited (${code})`)))
  })
}
