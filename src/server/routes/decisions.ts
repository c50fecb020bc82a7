// The three decision endpoints. Each builds the policy input (docs/policy-
// contract.md) from the verified subject and the body, asks the engine for
// every layer's answer, combines them, and answers with a decision_id and the
// bundle revisions used.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { DecisionKind } from '../../decision-log/index.js'
import { asSet } from '../../engine/access.js'
import { combineAnonymization, type AnonymizationPlan } from '../../product/anonymize/index.js'
import type { Engine, Revisions } from '../../engine/index.js'
import type { Subject } from '../plugins/auth.js'
import { diffSchemas, evaluateCompatibility, mergeCompatibility } from '../../product/schema/index.js'
import { MeshgateError } from '../../errors/index.js'
import { portOf, type ServerContext } from '../context.js'
import { noteDecision, timed } from '../decision-events.js'
import { accessResponse, anonymizationResponse, compatibilityRequest, compatibilityResponse, decisionRequest } from '../schemas.js'

export interface DecisionBody {
  port: string
  purpose?: string
  fields?: string[]
  request?: { method?: string; path?: string; headers?: Record<string, string> }
}

export function policyInput(subject: Subject, body: DecisionBody): Record<string, unknown> {
  const input: Record<string, unknown> = { subject, port: body.port, purpose: body.purpose ?? null, fields: body.fields ?? [] }
  if (body.request) input.request = body.request
  return input
}

/** The anonymization plan for a port: every layer's package, combined strictest-first. */
export async function anonymizationPlan(ctx: ServerContext, input: Record<string, unknown>, port: string): Promise<{ plan: AnonymizationPlan; revisions: Revisions; cached: boolean }> {
  const mesh = portOf(ctx, port)
  const answer = await ctx.engine.query('anonymization', input)
  const layers = answer.value.map((l) => {
    const r = (typeof l.result === 'object' && l.result !== null ? l.result : {}) as Record<string, unknown>
    const fields = typeof r.fields === 'object' && r.fields !== null && !Array.isArray(r.fields) ? (r.fields as Record<string, unknown>) : undefined
    return { layer: l.layer, fields, row_filters: asSet(r.row_filters) }
  })
  return { plan: combineAnonymization(layers, mesh?.fields ?? {}), revisions: answer.revisions, cached: answer.cached }
}

export async function accessDecision(engine: Engine, input: Record<string, unknown>) {
  const a = await engine.access(input)
  const { layers: _layers, ...outcome } = a.value
  return { ...outcome, revisions: a.revisions, cached: a.cached }
}

/** The access decision, noted on the request for its decision event. */
export async function notedAccess(req: FastifyRequest, engine: Engine, input: Record<string, unknown>, kind: DecisionKind) {
  const subject = (input.subject as Subject | undefined)?.id
  noteDecision(req, { kind, path: 'meshgate/access', input, port: input.port as string, ...(subject !== undefined ? { subject } : {}) })
  const d = await timed(req, () => accessDecision(engine, input))
  noteDecision(req, {
    kind, path: 'meshgate/access', outcome: d.allow ? 'allow' : 'deny', deny: d.deny, revisions: d.revisions, cached: d.cached,
    result: { allow: d.allow, deny: d.deny, allowed_by: d.allowed_by, message: d.message },
  })
  return d
}

export function decisionRoutes(ctx: ServerContext) {
  return async function routes(app: FastifyInstance) {
    const responses = (ok: object) => ({ 200: ok })

    app.post<{ Body: DecisionBody }>('/v1/decisions/access', { schema: { body: decisionRequest, response: responses(accessResponse) } }, async (req) => {
      const subject = await app.requireSubject(req)
      portOf(ctx, req.body.port)
      return { decision_id: req.id, ...(await notedAccess(req, ctx.engine, policyInput(subject, req.body), 'access')) }
    })

    app.post<{ Body: DecisionBody }>('/v1/decisions/anonymization', { schema: { body: decisionRequest, response: responses(anonymizationResponse) } }, async (req) => {
      const subject = await app.requireSubject(req)
      portOf(ctx, req.body.port)
      const input = policyInput(subject, req.body)
      noteDecision(req, { kind: 'anonymization', path: 'meshgate/anonymization', input, port: req.body.port, ...(subject.id !== undefined ? { subject: subject.id } : {}) })
      const { plan, revisions, cached } = await timed(req, () => anonymizationPlan(ctx, input, req.body.port))
      noteDecision(req, { kind: 'anonymization', path: 'meshgate/anonymization', outcome: 'answer', result: plan, revisions, cached })
      return { decision_id: req.id, port: req.body.port, ...plan, revisions }
    })

    app.post<{ Body: { port: string; purpose?: string; proposed: object; current?: object } }>(
      '/v1/decisions/schema-compatibility',
      { schema: { body: compatibilityRequest, response: responses(compatibilityResponse) } },
      async (req) => {
        const subject = await app.requireSubject(req)
        const port = portOf(ctx, req.body.port)
        const current = req.body.current ?? (port ? ctx.mesh?.contracts.get(port.contract.id) : undefined)
        if (!current) throw new MeshgateError('request_invalid', 'no current schema: give `current` or configure the data product', undefined, [{ path: '/current', message: 'is required without a data product' }])
        const changes = diffSchemas(current, req.body.proposed)
        const { input, verdict } = evaluateCompatibility({ changes, mode: port?.compatibility ?? 'backward', consumers: port?.consumers ?? {} })
        const policyIn = { ...input, subject, port: req.body.port, purpose: req.body.purpose ?? null }
        noteDecision(req, { kind: 'schema_compatibility', path: 'meshgate/schema_compatibility', input: policyIn, port: req.body.port, ...(subject.id !== undefined ? { subject: subject.id } : {}) })
        const answer = await timed(req, () => ctx.engine.query('compatibility', policyIn))
        const merged = mergeCompatibility(input, verdict, answer.value.map((l) => ({
          layer: l.layer,
          violations: asSet((l.result as Record<string, unknown> | undefined)?.violations),
        })))
        noteDecision(req, { kind: 'schema_compatibility', path: 'meshgate/schema_compatibility', outcome: merged.compatible ? 'allow' : 'deny', result: merged, revisions: answer.revisions, cached: answer.cached })
        return { decision_id: req.id, ...merged, revisions: answer.revisions }
      },
    )
  }
}
