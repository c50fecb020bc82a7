// JSON Schema validation of data-mesh documents with ajv, against the schemas
// shipped in `schemas/`. Every violation becomes an error at the `file:row:col`
// of the offending value (or of the key, for an unknown property).

import type { ErrorObject } from 'ajv'
import type { ErrorCode, ErrorDetail } from '../../errors/index.js'
import { validators } from './schema-validators.gen.js'
import { errorAt, pointerSegments, readablePath, type MeshDocument } from './document.js'

export type MeshDocumentKind = 'descriptor' | 'contract' | 'consumers'

/** The error code each kind of document reports. */
export const KIND_CODES: Record<MeshDocumentKind, ErrorCode> = {
  descriptor: 'mesh_descriptor_error',
  contract: 'mesh_contract_error',
  consumers: 'mesh_consumers_error',
}

/** Validates a parsed document; returns its errors (empty when valid). */
export function validateMeshDocument(kind: MeshDocumentKind, md: MeshDocument): ErrorDetail[] {
  // The schemas in schemas/, compiled ahead by scripts/gen-validators.ts
  // (allErrors: every problem of a file at once): compiling them here cost
  // a sidecar's start ~100 ms of CPU (issue 13).
  const validate = validators[kind]
  if (validate(md.value)) return []
  return (validate.errors ?? []).map((e) => toError(kind, md, e))
}

function toError(kind: MeshDocumentKind, md: MeshDocument, e: ErrorObject): ErrorDetail {
  const segments = pointerSegments(e.instancePath)
  const where = segments.length ? `\`${readablePath(segments)}\`` : 'the document'
  const params = e.params as Record<string, unknown>
  let message = `${where} ${(e.message ?? 'is invalid').replace(/'([^']*)'/g, '`$1`')}`
  let key: string | undefined
  let details: unknown
  if (e.keyword === 'additionalProperties') {
    key = String(params.additionalProperty)
    message = `${where} has unknown property \`${key}\``
  } else if (e.keyword === 'enum') {
    details = { allowed: params.allowedValues }
    message = `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => `\`${String(v)}\``).join(', ')}`
  } else if (e.keyword === 'const') {
    message = `${where} must be \`${String(params.allowedValue)}\``
  }
  return errorAt(md, KIND_CODES[kind], segments, message, details, key)
}
