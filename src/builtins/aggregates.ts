// any/all: the deprecated v0 aggregates over an array or set of booleans.

import { type HostImpl } from './types.js'
import { typeError } from './strings.js'

function collection(builtin: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw typeError(builtin, 1, v, 'set', 'array')
  return v
}

export const impls: Record<string, HostImpl> = {
  any: (xs) => collection('any', xs).some((x) => x === true),
  all: (xs) => collection('all', xs).every((x) => x === true),
}
