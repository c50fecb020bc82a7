// Applying a plan to records. A plan is compiled once into a function
// specialized to its fields (codegen.ts), so each record costs one pass over
// its own keys with no lookup of rules: the path for 1M-record bodies. The
// stream and the HTTP route compile once per (port, decision), through a
// bounded cache (plan-cache.ts).
//
// What the compiled function does is decided here, as a tree of per-key
// nodes each holding the transforms that apply at that key:
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

import { generateApply } from './codegen.js'
import type { AnonymizationPlan } from './combine.js'
import type { AnonymizeKeys } from './field-transforms.js'
import { stricter, type Transform } from './transforms.js'

/** A field of the plan, resolved: which transform applies to what. */
export interface PlanNode {
  /** Walk into the value (see the header) rather than apply `whole` to it. */
  walk: boolean
  /** Not walked: the governing transform, applied to the whole value. */
  whole: Transform
  /** Walked: the child fields by key. */
  children: Map<string, PlanNode>
  /** Walked: what a key no child names gets (`unknown_fields` and the field's own transform). */
  other: Transform
  /** Walked: what a value of the wrong shape gets, the strictest transform of the subtree. */
  mismatch: Transform
}

export interface PlanTree {
  root: Map<string, PlanNode>
  /** What a top-level key no rule names gets (`unknown_fields`). */
  other: Transform
}

/** A plan compiled for one key set: apply it to as many records as come. */
export interface CompiledPlan {
  /** The record with the plan applied, or `undefined` when a row filter withholds it. */
  apply(record: Record<string, unknown>): Record<string, unknown> | undefined
  /**
   * `JSON.stringify(apply(record))`, or `undefined` when a row filter
   * withholds it, computed in place: the record is changed, so give it only
   * a record parsed for this (the stream does).
   */
  serialize(record: Record<string, unknown>): string | undefined
  /** The generated source, for tests and for reading what a plan became. */
  readonly source: string
}

/** The plan's paths as a tree, before inheritance. */
interface Draft {
  own?: Transform
  children: Map<string, Draft>
}

export const KEEP: Transform = { action: 'keep' }
export const DROP: Transform = { action: 'drop' }
const NO_KEYS: AnonymizeKeys = {}

/**
 * Compiles a plan for a key set. Throws `anonymize_rule_error` when the plan
 * hashes or tokenizes and no key is given. Not cached: callers that apply a
 * plan per request hold a `CompiledPlans` cache.
 */
export function compilePlan(plan: AnonymizationPlan, keys: AnonymizeKeys = NO_KEYS): CompiledPlan {
  return generateApply(planTree(plan), plan.row_filters, keys)
}

/** The plan as a tree of resolved nodes (see the header). */
export function planTree(plan: AnonymizationPlan): PlanTree {
  const drafts = new Map<string, Draft>()
  for (const path of Object.keys(plan.fields)) {
    const segs = path.split('.')
    let level = drafts
    let d: Draft | undefined
    for (const seg of segs) {
      d = level.get(seg)
      if (!d) {
        d = { children: new Map() }
        level.set(seg, d)
      }
      level = d.children
    }
    d!.own = plan.fields[path]!.transform
  }
  const keepUnknown = plan.unknown_fields === 'keep'
  const root = new Map<string, PlanNode>()
  for (const [k, d] of drafts) root.set(k, resolveNode(d, undefined, keepUnknown).node)
  return { root, other: keepUnknown ? KEEP : DROP }
}

/** Transforms that work value by value, so a field under them can be walked into (see the header). */
const BY_VALUE: ReadonlySet<Transform['action']> = new Set(['keep', 'mask', 'generalize', 'noise'])

/**
 * Resolves a field given the transform its ancestors impose; also returns
 * the strictest transform in its subtree (itself included), which its
 * ancestors need for their `mismatch` and `whole`.
 */
function resolveNode(d: Draft, inherited: Transform | undefined, keepUnknown: boolean): { node: PlanNode; strictest: Transform | undefined } {
  const eff = d.own === undefined ? inherited : inherited === undefined ? d.own : stricter(inherited, d.own)
  const children = new Map<string, PlanNode>()
  let strictest = eff
  for (const [k, cd] of d.children) {
    const c = resolveNode(cd, eff, keepUnknown)
    children.set(k, c.node)
    if (c.strictest !== undefined) strictest = strictest === undefined ? c.strictest : stricter(strictest, c.strictest)
  }
  // Every path of the plan ends in a transform, so a draft without one has children that have.
  const governing: Transform = strictest ?? { action: 'redact' }
  if (children.size > 0 && (eff === undefined || BY_VALUE.has(eff.action))) {
    return { node: { walk: true, whole: DROP, children, other: keepUnknown ? (eff ?? KEEP) : DROP, mismatch: governing }, strictest }
  }
  const whole = eff!.action === 'redact' || eff!.action === 'drop' ? eff! : governing
  return { node: { walk: false, whole, children, other: DROP, mismatch: DROP }, strictest }
}

/**
 * The record with the plan applied, or `undefined` when a row filter
 * withholds it. Given a plan rather than a compiled one, it compiles it for
 * this one call: compile once (`compilePlan`) to apply a plan to many records.
 */
export function applyPlan(plan: AnonymizationPlan | CompiledPlan, record: Record<string, unknown>, keys?: AnonymizeKeys): Record<string, unknown> | undefined {
  const c = 'apply' in plan && typeof plan.apply === 'function' ? plan : compilePlan(plan as AnonymizationPlan, keys)
  return c.apply(record)
}
