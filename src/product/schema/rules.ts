// Which change is compatible in which direction, after Confluent Schema
// Registry's JSON Schema rules (`SchemaDiff`'s compatible-change set in
// strict mode). Confluent compares an original and an update schema:
//   backward: original = current, update = proposed (new readers, old data)
//   forward:  original = proposed, update = current (old readers, new data)
// so a change's forward verdict is the backward verdict of its reverse.
// Each row names Confluent's difference type for both directions, so a
// verdict can be traced to the rule it follows. One row per change kind: a
// new kind of change is a new row.

import type { ContentModel } from './shape.js'

export type ChangeKind =
  | 'property_added'
  | 'property_removed'
  | 'type_changed'
  | 'type_widened'
  | 'type_narrowed'
  | 'required_added'
  | 'required_removed'
  | 'default_changed'
  | 'enum_values_added'
  | 'enum_values_removed'
  | 'enum_added'
  | 'enum_removed'
  | 'constraint_tightened'
  | 'constraint_loosened'
  | 'constraint_changed'
  | 'content_model_changed'
  | 'classification_changed'
  | 'composition_changed'

/** Facts about a change that its verdict depends on. */
export interface ChangeContext {
  /** property_*: required in the schema that has the property; has a default there. */
  required?: boolean
  hasDefault?: boolean
  /** property_*: the property's schema is `{}` (accepts anything) or `false`. */
  emptySchema?: boolean
  falseSchema?: boolean
  /** property_*: content models of the current and proposed parent object. */
  currentModel?: ContentModel
  proposedModel?: ContentModel
  /**
   * property_*: the partially open model's extra-property schema and the
   * property's schema are compatible in the direction each verdict reads data
   * (Confluent's "is covered by partially open content model").
   */
  coveredBackward?: boolean
  coveredForward?: boolean
  /** required_*: the property has a default in current / proposed. */
  defaultInCurrent?: boolean
  defaultInProposed?: boolean
}

export interface Verdict {
  ok: boolean
  rule: string
}

interface Row {
  backward(c: ChangeContext): Verdict
  forward(c: ChangeContext): Verdict
}

const yes = (rule: string): Verdict => ({ ok: true, rule })
const no = (rule: string): Verdict => ({ ok: false, rule })

/** Verdict for a property the update has and the original lacks. */
function added(model: ContentModel | undefined, required: boolean, hasDefault: boolean, empty: boolean, covered: boolean): Verdict {
  if (model === 'open' || model === undefined) {
    return empty ? yes('PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL') : no('PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL')
  }
  if (required && !hasDefault) return no('REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL')
  if (model === 'partial' && !covered) return no('PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL')
  if (model === 'partial') return yes('PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL')
  return required ? yes('REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL') : yes('OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL')
}

/** Verdict for a property the original has and the update lacks. */
function removed(model: ContentModel | undefined, isFalse: boolean, covered: boolean): Verdict {
  if (model === 'open' || model === undefined) return yes('PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL')
  if (model === 'partial') {
    return covered ? yes('PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL') : no('PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL')
  }
  return isFalse ? yes('PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL') : no('PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL')
}

const widening = (b: string, f: string): Row => ({ backward: () => yes(b), forward: () => no(f) })
const narrowing = (b: string, f: string): Row => ({ backward: () => no(b), forward: () => yes(f) })
const neutral = (rule: string): Row => ({ backward: () => yes(rule), forward: () => yes(rule) })
const breaking = (rule: string): Row => ({ backward: () => no(rule), forward: () => no(rule) })

export const RULES: Record<ChangeKind, Row> = {
  // In the proposed schema only: backward reads it as "added", forward as "removed".
  property_added: {
    backward: (c) => added(c.currentModel, !!c.required, !!c.hasDefault, !!c.emptySchema, !!c.coveredBackward),
    forward: (c) => removed(c.currentModel, !!c.falseSchema, !!c.coveredForward),
  },
  property_removed: {
    backward: (c) => removed(c.proposedModel, !!c.falseSchema, !!c.coveredBackward),
    forward: (c) => added(c.proposedModel, !!c.required, !!c.hasDefault, !!c.emptySchema, !!c.coveredForward),
  },
  type_changed: breaking('TYPE_CHANGED'),
  type_widened: widening('TYPE_EXTENDED', 'TYPE_NARROWED'),
  type_narrowed: narrowing('TYPE_NARROWED', 'TYPE_EXTENDED'),
  required_added: {
    backward: (c) => (c.defaultInProposed ? yes('REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED') : no('REQUIRED_ATTRIBUTE_ADDED')),
    forward: () => yes('REQUIRED_ATTRIBUTE_REMOVED'),
  },
  required_removed: {
    backward: () => yes('REQUIRED_ATTRIBUTE_REMOVED'),
    forward: (c) => (c.defaultInCurrent ? yes('REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED') : no('REQUIRED_ATTRIBUTE_ADDED')),
  },
  default_changed: neutral('DEFAULT_CHANGED'),
  enum_values_added: widening('ENUM_ARRAY_EXTENDED', 'ENUM_ARRAY_NARROWED'),
  enum_values_removed: narrowing('ENUM_ARRAY_NARROWED', 'ENUM_ARRAY_EXTENDED'),
  // An enum where there was none restricts the values (Confluent: a type change to an enum schema).
  enum_added: narrowing('TYPE_CHANGED', 'TYPE_CHANGED'),
  enum_removed: widening('TYPE_CHANGED', 'TYPE_CHANGED'),
  constraint_loosened: widening('CONSTRAINT_LOOSENED', 'CONSTRAINT_TIGHTENED'),
  constraint_tightened: narrowing('CONSTRAINT_TIGHTENED', 'CONSTRAINT_LOOSENED'),
  constraint_changed: breaking('CONSTRAINT_CHANGED'),
  content_model_changed: {
    backward: (c) => (openness(c.proposedModel) > openness(c.currentModel) ? yes('ADDITIONAL_PROPERTIES_EXTENDED') : no('ADDITIONAL_PROPERTIES_NARROWED')),
    forward: (c) => (openness(c.currentModel) > openness(c.proposedModel) ? yes('ADDITIONAL_PROPERTIES_EXTENDED') : no('ADDITIONAL_PROPERTIES_NARROWED')),
  },
  // Annotations: no effect on which values are valid.
  classification_changed: neutral('ANNOTATION_CHANGED'),
  composition_changed: breaking('COMBINED_TYPE_CHANGED'),
}

function openness(m: ContentModel | undefined): number {
  return m === 'closed' ? 0 : m === 'partial' ? 1 : 2
}
