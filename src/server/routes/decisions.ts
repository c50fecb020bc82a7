// The three decision endpoints: thin callers of the engine's decision API.
// Each builds the policy input from the verified subject and the body
// (engine/decision-input.ts, the same builder `policy test` uses), asks the
// engine for the combined decision, notes it for the decision log, and
// answers with a decision_id and the bundle revisions used.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { DecisionKind } from '../../decision-log/index.js'
import { compatibilityQuestion, decisionInput, type DecisionRequest, type Engine, type Revisions } from '../../engine/index.js'
import type { AnonymizationPlan } from '../../product/index.js'
import { MeshgateError } from '../../errors/index.js'
import type { Subject } from '../plugins/auth.js'
import { portOf, type ServerContext } from '../context.js'
import { noteDecision, timed, type NotedDecision } from '../decision-events.js'
import { accessResponse, anonymizationResponse, compatibilityRequest, compatibilityResponse, decisionRequest } from '../schemas.js'

/** The port's anonymization plan: the engine's decision over the port's contract fields. */
export async function anonymizationPlan(
  ctx: ServerContext,
  input: Record<string, unknown>,
  port: string,
): Promise<{ plan: AnonymizationPlan; revisions: Revisions; cached: boolean }> {
  const { value: plan, revisions, cached } = await ctx.engine.anonymization(input, portOf(ctx, port)?.fields)
  return { plan, revisions, cached }
}

type AccessAnswer = Awaited<ReturnType<Engine['access']>>

/** The access answer's fields the routes send, read field by field (an object rest takes a slow generic path). */
function accessFields(a: AccessAnswer) {
  const v = a.value
  return { allow: v.allow, deny: v.deny, allowed_by: v.allowed_by, message: v.message, revisions: a.revisions, cached: a.cached }
}

export type AccessResult = ReturnType<typeof accessFields>

/**
 * The access decision, noted on the request for its decision event, with
 * the time the engine took. Synchronous when the engine answers at once (a
 * cache hit, layers evaluated in this thread): a decision costs no promise
 * of its own on the HTTP path.
 */
export function notedAccess(req: FastifyRequest, engine: Engine, input: Record<string, unknown>, kind: DecisionKind): AccessResult | Promise<AccessResult> {
  const subject = (input.subject as Subject | undefined)?.id
  const noted: NotedDecision = { kind, path: 'meshgate/access', input, port: input.port as string }
  if (subject !== undefined) noted.subject = subject
  // The request's decision record (a route may have noted part of it before).
  const rec = noteDecision(req, noted)
  const t0 = performance.now()
  let a: AccessAnswer | Promise<AccessAnswer>
  try {
    a = engine.accessNow(input)
  } catch (e) {
    addEvalTime(rec, t0)
    throw e
  }
  return a instanceof Promise
    ? a.then(
        (x) => noteAccess(rec, t0, x),
        (e: unknown) => {
          addEvalTime(rec, t0)
          throw e
        },
      )
    : noteAccess(rec, t0, a)
}

function addEvalTime(rec: NotedDecision, t0: number): void {
  rec.evalNs = (rec.evalNs ?? 0) + Math.round((performance.now() - t0) * 1e6)
}

function noteAccess(rec: NotedDecision, t0: number, a: AccessAnswer): AccessResult {
  addEvalTime(rec, t0)
  const d = accessFields(a)
  rec.outcome = d.allow ? 'allow' : 'deny'
  rec.deny = d.deny
  rec.revisions = d.revisions
  rec.cached = d.cached
  rec.result = { allow: d.allow, deny: d.deny, allowed_by: d.allowed_by, message: d.message }
  return d
}

export function decisionRoutes(ctx: ServerContext) {
  return async function routes(app: FastifyInstance) {
    const responses = (ok: object) => ({ 200: ok })

    app.post<{ Body: DecisionRequest }>('/v1/decisions/access', { schema: { body: decisionRequest, response: responses(accessResponse) } }, async (req) => {
      // Awaited only when pending: a known token and an answer at hand cost no microtask.
      const s = app.requireSubject(req)
      const subject = s instanceof Promise ? await s : s
      portOf(ctx, req.body.port)
      const n = notedAccess(req, ctx.engine, decisionInput(subject, req.body), 'access')
      const d = n instanceof Promise ? await n : n
      return { decision_id: req.id, allow: d.allow, deny: d.deny, allowed_by: d.allowed_by, message: d.message, revisions: d.revisions, cached: d.cached }
    })

    app.post<{ Body: DecisionRequest }>(
      '/v1/decisions/anonymization',
      { schema: { body: decisionRequest, response: responses(anonymizationResponse) } },
      async (req) => {
        const subject = await app.requireSubject(req)
        portOf(ctx, req.body.port)
        const input = decisionInput(subject, req.body)
        noteDecision(req, {
          kind: 'anonymization',
          path: 'meshgate/anonymization',
          input,
          port: req.body.port,
          ...(subject.id !== undefined ? { subject: subject.id } : {}),
        })
        const { plan, revisions, cached } = await timed(req, () => anonymizationPlan(ctx, input, req.body.port))
        noteDecision(req, { kind: 'anonymization', path: 'meshgate/anonymization', outcome: 'answer', result: plan, revisions, cached })
        return { decision_id: req.id, port: req.body.port, ...plan, revisions }
      },
    )

    app.post<{ Body: { port: string; purpose?: string; proposed: object; current?: object } }>(
      '/v1/decisions/schema-compatibility',
      { schema: { body: compatibilityRequest, response: responses(compatibilityResponse) } },
      async (req) => {
        const subject = await app.requireSubject(req)
        const port = portOf(ctx, req.body.port)
        const current = req.body.current ?? (port ? ctx.mesh?.contracts.get(port.contract.id) : undefined)
        if (!current)
          throw new MeshgateError('request_invalid', 'no current schema: give `current` or configure the data product', undefined, [
            { path: '/current', message: 'is required without a data product' },
          ])
        const question = compatibilityQuestion(subject, { port: req.body.port, purpose: req.body.purpose, current, proposed: req.body.proposed }, port)
        noteDecision(req, {
          kind: 'schema_compatibility',
          path: 'meshgate/schema_compatibility',
          input: question.input,
          port: req.body.port,
          ...(subject.id !== undefined ? { subject: subject.id } : {}),
        })
        const { value: answer, revisions, cached } = await timed(req, () => ctx.engine.compatibility(question))
        noteDecision(req, {
          kind: 'schema_compatibility',
          path: 'meshgate/schema_compatibility',
          outcome: answer.compatible ? 'allow' : 'deny',
          result: answer,
          revisions,
          cached,
        })
        return { decision_id: req.id, ...answer, revisions }
      },
    )
  }
}
