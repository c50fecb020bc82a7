// What a publisher may write: every root of the bundle's manifest, every data
// path, every `.rego` package and every wasm entrypoint (declared in the
// manifest or exported by the module) must lie under the token's roots; a
// name already published by someone else can only be replaced by a token
// that also covers its current roots; and a name pinned in the config only
// takes bundles under its pinned roots. A domain team's token thus can
// neither publish nor roll back `global` or another domain.

import { checkRoots, dataPathsOf, packageOf, uncoveredRoots, underRoots, type Bundle } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import type { Publisher } from './token.js'

const list = (xs: readonly string[]) => xs.map((x) => `\`${x}\``).join(', ')

function forbidden(message: string, details: Record<string, unknown>): MeshgateError {
  return new MeshgateError('roots_forbidden', message, undefined, details)
}

/** The token covers the roots (a manifest's, or a name's current ones). */
export function requireRootsCovered(publisher: Publisher, roots: readonly string[], what: string): void {
  if (publisher.roots.length === 0) throw forbidden(`the token carries no roots, so it may not change ${what}`, { token_roots: [] })
  const outside = uncoveredRoots(publisher.roots, roots.length ? roots : [''])
  if (outside.length) {
    throw forbidden(`the token may publish under ${list(publisher.roots)}, not ${what} (root${outside.length > 1 ? 's' : ''} ${list(outside)})`, {
      token_roots: publisher.roots,
      outside,
    })
  }
}

/** Contents (data, packages, declared entrypoints) under the token's roots, whatever the manifest says. */
export function requireContentsCovered(publisher: Publisher, bundle: Bundle, packages: string[][]): void {
  const roots = publisher.roots
  const outside: string[] = []
  for (const d of dataPathsOf(bundle.data, roots)) if (!underRoots(roots, d)) outside.push(`data at \`/${d}\``)
  for (const p of packages) if (!underRoots(roots, p)) outside.push(`package \`data.${p.join('.')}\``)
  for (const w of bundle.manifest.wasm ?? []) if (!underRoots(roots, w.entrypoint)) outside.push(`entrypoint \`${w.entrypoint}\``)
  if (outside.length)
    throw forbidden(`${outside[0]} is outside the token's roots ${list(roots)}${outside.length > 1 ? ` (and ${outside.length - 1} more)` : ''}`, {
      token_roots: roots,
      outside,
    })
}

/** Entrypoints the loaded module really exports, under the manifest's and the token's roots. */
export function requireExportsCovered(publisher: Publisher, manifestRoots: readonly string[], exported: readonly string[]): void {
  const inManifest = exported.filter((e) => !underRoots(manifestRoots.length ? manifestRoots : [''], e))
  if (inManifest.length) {
    throw new MeshgateError(
      'bundle_scope_error',
      `the module exports entrypoint \`${inManifest[0]}\` outside the bundle roots ${list(manifestRoots)}`,
      undefined,
      { outside: inManifest },
    )
  }
  const inToken = exported.filter((e) => !underRoots(publisher.roots, e))
  if (inToken.length)
    throw forbidden(`the module exports entrypoint \`${inToken[0]}\` outside the token's roots ${list(publisher.roots)}`, {
      token_roots: publisher.roots,
      outside: inToken,
    })
}

/** A pinned name takes only bundles under its pinned roots. */
export function requirePinned(name: string, pins: Record<string, string[]>, roots: readonly string[]): void {
  const pin = pins[name]
  if (!pin) return
  const outside = uncoveredRoots(pin, roots.length ? roots : [''])
  if (outside.length) {
    throw forbidden(`bundle \`${name}\` is pinned to roots ${list(pin)}; this bundle declares ${list(outside)}`, { pinned: pin, outside })
  }
}

/** Packages of the `.rego` sources, also checked against the manifest's own roots. */
export function packagesOf(bundle: Bundle): string[][] {
  const packages = bundle.sources.map((s) => packageOf(s.path, s.source))
  checkRoots(bundle.manifest, packages)
  return packages
}
