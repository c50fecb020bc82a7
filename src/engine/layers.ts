// Layers: the global layer (root `global`), the guarded product's domain layer
// (root `domains/<domain>`), or one standalone layer (root `""`) for a bundle
// that claims the whole tree, as `opa build` writes them. A layer holds at
// most one active bundle; activation checks the bundle's scope, loads it, and
// only then swaps it in, so a bad bundle never replaces the last good one.

import { checkOverlap, checkRoots, underRoots, type Bundle } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import type { LoadedBundle } from './loaded-bundle.js'

export interface LayerSpec {
  /** `global`, `domains/<domain>`, or any name for a standalone layer. */
  name: string
  /** Path the layer owns: `global`, `domains/<domain>`, or `""` (standalone). */
  root: string
}

export interface ActiveBundle {
  /** Evaluator key: unique per activation, so a swap never mixes instances. */
  key: string
  loaded: LoadedBundle
  activatedAt: Date
  /** The bundle's own data, before `mesh` is added. */
  bundleData: Record<string, unknown>
}

export interface Layer extends LayerSpec {
  active?: ActiveBundle
  /** The last activation that failed, kept for /health and logs. */
  lastError?: MeshgateError
}

export function globalLayer(): LayerSpec {
  return { name: 'global', root: 'global' }
}

export function domainLayer(domain: string): LayerSpec {
  if (!/^[A-Za-z0-9_-]+$/.test(domain)) throw new MeshgateError('config_error', `domain \`${domain}\` must be letters, digits, \`_\` or \`-\``)
  return { name: `domains/${domain}`, root: `domains/${domain}` }
}

export function standaloneLayer(name = 'bundle'): LayerSpec {
  return { name, root: '' }
}

/** Layer roots must not overlap; a standalone layer therefore stands alone. */
export function checkLayerSpecs(specs: LayerSpec[]): void {
  if (specs.length === 0) throw new MeshgateError('config_error', 'at least one layer (bundle) is needed')
  const names = new Set<string>()
  for (const s of specs) {
    if (names.has(s.name)) throw new MeshgateError('config_error', `layer \`${s.name}\` is configured twice`)
    names.add(s.name)
  }
  try {
    checkOverlap(specs.map((s) => ({ name: s.name, manifest: { roots: [s.root] } })))
  } catch (e) {
    throw new MeshgateError('config_error', (e as MeshgateError).message)
  }
}

const PACKAGE_LINE = /^\s*package\s+([^\s#]+)/m

/** Scope checks for a bundle about to enter a layer (load time). */
export function checkBundleForLayer(layer: LayerSpec, bundle: Bundle, name: string, others: Layer[]): void {
  const roots = bundle.manifest.roots
  if (layer.root !== '') {
    const outside = roots.filter((r) => !underRoots([layer.root], r))
    if (outside.length) {
      throw new MeshgateError(
        'bundle_scope_error',
        `bundle \`${name}\` declares root \`${outside[0]}\` outside its layer \`${layer.name}\` (root \`${layer.root}\`)`,
        undefined,
        { hint: roots.includes('') ? 'a bundle with roots [""] claims the whole tree and can only be served alone' : undefined },
      )
    }
  }
  const packages: string[] = []
  for (const s of bundle.sources) {
    const m = PACKAGE_LINE.exec(s.source)
    if (m) packages.push(m[1]!.replace(/\["([^"]+)"\]/g, '.$1'))
  }
  checkRoots(bundle.manifest, packages, bundle.data)
  checkOverlap([
    { name, manifest: bundle.manifest },
    ...others.filter((l) => l.active && l.name !== layer.name).map((l) => ({ name: l.active!.loaded.name, manifest: { roots: l.active!.loaded.roots } })),
  ])
}
