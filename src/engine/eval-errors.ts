// Maps what an opa-wasm evaluation throws (strings from `opa_abort`, RangeError
// from a memory that cannot grow, traps) to catalog codes. The strings are the
// ones OPA's C runtime and meshgate's runtime abort with.

import { MeshgateError } from '../errors/index.js'

export function evalError(e: unknown, what: string): MeshgateError {
  if (e instanceof MeshgateError) return e
  const text = typeof e === 'string' ? e : e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e)
  if (/step budget exceeded/i.test(text)) {
    return new MeshgateError('eval_budget_exceeded', `evaluation of \`${what}\` ran past its step budget`)
  }
  if (e instanceof RangeError || /memory|malloc|out of bounds/i.test(text)) {
    return new MeshgateError('eval_memory_exceeded', `evaluation of \`${what}\` ran out of memory`, undefined, { cause: text })
  }
  if (/conflict/i.test(text)) {
    return new MeshgateError('eval_conflict_error', `evaluation of \`${what}\` failed: ${oneLine(text)}`)
  }
  return new MeshgateError('eval_error', `evaluation of \`${what}\` failed: ${oneLine(text)}`)
}

function oneLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 300)
}

/**
 * Any failure inside a decision's evaluation, as one `eval_error` (the code
 * the policy contract promises), keeping the specific code in `details`.
 * Errors that are not evaluation failures (no bundle, engine shut down)
 * pass through unchanged.
 */
export function asEvalError(e: unknown, what: string): MeshgateError {
  const err = evalError(e, what)
  if (err.code === 'eval_error' || !err.code.startsWith('eval_')) return err
  return new MeshgateError('eval_error', err.message, undefined, { code: err.code })
}
