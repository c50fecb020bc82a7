// The Rego abstract syntax tree produced by the parser (rego/) and read by the
// checker (check/) and the planner (plan/). Names follow OPA's `ast` package.
// Every node keeps `span`: offsets into its module's text; `file:row:col` is
// computed from them only when reported (SourceFile.location).

export interface Span {
  start: number
  end: number
}

export type Term =
  | NullTerm
  | BooleanTerm
  | NumberTerm
  | StringTerm
  | VarTerm
  | RefTerm
  | ArrayTerm
  | ObjectTerm
  | SetTerm
  | ArrayComprehension
  | ObjectComprehension
  | SetComprehension
  | CallTerm
  | TemplateStringTerm

export interface NullTerm {
  type: 'null'
  span: Span
}
export interface BooleanTerm {
  type: 'boolean'
  value: boolean
  span: Span
}
/** `raw` is the literal as written (OPA keeps json.Number text; big ints stay exact). */
export interface NumberTerm {
  type: 'number'
  raw: string
  span: Span
}
export interface StringTerm {
  type: 'string'
  value: string
  span: Span
}
/**
 * A variable. `_` is the wildcard; the parser renames each `_` to a unique
 * `$wildN` so later stages never see two wildcards as one variable.
 */
export interface VarTerm {
  type: 'var'
  name: string
  span: Span
}
/**
 * A reference: `head` is a var (`data`, `input`, a local) or, for refs on
 * composite/call values, any term (`[1,2][i]`, `f(x).y`). `path` holds the
 * operands: `a.b` gives a string term "b"; `a[x]` gives the term x.
 */
export interface RefTerm {
  type: 'ref'
  head: Term
  path: Term[]
  span: Span
}
export interface ArrayTerm {
  type: 'array'
  items: Term[]
  span: Span
}
export interface ObjectTerm {
  type: 'object'
  items: [Term, Term][]
  span: Span
}
export interface SetTerm {
  type: 'set'
  items: Term[]
  span: Span
}
export interface ArrayComprehension {
  type: 'arraycomp'
  term: Term
  body: Body
  span: Span
}
export interface SetComprehension {
  type: 'setcomp'
  term: Term
  body: Body
  span: Span
}
export interface ObjectComprehension {
  type: 'objectcomp'
  key: Term
  value: Term
  body: Body
  span: Span
}
/**
 * A call `f(args)` used as a term (nested calls, `x := f(y)`), and every
 * operator: infix operators are calls of their built-in names (`plus`,
 * `minus`, `mul`, `div`, `rem`, `and` (&), `or` (|), `equal` (==), `neq`,
 * `lt`, `lte`, `gt`, `gte`, `internal.member_2` (x in xs),
 * `internal.member_3` (k, v in xs)); unary minus on a non-literal is
 * `minus(0, x)`. `func` is a RefTerm (`count`, `data.lib.f`, `lib.f`).
 */
export interface CallTerm {
  type: 'call'
  func: RefTerm
  args: Term[]
  span: Span
}
/** `$"text {expr} more"`: parts alternate literal strings and embedded terms. */
export interface TemplateStringTerm {
  type: 'templatestring'
  parts: (string | Term)[]
  /**
   * `with` modifiers of an embedded expression (`$"{a with input as 1}"`),
   * keyed by the index of its term in `parts`; absent when there are none.
   */
  partWith?: Record<number, With[]>
  span: Span
}

/**
 * An expression of a body.
 * - `term`: a single term (e.g. a bare `x`, `input.ok`, `f(x)` as a call term).
 * - `unify`: `a = b`; `assign`: `a := b` (declares the vars on the left);
 *   comparisons and other operators are `term` expressions holding a CallTerm.
 * - `some`: `some x, y` declarations, or `some k, v in xs` (`in` set).
 * - `every`: `every k, v in domain { body }` (key optional).
 */
export type ExprKind =
  | { kind: 'term'; term: Term }
  | { kind: 'unify'; left: Term; right: Term }
  | { kind: 'assign'; left: Term; right: Term }
  | { kind: 'some'; vars: VarTerm[] }
  | { kind: 'somein'; key?: Term; value: Term; domain: Term }
  | { kind: 'every'; key?: VarTerm; value: VarTerm; domain: Term; body: Body }

export type Expr = ExprKind & {
  negated: boolean
  with: With[]
  span: Span
}

export interface With {
  target: RefTerm
  value: Term
  span: Span
}

export interface Body {
  exprs: Expr[]
  span: Span
}

export interface Import {
  /** The imported path as a ref: `data.lib.x`, `input.user`, `future.keywords.in`, `rego.v1`. */
  path: RefTerm
  alias?: string
  span: Span
}

/**
 * A rule head. `ref` is the rule's path inside its package (`allow`,
 * `a.b[x]` for ref heads: string terms for fixed parts, any term for the
 * variable part). Kinds:
 * - complete: `p := v`, `p = v`, `p if {…}` (value true), `default p := v`
 * - partial set: `p contains x if …` (and v0 `p[x] { … }`)
 * - partial object / ref head: `p[k] := v`, `a.b[x] := y`
 * - function: `f(x, y) := v if …`
 */
export interface RuleHead {
  ref: Term[]
  kind: 'complete' | 'set' | 'object' | 'function'
  /** Partial set element, or partial object key (the last ref operand for ref heads). */
  key?: Term
  /** The value; absent value means `true`. */
  value?: Term
  args?: Term[]
  /** `:=` was used (the checker rejects reassignment conflicts). */
  assign: boolean
  span: Span
}

export interface Rule {
  head: RuleHead
  body: Body
  /** `else [= v] [if] { … }` chain of complete rules and functions. */
  else?: Rule
  default: boolean
  /** Metadata annotations directly above the rule (`# METADATA` YAML). */
  annotations?: Annotations
  span: Span
}

export interface Annotations {
  scope?: string
  title?: string
  description?: string
  entrypoint?: boolean
  /** Every other field as parsed from YAML. */
  [key: string]: unknown
  span: Span
}

export interface Module {
  /** File path as given to compile(). */
  path: string
  /** Source text; spans index into it. */
  text: string
  /** Package path without `data` (e.g. ['example', 'authz']). */
  package: string[]
  packageSpan: Span
  imports: Import[]
  rules: Rule[]
  /** Package-scoped and document-scoped annotations. */
  annotations: Annotations[]
  regoVersion: 0 | 1
}
