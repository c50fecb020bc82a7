// Applying a plan to records. A plan is compiled once (per plan object and
// key set, cached) into a tree of per-key nodes, so each record costs one
// pass over its own keys: the path for 1M-record bodies.
//
// Nested fields inherit: the transform that governs a field is the strictest
// of its own and every ancestor's, because a parent's transform covers all of
// its value and a child's rule can only tighten it.
//
// A field that has rules below it and whose transform works value by value
// (`keep`, `mask`, `generalize`, `noise`, or none: only its children are
// named) is walked, whatever shape the record gives it:
//
//   - an object: key by key; a key no rule names is an unknown field, so it
//     follows `unknown_fields` (dropped, or kept under the parent's transform);
//   - an array: element by element, each element as if it were the field's
//     value (arrays of arrays too), since records carry lists of addresses;
//   - null: stays null;
//   - anything else (a string, a number, a boolean where the contract
//     describes an object): the shape cannot be matched, so the value gets
//     the strictest transform of the field's whole subtree, or is dropped
//     when that is `drop`. Never the clear value.
//
// Any other field gets one transform for its whole value. `redact` and
// `drop` show nothing of it, whatever the rules below say. `hash` and
// `tokenize` digest all of it, so a stricter rule below (a child to redact)
// would leak through the digest (equal digests, equal children): the whole
// value gets the strictest transform of the subtree instead. Walking into
// such a field is no answer: it would show the structure, or digests per
// field, that the parent's rule withholds.

import { DROP, valueFunction, type AnonymizeKeys, type ValueFn } from './field-transforms.js'
import type { AnonymizationPlan } from './combine.js'
import { compileFilter, type RowPredicate } from './row-filter.js'
import { stricter, type Transform } from './transforms.js'

type Apply = ValueFn | typeof DROP

/** A field of the plan, compiled. */
interface Node {
  /** Walk into the value (see the header) rather than apply `whole` to it. */
  walk: boolean
  /** Not walked: the governing transform, applied to the whole value. */
  whole: Apply
  /** Walked: the child fields by key. */
  children: Map<string, Node>
  /** Walked: what a key no child names gets (`unknown_fields` and the field's own transform). */
  other: Apply
  /** Walked: what a value of the wrong shape gets, the strictest transform of the subtree. */
  mismatch: Apply
}

export interface CompiledPlan {
  root: Map<string, Node>
  /** What a top-level key no rule names gets (`unknown_fields`). */
  other: Apply
  filters: RowPredicate[]
}

/** The plan's paths as a tree, before inheritance. */
interface Draft {
  own?: Transform
  children: Map<string, Draft>
}

const KEEP: ValueFn = (v) => v

// Plans and key sets are long-lived objects: a two-level WeakMap lets both be collected.
const cache = new WeakMap<AnonymizationPlan, WeakMap<AnonymizeKeys, CompiledPlan>>()
const NO_KEYS: AnonymizeKeys = {}

export function compilePlan(plan: AnonymizationPlan, keys: AnonymizeKeys = NO_KEYS): CompiledPlan {
  let byKeys = cache.get(plan)
  if (!byKeys) { byKeys = new WeakMap(); cache.set(plan, byKeys) }
  const hit = byKeys.get(keys)
  if (hit) return hit
  const drafts = new Map<string, Draft>()
  for (const path of Object.keys(plan.fields)) {
    const segs = path.split('.')
    let level = drafts
    let d: Draft | undefined
    for (const seg of segs) {
      d = level.get(seg)
      if (!d) { d = { children: new Map() }; level.set(seg, d) }
      level = d.children
    }
    d!.own = plan.fields[path]!.transform
  }
  const keepUnknown = plan.unknown_fields === 'keep'
  const fns = new Map<Transform, Apply>()
  const fnOf = (t: Transform): Apply => {
    let f = fns.get(t)
    if (f === undefined) { f = valueFunction(t, keys); fns.set(t, f) }
    return f
  }
  const root = new Map<string, Node>()
  for (const [k, d] of drafts) root.set(k, compileNode(d, undefined, keepUnknown, fnOf).node)
  const compiled: CompiledPlan = {
    root,
    other: keepUnknown ? KEEP : DROP,
    filters: plan.row_filters.map(compileFilter),
  }
  byKeys.set(keys, compiled)
  return compiled
}

/** Transforms that work value by value, so a field under them can be walked into (see the header). */
const BY_VALUE: ReadonlySet<Transform['action']> = new Set(['keep', 'mask', 'generalize', 'noise'])

/**
 * Compiles a field given the transform its ancestors impose; also returns
 * the strictest transform in its subtree (itself included), which its
 * ancestors need for their `mismatch` and `whole`.
 */
function compileNode(d: Draft, inherited: Transform | undefined, keepUnknown: boolean, fnOf: (t: Transform) => Apply): { node: Node; strictest: Transform | undefined } {
  const eff = d.own === undefined ? inherited : inherited === undefined ? d.own : stricter(inherited, d.own)
  const children = new Map<string, Node>()
  let strictest = eff
  for (const [k, cd] of d.children) {
    const c = compileNode(cd, eff, keepUnknown, fnOf)
    children.set(k, c.node)
    if (c.strictest !== undefined) strictest = strictest === undefined ? c.strictest : stricter(strictest, c.strictest)
  }
  // Every path of the plan ends in a transform, so a draft without one has children that have.
  const governing = strictest ?? { action: 'redact' }
  if (children.size > 0 && (eff === undefined || BY_VALUE.has(eff.action))) {
    return { node: { walk: true, whole: DROP, children, other: keepUnknown ? (eff ? fnOf(eff) : KEEP) : DROP, mismatch: fnOf(governing) }, strictest }
  }
  const whole = eff!.action === 'redact' || eff!.action === 'drop' ? eff! : governing
  return { node: { walk: false, whole: fnOf(whole), children, other: DROP, mismatch: DROP }, strictest }
}

/** The record with the plan applied, or `undefined` when a row filter withholds it. */
export function applyPlan(plan: AnonymizationPlan | CompiledPlan, record: Record<string, unknown>, keys?: AnonymizeKeys): Record<string, unknown> | undefined {
  const c = 'root' in plan ? plan : compilePlan(plan, keys)
  for (let i = 0; i < c.filters.length; i++) if (!c.filters[i]!(record)) return undefined
  return walkObject(c.root, c.other, record)
}

function walkObject(children: Map<string, Node>, other: Apply, obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, k)) continue
    const node = children.get(k)
    const r = node === undefined ? (other === DROP ? DROP : other(obj[k])) : applyNode(node, obj[k])
    if (r === DROP) continue
    // JSON.parse makes `__proto__` an own key; plain assignment would set the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: r, enumerable: true, writable: true, configurable: true })
    else out[k] = r
  }
  return out
}

function applyNode(node: Node, v: unknown): unknown {
  if (!node.walk) return node.whole === DROP ? DROP : node.whole(v)
  if (v === null) return null
  if (typeof v === 'object') {
    if (!Array.isArray(v)) return walkObject(node.children, node.other, v as Record<string, unknown>)
    const out: unknown[] = []
    for (let i = 0; i < v.length; i++) {
      const r = applyNode(node, v[i])
      // An element whose governing transform is `drop` is left out of the list.
      if (r !== DROP) out.push(r)
    }
    return out
  }
  return node.mismatch === DROP ? DROP : node.mismatch(v)
}
