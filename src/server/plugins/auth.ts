// Auth plugin: `Authorization: Bearer <JWT>` verified with jose against the
// configured issuer, audience and algorithm allow-list, keys from a JWKS URL
// (createRemoteJWKSet) or file. `none` and symmetric algorithms are never
// accepted (the allow-list holds asymmetric ones only), which also rules out
// HS/RS confusion: a token signed with HMAC over the public key fails the
// algorithm check before any key is used. A verified token is cached until
// its `exp`, never longer; tokens without `exp` are refused.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { readFile } from 'node:fs/promises'
import { LRUCache } from 'lru-cache'
import type { AuthConfig } from '../../config/index.js'
import { MeshgateError } from '../../errors/index.js'
import { globalPlugin } from './global-plugin.js'

export interface Subject {
  id?: string
  roles?: string[]
  clearance?: string
  domain?: string
  region?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified subject; set by `requireSubject`. */
    subject?: Subject
  }
  interface FastifyInstance {
    requireSubject(req: FastifyRequest): Promise<Subject>
  }
}

export interface AuthOptions {
  auth?: AuthConfig
  /** Verified-token cache entries; 0 = off. */
  cacheSize: number
}

export class TokenVerifier {
  private readonly cache?: LRUCache<string, Subject>
  private keys?: JWTVerifyGetKey

  constructor(private readonly cfg: AuthConfig, cacheSize: number) {
    if (cacheSize > 0) this.cache = new LRUCache({ max: cacheSize, ttlAutopurge: false })
  }

  private async keySet(): Promise<JWTVerifyGetKey> {
    if (this.keys) return this.keys
    if (this.cfg.jwks_url) {
      this.keys = createRemoteJWKSet(new URL(this.cfg.jwks_url), { timeoutDuration: 5000, cooldownDuration: 30_000 })
    } else {
      let jwks: JSONWebKeySet
      try {
        jwks = JSON.parse(await readFile(this.cfg.jwks_file!, 'utf8')) as JSONWebKeySet
      } catch (e) {
        throw new MeshgateError('config_error', `cannot read JWKS file \`${this.cfg.jwks_file}\``, undefined, { cause: (e as Error).message })
      }
      this.keys = createLocalJWKSet(jwks)
    }
    return this.keys
  }

  async verify(token: string): Promise<Subject> {
    const hit = this.cache?.get(token)
    if (hit) return hit
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, await this.keySet(), {
        issuer: this.cfg.issuer,
        audience: this.cfg.audience,
        algorithms: this.cfg.algorithms,
        clockTolerance: this.cfg.clock_tolerance_seconds,
        requiredClaims: ['exp'],
      }))
    } catch (e) {
      if (e instanceof MeshgateError) throw e
      throw new MeshgateError('token_invalid', `the bearer token is not valid: ${describeJoseError(e)}`)
    }
    const subject = this.subjectOf(payload)
    // Cache until exp, never longer (exp is required above).
    const ttl = payload.exp! * 1000 - Date.now()
    if (this.cache && ttl > 0) this.cache.set(token, subject, { ttl })
    return subject
  }

  private subjectOf(p: JWTPayload): Subject {
    const c = this.cfg.claims
    const s: Subject = {}
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
    const id = str(claim(p, c.subject)); if (id !== undefined) s.id = id
    const roles = claim(p, c.roles)
    if (Array.isArray(roles)) s.roles = roles.filter((r): r is string => typeof r === 'string')
    else if (typeof roles === 'string') s.roles = roles.split(/[\s,]+/).filter(Boolean)
    const clearance = str(claim(p, c.clearance)); if (clearance !== undefined) s.clearance = clearance
    const domain = str(claim(p, c.domain)); if (domain !== undefined) s.domain = domain
    const region = str(claim(p, c.region)); if (region !== undefined) s.region = region
    return s
  }
}

/** Claims may be nested: `realm_access.roles`. */
function claim(p: JWTPayload, path: string): unknown {
  let cur: unknown = p
  for (const seg of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined
    cur = (cur as Record<string, unknown>)[seg]
  }
  return cur
}

export function describeJoseError(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'it has expired'
  if (e instanceof joseErrors.JWTClaimValidationFailed) return `claim \`${e.claim}\` ${e.reason === 'check_failed' ? 'does not match' : e.reason === 'missing' ? 'is missing' : 'is invalid'}`
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not allowed'
  if (e instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the JWKS matches it'
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify'
  if (e instanceof joseErrors.JWKSTimeout) return 'the JWKS endpoint timed out'
  if (e instanceof joseErrors.JOSENotSupported) return 'its algorithm is not supported'
  if (e instanceof joseErrors.JWSInvalid || e instanceof joseErrors.JWTInvalid) return 'it is malformed'
  return 'it cannot be verified'
}

export const authPlugin = globalPlugin(async function auth(app: FastifyInstance, opts: AuthOptions) {
  const verifier = opts.auth ? new TokenVerifier(opts.auth, opts.cacheSize) : undefined
  app.decorate('requireSubject', async (req: FastifyRequest): Promise<Subject> => {
    if (req.subject) return req.subject
    if (!verifier) return (req.subject = {}) // no auth configured: anonymous subject (see docs/config.md)
    const h = req.headers.authorization
    if (!h) throw new MeshgateError('token_missing', 'the request has no `Authorization: Bearer` token')
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h)
    if (!m) throw new MeshgateError('token_invalid', 'the `Authorization` header is not `Bearer <token>`')
    return (req.subject = await verifier.verify(m[1]!))
  })
}, 'meshgate-auth')
