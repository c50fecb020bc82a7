// JSON pointers into a decision event, applied as OPA's decision-log masking
// applies them (v1/plugins/logs/mask.go): a pointer starts at `/input`,
// `/result` or `/nd_builtin_cache` (nothing else of an event may be masked),
// a missing path is ignored (and then not listed as erased or masked),
// array indices are decimal, and an upsert creates missing objects on its
// way but never grows an array. Segments are unescaped as RFC 6901 says
// (`~1` → `/`, `~0` → `~`); OPA percent-escapes instead, which only differs
// for keys holding `/`, `~` or `%`.
//
// The values walked are JSON (parsed from text, so plain objects and
// arrays). Every step checks own properties only and writes with
// defineProperty, so `__proto__`, `constructor` or `prototype` segments name
// ordinary keys and can never reach or change Object.prototype.

import { MeshgateError } from '../errors/index.js'

/** The top-level fields of an event a pointer may target (OPA's list). */
export const MASKABLE_ROOTS = ['input', 'result', 'nd_builtin_cache'] as const
export type MaskableRoot = (typeof MASKABLE_ROOTS)[number]

export interface ParsedPointer {
  /** The pointer as written. */
  text: string
  root: MaskableRoot
  /** Unescaped segments below the root. */
  path: string[]
}

/** Parses and checks a mask pointer; throws `decision_log_mask_error` saying why it is not one. */
export function parseMaskPointer(text: unknown): ParsedPointer {
  if (typeof text !== 'string' || text === '') throw maskError(`a mask path must be a non-empty string, not ${describe(text)}`)
  if (!text.startsWith('/')) throw maskError(`mask path \`${text}\` must start with \`/\``)
  const raw = text.slice(1).split('/')
  if (raw.some((s) => /~([^01]|$)/.test(s))) throw maskError(`mask path \`${text}\` has a \`~\` that is not \`~0\` or \`~1\``)
  const segs = raw.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  const root = segs[0]!
  if (!(MASKABLE_ROOTS as readonly string[]).includes(root)) {
    throw maskError(`mask path \`${text}\` must start with \`/input\`, \`/result\` or \`/nd_builtin_cache\``)
  }
  return { text, root: root as MaskableRoot, path: segs.slice(1) }
}

type Container = Record<string, unknown> | unknown[]

/**
 * Removes the value at `path` below `holder[root]`. Returns whether anything
 * was removed. A path of length 0 removes the root field itself.
 */
export function removeAt(holder: Record<string, unknown>, p: ParsedPointer): boolean {
  if (!Object.hasOwn(holder, p.root) || holder[p.root] === undefined) return false
  if (p.path.length === 0) {
    delete holder[p.root]
    return true
  }
  let node: unknown = holder[p.root]
  for (const seg of p.path.slice(0, -1)) {
    node = child(node, seg)
    if (node === undefined) return false
  }
  const last = p.path[p.path.length - 1]!
  if (Array.isArray(node)) {
    const i = arrayIndex(last)
    if (i === undefined || i >= node.length) return false
    node.splice(i, 1)
    return true
  }
  if (!isPlainObject(node) || !Object.hasOwn(node, last)) return false
  delete node[last]
  return true
}

/**
 * Sets `value` at `path` below `holder[root]` (OPA's `upsert`). Returns
 * whether it was set. The root field must exist; with a path below it, the
 * root must be an object.
 */
export function upsertAt(holder: Record<string, unknown>, p: ParsedPointer, value: unknown): boolean {
  if (!Object.hasOwn(holder, p.root) || holder[p.root] === undefined || holder[p.root] === null) return false
  if (p.path.length === 0) {
    holder[p.root] = value
    return true
  }
  let node: unknown = holder[p.root]
  if (!isPlainObject(node)) return false
  for (const seg of p.path.slice(0, -1)) {
    if (isPlainObject(node)) {
      if (!Object.hasOwn(node, seg)) define(node, seg, {})
      node = node[seg]
    } else if (Array.isArray(node)) {
      const i = arrayIndex(seg)
      if (i === undefined || i >= node.length) return false
      node = node[i]
    } else return false
  }
  const last = p.path[p.path.length - 1]!
  if (isPlainObject(node)) {
    define(node, last, value)
    return true
  }
  if (Array.isArray(node)) {
    const i = arrayIndex(last)
    if (i === undefined || i >= node.length) return false
    node[i] = value
    return true
  }
  return false
}

function child(node: unknown, seg: string): unknown {
  if (Array.isArray(node)) {
    const i = arrayIndex(seg)
    return i === undefined ? undefined : node[i]
  }
  if (isPlainObject(node) && Object.hasOwn(node, seg)) return node[seg]
  return undefined
}

/** Go's strconv.Atoi as OPA uses it: optional sign, decimal digits; negative is out of range. */
function arrayIndex(seg: string): number | undefined {
  if (!/^[+-]?[0-9]{1,15}$/.test(seg)) return undefined
  const n = Number(seg)
  return n < 0 ? undefined : n === 0 ? 0 : n
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** An own, enumerable data property, whatever the key (`obj[key] = v` with `__proto__` would set the prototype). */
function define(obj: Container, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v
}

export function maskError(message: string): MeshgateError {
  return new MeshgateError('decision_log_mask_error', message)
}
