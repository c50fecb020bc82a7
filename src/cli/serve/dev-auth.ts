// Development auth for `policy serve --example` (cli stage): an RS256 key
// pair made for this run, its public half written as a JWKS file for the
// config's `auth.jwks_file`, and tokens signed with the private half so the
// printed sample requests work without an identity provider. The private key
// never leaves the process; the tokens expire, as the sidecar requires `exp`.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'

export const DEV_ISSUER = 'https://meshgate.invalid/dev-idp'
export const DEV_AUDIENCE = 'meshgate'
const KID = 'meshgate-dev'

/** The claims a development token carries (docs/http-api.md, "Authentication"). */
export interface DevClaims {
  sub: string
  roles: string[]
  clearance: string
  domain: string
  region: string
}

export interface DevAuth {
  jwksFile: string
  /** Signs a token for `claims` (plus any `extra` claims), valid for `ttl` (a jose time span, e.g. `1h`). */
  mint(claims: DevClaims, ttl?: string, extra?: Record<string, unknown>): Promise<string>
  /** Removes the JWKS file and its temp folder. */
  dispose(): Promise<void>
}

export async function createDevAuth(): Promise<DevAuth> {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' }
  const dir = await mkdtemp(join(tmpdir(), 'meshgate-dev-'))
  const jwksFile = join(dir, 'jwks.json')
  await writeFile(jwksFile, `${JSON.stringify({ keys: [jwk] }, null, 2)}\n`)
  return {
    jwksFile,
    mint: ({ sub, ...rest }, ttl = '1h', extra = {}) =>
      new SignJWT({ ...extra, ...rest })
        .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(ttl)
        .sign(privateKey),
    dispose: () => rm(dir, { recursive: true, force: true }),
  }
}
