// The flags `policy push` and `policy rollback` share: which registry, which
// bundle there, and the bearer token (--token or MESHGATE_TOKEN), each
// checked before anything is sent, so a usage error exits 2 with nothing
// on the wire.

import { usageError } from './command.js'

export const REGISTRY_FLAGS = {
  registry: { type: 'string' },
  name: { type: 'string' },
  token: { type: 'string' },
} as const

export interface RegistryTarget {
  registry: string
  name: string
  token: string
}

/** The checked --registry, --name and token of `verb`'s parsed flags. */
export async function registryTarget(verb: string, values: Record<string, unknown>): Promise<RegistryTarget> {
  const registry = values.registry as string | undefined
  const name = values.name as string | undefined
  if (!registry) throw usageError(verb, 'name the registry with `--registry <url>`')
  if (!/^https?:\/\//i.test(registry)) throw usageError(verb, `registry \`${registry}\` is not an http(s) URL`)
  if (!name) throw usageError(verb, 'name the bundle with `--name <name>`')
  const { BUNDLE_NAME } = await import('../registry/index.js')
  if (!BUNDLE_NAME.test(name)) throw usageError(verb, `bundle name \`${name}\` must be 1–128 letters, digits, \`.\`, \`_\` or \`-\``)
  const token = (values.token as string | undefined) ?? process.env.MESHGATE_TOKEN
  if (!token) throw usageError(verb, 'no token: pass `--token <jwt>` or set MESHGATE_TOKEN')
  return { registry, name, token }
}
