// writeBundle: manifest, wasm, data and sources → gzipped tar in OPA's layout
// (`/data.json`, sources, `/policy.wasm`, `/.manifest` last). Deterministic:
// sorted sources, canonical JSON, fixed tar metadata. saveBundle writes the
// file durably (durable-file.ts: temp file in the same directory, fsync, rename).

import { gzipSync } from 'node:zlib'
import { writeDurably } from './durable-file.js'
import { MeshgateError } from '../errors/index.js'
import { canonicalJson, isObject } from './data.js'
import { normalizeManifest, serializeManifest, type Manifest } from './manifest.js'
import { checkRoots } from './roots.js'
import type { TarEntry } from './tar.js'
import { writeTar } from './tar.js'

export interface BundleContents {
  manifest: Partial<Manifest> & Pick<Manifest, 'roots'>
  /** Written as `/policy.wasm`; manifest `wasm` entries should name that module. */
  wasm?: Uint8Array
  /** The whole data tree, written as one `/data.json` (as `opa build` does). */
  data?: Record<string, unknown>
  /** Rego sources kept for humans, path inside the bundle. */
  sources?: { path: string; source: string }[]
  /** Packages the sources declare; when given they are checked against roots. */
  packages?: string[]
}

export function writeBundle(b: BundleContents): Buffer {
  return packEntries(bundleEntries(b))
}

/** The tar members writeBundle writes, in its order, so a caller can add a signature first. */
export function bundleEntries(b: BundleContents): TarEntry[] {
  const manifest = normalizeManifest(b.manifest)
  const data = b.data ?? {}
  if (!isObject(data)) throw new MeshgateError('bundle_format_error', 'bundle data must be an object')
  if (manifest.wasm?.length && !b.wasm) {
    throw new MeshgateError('bundle_format_error', 'the manifest lists wasm entrypoints but no module was given')
  }
  for (const w of manifest.wasm ?? []) {
    if (w.module.replace(/^\/+/, '') !== 'policy.wasm') {
      throw new MeshgateError('bundle_format_error', `entrypoint \`${w.entrypoint}\` names module \`${w.module}\`; only \`/policy.wasm\` is written`)
    }
  }
  checkRoots(manifest, b.packages ?? [], data)
  const entries: TarEntry[] = [{ name: 'data.json', data: Buffer.from(canonicalJson(data)) }]
  const sources = [...(b.sources ?? [])].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))
  for (const s of sources) entries.push({ name: s.path, data: Buffer.from(s.source, 'utf8') })
  if (b.wasm) entries.push({ name: 'policy.wasm', data: b.wasm })
  entries.push({ name: '.manifest', data: Buffer.from(serializeManifest(manifest)) })
  return entries
}

/** Tar members → the gzipped bundle. */
export function packEntries(entries: TarEntry[]): Buffer {
  return gzipSync(writeTar(entries), { level: 9 })
}

/** Writes a bundle to `file` without ever leaving a half-written file. */
export async function saveBundle(file: string, b: BundleContents): Promise<void> {
  await saveBundleBytes(file, writeBundle(b))
}

/** Writes bundle bytes to `file` durably (durable-file.ts: temp file in the same folder, fsync, rename). */
export async function saveBundleBytes(file: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeDurably(file, bytes)
  } catch (e) {
    throw new MeshgateError('io_error', `cannot write bundle \`${file}\`: ${(e as Error).message}`)
  }
}
