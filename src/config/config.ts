// Reading the sidecar config: YAML text → validated, defaulted Config. Errors
// carry `file:row:col` of the offending value (yaml-schema.ts).

import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import AjvModule from 'ajv'
import { CompileError, MeshgateError } from '../errors/index.js'
import { CONFIG_SCHEMA } from './schema.js'
import { parseYamlWithSchema } from './yaml-schema.js'

export interface BundleConfig {
  name: string
  service?: string
  /** A file path (resolved against the config's folder) or a resource under `service`. */
  resource: string
  layer: 'global' | 'domain' | 'standalone'
  polling?: { min_delay_seconds?: number; max_delay_seconds?: number; long_polling_timeout_seconds?: number }
}

export interface AuthConfig {
  issuer: string
  audience: string | string[]
  algorithms: string[]
  jwks_url?: string
  jwks_file?: string
  clock_tolerance_seconds: number
  claims: { subject: string; roles: string; clearance: string; domain: string; region: string }
}

export interface Config {
  /** The file it came from, or `<inline>`. */
  file: string
  server: { host: string; port: number; bodyLimit: number }
  product?: { domain: string; dir?: string }
  services: Record<string, { url: string; [k: string]: unknown }>
  bundles: BundleConfig[]
  auth?: AuthConfig
  cache: { decisions: number; tokens: number }
  budgets: { steps: number; timeMs: number; workers?: number; memoryMiB: number }
  anonymize: { key?: string }
  forwardAuth: { routes: { prefix: string; port: string; purpose?: string }[] }
}

export const DEFAULT_ADDR = '127.0.0.1:8181'
export const DEFAULT_BODY_LIMIT = 1024 * 1024

const Ajv = AjvModule.default ?? AjvModule
const validate = new Ajv({ allErrors: true, strict: true }).compile(CONFIG_SCHEMA)

export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw new MeshgateError('config_error', `cannot read config \`${file}\``, undefined, { cause: (e as Error).message })
  }
  return parseConfig(text, file, env)
}

export function parseConfig(text: string, file = '<inline>', env: NodeJS.ProcessEnv = process.env): Config {
  const { raw, at } = parseYamlWithSchema(text, file, validate)
  const auth = (raw as RawConfig).auth
  if (auth && !auth.jwks_url === !auth.jwks_file) {
    throw new CompileError([{ code: 'config_error', message: '`/auth` needs exactly one of `jwks_url` and `jwks_file`', location: at('/auth', true) }])
  }
  return normalize(raw as RawConfig, file, env)
}

type RawConfig = {
  server?: { addr?: string; body_limit?: number | string }
  product?: { domain: string; dir?: string }
  services?: Record<string, { url: string }>
  bundles?: Record<string, { service?: string; resource: string; layer?: BundleConfig['layer']; polling?: BundleConfig['polling'] }>
  auth?: Omit<AuthConfig, 'clock_tolerance_seconds' | 'claims'> & { clock_tolerance_seconds?: number; claims?: Partial<AuthConfig['claims']> }
  cache?: { decisions?: number; tokens?: number }
  budgets?: { steps?: number; time_ms?: number; workers?: number; memory_mb?: number }
  anonymize?: { key?: string; key_env?: string }
  forward_auth?: { routes?: { prefix: string; port: string; purpose?: string }[] }
}

function normalize(raw: RawConfig, file: string, env: NodeJS.ProcessEnv): Config {
  const base = file === '<inline>' ? process.cwd() : dirname(resolve(file))
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(base, p))
  const addr = raw.server?.addr ?? DEFAULT_ADDR
  const colon = addr.lastIndexOf(':')
  const port = Number(addr.slice(colon + 1))
  if (port > 65535) throw new MeshgateError('config_error', `\`/server/addr\` port \`${port}\` is out of range`)
  const bundles: BundleConfig[] = Object.entries(raw.bundles ?? {}).map(([name, b]) => {
    const layer = b.layer ?? (name === 'global' ? 'global' : 'domain')
    const out: BundleConfig = { name, resource: b.service ? b.resource : rel(b.resource), layer }
    if (b.service) {
      if (!raw.services?.[b.service]) throw new MeshgateError('config_error', `bundle \`${name}\` names service \`${b.service}\`, which is not configured`)
      out.service = b.service
    }
    if (b.polling) out.polling = b.polling
    return out
  })
  const domainBundles = bundles.filter((b) => b.layer === 'domain')
  if (domainBundles.length && !raw.product) throw new MeshgateError('config_error', 'a domain bundle needs `product.domain`')
  if (domainBundles.length > 1) throw new MeshgateError('config_error', 'only one domain bundle per sidecar (the guarded product\'s domain)')
  if (bundles.some((b) => b.layer === 'standalone') && bundles.length > 1) {
    throw new MeshgateError('config_error', 'a standalone bundle (roots [""]) must be the only bundle')
  }
  let key = raw.anonymize?.key
  if (raw.anonymize?.key_env) {
    key = env[raw.anonymize.key_env]
    if (!key) throw new MeshgateError('config_error', `environment variable \`${raw.anonymize.key_env}\` (anonymize.key_env) is not set`)
  }
  const cfg: Config = {
    file,
    server: { host: addr.slice(0, colon) || '127.0.0.1', port, bodyLimit: parseSize(raw.server?.body_limit ?? DEFAULT_BODY_LIMIT) },
    services: raw.services ?? {},
    bundles,
    cache: { decisions: raw.cache?.decisions ?? 10_000, tokens: raw.cache?.tokens ?? 1_000 },
    budgets: { steps: raw.budgets?.steps ?? 0, timeMs: raw.budgets?.time_ms ?? 0, memoryMiB: raw.budgets?.memory_mb ?? 256 },
    anonymize: key ? { key } : {},
    forwardAuth: { routes: raw.forward_auth?.routes ?? [] },
  }
  if (raw.budgets?.workers !== undefined) cfg.budgets.workers = raw.budgets.workers
  if (raw.product) cfg.product = raw.product.dir ? { domain: raw.product.domain, dir: rel(raw.product.dir) } : { domain: raw.product.domain }
  if (raw.auth) {
    const a = raw.auth
    cfg.auth = {
      issuer: a.issuer,
      audience: a.audience,
      algorithms: a.algorithms,
      clock_tolerance_seconds: a.clock_tolerance_seconds ?? 0,
      claims: { subject: 'sub', roles: 'roles', clearance: 'clearance', domain: 'domain', region: 'region', ...a.claims },
    }
    if (a.jwks_url) cfg.auth.jwks_url = a.jwks_url
    if (a.jwks_file) cfg.auth.jwks_file = rel(a.jwks_file)
  }
  return cfg
}

const UNITS: Record<string, number> = { b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }

/** `1048576`, `"512kb"`, `"1mib"` → bytes. */
export function parseSize(v: number | string): number {
  if (typeof v === 'number') return v
  const m = /^([0-9]+)\s*([a-z]*)$/i.exec(v.trim())!
  return Number(m[1]) * (UNITS[(m[2] || 'b').toLowerCase()] ?? 1)
}
