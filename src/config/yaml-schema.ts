// YAML text checked against a JSON Schema, with every error at the
// `file:row:col` of the offending value (the `yaml` package keeps ranges;
// rows and columns are computed only when reporting). Shared by the
// sidecar's config and the registry's.

import type { ValidateFunction } from 'ajv'
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml'
import { CompileError, type ErrorDetail, type Location } from '../errors/index.js'

export interface CheckedYaml {
  /** The document as plain JS, valid against the schema. */
  raw: unknown
  /**
   * Where the node at a JSON pointer starts, for later errors; with `key`,
   * where that key of the map there starts (`true` or `''`: its first key).
   */
  at(pointer: string, key?: string | boolean): Location
}

export function parseYamlWithSchema(text: string, file: string, validate: ValidateFunction): CheckedYaml {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const locate = (offset: number): Location => {
    const p = lines.linePos(offset)
    return { file, row: p.line, col: p.col }
  }
  if (doc.errors.length) {
    throw new CompileError(
      doc.errors.map((e) => ({ code: 'config_error', message: `not valid YAML: ${e.message.split('\n')[0]}`, location: locate(e.pos[0]) })),
    )
  }
  const raw = doc.toJS() ?? {}
  if (!validate(raw)) {
    const errors: ErrorDetail[] = (validate.errors ?? [])
      .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if')
      .map((e) => ({
        code: 'config_error',
        message: `\`${e.instancePath || '/'}\` ${describe(e)}`,
        // An unknown field points at the field itself.
        location: locate(offsetOf(doc, e.instancePath, e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : undefined)),
      }))
    throw new CompileError(errors)
  }
  return { raw, at: (pointer, key) => locate(offsetOf(doc, pointer, key === true ? '' : key === false ? undefined : key)) }
}

function describe(e: { keyword: string; message?: string; params: Record<string, unknown> }): string {
  if (e.keyword === 'additionalProperties') return `has unknown field \`${String(e.params.additionalProperty)}\``
  if (e.keyword === 'enum') return `must be one of ${(e.params.allowedValues as unknown[]).map((v) => `\`${String(v)}\``).join(', ')}`
  return e.message ?? e.keyword
}

/**
 * Source offset of the node at a JSON pointer; with `key`, of that key in the
 * map there (an unknown field), or of its first key when `key` is `''`.
 */
function offsetOf(doc: Document, pointer: string, key?: string): number {
  const path = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  let node: unknown = doc.contents
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === seg)
      node = pair?.value
    } else if (isSeq(node)) node = node.items[Number(seg)]
    else break
  }
  const range = (node as { range?: number[] } | undefined)?.range
  const keyNode =
    key !== undefined && isMap(node)
      ? (node.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === key) ?? node.items[0])?.key
      : undefined
  return ((keyNode as { range?: number[] } | undefined)?.range ?? range)?.[0] ?? 0
}
