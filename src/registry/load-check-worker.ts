// The worker thread behind LoadChecker: instantiates a bundle's modules with
// LoadedBundle.load (the engine's own loader, so "loads here" means "loads
// in a sidecar"), answers the entrypoints the modules export, and drops the
// instances. Requests are handled one at a time.

import { parentPort } from 'node:worker_threads'
import { LoadedBundle, type BundleImage, type BundleLimits } from '../engine/index.js'
import { MeshgateError, type ErrorCode } from '../errors/index.js'

export interface LoadCheckRequest {
  id: number
  image: BundleImage
  limits: BundleLimits
}
export type LoadCheckReply = { id: number; ok: true; entrypoints: string[] } | { id: number; ok: false; code: ErrorCode; message: string }

parentPort!.on('message', async ({ id, image, limits }: LoadCheckRequest) => {
  try {
    const loaded = await LoadedBundle.load(image, limits)
    parentPort!.postMessage({ id, ok: true, entrypoints: loaded.entrypoints } satisfies LoadCheckReply)
  } catch (e) {
    const me = e instanceof MeshgateError ? e : undefined
    parentPort!.postMessage({
      id,
      ok: false,
      code: me?.code ?? 'bundle_format_error',
      message: me?.message ?? `the bundle cannot be loaded: ${(e as Error).message}`,
    } satisfies LoadCheckReply)
  }
})

// Imported and listening: the checker's deadline for a bundle starts now.
parentPort!.postMessage({ ready: true })
