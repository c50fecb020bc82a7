// The plan: a small language of blocks and statements between the checked
// AST and WebAssembly (in the spirit of OPA's v1/ir). Every statement that
// can fail (undefined value, false comparison) leaves the innermost enclosing
// block; iteration is `scan`, whose body runs once per element, and the rest
// of a rule body is planned *inside* the scan, so backtracking is plain
// structured control flow. Locals hold runtime value addresses (0 =
// undefined) or, for flags, small integers.

import type { Located } from '../source/index.js'

export type Local = number

/**
 * Where a statement came from: the module and the offset of the Rego
 * construct (rule head, expression, term) it was planned from. Rows and
 * columns are computed only when the plan is printed or an abort message is
 * written (source/locate), as everywhere else in the compiler.
 */
export interface Origin {
  source: Located
  offset: number
}

export type Operand = { kind: 'local'; local: Local } | { kind: 'const'; index: number } | { kind: 'global'; name: string } | { kind: 'i32'; value: number }

/**
 * A statement of the plan. Every statement may carry the `at` of the Rego
 * construct it was planned from (absent only for code no source line
 * produces: virtual-document and base-document readers, entrypoint shims).
 * The statements name plan concepts only: which runtime function or host
 * import implements one is the code generator's business (wasm/).
 */
export type Stmt =
  // ---- values --------------------------------------------------------------
  (
    | { op: 'makeobject'; target: Local }
    | { op: 'makeset'; target: Local }
    /** a new array with room for `capacity` elements */
    | { op: 'makearray'; capacity: number; target: Local }
    /** object[key] = value (an existing key is replaced). */
    | { op: 'objectinsert'; object: Local; key: Local; value: Local }
    /** object[key] = value unless key is present with a different value: then the flag `conflict` is 1, else 0. */
    | { op: 'objectinsertonce'; object: Local; key: Local; value: Local; conflict: Local }
    | { op: 'setadd'; set: Local; value: Local }
    | { op: 'arrayappend'; array: Local; value: Operand }
    /** target := source[key]; if `check`, an undefined result (no such key, not a collection) fails. */
    | { op: 'dot'; source: Local; key: Local; target: Local; check: boolean }
    /** target := the objects a and b merged, b's keys winning where both are objects (fails unless both are objects). */
    | { op: 'objectmerge'; a: Local; b: Local; target: Local }
    /**
     * target := a and b united as two definitions of one document: sets unite,
     * objects join key by key down to `depth` levels; fails on any other clash.
     */
    | { op: 'uniondocs'; a: Local; b: Local; depth: number; target: Local }
    /** target := a copy of `doc` with the value at `path` (an array of keys) replaced by `value` (`with`). */
    | { op: 'upsert'; doc: Operand; path: Local; value: Local; target: Local }
    /** target := the value as a template string or print() shows it (strings as they are, others as JSON). */
    | { op: 'totext'; source: Local; target: Local }
    /** target := the concatenation of an array of strings; if `check`, undefined fails. */
    | { op: 'concat'; parts: Local; target: Local; check: boolean }
    /** target (an i32 flag local) := the small non-negative integer value, or -1 (a `switch` index). */
    | { op: 'caseindex'; source: Local; target: Local }
    // ---- calls ---------------------------------------------------------------
    /** target := the built-in `name` (its Rego name, implemented in the module); if `check`, undefined fails. */
    | { op: 'callbuiltin'; name: string; args: Operand[]; target: Local; check: boolean }
    /** Call a host built-in through opa_builtin<N> (N = the id in the plan's `hostBuiltins`); `toSet` converts an array result to a set. */
    | { op: 'host'; id: number; args: Operand[]; target: Local; toSet: boolean; cached?: boolean; sets?: boolean }
    /** target := the plan function `func`; if `check`, undefined fails. */
    | { op: 'call'; func: string; args: Operand[]; target: Local; check: boolean }
    // ---- tests (each fails the innermost block when it does not hold) --------
    | { op: 'assign'; source: Operand; target: Local }
    | { op: 'setglobal'; source: Operand; name: string }
    /** fail unless the local is defined (non-zero) / undefined (zero). */
    | { op: 'isdefined'; local: Local }
    | { op: 'isundefined'; local: Local }
    /** fail if the value is the boolean false (an expression used as a condition). */
    | { op: 'notfalse'; local: Local }
    /** fail unless the two values are equal. */
    | { op: 'equal'; a: Operand; b: Operand }
    /** fail unless the value is a collection (array, object or set). */
    | { op: 'iscoll'; local: Local }
    | { op: 'isarray'; local: Local }
    | { op: 'isobject'; local: Local }
    /** fail unless the collection has exactly `len` elements. */
    | { op: 'lenis'; local: Local; len: number }
    // ---- control -------------------------------------------------------------
    | { op: 'scan'; source: Local; key: Local; value: Local; body: Block }
    /** succeed only if `body` never reaches a `break` to `label`. */
    | { op: 'not'; label: number; body: Block }
    /** run each block in turn; a failure in one moves on to the next. */
    | { op: 'blocks'; blocks: Block[] }
    /** leave the statement or block tagged `label` (a `not`, or a `labeled` block). */
    | { op: 'break'; label: number }
    | { op: 'labeled'; label: number; body: Block }
    /**
     * run-time error: evaluation is aborted with `file:row:col: code: message` (the statement's `at`);
     * with `builtin`, an in-module built-in failed and the runtime's own message for it, if it left one, replaces `message`.
     */
    | { op: 'abort'; message: string; builtin?: true }
    | { op: 'return'; source: Operand }
    /** i32 flag operations (flags are locals used as booleans). */
    | { op: 'flag'; local: Local; value: number }
    | { op: 'flagis'; local: Local; value: number }
    /** evaluation step budget (instrumented at loop heads and function entries). */
    | { op: 'step' }
    /** return the memoised value of a rule function if it was computed in this epoch. */
    | { op: 'memoget'; name: string }
    | { op: 'memoset'; name: string; source: Operand }
    /** run `cases[i]` where i is the i32 in `index` (out of range: nothing). */
    | { op: 'switch'; index: Local; cases: Block[] }
    /** print(): write the string value to the host's opa_println. */
    | { op: 'println'; local: Local }
    /** coverage: record that the source line (a string constant "file:row") ran. */
    | { op: 'cover'; key: number }
    /** start a new memo epoch (`with` changes what rules see). */
    | { op: 'newepoch' }
  ) & { at?: Origin }

export interface Block {
  stmts: Stmt[]
}

export interface Func {
  name: string
  params: Local[]
  /** number of locals (params included): locals are 0..nlocals-1 */
  nlocals: number
  body: Block
  /** where the function comes from (a rule path), for the printed plan */
  comment?: string
}

/** A constant value, built once by the module's start function. */
export type Const =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'number'; raw: string }
  | { kind: 'string'; value: string }
  | { kind: 'array'; items: number[] }
  | { kind: 'set'; items: number[] }
  | { kind: 'object'; items: [number, number][] }

export interface Plan {
  funcs: Func[]
  consts: Const[]
  /** entrypoint path (slashes) → function name that returns its value */
  entrypoints: { path: string; func: string }[]
  /** host built-ins: name used in the module's builtins table → id */
  hostBuiltins: { name: string; id: number; arity: number }[]
  /** globals used by the plan (memo slots, with slots) */
  globals: string[]
  /** coverage instrumentation: every line that can be covered, per file */
  coverable?: Record<string, number[]>
}
