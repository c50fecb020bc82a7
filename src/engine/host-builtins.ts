// Host-side built-ins handed to every loaded module: the catalogued host
// built-ins in strict mode, plus those of an extra module (config
// `builtins_module`), named by URL so a worker thread can import the same
// functions itself (functions cannot cross threads).
//
// Strict, because the sidecar answers governance decisions: a built-in that
// fails must abort the evaluation (which the engine turns into a deny or a
// refused request), never silently make a `deny` rule undefined.

import { hostFunctions } from '../builtins/host.js'

export type HostBuiltins = Record<string, (...args: unknown[]) => unknown>

/** The strict catalogued built-ins, plus those of `moduleUrl` when given. */
export async function loadHostBuiltins(moduleUrl?: string): Promise<HostBuiltins> {
  // withInModule: bundles built before a built-in moved into the module
  // (issue 12) still import it from the host
  const strict = hostFunctions(true, { withInModule: true }) as HostBuiltins
  if (!moduleUrl) return strict
  const mod = (await import(moduleUrl)) as { hostBuiltins?: HostBuiltins }
  return { ...strict, ...(mod.hostBuiltins ?? {}) }
}
