// `?fields=` on the anonymize stream: the records keep only the fields the
// caller asked for (and the access decision judged). The selection is written
// into the anonymization plan itself, so the one compiled plan both
// anonymizes and projects each record in a single pass, and a field can never
// leave by a path the selection did not name:
//
// - an entry at or below a selected field keeps its transform;
// - an entry above a selected field keeps its transform too: a `keep` walks
//   into the children (where the siblings are dropped), anything stricter
//   applies to the whole value, selected part included;
// - every other entry becomes `drop`, and fields no entry names are dropped
//   (`unknown_fields: drop`);
// - a selected field that the full plan keeps without naming it (inside a
//   `keep` entry that has no entries below it, or a field no entry names
//   when `unknown_fields` is `keep`) gets a `keep` entry of its own, so the
//   walk goes into its parent and drops the parent's other children.
//
// Names are the contract's dotted paths (`shipping_address.street`), as in
// the access decision's `fields`.

import type { AnonymizationPlan, PlannedField } from '../product/index.js'

/** Bounds on `?fields=`, the same as on a decision body's `fields` (schemas.ts). */
export const MAX_SELECTED_FIELDS = 1000
export const MAX_FIELD_NAME = 500

const under = (path: string, parent: string): boolean => path.startsWith(`${parent}.`)

/** The plan restricted to `selected` (non-empty); the plan itself is not changed. */
export function selectFields(plan: AnonymizationPlan, selected: readonly string[]): AnonymizationPlan {
  const fields: Record<string, PlannedField> = {}
  for (const [path, entry] of Object.entries(plan.fields)) {
    const kept = selected.some((s) => path === s || under(path, s) || under(s, path))
    fields[path] = kept ? entry : { ...entry, transform: { action: 'drop' } }
  }
  const paths = Object.keys(plan.fields)
  for (const s of selected) {
    if (Object.hasOwn(plan.fields, s)) continue
    // What the full plan does with `s`: the nearest entry above it decides.
    const above = paths.filter((p) => under(s, p)).sort((a, b) => b.length - a.length)[0]
    const entry = above === undefined ? undefined : plan.fields[above]!
    if (entry && entry.transform.action !== 'keep') continue // applies to the whole value, `s` included
    // A `keep` with no entries below it keeps its whole value, `s` included;
    // otherwise the walk reaches `s` as a field no entry names.
    const kept =
      entry && !paths.some((p) => under(p, above!))
        ? entry
        : plan.unknown_fields === 'keep'
          ? { layer: 'unknown_fields', source: 'contract' as const }
          : undefined
    if (kept) fields[s] = { transform: { action: 'keep' }, layer: kept.layer, source: kept.source }
  }
  const sorted: Record<string, PlannedField> = {}
  for (const k of Object.keys(fields).sort()) sorted[k] = fields[k]!
  return { fields: sorted, row_filters: plan.row_filters, unknown_fields: 'drop' }
}
