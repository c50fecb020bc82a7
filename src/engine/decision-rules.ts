// Which entrypoints answer a decision. A decision reads a few rules of a
// layer's package (access: `allow` and `deny`; the log policy: `mask` and
// `drop`), not the whole package document: evaluating `<root>/access` as a
// document makes the module build and dump every rule of the package (the
// example's `port` alone is a copy of the contract's port, ~3 KB of JSON per
// request) for the host to parse back and throw away. `policy build` exports
// an entrypoint per decision rule (cli/entrypoints.ts `decisionRuleEntrypoints`),
// and a layer whose bundle has them is asked only for those rules.
//
// A rule with no entrypoint of its own must be known to be undefined, or the
// decision would read `deny` as empty and allow what the package denies. It
// is known only from the bundle's sources, which `policy build` and `opa
// build` store beside the module they compiled, and only when nothing there
// can define it: some source declares the package (a bundle without the
// package's sources proves nothing), every source that may define it parses
// (one whose package line names an unrelated package is not read), none defines the
// rule in the package (tests included), none
// reaches into the package from above with a ref head (`access.deny
// contains …` in `package global`), none is a package below the rule, and the
// bundle's data has nothing there. Otherwise the package document is
// evaluated, as for any bundle without per-rule entrypoints (older bundles
// keep working, unchanged).
//
// One difference from the package document, as in OPA when a client queries
// `data.pkg.allow` rather than `data.pkg`: an error in a rule the decision
// does not read (a helper no `allow` or `deny` uses) no longer fails it.

import type { Bundle } from '../bundle/index.js'
import { sourcePackages } from './layers.js'
import { parseModule, type Module } from '../rego/index.js'
import type { ResultSet } from './module-call.js'
import type { EvalCall } from './evaluator.js'
import type { DocPlan } from './virtual-doc.js'

/** The rules each decision package is read for (layer-documents.ts reads nothing else). */
export const DECISION_RULES: Readonly<Record<string, readonly string[]>> = {
  access: ['allow', 'deny'],
  log: ['mask', 'drop'],
}

/**
 * Packages read rule by rule even when the package itself is an entrypoint.
 * Not the log package: its input is the whole decision event (~1 KB of JSON),
 * which each entrypoint evaluation parses again, while its document is just
 * `mask` and `drop`; one evaluation of the package costs less than two of its
 * rules (measured: 8.4 against 11.6 µs per event on the example). Its rules
 * are read one by one only from a bundle that exports them but not the package.
 */
export const PER_RULE_PACKAGES: readonly string[] = ['access']

/** Rule name → the entrypoint answering it, or null when the rule is provably undefined. */
export type RuleEntrypoints = Record<string, string | null>

/**
 * The entrypoints for `rules` of package `pkg` (slash segments from `data`),
 * or undefined when some rule has no entrypoint and the bundle may still
 * define it.
 */
export function ruleEntrypoints(
  pkg: string[],
  rules: readonly string[],
  entrypoints: ReadonlySet<string>,
  bundle: Pick<Bundle, 'sources' | 'data' | 'manifest'>,
  sourcePkgs?: readonly (string[] | undefined)[],
): RuleEntrypoints | undefined {
  const out: RuleEntrypoints = {}
  const missing: string[] = []
  for (const r of rules) {
    const ep = [...pkg, r].join('/')
    if (entrypoints.has(ep)) out[r] = ep
    else missing.push(r)
  }
  if (missing.length === 0) return out
  const modules = parseSources(bundle, pkg, sourcePkgs)
  if (!modules || !modules.some((m) => m.package.join('/') === pkg.join('/'))) return undefined
  for (const r of missing) {
    if (mayDefine(modules, [...pkg, r]) || dataAt(bundle.data, [...pkg, r]) !== undefined) return undefined
    out[r] = null
  }
  return out
}

/** A plan that evaluates only the rules' entrypoints and assembles `{rule: value}` for the defined ones. */
export function rulePlan(bundleKey: string, rules: RuleEntrypoints): DocPlan {
  const asked = Object.entries(rules).filter((e): e is [string, string] => e[1] !== null)
  const calls: EvalCall[] = asked.map(([, entrypoint]) => ({ bundle: bundleKey, entrypoint }))
  return {
    calls,
    rules: asked,
    assemble: (results: ResultSet[]) => {
      const doc: Record<string, unknown> = {}
      results.forEach((rs, i) => {
        if (rs.length) doc[asked[i]![0]] = rs[0]!.result
      })
      return doc
    },
  }
}

/**
 * The sources that may define a rule of `pkg`, parsed; undefined when one of
 * them does not parse. With each source's package as its package line reads
 * (layers.ts `sourcePackages`), a source in a package that is neither above
 * nor below `pkg` (as written, or with the `data.` prefix the parser keeps)
 * is left unparsed: it cannot define the rules, and a large bundle's other
 * packages would cost a parse per activation for nothing.
 */
function parseSources(
  bundle: Pick<Bundle, 'sources' | 'manifest'>,
  pkg: string[],
  sourcePkgs: readonly (string[] | undefined)[] = sourcePackages(bundle),
): Module[] | undefined {
  const related = (a: string[]) => (a.length <= pkg.length ? a.every((s, i) => pkg[i] === s) : pkg.every((s, i) => a[i] === s))
  const out: Module[] = []
  for (const [i, s] of bundle.sources.entries()) {
    const read = sourcePkgs[i]
    if (read && !related(read) && !related(['data', ...read])) continue
    const mod = parseSource(s, bundle.manifest.rego_version)
    if (!mod) return undefined
    out.push(mod)
  }
  return out
}

/**
 * A bundle source parsed in the manifest's Rego version, else the other
 * (a bundle may mix them); undefined when it parses in neither, and then the
 * caller gives up on what it wanted the source for (a fast path).
 */
export function parseSource(s: { path: string; source: string }, regoVersion: number | undefined): Module | undefined {
  for (const v of regoVersion === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
    try {
      return parseModule(s.path, s.source, { regoVersion: v })
    } catch {
      // the other Rego version
    }
  }
  return undefined
}

/** Whether any module may define (part of) `data.<path>`. */
function mayDefine(modules: Module[], path: string[]): boolean {
  const prefix = (a: string[], b: string[]) => a.length <= b.length && a.every((s, i) => b[i] === s)
  for (const m of modules) {
    // A package at or below the rule's path defines its document.
    if (prefix(path, m.package)) return true
    if (!prefix(m.package, path)) continue
    const rest = path.slice(m.package.length)
    for (const r of m.rules) {
      const first = r.head.ref[0]
      if (!first || first.type !== 'var') return true
      // In the rule's own package, a rule of that name; above it, a rule named
      // after the next segment defines (or with a ref head reaches into) the document.
      if (first.name === rest[0]) return true
    }
  }
  return false
}

function dataAt(data: unknown, path: string[]): unknown {
  let cur = data
  for (const s of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined
    cur = (cur as Record<string, unknown>)[s]
    if (cur === undefined) return undefined
  }
  return cur
}
