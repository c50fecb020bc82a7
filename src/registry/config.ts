// Reading `registry.yaml`: YAML → validated, defaulted RegistryConfig, errors
// at `file:row:col` (config stage's parseYamlWithSchema). Keys are read and
// checked against their algorithm here, so a bad key stops the registry at
// start, not at the first publish. Relative paths resolve against the
// config file's folder.

import { readFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import AjvModule from 'ajv'
import { publicKeyFrom, type KeyMap } from '../bundle/index.js'
import { parseSize, parseYamlWithSchema, type JwtVerification } from '../config/index.js'
import { CompileError, MeshgateError, type ErrorDetail } from '../errors/index.js'
import { REGISTRY_CONFIG_SCHEMA } from './config-schema.js'

export interface RegistryAuthConfig extends JwtVerification {
  /** Claim listing the roots a token may publish under (default `roots`). */
  roots_claim: string
  /** Claim naming the publisher (default `sub`). */
  subject_claim: string
  /** Whether downloads and history need a token too. */
  require_for_download: boolean
}

export interface RegistryConfig {
  file: string
  server: { host: string; port: number; bundlePrefix: string; maxWaitSeconds: number }
  /** `keepRevisions`: bytes kept for each bundle's newest N distinct revisions (undefined: all). */
  storage: { dir: string; keepRevisions?: number }
  auth: RegistryAuthConfig
  /** OPA's keys map; every key lists the roots it may sign for. */
  keys: KeyMap
  /** Whether every bundle must be signed (default: true). */
  signingRequired: boolean
  /** Bundle names pinned to roots: a bundle published under the name must lie under them. */
  pins: Record<string, string[]>
  limits: { compressed: number; uncompressed: number; memoryMiB: number }
  validate: { tests: boolean; loadTimeoutMs: number; testsTimeoutMs: number }
  /** Sidecar status reports (OPA's status API) and `GET /v1/sidecars`. */
  status: StatusConfig
  /** Decision logs collected from sidecars (`POST /logs`) and read back (`GET /v1/decisions`). */
  decisionLogs: DecisionLogsConfig
  /** `GET /metrics`: whether a valid bearer token is needed (default: open, as OPA's is). */
  metrics: { requireToken: boolean }
  /** The governance console (`/console`); who reads it is `decisionLogs.readRoles`. */
  console: ConsoleConfig
}

export interface ConsoleConfig {
  /** Whether `/console` is served (default: true). */
  enabled: boolean
  /** Mark the session cookie `Secure` even when the request came over plain HTTP (a TLS-terminating proxy in front). */
  secureCookie: boolean
}

export interface DecisionLogsConfig {
  /** Largest upload body as sent (gzip or not), in bytes. */
  maxUploadBytes: number
  /** Largest the body may inflate to, in bytes (gzip bombs stop here). */
  maxUncompressedBytes: number
  /** Most events one upload may carry. */
  maxEventsPerUpload: number
  /** Uploads without a token are taken (development only); a token that is sent must still verify. */
  openUpload: boolean
  /** Claim (dotted path allowed) listing a token's roles, read for `readRoles`. */
  readClaim: string
  /** A reader's token must carry one of these roles; empty: any valid token of the IdP reads. */
  readRoles: string[]
  /** Retention: past either bound, the oldest segments are removed. */
  retention: { maxEvents: number; maxBytes: number }
}

/** Largest `max_uncompressed_size`: one upload is one framed record, whose length field is 32 bits. */
export const MAX_DECISION_BATCH_BYTES = 1024 * 1024 * 1024

export interface StatusConfig {
  /** A sidecar not heard from for this long is listed as stale. */
  staleAfterSeconds: number
  /** Instances kept; beyond it, those heard from longest ago are forgotten. */
  maxInstances: number
  /** Largest status report body, in bytes. */
  maxReportBytes: number
}

export const DEFAULT_REGISTRY_ADDR = '127.0.0.1:8282'
const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

const Ajv = AjvModule.default ?? AjvModule
const validate = new Ajv({ allErrors: true, strict: true }).compile(REGISTRY_CONFIG_SCHEMA)

export async function loadRegistryConfig(file: string): Promise<RegistryConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw new MeshgateError('config_error', `cannot read config \`${file}\``, undefined, { cause: (e as Error).message })
  }
  return parseRegistryConfig(text, file)
}

type Raw = {
  server?: { addr?: string; bundle_prefix?: string; max_wait_seconds?: number }
  storage?: { dir?: string; retention?: { revisions?: number } }
  auth: Omit<RegistryAuthConfig, 'clock_tolerance_seconds' | 'roots_claim' | 'subject_claim' | 'require_for_download'> & Partial<RegistryAuthConfig>
  keys?: Record<string, { algorithm: string; key?: string; key_file?: string; roots: string[]; scope?: string }>
  signing?: { required?: boolean }
  bundles?: Record<string, { roots: string[] }>
  limits?: { compressed?: number | string; uncompressed?: number | string; memory_mb?: number }
  validate?: { tests?: boolean; load_timeout_seconds?: number; tests_timeout_seconds?: number }
  status?: { stale_after_seconds?: number; max_instances?: number; max_report_size?: number | string }
  decision_logs?: {
    max_upload_size?: number | string
    max_uncompressed_size?: number | string
    max_events_per_upload?: number
    open_upload?: boolean
    read_claim?: string
    read_roles?: string[]
    retention?: { max_events?: number; max_bytes?: number | string }
  }
  metrics?: { require_token?: boolean }
  console?: { enabled?: boolean; secure_cookie?: boolean }
}

export function parseRegistryConfig(text: string, file = '<inline>'): RegistryConfig {
  const { raw: doc, at } = parseYamlWithSchema(text, file, validate)
  const raw = doc as Raw
  const base = file === '<inline>' ? process.cwd() : dirname(resolve(file))
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(base, p))
  const errors: ErrorDetail[] = []
  const err = (pointer: string, message: string, details?: string, atKey = false) => {
    const e: ErrorDetail = { code: 'config_error', message, location: at(pointer, atKey) }
    if (details) e.details = details
    errors.push(e)
  }

  if (!raw.auth.jwks_url === !raw.auth.jwks_file) err('/auth', '`/auth` needs exactly one of `jwks_url` and `jwks_file`', undefined, true)
  const keys: KeyMap = {}
  for (const [id, k] of Object.entries(raw.keys ?? {})) {
    const pointer = `/keys/${id.replace(/~/g, '~0').replace(/\//g, '~1')}`
    if (!k.key === !k.key_file) {
      err(pointer, `\`${pointer}\` needs exactly one of \`key\` (PEM text) and \`key_file\``, undefined, true)
      continue
    }
    let pem = k.key
    if (k.key_file) {
      try {
        pem = readFileSync(rel(k.key_file), 'utf8')
      } catch (e) {
        err(`${pointer}/key_file`, `cannot read key file \`${k.key_file}\``, (e as NodeJS.ErrnoException).code)
        continue
      }
    }
    try {
      publicKeyFrom(pem!, k.algorithm, `key \`${id}\``)
    } catch (e) {
      const me = e as MeshgateError
      err(`${pointer}/${k.key_file ? 'key_file' : 'key'}`, me.message, typeof me.details === 'string' ? me.details : undefined)
      continue
    }
    keys[id] = { algorithm: k.algorithm, key: pem!, roots: k.roots.map(trimRoot), ...(k.scope !== undefined ? { scope: k.scope } : {}) }
  }
  const signingRequired = raw.signing?.required ?? true
  if (signingRequired && Object.keys(raw.keys ?? {}).length === 0) {
    err(
      '/',
      'signatures are required (`signing.required` defaults to true) but no `keys` are configured',
      'add the public keys allowed to sign, or set `signing.required: false`',
      true,
    )
  }
  const dl = raw.decision_logs ?? {}
  const decisionLogs: DecisionLogsConfig = {
    maxUploadBytes: parseSize(dl.max_upload_size ?? 4 * MiB),
    maxUncompressedBytes: parseSize(dl.max_uncompressed_size ?? 64 * MiB),
    maxEventsPerUpload: dl.max_events_per_upload ?? 10_000,
    openUpload: dl.open_upload === true,
    readClaim: dl.read_claim ?? 'roles',
    readRoles: dl.read_roles ?? ['decision-reader'],
    retention: { maxEvents: dl.retention?.max_events ?? 1_000_000, maxBytes: parseSize(dl.retention?.max_bytes ?? GiB) },
  }
  if (decisionLogs.maxUncompressedBytes > MAX_DECISION_BATCH_BYTES) {
    err(
      '/decision_logs/max_uncompressed_size',
      `\`/decision_logs/max_uncompressed_size\` is more than the most one upload may be (${MAX_DECISION_BATCH_BYTES} bytes)`,
    )
  }
  if (errors.length) throw new CompileError(errors)

  const addr = raw.server?.addr ?? DEFAULT_REGISTRY_ADDR
  const colon = addr.lastIndexOf(':')
  const port = Number(addr.slice(colon + 1))
  if (port > 65535)
    throw new CompileError([{ code: 'config_error', message: `\`/server/addr\` port \`${port}\` is out of range`, location: at('/server/addr') }])
  const a = raw.auth
  const auth: RegistryAuthConfig = {
    issuer: a.issuer,
    audience: a.audience,
    algorithms: a.algorithms,
    clock_tolerance_seconds: a.clock_tolerance_seconds ?? 0,
    roots_claim: a.roots_claim ?? 'roots',
    subject_claim: a.subject_claim ?? 'sub',
    require_for_download: a.require_for_download ?? false,
  }
  if (a.jwks_url) auth.jwks_url = a.jwks_url
  if (a.jwks_file) auth.jwks_file = rel(a.jwks_file)
  return {
    file,
    server: {
      host: addr.slice(0, colon) || '127.0.0.1',
      port,
      bundlePrefix: (raw.server?.bundle_prefix ?? '/bundles').replace(/\/+$/, '') || '/bundles',
      maxWaitSeconds: raw.server?.max_wait_seconds ?? 300,
    },
    storage: {
      dir: rel(raw.storage?.dir ?? 'registry-data'),
      ...(raw.storage?.retention?.revisions !== undefined ? { keepRevisions: raw.storage.retention.revisions } : {}),
    },
    auth,
    keys,
    signingRequired,
    pins: Object.fromEntries(Object.entries(raw.bundles ?? {}).map(([n, b]) => [n, b.roots.map(trimRoot)])),
    limits: {
      compressed: parseSize(raw.limits?.compressed ?? 16 * MiB),
      uncompressed: parseSize(raw.limits?.uncompressed ?? 128 * MiB),
      memoryMiB: raw.limits?.memory_mb ?? 256,
    },
    validate: {
      tests: raw.validate?.tests === true,
      loadTimeoutMs: (raw.validate?.load_timeout_seconds ?? 10) * 1000,
      testsTimeoutMs: (raw.validate?.tests_timeout_seconds ?? 60) * 1000,
    },
    status: {
      staleAfterSeconds: raw.status?.stale_after_seconds ?? 60,
      maxInstances: raw.status?.max_instances ?? 10_000,
      maxReportBytes: parseSize(raw.status?.max_report_size ?? 256 * KiB),
    },
    decisionLogs,
    metrics: { requireToken: raw.metrics?.require_token === true },
    console: {
      enabled: raw.console?.enabled ?? true,
      secureCookie: raw.console?.secure_cookie ?? false,
    },
  }
}

function trimRoot(r: string): string {
  return r.replace(/^\/+|\/+$/g, '')
}
