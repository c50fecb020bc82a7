// Masking a decision event before anything of it is spooled, uploaded or
// printed: first the config's `decision_logs.erase` pointers, then the log
// policy's answer (the global bundle's `package global.log`, meshgate's place
// for OPA's `system.log.mask` / `system.log.drop`, evaluated by the server
// and handed in as `maskPolicy`). The policy's `mask` entries follow OPA:
// a string is a pointer to erase; an object is `{op: "remove"|"upsert",
// path, value}`; erased pointers are listed in `erased`, upserted ones in
// `masked` (docs/observability.md, "Masking").
//
// Fail closed: a policy that throws, times out or answers something that is
// not a valid mask set does not let the event out in clear. Its `input` and
// `result` are erased entirely and `mask_error` says why; the event itself is
// kept (losing the audit record would be a failure too) and is not dropped,
// since a `drop` from a broken answer cannot be trusted either.

import type { DecisionEvent } from './event.js'
import { maskError, parseMaskPointer, removeAt, upsertAt, type ParsedPointer } from './pointer.js'

/** What the log policy answers for one event: OPA's `mask` set and `drop` rule. */
export interface MaskDecision {
  mask: unknown[]
  drop: boolean
  /** `JSON.stringify(event)` if the policy serialized the event as it stands: the line to write when nothing is masked. */
  eventJson?: string
}

/** Evaluates the log policy for an event (the server's part: `data.global.log.mask` and `.drop`). */
/** A policy answering in this thread may answer without a promise: then no timer bounds it. */
export type MaskPolicy = (event: DecisionEvent) => Promise<MaskDecision> | MaskDecision

export type MaskOp = { op: 'remove'; pointer: ParsedPointer } | { op: 'upsert'; pointer: ParsedPointer; value: unknown }

export type MaskOutcome =
  { drop: true } | { drop: false; event: DecisionEvent; failed?: string; /** The event's JSON text, when known (nothing masked). */ json?: string }

/** Parses the config's erase list; throws `decision_log_mask_error` for a pointer that is not allowed. */
export function eraseOps(pointers: readonly string[]): MaskOp[] {
  return pointers.map((p) => ({ op: 'remove', pointer: parseMaskPointer(p) }))
}

/**
 * Checks the policy's `mask` answer, as OPA's newMaskRuleSet does: one bad
 * entry makes the whole answer invalid (so no entry is half-applied).
 */
export function policyOps(mask: unknown): MaskOp[] {
  if (!Array.isArray(mask)) throw maskError(`the log policy's \`mask\` must be a set or array, not ${typeof mask}`)
  return mask.map((entry): MaskOp => {
    if (typeof entry === 'string') return { op: 'remove', pointer: parseMaskPointer(entry) }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      throw maskError('a `mask` entry must be a JSON pointer or an object with `op` and `path`')
    const o = entry as Record<string, unknown>
    const op = Object.hasOwn(o, 'op') ? o.op : 'remove'
    if (op !== 'remove' && op !== 'upsert') throw maskError(`mask op \`${String(op)}\` is not \`remove\` or \`upsert\``)
    const pointer = parseMaskPointer(Object.hasOwn(o, 'path') ? o.path : undefined)
    return op === 'upsert' ? { op, pointer, value: Object.hasOwn(o, 'value') ? o.value : null } : { op, pointer }
  })
}

/**
 * Applies ops to a copy of the event (the caller's event, and its result,
 * are never changed). Only `input`, `result` and `nd_builtin_cache` are
 * copied, through JSON, which is also what the spool will write.
 */
export function applyMask(event: DecisionEvent, ops: readonly MaskOp[]): DecisionEvent {
  if (ops.length === 0) return event
  const out = { ...event } as DecisionEvent & Record<string, unknown>
  for (const root of ['input', 'result', 'nd_builtin_cache'] as const) {
    if (out[root] !== undefined) out[root] = jsonCopy(out[root])
  }
  const erased = [...(event.erased ?? [])]
  const masked = [...(event.masked ?? [])]
  for (const m of ops) {
    if (m.op === 'remove') {
      if (removeAt(out, m.pointer)) erased.push(m.pointer.text)
    } else if (upsertAt(out, m.pointer, jsonCopy(m.value))) masked.push(m.pointer.text)
  }
  if (erased.length) out.erased = erased
  if (masked.length) out.masked = masked
  return out
}

/** The fail-closed form: no `input`, no `result`, and why. */
export function eraseAll(event: DecisionEvent, why: string): DecisionEvent {
  const out = { ...event } as DecisionEvent & Record<string, unknown>
  delete out.input
  delete out.result
  delete out.nd_builtin_cache
  delete out.masked
  out.erased = ['/input', '/result']
  out.mask_error = { code: 'decision_log_mask_error', message: why }
  return out
}

export interface MaskerOptions {
  /** The config's `decision_logs.erase`, parsed with eraseOps. */
  erase: readonly MaskOp[]
  policy?: MaskPolicy
  /** A policy answer slower than this counts as failed (fail closed). */
  timeoutMs: number
}

/** Masks one event: config pointers, then the policy. Never throws. */
export async function maskEvent(event: DecisionEvent, o: MaskerOptions): Promise<MaskOutcome> {
  return maskEventNow(event, o)
}

/**
 * maskEvent without a promise when the policy answers in this thread (the
 * decision logger's common case: no promise and no microtask per event on
 * the way to the spool). Never throws; never rejects.
 */
export function maskEventNow(event: DecisionEvent, o: MaskerOptions): MaskOutcome | Promise<MaskOutcome> {
  if (!o.policy) return withDecision(event, o, undefined)
  let answer: MaskDecision | Promise<MaskDecision>
  try {
    answer = o.policy(event)
  } catch (e) {
    return policyFailed(event, e)
  }
  if (!(answer instanceof Promise)) return withDecision(event, o, answer)
  return withTimeout(answer, o.timeoutMs).then(
    (d) => withDecision(event, o, d),
    (e) => policyFailed(event, e),
  )
}

function policyFailed(event: DecisionEvent, e: unknown): MaskOutcome {
  return { drop: false, event: eraseAll(event, `the log policy failed: ${(e as Error)?.message ?? String(e)}`), failed: 'policy' }
}

function withDecision(event: DecisionEvent, o: MaskerOptions, decision: MaskDecision | undefined): MaskOutcome {
  try {
    let ops = o.erase
    if (decision !== undefined) {
      if (decision === null || typeof decision !== 'object') throw maskError('the log policy answered no `{mask, drop}` object')
      if (typeof decision.drop !== 'boolean') throw maskError("the log policy's `drop` must be a boolean")
      const fromPolicy = policyOps(decision.mask)
      if (decision.drop) return { drop: true }
      // Most events: nothing to erase and nothing masked (no new list for them).
      if (fromPolicy.length) ops = ops.length ? [...ops, ...fromPolicy] : fromPolicy
      if (ops.length === 0 && typeof decision.eventJson === 'string') return { drop: false, event, json: decision.eventJson }
    }
    return { drop: false, event: applyMask(event, ops) }
  } catch (e) {
    return { drop: false, event: eraseAll(event, (e as Error)?.message ?? String(e)), failed: 'answer' }
  }
}

function jsonCopy(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v))
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(maskError(`the log policy did not answer within ${ms} ms`)), ms)
    Promise.resolve(p).then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
