// Storage contract for decision logs collected by the registry (OPA's
// decision-log upload API, `POST /logs`). The filesystem store is the
// embedded default; a PostgreSQL store for several replicas implements the
// same interface (`append` one INSERT … ON CONFLICT (decision_id) DO NOTHING
// per batch; `query` and `summarize` indexed SQL).

import type { DecisionEvent, DecisionOutcome } from '../decision-log/index.js'

/** An event as stored: what the sidecar sent, plus what the registry knows of its arrival. */
export interface StoredDecision extends DecisionEvent {
  /** When the registry stored it (ISO 8601, the registry's clock). */
  received_at: string
  /** Subject of the token the upload came with, when it came with one. */
  reporter?: string
}

export interface DecisionQuery {
  decision_id?: string
  port?: string
  subject?: string
  product?: string
  domain?: string
  outcome?: DecisionOutcome
  /** Inclusive lower bound on the event's `timestamp` (ISO 8601). */
  from?: string
  /** Exclusive upper bound on the event's `timestamp` (ISO 8601). */
  to?: string
  /** At most this many, newest first (the store caps it). */
  limit?: number
  /** Opaque cursor from a previous page's `next`. */
  after?: string
}

export interface DecisionPage {
  decisions: StoredDecision[]
  /** Present when more match: pass as `after`. */
  next?: string
}

export interface AppendResult {
  /** Events newly stored. */
  stored: number
  /** Events whose `decision_id` was already stored (a sidecar's retry): not stored twice. */
  duplicates: number
}

export interface DecisionSummaryQuery {
  from: string
  to: string
  /** Width of each time bucket, in seconds. */
  bucket_seconds: number
  /** How many deny reasons to return, most frequent first. */
  top: number
}

export interface PortSeries {
  product?: string
  domain?: string
  port: string
  /** One entry per bucket from `from` to `to`, including empty ones. */
  buckets: { start: string; total: number; deny: number; error: number }[]
}

export interface DecisionSummary {
  total: number
  deny: number
  error: number
  ports: PortSeries[]
  top_deny_reasons: { layer: string; message: string; code?: string; count: number }[]
}

export interface DecisionStore {
  /**
   * Stores a batch durably (a crash leaves all of it stored, or none of it);
   * an event whose `decision_id` is already stored is skipped.
   */
  append(events: StoredDecision[]): Promise<AppendResult>
  query(q: DecisionQuery): Promise<DecisionPage>
  summarize(q: DecisionSummaryQuery): Promise<DecisionSummary>
  /** Events stored. */
  count(): Promise<number>
  close(): Promise<void>
}
