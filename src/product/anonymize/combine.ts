// Combination across layers: each field gets the strictest transform any
// layer asked for, row filters are the conjunction of every layer's, and a
// field the contract classifies `pii` that no layer mentions is redacted
// (sent as null): the documented "never in clear" default. The plan is plain
// JSON so the decision answer can show it, with the layer behind each entry.

import { CompileError, MeshgateError, type ErrorDetail } from '../../errors/index.js'
import { parseRowFilter, type RowFilter } from './row-filter.js'
import { parseTransform, stricter, type Transform } from './transforms.js'

/** What one layer's anonymization package answered (`fields`, `row_filters`). */
export interface LayerAnonymization {
  layer: string
  /**
   * Field path → transform, as the policy gave it: anything but an object
   * (or nothing: absent, null) is refused, never read as "no rules".
   */
  fields?: unknown
  row_filters?: unknown[] | undefined
}

/** The contract's view of a field; `data.mesh.ports[p].fields` fits. */
export interface ContractFieldInfo {
  classification?: string
}

export interface PlannedField {
  transform: Transform
  /** The layer whose transform won, or `contract` for the pii default. */
  layer: string
  /** `policy`: a layer's rule; `pii_default`: the never-in-clear default; `contract`: declared, no rule, kept. */
  source: 'policy' | 'pii_default' | 'contract'
}

export interface AnonymizationPlan {
  fields: Record<string, PlannedField>
  row_filters: (RowFilter & { layer: string })[]
  /** Fields in a record that neither the contract nor a policy names. */
  unknown_fields: 'keep' | 'drop'
}

/** The transform a pii field gets when no rule mentions it. */
export const PII_DEFAULT: Transform = { action: 'redact' }

export interface CombineOptions {
  /**
   * Fields of a record the contract does not declare and no rule names:
   * dropped by default when the contract lists fields (fail closed), kept
   * when it lists none.
   */
  unknownFields?: 'keep' | 'drop'
}

export function combineAnonymization(
  layerResults: readonly LayerAnonymization[],
  contractFields: Record<string, ContractFieldInfo> = {},
  options: CombineOptions = {},
): AnonymizationPlan {
  const errors: ErrorDetail[] = []
  // A Map, not an object: a field may be called `__proto__` or `constructor`.
  const fields = new Map<string, PlannedField>()
  const rowFilters: AnonymizationPlan['row_filters'] = []
  for (const lr of layerResults) {
    const given = lr.fields ?? {}
    const isMap = typeof given === 'object' && !Array.isArray(given)
    if (!isMap) {
      // A set or a scalar where the contract says object: the rules it meant are unknown, so no plan.
      errors.push({
        code: 'anonymize_rule_error',
        message: `layer \`${lr.layer}\`: \`fields\` must be an object mapping field paths to transforms, not ${Array.isArray(given) ? 'a set' : `a ${typeof given}`}`,
      })
    }
    for (const [field, raw] of Object.entries(isMap ? given : {})) {
      let t: Transform
      try {
        t = parseTransform(raw, `layer \`${lr.layer}\`, field \`${field}\``)
      } catch (e) {
        if (e instanceof MeshgateError) {
          errors.push(e.toJSON())
          continue
        }
        throw e
      }
      const seen = fields.get(field)
      if (!seen) fields.set(field, { transform: t, layer: lr.layer, source: 'policy' })
      else {
        const win = stricter(seen.transform, t)
        if (win !== seen.transform) fields.set(field, { transform: win, layer: win === t ? lr.layer : `${seen.layer}+${lr.layer}`, source: 'policy' })
      }
    }
    ;(lr.row_filters ?? []).forEach((raw, i) => {
      try {
        rowFilters.push({ ...parseRowFilter(raw, `layer \`${lr.layer}\`, row filter ${i}`), layer: lr.layer })
      } catch (e) {
        if (e instanceof MeshgateError) errors.push(e.toJSON())
        else throw e
      }
    })
  }
  if (errors.length) throw new CompileError(errors)
  const contract = Object.entries(contractFields)
  for (const [path, info] of contract) {
    if (info.classification === 'pii' && !fields.has(path)) {
      fields.set(path, { transform: PII_DEFAULT, layer: 'contract', source: 'pii_default' })
    }
  }
  const unknown = options.unknownFields ?? (contract.length ? 'drop' : 'keep')
  // Contract fields no rule names are kept as they are.
  for (const [path] of contract) {
    if (!fields.has(path)) fields.set(path, { transform: { action: 'keep' }, layer: 'contract', source: 'contract' })
  }
  return { fields: sortedObject(fields), row_filters: rowFilters, unknown_fields: unknown }
}

/** A plain object with the map's entries as own keys, sorted (`__proto__` stays a key). */
function sortedObject<T>(m: Map<string, T>): Record<string, T> {
  const out: Record<string, T> = {}
  for (const k of [...m.keys()].sort()) Object.defineProperty(out, k, { value: m.get(k), enumerable: true, writable: true, configurable: true })
  return out
}
