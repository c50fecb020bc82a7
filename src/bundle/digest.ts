// A bundle's identity: the SHA-256 of its gzip bytes, as `sha256:<hex>`. The
// registry answers it on publish and uses it as the ETag; a bundle whose
// manifest has no revision is known by its digest, so the registry, the
// sidecars and their answers all name a revision the same way.

import { createHash } from 'node:crypto'
import type { Manifest } from './manifest.js'

/** What `bundleDigest` writes: `sha256:` and 64 lowercase hex digits (the hex captured). */
export const BUNDLE_DIGEST = /^sha256:([0-9a-f]{64})$/

export function bundleDigest(gz: Uint8Array): string {
  return `sha256:${createHash('sha256').update(gz).digest('hex')}`
}

/** The manifest's revision, or the digest when it has none. */
export function effectiveRevision(manifest: Pick<Manifest, 'revision'>, digest: string): string {
  return manifest.revision !== '' ? manifest.revision : digest
}
