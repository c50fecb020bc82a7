// Layers: the global layer (root `global`), the guarded product's domain layer
// (root `domains/<domain>`), or one standalone layer (root `""`) for a bundle
// that claims the whole tree, as `opa build` writes them. A layer holds at
// most one active bundle; activation checks the bundle's scope, loads it, and
// only then swaps it in, so a bad bundle never replaces the last good one.

import { checkOverlap, checkRoots, packageOf, underRoots, type Bundle } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import { parseModule } from '../rego/index.js'
import type { LoadedBundle } from './loaded-bundle.js'
import type { DocPlan } from './virtual-doc.js'

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
  /**
   * How each package the decisions read is evaluated, by path relative to
   * the layer root (`access`, `log`): the decision rules' own entrypoints
   * when the bundle has them (decision-rules.ts), else the package document.
   * Filled at activation for the decision packages, on first use for others.
   */
  plans: Map<string, DocPlan>
}

export interface Layer extends LayerSpec {
  active?: ActiveBundle
  /** The last activation that failed, kept for /health and logs. */
  lastError?: MeshgateError
  /** Maximum bundle age: past this time (epoch ms) the layer is stale. */
  freshUntil?: number
  /** What a stale layer does: fail closed (`deny`, the default) or keep serving and say so (`serve`). */
  onStale?: 'deny' | 'serve'
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

/**
 * The package a source declares, or undefined when it declares none the
 * lexer can read: sources are for people (the module is checked by its
 * exports), so such a file has nothing to check here.
 */
function sourcePackage(path: string, source: string): string[] | undefined {
  try {
    return packageOf(path, source)
  } catch {
    return undefined
  }
}

/**
 * Each source's package, in the order of `bundle.sources` (undefined where
 * the lexer reads none). Read once per activation: the checks below and the
 * decision plans (decision-rules.ts) use it to parse only the sources that
 * can matter, since a bundle may carry megabytes of Rego it does not need
 * parsed to be served (issue 13: a 20× domain bundle spent a second and
 * hundreds of MB of heap parsing rules no check looked at).
 */
export function sourcePackages(bundle: Pick<Bundle, 'sources'>): (string[] | undefined)[] {
  return bundle.sources.map((s) => sourcePackage(s.path, s.source))
}

/** Scope checks for a bundle about to enter a layer (load time). */
export function checkBundleForLayer(
  layer: LayerSpec,
  bundle: Bundle,
  name: string,
  others: Layer[],
  sourcePkgs: readonly (string[] | undefined)[] = sourcePackages(bundle),
): void {
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
  const packages = sourcePkgs.filter((p): p is string[] => p !== undefined)
  checkRoots(bundle.manifest, packages, bundle.data)
  checkOverlap([
    { name, manifest: bundle.manifest },
    ...others.filter((l) => l.active && l.name !== layer.name).map((l) => ({ name: l.active!.loaded.name, manifest: { roots: l.active!.loaded.roots } })),
  ])
}

/** The packages (under a layer's root) the sidecar's decisions read. */
/**
 * Packages under a layer's root that the sidecar evaluates: the three
 * decisions, and `log` (the global layer's decision-log mask and drop rules,
 * meshgate's place for OPA's `system.log`).
 */
export const DECISION_PACKAGES = ['access', 'anonymization', 'compatibility', 'log'] as const

/**
 * A bundle whose `.rego` sources define a decision package must export an
 * entrypoint for it: at or above the package, or one for every rule the
 * package defines. Otherwise the decision would read an empty document and
 * silently drop the package's rules (e.g. `policy build -e global/access`
 * leaving out `global.anonymization`: records would stream out without the
 * global transforms). The sources are what the authors wrote; the module is
 * what answers; this is where the two must agree.
 */
export function checkDecisionEntrypoints(
  layer: LayerSpec,
  bundle: Bundle,
  name: string,
  entrypoints: readonly string[],
  sourcePkgs: readonly (string[] | undefined)[] = sourcePackages(bundle),
): void {
  const root = layer.root === '' ? [] : layer.root.split('/')
  const eps = entrypoints.map((e) => e.split('/'))
  const covered = (path: string[]) => eps.some((e) => e.length <= path.length && e.every((s, i) => path[i] === s))
  const needsRules = (pkg: string[]) =>
    pkg.length === root.length + 1 &&
    root.every((s, i) => pkg[i] === s) &&
    (DECISION_PACKAGES as readonly string[]).includes(pkg[root.length]!) &&
    !covered(pkg)
  const missing: string[] = []
  for (const [i, src] of bundle.sources.entries()) {
    if (src.path.endsWith('_test.rego')) continue
    // Parsing is for the rule names of an uncovered decision package; a
    // source whose package line says it is none (as written, or with the
    // `data.` prefix the parser keeps) is skipped unparsed.
    const read = sourcePkgs[i]
    if (read && !needsRules(read) && !needsRules(['data', ...read])) continue
    const found = definedRules(src.path, src.source, bundle.manifest.rego_version)
    if (!found) continue
    const pkg = found.pkg
    if (!needsRules(pkg)) continue
    // No entrypoint for the whole package: every rule needs its own.
    const rules = found.rules
    const uncovered = rules === undefined ? [pkg.join('/')] : rules.filter((r) => !covered([...pkg, r])).map((r) => [...pkg, r].join('/'))
    missing.push(...uncovered)
  }
  if (missing.length) {
    const uniq = [...new Set(missing)]
    throw new MeshgateError(
      'bundle_format_error',
      `bundle \`${name}\`: its sources define \`data.${uniq[0]!.replace(/\//g, '.')}\` but its module has no entrypoint for it${uniq.length > 1 ? ` (and ${uniq.length - 1} more)` : ''}`,
      undefined,
      { missing: uniq, hint: 'rebuild with `policy build`, which adds an entrypoint for every decision package, or pass `-e <package>`' },
    )
  }
}

/** The package and rule names a source defines; `rules` is undefined when it does not parse (then the whole package must be covered). */
function definedRules(path: string, source: string, regoVersion: number | undefined): { pkg: string[]; rules?: string[] } | undefined {
  for (const v of regoVersion === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
    try {
      const mod = parseModule(path, source, { regoVersion: v })
      const rules = new Set<string>()
      for (const r of mod.rules) {
        // Functions cannot be entrypoints, and tests are not decisions.
        if (r.head.kind === 'function') continue
        const head = r.head.ref[0]
        if (head && head.type === 'var' && !head.name.startsWith('test_')) rules.add(head.name)
      }
      return { pkg: mod.package, rules: [...rules] }
    } catch {
      // try the other Rego version, then fall back to the package line
    }
  }
  const pkg = sourcePackage(path, source)
  return pkg && { pkg }
}
