// The console's session: the registry's own JWTs (token.ts: issuer,
// audience, algorithm allow-list, `exp` required) with a read-only role. A
// browser cannot put an `Authorization` header on a navigation, so the user
// pastes a token into the login form once; it is verified server-side and
// kept in a cookie that scripts cannot read (`HttpOnly`), that no other site
// can make the browser send (`SameSite=Strict`), that goes only to /console
// (`Path`), and that expires no later than the token. The cookie holds the
// token itself, so every request verifies it again, signature, `exp` and
// role: an expired token, or one whose role was configured away, is refused
// on the next click, and there is no server-side session state to keep.
//
// Who reads: the registry's decision readers, by the same check as
// `GET /v1/decisions` (context.ts, `decisionReader`): a token holding one of
// `decision_logs.read_roles` (default `decision-reader`) in the claim
// `decision_logs.read_claim` (default `roles`). The console shows those
// decisions, so it has no reader rule of its own that could drift from the
// API's. Publisher roots grant nothing here.

import type { FastifyRequest } from 'fastify'
import { MeshgateError } from '../../errors/index.js'
import type { ConsoleConfig } from '../config.js'
import { decisionReader, type RegistryContext } from '../context.js'

export const COOKIE = 'meshgate_console'

/** A compact JWS: three base64url parts. Anything else is refused before it reaches jose or a header. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
/** Browsers keep cookies up to 4096 bytes, name and attributes included. */
export const MAX_TOKEN_LENGTH = 3800

export interface ConsoleSession {
  subject: string
  /** The token's `exp`, in seconds since the epoch. */
  exp: number
}

export type SessionResult =
  | { ok: true; session: ConsoleSession; token: string }
  | { ok: false; status: 401 | 403; reason: 'missing' | 'malformed' | 'invalid' | 'forbidden'; message: string }

export class ConsoleAuth {
  constructor(private readonly ctx: RegistryContext) {}

  /** Verifies a token and the read role; the result says why a token is refused. */
  async check(token: string | undefined): Promise<SessionResult> {
    if (!token) return { ok: false, status: 401, reason: 'missing', message: 'sign in with a token' }
    if (token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token)) {
      return { ok: false, status: 401, reason: 'malformed', message: `the token is not a compact JWT of at most ${MAX_TOKEN_LENGTH} characters` }
    }
    try {
      const reader = await decisionReader(this.ctx, `Bearer ${token}`)
      // `exp` is required by every registry token's verification.
      return { ok: true, token, session: { subject: reader.subject, exp: reader.claims!.exp! } }
    } catch (e) {
      if (!(e instanceof MeshgateError)) throw e
      if (e.code === 'token_invalid') return { ok: false, status: 401, reason: 'invalid', message: e.message }
      if (e.code === 'decision_read_forbidden') {
        const roles = this.ctx.deps.config.decisionLogs.readRoles
        return { ok: false, status: 403, reason: 'forbidden', message: `${e.message}: it needs one of ${roles.map((r) => `\`${r}\``).join(', ')}` }
      }
      throw e
    }
  }

  /** The session of a request, from its cookie. */
  fromRequest(req: FastifyRequest): Promise<SessionResult> {
    return this.check(readCookie(req.headers.cookie, COOKIE))
  }
}

/** One cookie's value from a `Cookie` header (the first of that name, as browsers send the most specific first). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** Whether the cookie gets `Secure`: over TLS, or when configured (a TLS-terminating proxy in front). */
export function secureRequest(req: FastifyRequest, cfg: ConsoleConfig): boolean {
  return cfg.secureCookie || req.protocol === 'https'
}

/**
 * `Set-Cookie` for a verified session: the token, until its `exp` (and no
 * later), for /console only. `token` is a checked compact JWT, so it cannot
 * carry `;`, a space or a line break into the header.
 */
export function sessionCookie(token: string, session: ConsoleSession, now: Date, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor(session.exp - now.getTime() / 1000))
  return [
    `${COOKIE}=${token}`,
    'Path=/console',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAge}`,
    `Expires=${new Date(session.exp * 1000).toUTCString()}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ')
}

/** `Set-Cookie` that removes the session. */
export function clearedCookie(secure: boolean): string {
  return [
    `${COOKIE}=`,
    'Path=/console',
    'HttpOnly',
    'SameSite=Strict',
    'Max-Age=0',
    'Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    ...(secure ? ['Secure'] : []),
  ].join('; ')
}

/**
 * Whether a state-changing request (login, logout) comes from the console's
 * own pages: its `Origin` names this host (a page on another site cannot
 * forge it). Without `Origin` (old browsers send none on same-origin form
 * posts), `Sec-Fetch-Site: same-origin` is accepted; with neither, refused.
 * The host is compared, not the scheme: behind a TLS-terminating proxy the
 * browser's origin is https while the registry sees http.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin
  const host = req.headers.host
  if (origin !== undefined) {
    if (!host || origin === 'null') return false
    try {
      const u = new URL(origin)
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host.toLowerCase()
    } catch {
      return false
    }
  }
  return req.headers['sec-fetch-site'] === 'same-origin'
}
