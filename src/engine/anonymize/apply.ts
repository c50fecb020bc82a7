// Applying a plan to records. A plan is compiled once (per plan object and
// key set, cached) into a tree of per-key value functions, so each record
// costs one pass over its own keys: the path for 1M-record bodies.
//
// A field whose transform is `keep` and that has declared children (an
// object with nested fields) is walked into; any other transform applies to
// the whole value. Keys that no plan entry names follow `unknown_fields`.

import { DROP, valueFunction, type AnonymizeKeys, type ValueFn } from './field-transforms.js'
import type { AnonymizationPlan } from './combine.js'
import { compileFilter, type RowPredicate } from './row-filter.js'

interface Node {
  fn?: ValueFn | typeof DROP
  /** The transform is `keep`: walk into children if there are any. */
  keep?: boolean
  children?: Map<string, Node>
}

export interface CompiledPlan {
  root: Map<string, Node>
  keepUnknown: boolean
  filters: RowPredicate[]
}

// Plans and key sets are long-lived objects: a two-level WeakMap lets both be collected.
const cache = new WeakMap<AnonymizationPlan, WeakMap<AnonymizeKeys, CompiledPlan>>()
const NO_KEYS: AnonymizeKeys = {}

export function compilePlan(plan: AnonymizationPlan, keys: AnonymizeKeys = NO_KEYS): CompiledPlan {
  let byKeys = cache.get(plan)
  if (!byKeys) { byKeys = new WeakMap(); cache.set(plan, byKeys) }
  const hit = byKeys.get(keys)
  if (hit) return hit
  const root = new Map<string, Node>()
  // Shorter paths first, so a parent exists before its children.
  const paths = Object.keys(plan.fields).sort((a, b) => a.split('.').length - b.split('.').length)
  for (const path of paths) {
    const segs = path.split('.')
    let level = root
    for (let i = 0; i < segs.length - 1; i++) {
      let n = level.get(segs[i]!)
      if (!n) { n = {}; level.set(segs[i]!, n) }
      n.children ??= new Map()
      level = n.children
    }
    const last = segs[segs.length - 1]!
    const node = level.get(last) ?? {}
    const t = plan.fields[path]!.transform
    node.fn = valueFunction(t, keys)
    node.keep = t.action === 'keep'
    level.set(last, node)
  }
  const compiled: CompiledPlan = {
    root,
    keepUnknown: plan.unknown_fields === 'keep',
    filters: plan.row_filters.map(compileFilter),
  }
  byKeys.set(keys, compiled)
  return compiled
}

/** The record with the plan applied, or `undefined` when a row filter withholds it. */
export function applyPlan(plan: AnonymizationPlan | CompiledPlan, record: Record<string, unknown>, keys?: AnonymizeKeys): Record<string, unknown> | undefined {
  const c = 'root' in plan ? plan : compilePlan(plan, keys)
  for (let i = 0; i < c.filters.length; i++) if (!c.filters[i]!(record)) return undefined
  return walk(c.root, record, c.keepUnknown)
}

function walk(level: Map<string, Node>, obj: Record<string, unknown>, keepUnknown: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, k)) continue
    const node = level.get(k)
    const v = obj[k]
    let r: unknown
    if (node === undefined) {
      if (!keepUnknown) continue
      r = v
    } else {
      const fn = node.fn
      if (fn === DROP) continue
      if (node.children && (fn === undefined || node.keep) && typeof v === 'object' && v !== null && !Array.isArray(v)) {
        r = walk(node.children, v as Record<string, unknown>, keepUnknown)
      } else if (fn === undefined) {
        // Only children are named and this is not an object: fail closed.
        r = null
      } else {
        r = fn(v)
      }
    }
    // JSON.parse makes `__proto__` an own key; plain assignment would set the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: r, enumerable: true, writable: true, configurable: true })
    else out[k] = r
  }
  return out
}
