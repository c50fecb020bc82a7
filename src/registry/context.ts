// What every registry route needs: the checks' dependencies (config, store,
// clock), the token verifier and the long-poll feed. One per app; nothing
// global.

import type { FastifyRequest } from 'fastify'
import { MeshgateError } from '../errors/index.js'
import { claim } from '../server/index.js'
import type { DecisionStore } from './decision-store.js'
import type { ChangeFeed } from './long-poll.js'
import type { RegistryDeps } from './publish.js'
import type { RevisionRecord } from './store.js'
import { listClaim, type Publisher, type PublisherTokens } from './token.js'

export interface RegistryContext {
  deps: RegistryDeps
  tokens: PublisherTokens
  feed: ChangeFeed
  /** Collected decision logs (`POST /logs`), queried by `GET /v1/decisions` and the console. */
  decisions?: DecisionStore
}

/** Downloads and history are open unless `auth.require_for_download`; then any valid token reads. */
export async function requireReader(ctx: RegistryContext, req: FastifyRequest): Promise<Publisher | undefined> {
  if (!ctx.deps.config.auth.require_for_download) return undefined
  return ctx.tokens.verify(req.headers.authorization)
}

/**
 * Status reports (`POST /status`) follow the download rule, since sidecars
 * send the credentials they download with (OPA's services.<s>.credentials):
 * a token is required when `auth.require_for_download`, otherwise reports
 * are open; but a token that is sent must verify either way, so a sidecar
 * with a wrong token hears about it instead of being listed under a
 * `reporter` nobody vouched for.
 */
export async function requireReporter(ctx: RegistryContext, req: FastifyRequest): Promise<Publisher | undefined> {
  if (!ctx.deps.config.auth.require_for_download && req.headers.authorization === undefined) return undefined
  return ctx.tokens.verify(req.headers.authorization)
}

/**
 * Decision-log uploads (`POST /logs`) need a valid token of the IdP, as a
 * publish does (no roots needed: sidecars upload with the credentials they
 * download with). `decision_logs.open_upload` takes uploads without one, for
 * development; a token that is sent must verify either way, so a sidecar
 * with an expired token hears 401 instead of uploading under no name.
 */
export async function requireDecisionUploader(ctx: RegistryContext, req: FastifyRequest): Promise<Publisher | undefined> {
  if (ctx.deps.config.decisionLogs.openUpload && req.headers.authorization === undefined) return undefined
  return ctx.tokens.verify(req.headers.authorization)
}

/**
 * Reading collected decisions (`GET /v1/decisions`, its summary, the
 * governance console) always needs a valid token, whatever
 * `require_for_download` says: events carry inputs, masked or not. The
 * token must also carry one of `decision_logs.read_roles` in the claim
 * `decision_logs.read_claim` (default: role `decision-reader` in `roles`);
 * with `read_roles: []` any valid token of the IdP reads. No token or a bad
 * one: 401 `token_missing` / `token_invalid`; a valid token without the
 * role: 403 `decision_read_forbidden`.
 */
export async function requireDecisionReader(ctx: RegistryContext, req: FastifyRequest): Promise<Publisher> {
  return decisionReader(ctx, req.headers.authorization)
}

/** `requireDecisionReader` for an `Authorization` value that came another way (the console's session cookie). */
export async function decisionReader(ctx: RegistryContext, authorization: string | undefined): Promise<Publisher> {
  const reader = await ctx.tokens.verify(authorization)
  const { readRoles, readClaim } = ctx.deps.config.decisionLogs
  if (readRoles.length === 0) return reader
  const held = listClaim(reader.claims ? claim(reader.claims, readClaim) : undefined)
  if (!held.some((r) => readRoles.includes(r))) {
    throw new MeshgateError(
      'decision_read_forbidden',
      `the token of \`${reader.subject}\` has none of the roles that read decision logs in its \`${readClaim}\` claim`,
      undefined,
      { required_any_of: readRoles, claim: readClaim },
    )
  }
  return reader
}

/** A revision as the JSON API shows it. */
export function revisionView(name: string, r: RevisionRecord, current?: boolean): Record<string, unknown> {
  return { name, ...r, ...(current !== undefined ? { current } : {}) }
}
