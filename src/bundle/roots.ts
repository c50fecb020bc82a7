// Scope rules for bundles (OPA's `validateAndInjectDefaults` and the roots
// overlap check of its bundle activator): every package, data path and wasm
// entrypoint must lie under a declared root, and no two bundles loaded
// together may have overlapping roots. Used at build time by `policy build`
// and again at load time by the engine.

import { MeshgateError } from '../errors/index.js'
import { trimSlashes, type Manifest } from './manifest.js'

/** A path as segments; accepts `data.a.b`, `a.b`, `a/b`, `/a/b` or segments. */
export function pathSegments(p: string | readonly string[]): string[] {
  if (Array.isArray(p)) return [...p]
  const s = trimSlashes(p as string)
  if (s === '') return []
  if (s.includes('/')) return s.split('/')
  const parts = s.split('.')
  return parts[0] === 'data' ? parts.slice(1) : parts
}

function rootSegments(root: string): string[] {
  const r = trimSlashes(root)
  return r === '' ? [] : r.split('/')
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => path[i] === s)
}

/** True when `path` lies at or under one of `roots`. */
export function underRoots(roots: readonly string[], path: string | readonly string[]): boolean {
  const segs = pathSegments(path)
  return roots.some((r) => isPrefix(rootSegments(r), segs))
}

/**
 * Lists the data paths a data tree writes, as far as roots need: a key under a
 * root is one path; a key on the way to a root is walked into; anything else
 * is returned as is so that checkRoots refuses it.
 */
export function dataPathsOf(data: unknown, roots: readonly string[]): string[] {
  const rs = roots.map(rootSegments)
  const out: string[] = []
  const walk = (node: unknown, at: string[]) => {
    if (rs.some((r) => isPrefix(r, at))) {
      if (at.length) out.push(at.join('/'))
      return
    }
    const onTheWay = rs.some((r) => isPrefix(at, r))
    if (!onTheWay || typeof node !== 'object' || node === null || Array.isArray(node)) {
      out.push(at.join('/'))
      return
    }
    for (const k of Object.keys(node).sort()) walk((node as Record<string, unknown>)[k], [...at, k])
  }
  walk(data, [])
  return out
}

/**
 * Refuses packages, data paths or wasm entrypoints outside the manifest's
 * roots. `data` is either a list of paths or a data tree.
 */
export function checkRoots(
  manifest: Pick<Manifest, 'roots' | 'wasm'>,
  packages: ReadonlyArray<string | readonly string[]>,
  data: readonly string[] | Record<string, unknown> = [],
): void {
  const roots = manifest.roots.length ? manifest.roots : ['']
  const outside: string[] = []
  for (const p of packages) {
    if (!underRoots(roots, p)) outside.push(`package \`${['data', ...pathSegments(p)].join('.')}\``)
  }
  const dataPaths = Array.isArray(data) ? (data as string[]) : dataPathsOf(data, roots)
  for (const d of dataPaths) {
    if (!underRoots(roots, d)) outside.push(`data at \`/${pathSegments(d).join('/')}\``)
  }
  for (const w of manifest.wasm ?? []) {
    if (!underRoots(roots, w.entrypoint)) outside.push(`entrypoint \`${w.entrypoint}\``)
  }
  if (outside.length) {
    const list = roots.map((r) => `\`${r}\``).join(', ')
    throw new MeshgateError(
      'bundle_scope_error',
      `${outside[0]} is outside the bundle roots ${list}${outside.length > 1 ? ` (and ${outside.length - 1} more)` : ''}`,
      undefined,
      { roots, outside },
    )
  }
}

/** Refuses two bundles whose roots overlap (one is a prefix of the other). */
export function checkOverlap(bundles: ReadonlyArray<{ name: string; manifest: Pick<Manifest, 'roots'> }>): void {
  for (let i = 0; i < bundles.length; i++) {
    for (let j = i + 1; j < bundles.length; j++) {
      const a = bundles[i]!,
        b = bundles[j]!
      for (const ra of a.manifest.roots) {
        for (const rb of b.manifest.roots) {
          const sa = rootSegments(ra),
            sb = rootSegments(rb)
          if (isPrefix(sa, sb) || isPrefix(sb, sa)) {
            throw new MeshgateError('bundle_scope_error', `bundles \`${a.name}\` and \`${b.name}\` have overlapping roots \`${ra}\` and \`${rb}\``, undefined, {
              bundles: [a.name, b.name],
              roots: [ra, rb],
            })
          }
        }
      }
    }
  }
}
