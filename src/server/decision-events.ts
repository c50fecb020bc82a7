// One decision event per decision the sidecar answers (decision-log/event.ts),
// handed to every observer (the decision logger, the metrics) before the
// answer leaves: a route notes what it decided on the request
// (`noteDecision`), and the `onSend` hook completes the event (labels,
// timers, who asked) and awaits the observers. Awaiting matters: the decision
// logger resolves once the event is in its spool, so an answer a client has
// seen always has its event on disk, even if the sidecar is killed right
// after (docs/observability.md).
//
// The decision id is the request id (fastify's `genReqId`, a random UUID):
// the answer, the event and every log line of the request carry the same id.
// It is never taken from the client, whose ids could collide on purpose with
// another decision's and have the collector drop it as a duplicate.

import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { DecisionEvent, DecisionKind, DecisionObserver, DecisionOutcome, LoggedDenyReason } from '../decision-log/index.js'
import type { DenyReason } from '../engine/access.js'
import type { Revisions } from '../engine/index.js'
import { globalPlugin } from './plugins/global-plugin.js'
import { toMeshgateError } from './plugins/errors.js'

/** What a route knows of its decision; the hook adds the rest. */
export interface NotedDecision {
  kind: DecisionKind
  path: string
  input?: unknown
  port?: string
  subject?: string
  result?: unknown
  outcome?: DecisionOutcome
  deny?: DenyReason[]
  revisions?: Revisions
  cached?: boolean
  /** Time spent in the engine, ns. */
  evalNs?: number
  error?: { code: string; message: string }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The decision this request made, once a route has noted it. */
    decision?: NotedDecision
    /** performance.now() when the request arrived, for `timer_server_handler_ns`. */
    receivedAt: number
  }
}

/** The decision id for a request: its request id. */
export function genDecisionId(): string {
  return randomUUID()
}

/** Notes (or extends) the request's decision. */
export function noteDecision(req: FastifyRequest, d: NotedDecision): NotedDecision {
  req.decision = req.decision ? Object.assign(req.decision, d) : d
  return req.decision
}

/** Runs an engine call and notes the time it took on the request's decision. */
export async function timed<T>(req: FastifyRequest, fn: () => Promise<T>): Promise<T> {
  const t0 = process.hrtime.bigint()
  try {
    return await fn()
  } finally {
    const ns = Number(process.hrtime.bigint() - t0)
    if (req.decision) req.decision.evalNs = (req.decision.evalNs ?? 0) + ns
  }
}

/** Marks the noted decision as failed with `err` (unless it already has an outcome). */
export function noteDecisionError(req: FastifyRequest, err: unknown): void {
  const d = req.decision
  if (!d || d.outcome) return
  const e = toMeshgateError(err)
  d.outcome = 'error'
  d.error = e ? { code: e.code, message: e.message } : { code: 'internal_error', message: 'internal error' }
}

export function denyOf(reasons: DenyReason[]): LoggedDenyReason[] {
  return reasons.map((r) => (r.code !== undefined ? { layer: r.layer, message: r.message, code: r.code } : { layer: r.layer, message: r.message }))
}

/**
 * The parts events share instead of building per decision: the instance's
 * labels with each port (bounded: past MAX_SHARED_PORTS ports, labels are
 * built per event) and the `bundles` of the last revisions object (the
 * engine hands out one frozen object per set of active bundles). Both are
 * frozen: observers read events, masking copies only input and result.
 */
export class SharedEventParts {
  private readonly byPort = new Map<string | undefined, Readonly<Record<string, string>>>()
  private lastRevisions?: Revisions
  private lastBundles: Readonly<Record<string, { revision: string }>> = {}

  constructor(private readonly labels: Record<string, string>) {}

  labelsFor(port: string | undefined): Readonly<Record<string, string>> {
    const hit = this.byPort.get(port)
    if (hit) return hit
    const made = Object.freeze(port !== undefined ? { ...this.labels, port } : { ...this.labels })
    if (this.byPort.size < MAX_SHARED_PORTS) this.byPort.set(port, made)
    return made
  }

  bundlesFor(revisions: Revisions | undefined): Readonly<Record<string, { revision: string }>> {
    if (revisions === undefined) return bundlesOf(undefined)
    if (revisions !== this.lastRevisions) {
      this.lastBundles = Object.freeze(bundlesOf(revisions))
      this.lastRevisions = revisions
    }
    return this.lastBundles
  }
}

/** Ports whose labels are kept built (a port name can come from a request URL when the sidecar has no mesh model). */
export const MAX_SHARED_PORTS = 64

/** Builds the event for a noted decision; `parts` holds the instance's labels (id, version, product, domain, config labels). */
export function decisionEvent(req: FastifyRequest, d: NotedDecision, parts: SharedEventParts, timestamp = rfc3339Nano(Date.now())): DecisionEvent {
  const ev: DecisionEvent = {
    decision_id: String(req.id),
    labels: parts.labelsFor(d.port),
    path: d.path,
    bundles: parts.bundlesFor(d.revisions),
    timestamp,
    metrics: {
      timer_server_handler_ns: Math.round((performance.now() - req.receivedAt) * 1e6),
      ...(d.evalNs !== undefined ? { timer_rego_query_eval_ns: d.evalNs } : {}),
    },
    requested_by: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`,
    kind: d.kind,
    outcome: d.outcome ?? (d.error ? 'error' : 'answer'),
  }
  if (d.input !== undefined) ev.input = d.input
  if (d.result !== undefined) ev.result = d.result
  if (d.error) ev.error = d.error
  if (d.port !== undefined) ev.port = d.port
  if (d.subject !== undefined) ev.subject = d.subject
  if (d.deny?.length) ev.deny = denyOf(d.deny)
  if (d.cached !== undefined) ev.cached = d.cached
  return ev
}

function bundlesOf(revisions: Revisions | undefined): Record<string, { revision: string }> {
  const out: Record<string, { revision: string }> = {}
  for (const [name, revision] of Object.entries(revisions ?? {})) out[name] = { revision }
  return out
}

/** OPA writes timestamps with nanoseconds; a Date has milliseconds, padded (toISOString always ends `.sssZ`). */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, -1)}000000Z`
}

export interface DecisionEventsOptions {
  observers: DecisionObserver[]
  labels: Record<string, string>
}

/**
 * The hooks that turn noted decisions into events. An error thrown by a route
 * after it noted its decision (an evaluation error, a layer without a bundle)
 * makes the event's outcome `error` with the error's code.
 */
export function decisionEventsPlugin(opts: DecisionEventsOptions) {
  return globalPlugin(async function decisionEvents(app: FastifyInstance) {
    app.decorateRequest('decision', undefined)
    app.decorateRequest('receivedAt', 0)
    if (!opts.observers.length) return
    const clock = { ms: -1, text: '' }
    const shared = new SharedEventParts(opts.labels)
    app.addHook('onRequest', (req, _reply, done) => {
      req.receivedAt = performance.now()
      done()
    })
    app.addHook('onError', async (req, _reply, err) => {
      noteDecisionError(req, err)
    })
    // Callback style, and a promise only when an observer returns one (the
    // decision logger): the metrics alone stay synchronous on the hot path.
    app.addHook('onSend', (req, _reply, payload, done) => {
      const d = req.decision
      if (!d) return done(null, payload)
      // Once per request, even if the payload is sent twice (an error while serializing).
      req.decision = undefined
      const now = Date.now()
      // Decisions within one millisecond share the timestamp's text (toISOString is a visible cost per request).
      if (now !== clock.ms) {
        clock.ms = now
        clock.text = rfc3339Nano(now)
      }
      const ev = decisionEvent(req, d, shared, clock.text)
      const failed = (err: unknown) => {
        // Observers count what they cannot keep; one that throws anyway must not fail the answer.
        req.log.error({ err }, 'a decision observer failed')
      }
      let pending: Promise<void>[] | undefined
      for (const o of opts.observers) {
        try {
          const r = o.record(ev)
          if (r) (pending ??= []).push(r)
        } catch (err) {
          failed(err)
        }
      }
      if (!pending) return done(null, payload)
      // One observer waited on (the decision logger): its promise as it is.
      const all: Promise<unknown> = pending.length === 1 ? pending[0]! : Promise.all(pending)
      all.catch(failed).then(
        () => done(null, payload),
        () => done(null, payload),
      )
    })
  }, 'meshgate-decision-events')
}
