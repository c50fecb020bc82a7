// A decision log event: OPA's decision-log shape (docs/observability.md;
// OPA's "Decision Log Service API"), plus the fields meshgate's governance
// views query by (kind, outcome, port, subject, deny reasons per layer).
// OPA-compatible collectors ignore fields they do not know, so the extras
// sit at the top level beside OPA's own.
//
// Data flows one way: a server route answers a decision, builds one event,
// and hands it to every DecisionObserver (the decision logger, the metrics).

/** Which API made the decision. */
export type DecisionKind =
  | 'access' // POST /v1/decisions/access
  | 'anonymization' // POST /v1/decisions/anonymization
  | 'schema_compatibility' // POST /v1/decisions/schema-compatibility
  | 'anonymize_stream' // POST /v1/ports/:port/anonymize
  | 'data' // OPA's GET|POST /v1/data/{path}
  | 'query' // OPA's POST / (system.main)
  | 'forward_auth' // gateway forward-auth

/**
 * `allow`/`deny`: an access decision (also the one a stream or forward-auth
 * takes first) or a compatibility verdict; `answer`: a document or plan was
 * answered; `error`: the decision failed (eval_error, bundle_unavailable …)
 * and the request was refused.
 */
export type DecisionOutcome = 'allow' | 'deny' | 'answer' | 'error'

export interface LoggedDenyReason {
  layer: string
  message: string
  code?: string
}

export interface DecisionEvent {
  /** The id the answer carries (also the request id in the sidecar's log lines). */
  decision_id: string
  /** OPA's labels: `id` (instance), `version`, the config's labels, and product, domain, port when known. */
  labels: Record<string, string>
  /** The policy path decided, slash-separated without `data/` (OPA's `path`), e.g. `meshgate/access`, `global/access/allow`. */
  path: string
  input?: unknown
  result?: unknown
  /** Layer name → revision, for every layer the decision used (the answer's `revisions`, in OPA's `bundles` shape). */
  bundles: Record<string, { revision: string }>
  /** RFC 3339 with nanoseconds, UTC, as OPA writes it. */
  timestamp: string
  /** `timer_server_handler_ns`, `timer_rego_query_eval_ns`; streams add `counter_records_anonymized`. */
  metrics: Record<string, number>
  /** Remote address and port of the client (OPA's `requested_by`). */
  requested_by: string
  /** Set when the decision failed. */
  error?: { code: string; message: string }
  /** JSON pointers erased by masking (OPA's `erased`). */
  erased?: string[]
  /** JSON pointers masked by an upsert (OPA's `masked`). */
  masked?: string[]
  /**
   * Set by the decision logger when masking failed: `input` and `result` were
   * erased entirely instead (fail closed), and this says why.
   */
  mask_error?: { code: string; message: string }
  // meshgate's additions
  kind: DecisionKind
  outcome: DecisionOutcome
  /** The output port decided for. */
  port?: string
  /** The subject's id (`sub`), or `anonymous`. */
  subject?: string
  /** Every deny reason, global layer first, each with its layer. */
  deny?: LoggedDenyReason[]
  /** Whether the answer came from the decision cache. */
  cached?: boolean
}

/** Receives every decision the sidecar answers, after the answer is built. */
export interface DecisionObserver {
  /**
   * Resolves when the observer has taken the event in a way that survives a
   * crash of the process (the decision logger: written to the spool). Never
   * rejects: an observer that cannot keep an event counts it instead.
   */
  record(event: DecisionEvent): Promise<void> | void
  /**
   * Records an anonymize stream wrote to the client, told when the stream
   * ends (its decision event was recorded before the first record left).
   */
  recordsAnonymized?(port: string, count: number): void
}

/** What the decision logger reports (metrics, health). Counters are since the process started; spool figures are current. */
export interface DecisionLogStats {
  /** Events in the spool not yet acknowledged by the collector. */
  spool_events: number
  spool_bytes: number
  /** The spool's bound, in bytes. */
  spool_limit_bytes: number
  /** Events the collector acknowledged. */
  uploaded_events: number
  upload_batches: number
  /** Upload attempts that failed (and will be retried). */
  upload_retries: number
  /** Events dropped because the spool was past its bound (the oldest go first). */
  dropped_events: number
  /** Events the log policy's `drop` rule dropped (by design, not loss). */
  policy_dropped_events: number
  last_upload_error?: string
  /** ISO 8601. */
  last_upload_at?: string
}
