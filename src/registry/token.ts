// Publisher tokens: `Authorization: Bearer <JWT>` verified as the sidecar
// verifies its callers (jose; issuer, audience, an allow-list of asymmetric
// algorithms, `exp` required; keys from `jwks_url` or `jwks_file`). The
// registry needs two claims: who publishes (`sub` by default) and the roots
// the token may publish under (`roots` by default): the governance group's
// tokens carry `global`, a domain team's `domains/<domain>`.

import { readFile } from 'node:fs/promises'
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { MeshgateError } from '../errors/index.js'
import { claim, verifyJwt } from '../server/index.js'
import type { RegistryAuthConfig } from './config.js'

export interface Publisher {
  /** The token's subject (who publishes). */
  subject: string
  /** Roots the token may publish under; empty when the claim is missing. */
  roots: string[]
  /** Every claim of the verified token (for checks beyond publishing, e.g. decision-log readers' roles). */
  claims?: JWTPayload
}

export class PublisherTokens {
  private keys?: JWTVerifyGetKey

  constructor(private readonly cfg: RegistryAuthConfig) {}

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

  /** Verifies the `Authorization` header's bearer token. */
  async verify(authorization: string | undefined): Promise<Publisher> {
    if (!authorization) throw new MeshgateError('token_missing', 'the request has no `Authorization: Bearer` token')
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (!m) throw new MeshgateError('token_invalid', 'the `Authorization` header is not `Bearer <token>`')
    const payload = await verifyJwt(m[1]!, await this.keySet(), this.cfg)
    const sub = claim(payload, this.cfg.subject_claim)
    return { subject: typeof sub === 'string' && sub ? sub : '(no subject)', roots: rootsOf(claim(payload, this.cfg.roots_claim)), claims: payload }
  }
}

/** The roots claim: a list, or one string of roots separated by spaces or commas. */
function rootsOf(v: unknown): string[] {
  return listClaim(v).map((r) => r.replace(/^\/+|\/+$/g, ''))
}

/** A claim holding a list of names: a JSON list, or one string separated by spaces or commas (OAuth's `scope` style). */
export function listClaim(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string') : typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : []
}
