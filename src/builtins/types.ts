// Shapes shared by the built-in catalog (read by check/ and plan/) and the
// host implementations (called by the opa-wasm SDK through `hostBuiltins`).

/**
 * A type in a built-in signature, in the spirit of OPA's capabilities `decl`:
 * a name, or a union (`{ anyOf }`), or a collection with an element type.
 * The checker only uses it to reject calls whose constant arguments can never
 * match; `any` accepts everything.
 */
export type TypeSpec =
  | 'any'
  | 'null'
  | 'boolean'
  | 'number'
  | 'string'
  | 'array'
  | 'object'
  | 'set'
  | { anyOf: TypeSpec[] }
  | { array: TypeSpec }
  | { set: TypeSpec }
  | { object: [TypeSpec, TypeSpec] }

export interface BuiltinDecl {
  /** OPA's name, e.g. `strings.replace_n`, `io.jwt.decode`. */
  name: string
  args: TypeSpec[]
  /** Absent for built-ins used only as conditions (OPA: no result). */
  result?: TypeSpec
  /** Infix spelling, when the parser produces it (`plus` for `+`). */
  infix?: string
  /**
   * Implemented inside the wasm module rather than by the host (which runtime
   * function computes it is wasm/natives.ts's business).
   */
  inModule?: boolean
  /**
   * In the module, which hands some operands to the host built-in of the same
   * (OPA's) name: time.* with a named time zone (the IANA database and the
   * process's zone live on the host). Generated code calls the host only then.
   */
  hostFallback?: boolean
  /** Non-deterministic built-ins (time.now_ns, rand.intn, uuid.rfc4122): memoised per evaluation. */
  nondeterministic?: boolean
  /** Deprecated OPA built-ins are still accepted (v0 modules use them). */
  deprecated?: boolean
  /**
   * The built-in tells sets from arrays: its set arguments arrive as RegoSet
   * (an array subclass) and a RegoSet in its result becomes a set again.
   */
  setAware?: boolean
}

/**
 * A Rego set on the host side, for set-aware built-ins: still an array (so
 * array code works on it), but recognisable. Derived arrays (map, filter)
 * are plain arrays.
 */
export class RegoSet extends Array<unknown> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array
  }
  static of2(items: unknown[]): RegoSet {
    const s = new RegoSet()
    for (const x of items) s.push(x)
    return s
  }
}

/** The wire form of a set for set-aware built-ins (see the runtime's mg_mark_sets). */
export const SET_MARK = '__meshgate_set__'

export function decodeSets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeSets)
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v)
    const o = v as Record<string, unknown>
    if (keys.length === 1 && keys[0] === SET_MARK && Array.isArray(o[SET_MARK])) return RegoSet.of2((o[SET_MARK] as unknown[]).map(decodeSets))
    return Object.fromEntries(keys.map((k) => [k, decodeSets(o[k])]))
  }
  return v
}

export function encodeSets(v: unknown): unknown {
  if (v instanceof RegoSet) return { [SET_MARK]: [...v].map(encodeSets) }
  if (Array.isArray(v)) return v.map(encodeSets)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeSets(x)]))
  return v
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
  constructor(
    readonly builtin: string,
    message: string,
    readonly code: 'eval_type_error' | 'eval_builtin_error' = 'eval_builtin_error',
  ) {
    super(`${builtin}: ${message}`)
    this.name = 'BuiltinError'
  }
}
