// Reading the sidecar config: YAML text → validated, defaulted Config. Errors
// carry `file:row:col` of the offending value (the `yaml` package keeps
// ranges; rows and columns are computed only when reporting).

import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { CompileError, MeshgateError, type Location } from '../errors/index.js'
import { validators } from './config-validator.gen.js'
import { parseYamlWithSchema } from './yaml-schema.js'
import { publicKeyFrom } from '../bundle/index.js'

export interface BundleConfig {
  name: string
  service?: string
  /** A file path (resolved against the config's folder) or a resource under `service`. */
  resource: string
  layer: 'global' | 'domain' | 'standalone'
  polling?: { min_delay_seconds?: number; max_delay_seconds?: number; long_polling_timeout_seconds?: number }
  signing?: { keyid?: string; scope?: string; exclude_files?: string[] }
  /** Keep the last good copy in `persistence_directory` (OPA's `persist`). */
  persist?: boolean
  /** Compressed size limit of a download (OPA's `size_limit_bytes`). */
  size_limit_bytes?: number
  /** Maximum bundle age; past it without a successful check the layer is stale. */
  max_age_seconds?: number
  on_max_age?: 'deny' | 'serve'
}

/** How bearer JWTs are verified (the sidecar's and the registry's `auth`): against the issuer's keys. */
export interface JwtVerification {
  issuer: string
  audience: string | string[]
  algorithms: string[]
  jwks_url?: string
  jwks_file?: string
  clock_tolerance_seconds: number
}

/** Bearer JWTs verified against the issuer's keys. */
export interface AuthConfig extends JwtVerification {
  mode: 'jwt'
  claims: { subject: string; roles: string; clearance: string; domain: string; region: string }
}

/**
 * No token checked: every request is the anonymous subject. Only by explicit
 * choice (`auth: { mode: none }`, or `--insecure-no-auth` for a config
 * without `auth`); a config that just leaves `auth` out is an error.
 */
export interface NoAuthConfig {
  mode: 'none'
  /** How it was chosen, for the banner and the log. */
  via: 'config' | 'flag'
}

/**
 * Decision logging (`decision_logs`), present only when configured. OPA's
 * names where OPA has the concept; delays and sizes defaulted to OPA's.
 */
export interface DecisionLogsConfig {
  /** The service batches are uploaded to; absent for console-only logging. */
  service?: string
  /** Path under the service's URL; OPA's default `/logs`. */
  resource: string
  /** One JSON line per event on stdout. */
  console: boolean
  reporting: { minDelaySeconds: number; maxDelaySeconds: number; uploadSizeLimitBytes: number }
  /** JSON pointers erased from every event, before the log policy's mask. */
  erase: string[]
  spool: { dir: string; maxBytes: number; fsyncIntervalSeconds: number }
}

/** OPA's decision-log defaults (configuration reference, `decision_logs.reporting`). */
export const DECISION_LOG_DEFAULTS = {
  resource: '/logs',
  minDelaySeconds: 300,
  maxDelaySeconds: 600,
  uploadSizeLimitBytes: 32768,
  spoolMaxBytes: 64 * 1024 * 1024,
  fsyncIntervalSeconds: 1,
} as const

/** What a decision-log erase pointer may name: OPA's mask roots, `~` only as `~0`/`~1`. */
const ERASE_POINTER = /^\/(input|result|nd_builtin_cache)(\/([^~]|~[01])*)*$/

export interface LoadOptions {
  /** `policy serve --insecure-no-auth`: a config without `auth` serves without authentication. */
  insecureNoAuth?: boolean
}

export interface Config {
  /** The file it came from, or `<inline>`. */
  file: string
  server: { host: string; port: number; bodyLimit: number }
  product?: { domain: string; dir?: string }
  services: Record<string, { url: string; [k: string]: unknown }>
  bundles: BundleConfig[]
  auth: AuthConfig | NoAuthConfig
  cache: { decisions: number; tokens: number }
  budgets: { steps: number; timeMs: number; workers?: number; memoryMiB: number }
  anonymize: { key?: string }
  forwardAuth: { routes: { prefix: string; port: string; purpose?: string }[] }
  /** OPA's `keys`: bundle verification keys, each optionally bound to roots. */
  keys: Record<string, { algorithm: string; key: string; scope?: string; roots?: string[] }>
  /** Where persisted bundles live (OPA's `persistence_directory`); default `.meshgate/` beside the config. */
  persistenceDirectory: string
  status?: { service: string; partition_name?: string; interval_seconds?: number }
  labels: Record<string, string>
  /** `GET /metrics`: whether a valid bearer token is needed (default: open, as OPA's is). */
  metrics: { requireToken: boolean }
  /** Absent: decision logging is off. */
  decisionLogs?: DecisionLogsConfig
}

export const DEFAULT_ADDR = '127.0.0.1:8181'
export const DEFAULT_BODY_LIMIT = 1024 * 1024

// CONFIG_SCHEMA (schema.ts) compiled ahead by scripts/gen-validators.ts:
// compiling it here cost every start ~70 ms of CPU (issue 13).
const validate = validators.config

/**
 * Reads and checks a config file, and the files it names that must exist
 * before the sidecar serves (the JWKS file): a missing one fails here, at
 * `file:row:col` of its key, not at the first request.
 */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): Promise<Config> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw new MeshgateError('config_error', `cannot read config \`${file}\``, undefined, { cause: (e as Error).message })
  }
  const { config, locate } = parseWithLocations(text, file, env, opts)
  await checkNamedFiles(config, locate)
  return config
}

/** The config in `text`; checks the text only (loadConfig also checks the files it names). */
export function parseConfig(text: string, file = '<inline>', env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): Config {
  return parseWithLocations(text, file, env, opts).config
}

type Locate = (pointer: string) => Location

/** A JWKS file must be there and be a key set; bundle files may be missing (their layer stays inactive, by design). */
async function checkNamedFiles(config: Config, locate: Locate): Promise<void> {
  const file = config.auth.mode === 'jwt' ? config.auth.jwks_file : undefined
  if (file === undefined) return
  let problem: string | undefined
  try {
    const jwks = JSON.parse(await readFile(file, 'utf8')) as { keys?: unknown }
    if (!Array.isArray(jwks?.keys)) problem = `\`${file}\` is not a JSON Web Key Set (no \`keys\` list)`
    else if (jwks.keys.length === 0) problem = `\`${file}\` holds no keys, so no token could be verified`
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    problem =
      err.code === 'ENOENT'
        ? `\`${file}\` does not exist`
        : err instanceof SyntaxError
          ? `\`${file}\` is not JSON: ${err.message}`
          : `\`${file}\` cannot be read: ${err.code ?? err.message}`
  }
  if (problem) {
    throw new CompileError([{ code: 'config_error', message: `\`/auth/jwks_file\` ${problem}`, location: locate('/auth/jwks_file') }])
  }
}

function parseWithLocations(text: string, file: string, env: NodeJS.ProcessEnv, opts: LoadOptions): { config: Config; locate: Locate } {
  const { raw, at } = parseYamlWithSchema(text, file, validate)
  const auth = (raw as RawConfig).auth
  if (auth && auth.mode !== 'none' && !auth.jwks_url === !auth.jwks_file) {
    throw new CompileError([{ code: 'config_error', message: '`/auth` needs exactly one of `jwks_url` and `jwks_file`', location: at('/auth', '') }])
  }
  // Unauthenticated only by choice: leaving `auth` out used to serve every
  // request as the anonymous subject without a word.
  if (!auth && !opts.insecureNoAuth) {
    throw new CompileError([
      {
        code: 'config_error',
        message:
          'the config has no `auth`: set `auth` to verify bearer tokens, or `auth: { mode: none }` (or `policy serve --insecure-no-auth`) to serve without authentication',
        location: { file, row: 1, col: 1 },
        details: 'docs/config.md, "Auth"',
      },
    ])
  }
  // Without auth no token is verified, so "required" would let everyone in: say so instead.
  if ((raw as RawConfig).metrics?.require_token && (!auth || auth.mode === 'none')) {
    throw new CompileError([
      {
        code: 'config_error',
        message: '`/metrics/require_token` needs bearer tokens to be verified, but authentication is off',
        location: at('/metrics/require_token'),
        details: 'configure `auth`, or leave `/metrics` open',
      },
    ])
  }
  checkDecisionLogs(raw as RawConfig, at)
  return { config: normalize(raw as RawConfig, file, env), locate: (pointer) => at(pointer) }
}

/** The checks on `decision_logs` the schema cannot make, each at its value's `file:row:col`. */
function checkDecisionLogs(raw: RawConfig, at: (pointer: string, key?: string | boolean) => Location): void {
  const d = raw.decision_logs
  if (!d) return
  const errors: { code: 'config_error'; message: string; location: Location }[] = []
  if (d.service === undefined && !d.console) {
    errors.push({ code: 'config_error', message: '`/decision_logs` needs a `service` to upload to, or `console: true`', location: at('/decision_logs', '') })
  }
  if (d.service !== undefined && !raw.services?.[d.service]) {
    errors.push({
      code: 'config_error',
      message: `\`/decision_logs/service\` names service \`${d.service}\`, which is not configured`,
      location: at('/decision_logs/service'),
    })
  }
  const r = d.reporting
  if (r?.min_delay_seconds !== undefined && r.max_delay_seconds !== undefined && r.min_delay_seconds > r.max_delay_seconds) {
    errors.push({
      code: 'config_error',
      message: '`/decision_logs/reporting/min_delay_seconds` is larger than `max_delay_seconds`',
      location: at('/decision_logs/reporting/min_delay_seconds'),
    })
  }
  for (const [i, p] of (d.erase ?? []).entries()) {
    if (!ERASE_POINTER.test(p)) {
      errors.push({
        code: 'config_error',
        message: `\`/decision_logs/erase/${i}\` \`${p}\` is not a JSON pointer under \`/input\`, \`/result\` or \`/nd_builtin_cache\` (the parts of an event masking may change)`,
        location: at(`/decision_logs/erase/${i}`),
      })
    }
  }
  if (errors.length) throw new CompileError(errors)
}

type RawConfig = {
  server?: { addr?: string; body_limit?: number | string }
  product?: { domain: string; dir?: string }
  services?: Record<string, { url: string }>
  bundles?: Record<string, Omit<BundleConfig, 'name' | 'layer'> & { layer?: BundleConfig['layer'] }>
  keys?: Record<string, { algorithm?: string; key: string; scope?: string; roots?: string[] }>
  persistence_directory?: string
  status?: Config['status']
  labels?: Record<string, string>
  metrics?: { require_token?: boolean }
  decision_logs?: {
    service?: string
    resource?: string
    console?: boolean
    reporting?: { min_delay_seconds?: number; max_delay_seconds?: number; upload_size_limit_bytes?: number }
    erase?: string[]
    spool?: { dir?: string; max_bytes?: number | string; fsync_interval_seconds?: number }
  }
  auth?:
    | { mode: 'none' }
    | (Omit<AuthConfig, 'mode' | 'clock_tolerance_seconds' | 'claims'> & {
        mode?: 'jwt'
        clock_tolerance_seconds?: number
        claims?: Partial<AuthConfig['claims']>
      })
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
    if (b.signing) {
      if (b.signing.keyid && !raw.keys?.[b.signing.keyid])
        throw new MeshgateError('config_error', `bundle \`${name}\` names signing key \`${b.signing.keyid}\`, which is not in \`keys\``)
      out.signing = b.signing
    }
    if (b.persist) out.persist = true
    if (b.size_limit_bytes) out.size_limit_bytes = b.size_limit_bytes
    if (b.max_age_seconds) out.max_age_seconds = b.max_age_seconds
    if (b.on_max_age) out.on_max_age = b.on_max_age
    return out
  })
  const domainBundles = bundles.filter((b) => b.layer === 'domain')
  if (domainBundles.length && !raw.product) throw new MeshgateError('config_error', 'a domain bundle needs `product.domain`')
  if (domainBundles.length > 1) throw new MeshgateError('config_error', "only one domain bundle per sidecar (the guarded product's domain)")
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
    auth: authOf(raw.auth, rel),
    keys: Object.fromEntries(
      Object.entries(raw.keys ?? {}).map(([id, k]) => {
        const algorithm = k.algorithm ?? 'RS256'
        // A key that cannot verify anything is a config error now, not a refused bundle later.
        try {
          publicKeyFrom(k.key, algorithm, `key \`${id}\``)
        } catch (e) {
          throw new MeshgateError('config_error', `\`/keys/${id}\`: ${(e as Error).message}`)
        }
        return [id, { ...k, algorithm }]
      }),
    ),
    persistenceDirectory: rel(raw.persistence_directory ?? '.meshgate'),
    labels: raw.labels ?? {},
    metrics: { requireToken: raw.metrics?.require_token === true },
  }
  if (raw.status) {
    if (!raw.services?.[raw.status.service])
      throw new MeshgateError('config_error', `\`status\` names service \`${raw.status.service}\`, which is not configured`)
    cfg.status = raw.status
  }
  if (raw.decision_logs) cfg.decisionLogs = decisionLogsOf(raw.decision_logs, cfg.persistenceDirectory, rel)
  if (raw.budgets?.workers !== undefined) cfg.budgets.workers = raw.budgets.workers
  if (raw.product) cfg.product = raw.product.dir ? { domain: raw.product.domain, dir: rel(raw.product.dir) } : { domain: raw.product.domain }
  return cfg
}

function decisionLogsOf(d: NonNullable<RawConfig['decision_logs']>, persistence: string, rel: (p: string) => string): DecisionLogsConfig {
  const D = DECISION_LOG_DEFAULTS
  const min = d.reporting?.min_delay_seconds ?? Math.min(D.minDelaySeconds, d.reporting?.max_delay_seconds ?? D.minDelaySeconds)
  const out: DecisionLogsConfig = {
    resource: d.resource ?? D.resource,
    console: d.console ?? false,
    reporting: {
      minDelaySeconds: min,
      maxDelaySeconds: d.reporting?.max_delay_seconds ?? Math.max(D.maxDelaySeconds, min),
      uploadSizeLimitBytes: d.reporting?.upload_size_limit_bytes ?? D.uploadSizeLimitBytes,
    },
    erase: d.erase ?? [],
    spool: {
      dir: d.spool?.dir ? rel(d.spool.dir) : resolve(persistence, 'decision-logs'),
      maxBytes: parseSize(d.spool?.max_bytes ?? D.spoolMaxBytes),
      fsyncIntervalSeconds: d.spool?.fsync_interval_seconds ?? D.fsyncIntervalSeconds,
    },
  }
  if (d.service !== undefined) out.service = d.service
  return out
}

/** No `auth` here means `--insecure-no-auth` let it through (parseWithLocations refuses it otherwise). */
function authOf(a: RawConfig['auth'], rel: (p: string) => string): Config['auth'] {
  if (!a) return { mode: 'none', via: 'flag' }
  if (a.mode === 'none') return { mode: 'none', via: 'config' }
  const auth: AuthConfig = {
    mode: 'jwt',
    issuer: a.issuer,
    audience: a.audience,
    algorithms: a.algorithms,
    clock_tolerance_seconds: a.clock_tolerance_seconds ?? 0,
    claims: { subject: 'sub', roles: 'roles', clearance: 'clearance', domain: 'domain', region: 'region', ...a.claims },
  }
  if (a.jwks_url) auth.jwks_url = a.jwks_url
  if (a.jwks_file) auth.jwks_file = rel(a.jwks_file)
  return auth
}

const UNITS: Record<string, number> = { b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }

/** `1048576`, `"512kb"`, `"1mib"` → bytes. */
export function parseSize(v: number | string): number {
  if (typeof v === 'number') return v
  const m = /^([0-9]+)\s*([a-z]*)$/i.exec(v.trim())!
  return Number(m[1]) * (UNITS[(m[2] || 'b').toLowerCase()] ?? 1)
}
