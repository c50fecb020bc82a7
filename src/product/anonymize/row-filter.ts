// Row filters: `{field, op, value}` predicates; a record is sent only when it
// satisfies every filter of every layer (their conjunction). Filters read the
// record as it arrived, before any field is transformed. A record whose field
// is missing, or holds a value of another type than the comparison needs,
// fails the filter: a filter that cannot be decided withholds the row.

import { MeshgateError } from '../../errors/index.js'

export type FilterOp = '==' | '!=' | 'in' | '<' | '<=' | '>' | '>='

export interface RowFilter {
  field: string
  op: FilterOp
  value: unknown
}

const OPS: readonly string[] = ['==', '!=', 'in', '<', '<=', '>', '>=']

export function parseRowFilter(raw: unknown, where: string): RowFilter {
  const f = raw as Record<string, unknown> | null
  const fail = (m: string): never => {
    throw new MeshgateError('anonymize_rule_error', `${where}: ${m}`, undefined, { filter: raw })
  }
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return fail('a row filter must be an object `{field, op, value}`')
  if (typeof f.field !== 'string' || f.field === '') return fail('a row filter needs a `field`')
  if (typeof f.op !== 'string' || !OPS.includes(f.op)) return fail(`unknown row filter operator \`${String(f.op)}\``)
  if (!('value' in f)) return fail('a row filter needs a `value`')
  if (f.op === 'in' && !Array.isArray(f.value)) return fail('operator `in` needs an array `value`')
  return { field: f.field, op: f.op as FilterOp, value: f.value }
}

export type RowPredicate = (record: Record<string, unknown>) => boolean

export function compileFilter(f: RowFilter): RowPredicate {
  const path = f.field.split('.')
  // Own keys only: `constructor` or `toString` must read as missing, not as Object.prototype's.
  const own = Object.prototype.hasOwnProperty
  const get =
    path.length === 1
      ? (r: Record<string, unknown>) => (own.call(r, f.field) ? r[f.field] : undefined)
      : (r: Record<string, unknown>) => {
          let cur: unknown = r
          for (const p of path) {
            if (typeof cur !== 'object' || cur === null || !own.call(cur, p)) return undefined
            cur = (cur as Record<string, unknown>)[p]
          }
          return cur
        }
  const want = f.value
  switch (f.op) {
    case '==':
      return (r) => {
        const v = get(r)
        return v !== undefined && deepEqual(v, want)
      }
    case '!=':
      return (r) => {
        const v = get(r)
        return v !== undefined && !deepEqual(v, want)
      }
    case 'in': {
      const list = want as unknown[]
      const prims = new Set(list.filter((x) => typeof x !== 'object' || x === null))
      return (r) => {
        const v = get(r)
        if (v === undefined) return false
        return typeof v !== 'object' || v === null ? prims.has(v) : list.some((x) => deepEqual(v, x))
      }
    }
    default: {
      const op = f.op
      return (r) => {
        const v = get(r)
        if (!(typeof v === 'number' && typeof want === 'number') && !(typeof v === 'string' && typeof want === 'string')) return false
        switch (op) {
          case '<':
            return v < want
          case '<=':
            return v <= want
          case '>':
            return v > want
          default:
            return v >= want
        }
      }
    }
  }
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]))
  }
  const ka = Object.keys(a),
    kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}
