// What every registry route needs: the checks' dependencies (config, store),
// the token verifier and the long-poll feed. One per app; nothing global.

import type { FastifyRequest } from 'fastify'
import type { ChangeFeed } from './long-poll.js'
import type { RegistryDeps } from './publish.js'
import type { RevisionRecord } from './store.js'
import type { Publisher, PublisherTokens } from './token.js'

export interface RegistryContext {
  deps: RegistryDeps
  tokens: PublisherTokens
  feed: ChangeFeed
}

/** Downloads and history are open unless `auth.require_for_download`; then any valid token reads. */
export async function requireReader(ctx: RegistryContext, req: FastifyRequest): Promise<Publisher | undefined> {
  if (!ctx.deps.config.auth.require_for_download) return undefined
  return ctx.tokens.verify(req.headers.authorization)
}

/** A revision as the JSON API shows it. */
export function revisionView(name: string, r: RevisionRecord, current?: boolean): Record<string, unknown> {
  return { name, ...r, ...(current !== undefined ? { current } : {}) }
}
