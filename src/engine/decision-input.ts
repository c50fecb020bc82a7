// The policy `input` of each decision (docs/policy-contract.md, "Input"),
// built in one place for every caller: the HTTP routes (from the verified
// subject and the body), forward auth (from the gateway's headers) and
// `policy test` (from a fixture case). A request and a fixture that say the
// same thing therefore give the same input, to the key.

import { diffSchemas, evaluateCompatibility, type BaselineVerdict, type CompatibilityInput, type MeshPort } from '../product/index.js'

/** What a decision request says (`POST /v1/decisions/access`'s body). */
export interface DecisionRequest {
  port: string
  purpose?: string | undefined
  fields?: string[] | undefined
  /** The forwarded request a gateway asks about. */
  request?: { method?: string; path?: string; headers?: Record<string, string> } | undefined
}

/**
 * `{subject, port, purpose, fields[, request]}`. A request without a purpose
 * has `purpose: null` and one without fields `fields: []` (every field), so
 * a policy sees the same keys whatever the request left out.
 */
export function decisionInput(subject: object, req: DecisionRequest): Record<string, unknown> {
  const input: Record<string, unknown> = { subject, port: req.port, purpose: req.purpose ?? null, fields: req.fields ?? [] }
  if (req.request) input.request = req.request
  return input
}

/** What a compatibility request says (`POST /v1/decisions/schema-compatibility`'s body, `current` resolved). */
export interface CompatibilityRequest {
  port: string
  purpose?: string | undefined
  /** The schema in force: the port's contract unless the request gives one. */
  current: unknown
  proposed: unknown
}

/** A compatibility decision to make: what the layers are asked, and the sidecar's own verdict. */
export interface CompatibilityQuestion {
  /** Every layer's compatibility package gets this as input. */
  input: Record<string, unknown>
  /** The diff annotated under the port's mode, and the verdict of the mode alone. */
  baseline: { input: CompatibilityInput; verdict: BaselineVerdict }
}

/**
 * Diffs `current` and `proposed` under the port's mode (`backward` for a port
 * the sidecar does not know) and builds the layers' input:
 * `{mode, changes, consumers, bump, subject, port, purpose}`. Pure, so a
 * caller can note the input before the engine evaluates it.
 */
export function compatibilityQuestion(subject: object, req: CompatibilityRequest, port?: Pick<MeshPort, 'compatibility' | 'consumers'>): CompatibilityQuestion {
  const changes = diffSchemas(req.current, req.proposed)
  const { input, verdict } = evaluateCompatibility({ changes, mode: port?.compatibility ?? 'backward', consumers: port?.consumers ?? {} })
  return { input: { ...input, subject, port: req.port, purpose: req.purpose ?? null }, baseline: { input, verdict } }
}
