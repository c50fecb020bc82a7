// The fields of an output port, flattened from its ODCS contract's schema
// objects. A port serves one record shape: when a contract lists several
// schema objects their properties are merged by name (the stricter
// classification wins). Nested object properties get dotted paths
// (`address.city`); a child without a classification inherits its parent's,
// so a `pii` object never has "unclassified" parts.

import type { MeshField, OdcsContract, OdcsProperty } from './types.js'

/** How strict a classification is; unknown labels sit between public and sensitive. */
export function classificationRank(c: string): number {
  switch (c) {
    case 'pii':
      return 4
    case 'sensitive':
      return 3
    case 'restricted':
      return 3
    case 'public':
      return 0
    case 'unclassified':
      return 1
    default:
      return 2
  }
}

export function contractFields(contract: OdcsContract): Record<string, MeshField> {
  const out: Record<string, MeshField> = {}
  for (const obj of contract.schema) {
    const inherited = obj.classification ?? 'unclassified'
    for (const p of obj.properties ?? []) addProperty(out, p, '', inherited)
  }
  return out
}

function addProperty(out: Record<string, MeshField>, p: OdcsProperty, prefix: string, inherited: string): void {
  const path = prefix + p.name
  const classification = p.classification ?? inherited
  const field: MeshField = {
    path,
    name: p.name,
    logicalType: p.logicalType ?? 'string',
    required: p.required === true,
    classification,
    primaryKey: p.primaryKey === true,
    unique: p.unique === true,
  }
  const seen = out[path]
  if (!seen || classificationRank(classification) > classificationRank(seen.classification)) out[path] = field
  if (p.logicalType === 'object' || p.properties) {
    for (const c of p.properties ?? []) addProperty(out, c, `${path}.`, classification)
  }
}
