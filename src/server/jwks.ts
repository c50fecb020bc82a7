// Where the token verifier's keys come from (auth.ts asks; this answers).
//
// `jwks_file` is read once when the sidecar starts: a file that is missing or
// not a JWKS stops the start with `config_error` (loadConfig already points
// at the config key; this covers configs built in code).
//
// `jwks_url` is fetched when the sidecar starts. If the identity provider
// cannot be reached then (it often starts after its sidecars), the sidecar
// serves anyway and fetches again in the background with bounded exponential
// backoff; until a fetch succeeds every request that needs a token answers
// `503 auth_unavailable`, and the readiness check (`/health?bundles`) says
// why. Afterwards jose's remote key set caches the keys and refetches them
// when they are older than its max age or a token names an unknown key id; a
// refetch that fails when the cached keys are stale makes the source
// unavailable again (the sidecar does not trust keys it cannot refresh), and
// the background retry starts over. Fetch failures are never the token's
// fault, so they are 503s, not 401s.

import { readFile } from 'node:fs/promises'
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose'
import type { AuthConfig } from '../config/index.js'
import { MeshgateError } from '../errors/index.js'

export interface RetryPolicy {
  /** Delay before the first background retry; doubled after each failure. */
  minMs: number
  /** Largest delay between retries. */
  maxMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { minMs: 500, maxMs: 30_000 }
/** How long one fetch of the JWKS may take. */
export const JWKS_FETCH_TIMEOUT_MS = 5000

export interface KeySourceLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
}

/** What the readiness check and the banner show. */
export type KeyStatus =
  { ready: true; source: string } | { ready: false; source: string; code: 'auth_unavailable'; message: string; attempts: number; retry_in_ms: number }

export interface KeySource {
  readonly getKey: JWTVerifyGetKey
  status(): KeyStatus
  close(): void
}

/** Reads the file or makes the first fetch; never throws for an unreachable URL, only for an unusable file. */
export async function openKeySource(cfg: AuthConfig, log: KeySourceLog, retry: RetryPolicy = DEFAULT_RETRY): Promise<KeySource> {
  if (cfg.jwks_file !== undefined) return fileKeys(cfg.jwks_file)
  const source = new RemoteKeys(new URL(cfg.jwks_url!), log, retry)
  await source.start()
  return source
}

async function fileKeys(file: string): Promise<KeySource> {
  let jwks: JSONWebKeySet
  try {
    jwks = JSON.parse(await readFile(file, 'utf8')) as JSONWebKeySet
    const getKey = createLocalJWKSet(jwks)
    return { getKey, status: () => ({ ready: true, source: file }), close: () => {} }
  } catch (e) {
    throw new MeshgateError('config_error', `cannot read the JWKS file \`${file}\``, undefined, { cause: (e as Error).message })
  }
}

class RemoteKeys implements KeySource {
  private readonly remote: ReturnType<typeof createRemoteJWKSet>
  private failure: { message: string; attempts: number; retryInMs: number } | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false
  readonly getKey: JWTVerifyGetKey

  constructor(
    private readonly url: URL,
    private readonly log: KeySourceLog,
    private readonly retry: RetryPolicy,
  ) {
    this.remote = createRemoteJWKSet(url, { timeoutDuration: JWKS_FETCH_TIMEOUT_MS, cooldownDuration: 30_000 })
    this.getKey = (header, token) => this.keyFor(header, token)
  }

  async start(): Promise<void> {
    try {
      await this.remote.reload()
      this.log.info({ jwks_url: this.url.href }, 'JWKS fetched')
    } catch (e) {
      this.unavailable(e)
    }
  }

  status(): KeyStatus {
    if (!this.failure) return { ready: true, source: this.url.href }
    return {
      ready: false,
      source: this.url.href,
      code: 'auth_unavailable',
      message: this.describe(),
      attempts: this.failure.attempts,
      retry_in_ms: this.failure.retryInMs,
    }
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
  }

  private async keyFor(...args: Parameters<JWTVerifyGetKey>): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> {
    if (this.failure) throw new MeshgateError('auth_unavailable', this.describe())
    if (!this.remote.fresh) {
      try {
        await this.remote.reload()
      } catch (e) {
        this.unavailable(e)
        throw new MeshgateError('auth_unavailable', this.describe())
      }
    }
    try {
      return await this.remote(...args)
    } catch (e) {
      // A refetch for an unknown key id that fails: this request cannot be
      // judged, but the cached keys are still good for the others.
      if (isFetchFailure(e)) throw new MeshgateError('auth_unavailable', `the signing keys from \`${this.url.href}\` cannot be refreshed: ${reason(e)}`)
      throw e
    }
  }

  private describe(): string {
    const f = this.failure!
    return `the signing keys from \`${this.url.href}\` cannot be fetched (${f.attempts} attempt${f.attempts === 1 ? '' : 's'}, retrying in the background): ${f.message}`
  }

  /** Records a failed fetch and schedules the next one. */
  private unavailable(e: unknown): void {
    if (this.closed) return
    const attempts = (this.failure?.attempts ?? 0) + 1
    const retryInMs = Math.min(this.retry.maxMs, this.retry.minMs * 2 ** Math.min(attempts - 1, 30))
    this.failure = { message: reason(e), attempts, retryInMs }
    this.log.warn(
      { jwks_url: this.url.href, attempts, retry_in_ms: retryInMs, err: this.failure.message },
      'JWKS cannot be fetched; requests that need a token answer 503 until it can',
    )
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.retryNow(), retryInMs)
    // A pending retry must not keep the process alive.
    this.timer.unref()
  }

  private async retryNow(): Promise<void> {
    try {
      await this.remote.reload()
    } catch (e) {
      this.unavailable(e)
      return
    }
    if (this.closed) return
    this.log.info({ jwks_url: this.url.href, attempts: this.failure?.attempts }, 'JWKS fetched; token verification is available')
    this.failure = undefined
  }
}

/** Errors of fetching or reading the key set (the identity provider's side), not of the token. */
function isFetchFailure(e: unknown): boolean {
  if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid) return true
  if (e instanceof joseErrors.JOSEError) return e.code === 'ERR_JOSE_GENERIC'
  return e instanceof TypeError // fetch failed (connection refused, DNS, TLS)
}

function reason(e: unknown): string {
  if (e instanceof joseErrors.JWKSTimeout) return `no answer within ${JWKS_FETCH_TIMEOUT_MS} ms`
  const err = e as Error & { cause?: { code?: string; message?: string } }
  const cause = err?.cause?.code ?? err?.cause?.message
  return `${err?.message ?? String(e)}${cause ? ` (${cause})` : ''}`
}
