// The host functions handed to the opa-wasm SDK: each catalogued host
// built-in paired with its implementation (families.ts), keyed by the name
// the module's `builtins` table uses, wrapped so a built-in error is
// "undefined" (OPA's default) or, in strict mode, an evaluation error.

import { catalog, hostTableName } from './catalog.js'
import { families } from './families.js'
import { BuiltinError, decodeSets, encodeSets, type HostImpl } from './types.js'

/**
 * With `withInModule`, also the built-ins the module now computes itself,
 * under the names that modules built before they moved in import them by
 * (`meshgate.sprintf`, `upper`, …): such bundles keep loading.
 */
export function hostFunctions(strict: boolean, opts: { withInModule?: boolean } = {}): Record<string, (...args: any[]) => unknown> {
  const impls = new Map<string, HostImpl>(families.flatMap((f) => Object.entries(f.impls)))
  const out: Record<string, (...args: any[]) => unknown> = {}
  for (const [name, entry] of catalog()) {
    const impl = impls.get(name)
    if (!impl || (entry.inModule && !opts.withInModule)) continue
    const setAware = !!entry.setAware
    out[hostTableName(name)] = (...args: unknown[]) => {
      try {
        if (setAware) return encodeSets(impl(...args.map(decodeSets)))
        return impl(...args)
      } catch (e) {
        if (!strict) return undefined
        const msg = e instanceof BuiltinError ? e.message : `${name}: ${(e as Error).message}`
        throw new Error(`eval_builtin_error: ${msg}`)
      }
    }
  }
  return out
}
