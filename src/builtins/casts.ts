// The type casts and set difference Rego v0 still has (OPA deprecated them
// before 1.0 and v1 removed them: `cast_array`, `cast_set`, `cast_string`,
// `cast_boolean`, `cast_null`, `cast_object`, `set_diff`). Policies parsed
// with `--v0-compatible` may call them; the planner refuses them in v1
// modules, as OPA v1's capabilities no longer list them. Each cast returns
// its operand when it already has the type (arrays and sets convert into
// each other) and is a type error otherwise, as OPA's topdown/casts.go.

import { canonicalJson } from './jwt.js'
import { RegoSet, type HostImpl } from './types.js'
import { typeError } from './strings.js'

const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v)

function same(name: string, test: (v: unknown) => boolean, want: string): HostImpl {
  return (v: unknown) => {
    if (!test(v)) throw typeError(name, 1, v, want)
    return v
  }
}

export const impls: Record<string, HostImpl> = {
  cast_array: (v: unknown) => {
    if (!Array.isArray(v)) throw typeError('cast_array', 1, v, 'array', 'set')
    return [...v]
  },
  cast_set: (v: unknown) => {
    if (!Array.isArray(v)) throw typeError('cast_set', 1, v, 'array', 'set')
    return RegoSet.of2(v)
  },
  cast_string: same('cast_string', (v) => typeof v === 'string', 'string'),
  cast_boolean: same('cast_boolean', (v) => typeof v === 'boolean', 'boolean'),
  cast_null: same('cast_null', (v) => v === null, 'null'),
  cast_object: same('cast_object', isObject, 'object'),
  set_diff: (a: unknown, b: unknown) => {
    if (!(a instanceof RegoSet)) throw typeError('set_diff', 1, a, 'set')
    if (!(b instanceof RegoSet)) throw typeError('set_diff', 2, b, 'set')
    const drop = new Set(b.map((x) => canonicalJson(x)))
    return RegoSet.of2(a.filter((x) => !drop.has(canonicalJson(x))))
  },
}
