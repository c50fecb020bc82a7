// Auth plugin: `Authorization: Bearer <JWT>` verified with jose against the
// configured issuer, audience and algorithm allow-list, keys from the key
// source (../jwks.ts: a JWKS URL fetched and retried in the background, or a
// file read at start). `none` and symmetric algorithms are never accepted
// (the allow-list holds asymmetric ones only), which also rules out HS/RS
// confusion: a token signed with HMAC over the public key fails the
// algorithm check before any key is used. A verified token is cached until
// its `exp`, never longer; tokens without `exp` are refused.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { LRUCache } from 'lru-cache'
import type { AuthConfig, JwtVerification } from '../../config/index.js'
import { MeshgateError } from '../../errors/index.js'
import type { KeySource } from '../jwks.js'
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
    /** The verified subject: at once for a token verified before (the cache), else a promise; throws or rejects `token_*`. */
    requireSubject(req: FastifyRequest): Subject | Promise<Subject>
  }
}

export interface AuthOptions {
  /** Absent: `auth: { mode: none }` (or `--insecure-no-auth`), every request is the anonymous subject. */
  verifier?: TokenVerifier
}

export class TokenVerifier {
  private readonly cache?: LRUCache<string, Subject>

  /** `cacheSize`: verified-token cache entries; 0 = off. */
  constructor(
    private readonly cfg: AuthConfig,
    private readonly keys: KeySource,
    cacheSize: number,
  ) {
    if (cacheSize > 0) this.cache = new LRUCache({ max: cacheSize, ttlAutopurge: false })
  }

  /** Synchronous for a cached token: a request with a known token costs no promise. */
  verify(token: string): Subject | Promise<Subject> {
    const hit = this.cache?.get(token)
    return hit ?? this.verifyFresh(token)
  }

  private async verifyFresh(token: string): Promise<Subject> {
    const payload = await verifyJwt(token, this.keys.getKey, this.cfg)
    const subject = this.subjectOf(payload)
    // Cache until exp, never longer (exp is required above).
    const ttl = payload.exp! * 1000 - Date.now()
    if (this.cache && ttl > 0) this.cache.set(token, subject, { ttl })
    return subject
  }

  private subjectOf(p: JWTPayload): Subject {
    const c = this.cfg.claims
    const s: Subject = {}
    const str = (name: string) => {
      const v = claim(p, name)
      return typeof v === 'string' ? checked(name, v) : undefined
    }
    const id = str(c.subject)
    if (id !== undefined) s.id = id
    const roles = claim(p, c.roles)
    if (Array.isArray(roles)) s.roles = roles.filter((r): r is string => typeof r === 'string').map((r) => checked(c.roles, r))
    else if (typeof roles === 'string')
      s.roles = checked(c.roles, roles)
        .split(/[\s,]+/)
        .filter(Boolean)
    const clearance = str(c.clearance)
    if (clearance !== undefined) s.clearance = clearance
    const domain = str(c.domain)
    if (domain !== undefined) s.domain = domain
    const region = str(c.region)
    if (region !== undefined) s.region = region
    return s
  }
}

// C0 and C1 controls and DEL, and unpaired surrogates: no identity provider
// issues them in a name, a role or a region, and they are what header
// injection (CR LF) and log forging are made of.
const UNSAFE_CLAIM_TEXT = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** A claim's text, or `token_invalid` when it holds control characters. */
function checked(name: string, v: string): string {
  if (UNSAFE_CLAIM_TEXT.test(v)) throw new MeshgateError('token_invalid', `the bearer token is not valid: claim \`${name}\` holds control characters`)
  return v
}

/** A claim by dotted path: claims may be nested (`realm_access.roles`). */
export function claim(p: JWTPayload, path: string): unknown {
  let cur: unknown = p
  for (const seg of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined
    cur = (cur as Record<string, unknown>)[seg]
  }
  return cur
}

/**
 * A bearer token verified as every meshgate server verifies one (the
 * sidecar, the registry): the issuer, the audience, the algorithm
 * allow-list, and a required `exp`; any failure is `token_invalid`.
 */
export async function verifyJwt(token: string, key: JWTVerifyGetKey, cfg: JwtVerification): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, key, {
      issuer: cfg.issuer,
      audience: cfg.audience,
      algorithms: cfg.algorithms,
      clockTolerance: cfg.clock_tolerance_seconds,
      requiredClaims: ['exp'],
    })
    return payload
  } catch (e) {
    if (e instanceof MeshgateError) throw e
    throw new MeshgateError('token_invalid', `the bearer token is not valid: ${describeJoseError(e)}`)
  }
}

export function describeJoseError(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'it has expired'
  if (e instanceof joseErrors.JWTClaimValidationFailed)
    return `claim \`${e.claim}\` ${e.reason === 'check_failed' ? 'does not match' : e.reason === 'missing' ? 'is missing' : 'is invalid'}`
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not allowed'
  if (e instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the JWKS matches it'
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify'
  if (e instanceof joseErrors.JWKSTimeout) return 'the JWKS endpoint timed out'
  if (e instanceof joseErrors.JOSENotSupported) return 'its algorithm is not supported'
  if (e instanceof joseErrors.JWSInvalid || e instanceof joseErrors.JWTInvalid) return 'it is malformed'
  return 'it cannot be verified'
}

export const authPlugin = globalPlugin(async function auth(app: FastifyInstance, opts: AuthOptions) {
  const verifier = opts.verifier
  app.decorate('requireSubject', (req: FastifyRequest): Subject | Promise<Subject> => {
    if (req.subject) return req.subject
    if (!verifier) return (req.subject = {}) // auth is off by choice: the anonymous subject (docs/config.md)
    const h = req.headers.authorization
    if (!h) throw new MeshgateError('token_missing', 'the request has no `Authorization: Bearer` token')
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h)
    if (!m) throw new MeshgateError('token_invalid', 'the `Authorization` header is not `Bearer <token>`')
    const s = verifier.verify(m[1]!)
    return s instanceof Promise ? s.then((v) => (req.subject = v)) : (req.subject = s)
  })
}, 'meshgate-auth')
