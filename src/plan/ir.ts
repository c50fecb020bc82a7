// The plan: a small language of blocks and statements between the checked
// AST and WebAssembly (in the spirit of OPA's v1/ir). Every statement that
// can fail (undefined value, false comparison) leaves the innermost enclosing
// block; iteration is `scan`, whose body runs once per element, and the rest
// of a rule body is planned *inside* the scan, so backtracking is plain
// structured control flow. Locals hold runtime value addresses (0 =
// undefined) or, for flags, small integers.

export type Local = number

/** Where a statement came from, for error messages and golden files. */
export interface Origin { file: string; row: number; col: number }

export type Operand =
  | { kind: 'local'; local: Local }
  | { kind: 'const'; index: number }
  | { kind: 'global'; name: string }
  | { kind: 'i32'; value: number }

export type Stmt =
  /** target := fn(args); if `check` and the result is 0 (undefined), fail. */
  | { op: 'call'; fn: string; args: Operand[]; target?: Local; check: boolean; origin?: Origin }
  /** Call a host built-in through opa_builtin<N>; `toSet` converts an array result to a set. */
  | { op: 'host'; id: number; args: Operand[]; target: Local; toSet: boolean; origin?: Origin; cached?: boolean; sets?: boolean }
  | { op: 'assign'; source: Operand; target: Local }
  | { op: 'setglobal'; source: Operand; name: string }
  /** fail unless the local is defined (non-zero) / undefined (zero). */
  | { op: 'isdefined'; local: Local }
  | { op: 'isundefined'; local: Local }
  /** fail if the value is the boolean false (an expression used as a condition). */
  | { op: 'notfalse'; local: Local }
  /** fail unless the two values are equal. */
  | { op: 'equal'; a: Operand; b: Operand }
  /** fail unless the value is a collection (array/object/set) of exactly `len` elements (or >= when `atLeast`). */
  /** fail unless the value is a collection (array, object or set). */
  | { op: 'iscoll'; local: Local }
  | { op: 'lenis'; local: Local; len: number; type: 5 | 6 }
  | { op: 'scan'; source: Local; key: Local; value: Local; body: Block }
  /** succeed only if `body` never reaches a `break` to `label`. */
  | { op: 'not'; label: number; body: Block }
  /** run each block in turn; a failure in one moves on to the next. */
  | { op: 'blocks'; blocks: Block[] }
  /** leave the statement or block tagged `label` (a `not`, or a `labeled` block). */
  | { op: 'break'; label: number }
  | { op: 'labeled'; label: number; body: Block }
  /** run-time error: evaluation is aborted with `file:row:col: code: message`. */
  | { op: 'abort'; message: string; origin?: Origin }
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

export interface Block { stmts: Stmt[] }

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
