// Data-mesh files (ODPS descriptors, ODCS contracts, consumers files) as
// parsed documents that remember where each value came from. The `yaml`
// package reads YAML and JSON alike and keeps byte ranges on every node; we
// keep those offsets and turn them into `file:row:col` only when an error is
// reported (the source/ habit).

import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml'
import { CompileError, type ErrorCode, type ErrorDetail, type Location } from '../../errors/index.js'
import { SourceFile } from '../../source/index.js'

export interface MeshDocument {
  source: SourceFile
  /** The plain JSON value of the document. */
  value: unknown
  doc: Document.Parsed
}

/** Parses YAML or JSON text; a syntax error becomes `mesh_parse_error` at its position. */
export function parseMeshDocument(path: string, text: string): MeshDocument {
  const source = new SourceFile(path, text)
  // uniqueKeys: a key written twice is almost always a mistake in a contract.
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, merge: false })
  if (doc.errors.length > 0) {
    throw new CompileError(
      doc.errors.map((e) => ({
        code: 'mesh_parse_error',
        message: firstLine(e.message),
        location: source.location(e.pos[0]),
      })),
    )
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 })
  return { source, value, doc }
}

/** Splits a JSON Pointer (`/outputPorts/0/contractId`) into its segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** A readable path for messages: `outputPorts[0].contractId`. */
export function readablePath(segments: readonly string[]): string {
  let out = ''
  for (const s of segments) out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`
  return out
}

/**
 * Where the value at `segments` starts; with `key`, where that key of the map
 * starts (for "unknown property" errors). Falls back to the nearest ancestor
 * that exists, then to the start of the file.
 */
export function locate(md: MeshDocument, segments: readonly string[], key?: string): Location {
  let node: unknown = md.doc.contents
  let best: Node | undefined = isNodeWithRange(node) ? node : undefined
  for (const seg of segments) {
    const next = child(node, seg)
    if (next === undefined) break
    node = next.value
    if (isNodeWithRange(next.key)) best = next.key
    if (isNodeWithRange(node)) best = node
  }
  if (key !== undefined) {
    const k = child(node, key)
    if (k && isNodeWithRange(k.key)) best = k.key
  }
  return md.source.location(best?.range?.[0] ?? 0)
}

function child(node: unknown, seg: string): { key?: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === seg) return { key: pair.key, value: pair.value }
    }
    return undefined
  }
  if (isSeq(node) && /^\d+$/.test(seg)) {
    const item = node.items[Number(seg)]
    return item === undefined ? undefined : { value: item }
  }
  return undefined
}

function isNodeWithRange(n: unknown): n is Node {
  return typeof n === 'object' && n !== null && Array.isArray((n as Node).range)
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message
  const trimmed = line.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '')
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1)
}

/** One error at a path of a document. */
export function errorAt(md: MeshDocument, code: ErrorCode, segments: readonly string[], message: string, details?: unknown, key?: string): ErrorDetail {
  const e: ErrorDetail = { code, message, location: locate(md, segments, key) }
  if (details !== undefined) e.details = details
  return e
}
