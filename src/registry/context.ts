// What every registry route needs: the checks' dependencies (config, store,
// clock), the token verifier and the long-poll feed. One per app; nothing
// global.

import type { FastifyRequest } from 'fastify'
import type { DecisionStore } from './decision-store.js'
import type { ChangeFeed } from './long-poll.js'
import type { RegistryDeps } from './publish.js'
import type { RevisionRecord } from './store.js'
import type { Publisher, PublisherTokens } from './token.js'

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

/** A revision as the JSON API shows it. */
export function revisionView(name: string, r: RevisionRecord, current?: boolean): Record<string, unknown> {
  return { name, ...r, ...(current !== undefined ? { current } : {}) }
}
