// The structural diff between the current and the proposed schema of a port.
// Walks both shapes together and emits one typed change per difference, with
// the dotted field path (`address.city`, `tags[]` for array items, `x.*` for
// a partially open model's extra-property schema; `` is the record itself),
// and its backward and forward verdicts from rules.ts.

import { RULES, type ChangeContext, type ChangeKind } from './rules.js'
import { CONSTRAINT_KEYWORDS, SUPERTYPES, isEmptyShape, toShape, type ConstraintKeyword, type Shape } from './shape.js'

export interface SchemaChange {
  /** Dotted path of the field; `` for the record itself. */
  field: string
  change: ChangeKind
  before?: unknown
  after?: unknown
  /** The constraint keyword, for `constraint_*` changes. */
  keyword?: string
  /** Proposed data read by current readers and vice versa, per Confluent's rules. */
  backward: boolean
  forward: boolean
  /** Confluent's difference type behind each verdict. */
  rule: { backward: string; forward: string }
}

/** Diffs two schemas (ODCS contract / schema objects, or JSON Schema). */
export function diffSchemas(current: unknown, proposed: unknown): SchemaChange[] {
  const out: SchemaChange[] = []
  compare(toShape(current), toShape(proposed), '', out)
  return out
}

function emit(
  out: SchemaChange[],
  field: string,
  change: ChangeKind,
  ctx: ChangeContext,
  extra: Partial<SchemaChange> = {},
  names?: { backward: string; forward: string },
): void {
  const row = RULES[change]
  const b = row.backward(ctx),
    f = row.forward(ctx)
  out.push({ field, change, ...extra, backward: b.ok, forward: f.ok, rule: names ?? { backward: b.rule, forward: f.rule } })
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`)

function compare(cur: Shape, prop: Shape, path: string, out: SchemaChange[]): void {
  // Types first: a changed type makes every finer comparison meaningless (Confluent stops too).
  const rel = typeRelation(cur.types, prop.types)
  if (rel === 'changed') {
    emit(out, path, 'type_changed', {}, { before: cur.types ?? null, after: prop.types ?? null })
    return
  }
  if (rel !== 'equal') emit(out, path, rel === 'widened' ? 'type_widened' : 'type_narrowed', {}, { before: cur.types ?? null, after: prop.types ?? null })

  if ((cur.opaque ?? '') !== (prop.opaque ?? '')) emit(out, path, 'composition_changed', {})
  compareEnum(cur, prop, path, out)
  if (JSON.stringify(cur.default) !== JSON.stringify(prop.default)) {
    emit(out, path, 'default_changed', {}, { before: cur.default?.value ?? null, after: prop.default?.value ?? null })
  }
  for (const k of CONSTRAINT_KEYWORDS) compareConstraint(k, cur.constraints[k], prop.constraints[k], path, out)
  if ((cur.classification ?? null) !== (prop.classification ?? null)) {
    emit(out, path, 'classification_changed', {}, { before: cur.classification ?? null, after: prop.classification ?? null })
  }
  if (cur.properties || prop.properties) compareObject(cur, prop, path, out)
  if (cur.items && prop.items) compare(cur.items, prop.items, `${path}[]`, out)
}

type Relation = 'equal' | 'widened' | 'narrowed' | 'changed'

function covers(set: string[] | undefined, t: string): boolean {
  if (set === undefined) return true
  return set.includes(t) || (SUPERTYPES[t] ?? []).some((s) => set.includes(s))
}

function typeRelation(a: string[] | undefined, b: string[] | undefined): Relation {
  const bCoversA = a === undefined ? b === undefined : a.every((t) => covers(b, t))
  const aCoversB = b === undefined ? a === undefined : b.every((t) => covers(a, t))
  if (bCoversA && aCoversB) return 'equal'
  if (bCoversA) return 'widened'
  if (aCoversB) return 'narrowed'
  return 'changed'
}

function compareEnum(cur: Shape, prop: Shape, path: string, out: SchemaChange[]): void {
  if (!cur.enum && !prop.enum) return
  if (!cur.enum) return emit(out, path, 'enum_added', {}, { after: prop.enum })
  if (!prop.enum) return emit(out, path, 'enum_removed', {}, { before: cur.enum })
  const key = (v: unknown) => JSON.stringify(v)
  const before = new Set(cur.enum.map(key)),
    after = new Set(prop.enum.map(key))
  const added = prop.enum.filter((v) => !before.has(key(v)))
  const removed = cur.enum.filter((v) => !after.has(key(v)))
  if (added.length) emit(out, path, 'enum_values_added', {}, { after: added })
  if (removed.length) emit(out, path, 'enum_values_removed', {}, { before: removed })
}

/** `max*` keywords loosen as they grow; `min*` and `multipleOf` tighten. */
const GROWS_LOOSER: Partial<Record<ConstraintKeyword, boolean>> = {
  maxLength: true,
  maximum: true,
  exclusiveMaximum: true,
  maxItems: true,
  minLength: false,
  minimum: false,
  exclusiveMinimum: false,
  minItems: false,
}

function ruleName(k: string, dir: string): string {
  return `${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}_${dir}`
}

function compareConstraint(k: ConstraintKeyword, a: unknown, b: unknown, path: string, out: SchemaChange[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return
  const extra = { keyword: k, before: a ?? null, after: b ?? null }
  const named = (bw: string, fw: string) => ({ backward: ruleName(k, bw), forward: ruleName(k, fw) })
  // uniqueItems: false is the same as absent.
  if (k === 'uniqueItems') {
    if (!!a === !!b) return
    return b
      ? emit(out, path, 'constraint_tightened', {}, extra, named('ADDED', 'REMOVED'))
      : emit(out, path, 'constraint_loosened', {}, extra, named('REMOVED', 'ADDED'))
  }
  if (a === undefined) return emit(out, path, 'constraint_tightened', {}, extra, named('ADDED', 'REMOVED'))
  if (b === undefined) return emit(out, path, 'constraint_loosened', {}, extra, named('REMOVED', 'ADDED'))
  const looser = GROWS_LOOSER[k]
  if (looser !== undefined && typeof a === 'number' && typeof b === 'number') {
    const loosened = looser ? b > a : b < a
    const bw = b > a ? 'INCREASED' : 'DECREASED',
      fw = b > a ? 'DECREASED' : 'INCREASED'
    return emit(out, path, loosened ? 'constraint_loosened' : 'constraint_tightened', {}, extra, named(bw, fw))
  }
  if (k === 'multipleOf' && typeof a === 'number' && typeof b === 'number') {
    // Every multiple of a is a multiple of b when b divides a: fewer values are refused.
    const divides = Number.isInteger(a / b)
    const reverse = Number.isInteger(b / a)
    if (divides) return emit(out, path, 'constraint_loosened', {}, extra, named('REDUCED', 'EXPANDED'))
    if (reverse) return emit(out, path, 'constraint_tightened', {}, extra, named('EXPANDED', 'REDUCED'))
  }
  emit(out, path, 'constraint_changed', {}, extra, named('CHANGED', 'CHANGED'))
}

function compareObject(cur: Shape, prop: Shape, path: string, out: SchemaChange[]): void {
  const cp = cur.properties ?? new Map<string, Shape>(),
    pp = prop.properties ?? new Map<string, Shape>()
  if (cur.contentModel !== prop.contentModel) {
    emit(
      out,
      path,
      'content_model_changed',
      { currentModel: cur.contentModel, proposedModel: prop.contentModel },
      { before: cur.contentModel, after: prop.contentModel },
    )
  } else if (cur.additional && prop.additional) {
    compare(cur.additional, prop.additional, join(path, '*'), out)
  }
  const names = [...new Set([...cp.keys(), ...pp.keys()])].sort()
  for (const name of names) {
    const a = cp.get(name),
      b = pp.get(name)
    const field = join(path, name)
    if (a && b) {
      compare(a, b, field, out)
      const ra = cur.required.has(name),
        rb = prop.required.has(name)
      const dflt = { defaultInCurrent: a.default !== undefined, defaultInProposed: b.default !== undefined }
      if (!ra && rb) emit(out, field, 'required_added', dflt)
      if (ra && !rb) emit(out, field, 'required_removed', dflt)
      continue
    }
    const s = (a ?? b)!
    const ctx: ChangeContext = {
      required: (a ? cur : prop).required.has(name),
      hasDefault: s.default !== undefined,
      emptySchema: isEmptyShape(s),
      falseSchema: !!s.never,
      currentModel: cur.contentModel,
      proposedModel: prop.contentModel,
      // Who reads whom: backward reads current data with the proposed schema, forward the reverse.
      coveredBackward: b ? !!cur.additional && reads(b, cur.additional) : !!prop.additional && reads(prop.additional, a!),
      coveredForward: b ? !!cur.additional && reads(cur.additional, b) : !!prop.additional && reads(a!, prop.additional),
    }
    if (b) emit(out, field, 'property_added', ctx, { after: summary(b, prop.required.has(name)) })
    else emit(out, field, 'property_removed', ctx, { before: summary(a!, cur.required.has(name)) })
  }
}

/** A reader with schema `reader` accepts every value valid under `writer`. */
function reads(reader: Shape, writer: Shape): boolean {
  const changes: SchemaChange[] = []
  compare(writer, reader, '', changes)
  return changes.every((c) => c.backward)
}

function summary(s: Shape, required: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = { type: s.types ?? null, required }
  if (s.default) o.default = s.default.value
  if (s.classification) o.classification = s.classification
  return o
}
