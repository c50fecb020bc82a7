// Shapes shared by the built-in catalog (read by check/ and plan/) and the
// host implementations (called by the opa-wasm SDK through `hostBuiltins`).

/**
 * A type in a built-in signature, in the spirit of OPA's capabilities `decl`:
 * a name, or a union (`{ anyOf }`), or a collection with an element type.
 * The checker only uses it to reject calls whose constant arguments can never
 * match; `any` accepts everything.
 */
export type TypeSpec =
  | 'any' | 'null' | 'boolean' | 'number' | 'string'
  | 'array' | 'object' | 'set'
  | { anyOf: TypeSpec[] }
  | { array: TypeSpec } | { set: TypeSpec } | { object: [TypeSpec, TypeSpec] }

export interface BuiltinDecl {
  /** OPA's name, e.g. `strings.replace_n`, `io.jwt.decode`. */
  name: string
  args: TypeSpec[]
  /** Absent for built-ins used only as conditions (OPA: no result). */
  result?: TypeSpec
  /** Infix spelling, when the parser produces it (`plus` for `+`). */
  infix?: string
  /**
   * Implemented inside the wasm runtime: the runtime function that computes
   * it (args and result are runtime value addresses, 0 = undefined).
   */
  native?: string
  /** Non-deterministic built-ins (time.now_ns, rand.intn, uuid.rfc4122): memoised per evaluation. */
  nondeterministic?: boolean
  /** Deprecated OPA built-ins are still accepted (v0 modules use them). */
  deprecated?: boolean
}

/**
 * A host implementation: JSON-compatible values in (sets arrive as arrays,
 * non-string object keys as their JSON text, as the SDK passes them), a
 * JSON-compatible value out. Return `undefined` for "undefined". Throw a
 * BuiltinError for a built-in error; the caller decides whether that is
 * undefined (OPA's default) or an evaluation error (strict mode).
 */
export type HostImpl = (...args: any[]) => unknown

export class BuiltinError extends Error {
  constructor(readonly builtin: string, message: string, readonly code: 'eval_type_error' | 'eval_builtin_error' = 'eval_builtin_error') {
    super(`${builtin}: ${message}`)
    this.name = 'BuiltinError'
  }
}
