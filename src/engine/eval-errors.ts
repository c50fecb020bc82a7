// Maps what an opa-wasm evaluation throws to catalog codes. The SDK throws the
// text a module passed to `opa_abort` as a string; the host throws RangeError
// when the memory cannot grow and WebAssembly.RuntimeError on a trap.
//
// An abort text is parsed, never searched: `[file:row:col: ][code: ]message`.
// meshgate's modules write `file:row:col: code: message` with a catalog code
// (plan/ `abort` statements, wasm/link.ts); OPA's C runtime writes
// `file:row:col: message` (opa_runtime_error) or `component: message`
// (`opa_malloc: …`); runtimes' fatal errors are a bare message. Only the
// parsed code, or a bare message from the fixed set the runtimes abort with,
// decides the class — a file named `memory.rego` or a user string that says
// "conflict" cannot.

import { isErrorCode, MeshgateError, type ErrorCode, type Location } from '../errors/index.js'

/** An `opa_abort` text split into its parts. */
export interface AbortText {
  location?: Location
  /** The word before the first `: ` after the location (a catalog code, or a runtime component such as `opa_malloc`). */
  code?: string
  message: string
}

const LOCATED = /^(.+?):(\d+):(\d+): ([\s\S]*)$/
const CODED = /^([a-z][a-z0-9_]*): ([\s\S]*)$/

export function parseAbort(text: string): AbortText {
  const out: AbortText = { message: text }
  const at = LOCATED.exec(text)
  if (at) {
    out.location = { file: at[1]!, row: Number(at[2]), col: Number(at[3]) }
    out.message = at[4]!
  }
  const coded = CODED.exec(out.message)
  if (coded) {
    out.code = coded[1]!
    out.message = coded[2]!
  }
  return out
}

/**
 * Abort texts without a catalog code, by their exact (parsed) message: what
 * OPA's C runtime and compiler emit (internal/compiler/wasm's error messages,
 * malloc.c), meshgate's AssemblyScript runtime (`fatal("out of memory")`) and
 * OPA-ABI modules that count steps the way meshgate's do.
 */
const BARE_MESSAGES: Readonly<Record<string, ErrorCode>> = {
  'var assignment conflict': 'eval_conflict_error',
  'object insert conflict': 'eval_conflict_error',
  'object merge conflict': 'eval_conflict_error',
  'out of memory': 'eval_memory_exceeded',
  'step budget exceeded': 'eval_budget_exceeded',
}

/** Runtime components whose aborts mean the module's heap is exhausted or broken. */
const COMPONENTS: Readonly<Record<string, ErrorCode>> = {
  opa_malloc: 'eval_memory_exceeded',
}

/** V8's trap message for a load or store past the end of memory. */
const OUT_OF_BOUNDS_TRAP = 'memory access out of bounds'
/** V8's link error when a module's memory import needs more pages than the limit allows. */
const MEMORY_IMPORT = /^WebAssembly\.\w+\(\): memory import \d+ /

function classify(e: unknown, text: string): ErrorCode {
  if (e instanceof RangeError) return 'eval_memory_exceeded'
  if (e instanceof WebAssembly.LinkError) return MEMORY_IMPORT.test(e.message) ? 'eval_memory_exceeded' : 'eval_error'
  if (e instanceof WebAssembly.RuntimeError) return e.message === OUT_OF_BOUNDS_TRAP ? 'eval_memory_exceeded' : 'eval_error'
  if (typeof e !== 'string') return 'eval_error'
  const { code, message } = parseAbort(text)
  if (code === undefined) return BARE_MESSAGES[message] ?? 'eval_error'
  if (isErrorCode(code) && code.startsWith('eval_')) return code
  return COMPONENTS[code] ?? 'eval_error'
}

export function evalError(e: unknown, what: string): MeshgateError {
  if (e instanceof MeshgateError) return e
  const text = typeof e === 'string' ? e : e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e)
  const code = classify(e, text)
  switch (code) {
    case 'eval_budget_exceeded':
      return new MeshgateError('eval_budget_exceeded', `evaluation of \`${what}\` ran past its step budget`)
    case 'eval_memory_exceeded':
      return new MeshgateError('eval_memory_exceeded', `evaluation of \`${what}\` ran out of memory`, undefined, { cause: text })
    default:
      return new MeshgateError(code, `evaluation of \`${what}\` failed: ${oneLine(text)}`)
  }
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
