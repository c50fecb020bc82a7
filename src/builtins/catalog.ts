// The catalog of built-ins: names, signatures and where each runs (inside the
// module, or on the host). check/ and plan/ read it; host.ts pairs it with
// the implementations to build the host functions the opa-wasm SDK calls.
// It imports declarations only, so reading it loads no implementation.

import type { BuiltinDecl } from './types.js'
import * as native from './native.js'
import { hostDecls } from './declarations.js'

export type CatalogEntry = BuiltinDecl

// An immutable table built once at import from this build's declarations
// (a few hundred entries, microseconds): a ReadonlyMap of frozen entries, so
// no compile or engine can alter it for another, and no module state.
const CATALOG: ReadonlyMap<string, Readonly<CatalogEntry>> = buildCatalog()

export function catalog(): ReadonlyMap<string, Readonly<CatalogEntry>> {
  return CATALOG
}

function buildCatalog(): ReadonlyMap<string, Readonly<CatalogEntry>> {
  const m = new Map<string, CatalogEntry>()
  for (const d of hostDecls) m.set(d.name, { ...d })
  for (const d of native.decls) m.set(d.name, { ...m.get(d.name), ...d, inModule: true })
  for (const d of native.plannerDecls) m.set(d.name, d)
  for (const e of m.values()) Object.freeze(e)
  return m
}

export function lookupBuiltin(name: string): Readonly<CatalogEntry> | undefined {
  return catalog().get(name)
}

/** Names the opa-wasm SDK implements itself (and would win over ours): the module lists them under another name. */
const SDK_SHADOWED = new Set(['sprintf', 'regex.split', 'json.is_valid', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal'])

/** The name a host built-in has in a module's `builtins` table and in `hostBuiltins`. */
export function hostTableName(name: string): string {
  return SDK_SHADOWED.has(name) ? `meshgate.${name}` : name
}
