// object.*, array.* and the set fallbacks (union/intersection of sets) as
// host functions. Sets arrive as arrays and are returned as arrays (declared
// `set` results are converted back by the compiler). Object keys that are not
// strings arrive as their JSON text, so lookups use that text too.

import { BuiltinError, type HostImpl, RegoSet } from './types.js'
import { arr, int, obj, typeError, typeName } from './strings.js'

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeName(v) === 'object'

/** A canonical text for a value: equal Rego values, equal text. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']'
  if (isObj(v))
    return (
      '{' +
      Object.keys(v)
        .sort()
        .map((k) => JSON.stringify(k) + ':' + canonical(v[k]))
        .join(',') +
      '}'
    )
  return JSON.stringify(v ?? null)
}

/** The key under which `k` is found in an object as it reaches the host. */
function keyText(k: unknown): string {
  return typeof k === 'string' ? k : JSON.stringify(k)
}

function union(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k]
    out[k] = isObj(prev) && isObj(v) ? union(prev, v) : v
  }
  return out
}

/** The key collection operand of object.filter/object.remove: array, set or object (its keys). */
function keySet(builtin: string, v: unknown): Set<string> {
  if (Array.isArray(v)) return new Set(v.map(keyText))
  if (isObj(v)) return new Set(Object.keys(v))
  throw typeError(builtin, 2, v, 'object', 'set', 'array')
}

function equal(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b)
}

/** OPA's object.subset: objects recursively, arrays as contiguous sub-slices. */
function subset(sup: unknown, sub: unknown): boolean {
  if (isObj(sup) && isObj(sub)) {
    return Object.entries(sub).every(([k, v]) => {
      if (!Object.prototype.hasOwnProperty.call(sup, k)) return false
      const s = sup[k]
      if ((isObj(s) && isObj(v)) || (Array.isArray(s) && Array.isArray(v) && s instanceof RegoSet === v instanceof RegoSet)) return subset(s, v)
      return equal(s, v)
    })
  }
  if (sup instanceof RegoSet && Array.isArray(sub)) {
    // a set contains a set (or an array's elements) when it has every member
    const have = new Set(sup.map(canonical))
    return sub.every((x) => have.has(canonical(x)))
  }
  if (Array.isArray(sup) && Array.isArray(sub)) {
    if (sub.length === 0) return true
    const subKeys = sub.map(canonical)
    const supKeys = sup.map(canonical)
    outer: for (let i = 0; i + subKeys.length <= supKeys.length; i++) {
      for (let j = 0; j < subKeys.length; j++) if (supKeys[i + j] !== subKeys[j]) continue outer
      return true
    }
    return false
  }
  return equal(sup, sub)
}

function get(o: Obj, key: unknown, dflt: unknown): unknown {
  if (!Array.isArray(key)) {
    const k = keyText(key)
    return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : dflt
  }
  let cur: unknown = o
  for (const k of key) {
    if (isObj(cur)) {
      const t = keyText(k)
      if (!Object.prototype.hasOwnProperty.call(cur, t)) return dflt
      cur = cur[t]
    } else if (Array.isArray(cur) && typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < cur.length) {
      cur = cur[k]
    } else return dflt
  }
  return cur
}

function dedupe(xs: unknown[]): unknown[] {
  const seen = new Map<string, unknown>()
  for (const x of xs) seen.set(canonical(x), x)
  return Array.from(seen.values())
}

export const impls: Record<string, HostImpl> = {
  'object.union': (a, b) => union(obj('object.union', 1, a), obj('object.union', 2, b)),
  'object.union_n'(xs) {
    const b = 'object.union_n'
    const list = arr(b, 1, xs)
    let out: Obj = {}
    for (const x of list) {
      if (!isObj(x)) throw new BuiltinError(b, `operand 1 must be array of objects but got array containing ${typeName(x)}`, 'eval_type_error')
      out = union(out, x)
    }
    return out
  },
  'object.filter'(o, keys) {
    const src = obj('object.filter', 1, o)
    const keep = keySet('object.filter', keys)
    return Object.fromEntries(Object.entries(src).filter(([k]) => keep.has(k)))
  },
  'object.remove'(o, keys) {
    const src = obj('object.remove', 1, o)
    const drop = keySet('object.remove', keys)
    return Object.fromEntries(Object.entries(src).filter(([k]) => !drop.has(k)))
  },
  'object.keys': (o) => Object.keys(obj('object.keys', 1, o)),
  'object.subset'(sup, sub) {
    const b = 'object.subset'
    if (!isObj(sup) && !Array.isArray(sup)) throw typeError(b, 1, sup, 'object', 'set', 'array')
    if (!isObj(sub) && !Array.isArray(sub)) throw typeError(b, 2, sub, 'object', 'set', 'array')
    if (isObj(sup) !== isObj(sub)) return false
    return subset(sup, sub)
  },
  'object.get': (o, key, dflt) => get(obj('object.get', 1, o), key, dflt),
  'array.concat': (a, b) => [...arr('array.concat', 1, a), ...arr('array.concat', 2, b)],
  'array.slice'(a, start, stop) {
    const b = 'array.slice'
    const xs = arr(b, 1, a)
    const from = Math.max(0, int(b, 2, start))
    const to = Math.min(xs.length, int(b, 3, stop))
    return from >= to ? [] : xs.slice(from, to)
  },
  'array.reverse': (a) => [...arr('array.reverse', 1, a)].reverse(),
  'array.flatten': (a) => arr('array.flatten', 1, a).flatMap((x) => (Array.isArray(x) ? x : [x])),
  union(sets) {
    const outer = arr('union', 1, sets)
    const all: unknown[] = []
    for (const s of outer) {
      if (!Array.isArray(s)) throw new BuiltinError('union', `operand 1 must be set of sets but got set containing ${typeName(s)}`, 'eval_type_error')
      all.push(...s)
    }
    return dedupe(all)
  },
  intersection(sets) {
    const outer = arr('intersection', 1, sets)
    if (outer.length === 0) return []
    for (const s of outer) {
      if (!Array.isArray(s)) throw new BuiltinError('intersection', `operand 1 must be set of sets but got set containing ${typeName(s)}`, 'eval_type_error')
    }
    const rest = (outer.slice(1) as unknown[][]).map((s) => new Set(s.map(canonical)))
    return dedupe((outer[0] as unknown[]).filter((x) => rest.every((r) => r.has(canonical(x)))))
  },
}
