// OPA's capabilities format: `{ "builtins": [{ "name", "decl": { "args", "result" } }] }`.
// Built-ins it declares that meshgate does not know compile to host calls, so
// teams plug in their own functions as they do with OPA.

import { MeshgateError } from '../errors/index.js'

export function parseCapabilities(input: unknown): Map<string, { arity: number; resultSet: boolean }> {
  let caps = input
  if (typeof caps === 'string') {
    try {
      caps = JSON.parse(caps)
    } catch (e) {
      throw new MeshgateError('cli_usage_error', `capabilities are not valid JSON: ${(e as Error).message}`)
    }
  }
  const list = (caps as { builtins?: unknown })?.builtins
  if (!Array.isArray(list)) throw new MeshgateError('cli_usage_error', 'capabilities must have a `builtins` array')
  const out = new Map<string, { arity: number; resultSet: boolean }>()
  for (const b of list as { name?: unknown; decl?: { args?: unknown[]; result?: { type?: string } } }[]) {
    if (typeof b?.name !== 'string') throw new MeshgateError('cli_usage_error', 'every capabilities built-in needs a `name`')
    out.set(b.name, { arity: b.decl?.args?.length ?? 0, resultSet: b.decl?.result?.type === 'set' })
  }
  return out
}
