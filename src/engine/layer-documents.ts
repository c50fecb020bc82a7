// Reading what each layer's decision package answered (docs/policy-contract.md,
// "Layers and packages"), before the answers are combined: access `{allow,
// deny}`, anonymization `{fields, row_filters}`, compatibility
// `{violations}`. One reader per decision, used by the engine for every
// caller, so the sidecar and `policy test` can never read a document two ways.

import type { LayerAnonymization, LayerViolations } from '../product/index.js'
import type { LayerAccess } from './access.js'

/**
 * A Rego set as the JSON a module returns: an array. Read leniently, the same
 * for every decision: absent, `null`, `false` and an empty object (`{}`,
 * written where `set()` was meant) are the empty set; any other single value
 * is a set of that value.
 */
export function asSet(v: unknown): unknown[] {
  if (v === undefined || v === null || v === false) return []
  if (Array.isArray(v)) return v
  if (typeof v === 'object') return Object.keys(v as object).length ? [v] : []
  return [v]
}

function objectOf(doc: unknown): Record<string, unknown> {
  return (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>
}

/** A layer's access package document (`{allow, deny}`), tolerating absent rules. */
export function accessFromPackage(layer: string, doc: unknown): LayerAccess {
  const o = objectOf(doc)
  return { layer, allow: o.allow === true, deny: asSet(o.deny) }
}

/**
 * A layer's anonymization package document. `fields` goes to the
 * combination as given, which refuses anything but an object
 * (`anonymize_rule_error`): a policy's transforms are never dropped silently.
 */
export function anonymizationFromPackage(layer: string, doc: unknown): LayerAnonymization {
  const o = objectOf(doc)
  return { layer, fields: o.fields, row_filters: asSet(o.row_filters) }
}

/** A layer's compatibility package document (`{violations}`). */
export function violationsFromPackage(layer: string, doc: unknown): LayerViolations {
  return { layer, violations: asSet(objectOf(doc).violations) }
}
