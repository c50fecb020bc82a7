// Data placement: `a/b/data.json` (or `.yaml`/`.yml`) lands at `data.a.b`; a
// file at the root merges into `data`. Two files may write the same subtree
// only when their objects merge without a leaf conflict, as in OPA.
//
// Bundle data comes from the network (the registry) and from teams outside
// the governance group, so placement refuses `__proto__` anywhere: as a
// directory name it would make `node[seg]` return Object.prototype and the
// merge would write into every object of the process; as a key that
// JSON.parse made an own property, a later merge or spread would do the same.

import { MeshgateError } from '../errors/index.js'

export const DATA_FILE_NAMES = ['data.json', 'data.yaml', 'data.yml'] as const

export function isDataFile(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1)
  return (DATA_FILE_NAMES as readonly string[]).includes(base)
}

/** Segments of the directory a data file sits in. */
export function dataFileDir(name: string): string[] {
  const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : ''
  return dir === '' ? [] : dir.split('/')
}

/** Merges `value` into `tree` at `path`, refusing conflicting leaves. */
export function placeData(tree: Record<string, unknown>, path: readonly string[], value: unknown, file: string): void {
  refuseUnsafeKeys(path, value, file)
  if (path.length === 0) {
    if (!isObject(value)) throw new MeshgateError('bundle_format_error', `\`${file}\` at the bundle root must hold an object`)
    mergeInto(tree, value, [], file)
    return
  }
  let node = tree
  for (const seg of path.slice(0, -1)) {
    const next = node[seg]
    if (next === undefined) node = node[seg] = {}
    else if (isObject(next)) node = next
    else throw conflict(file, path)
  }
  const last = path[path.length - 1]!
  const existing = node[last]
  if (existing === undefined) node[last] = value
  else if (isObject(existing) && isObject(value)) mergeInto(existing, value, [...path], file)
  else throw conflict(file, path)
}

/** Keys that reach an object's prototype through ordinary property access. */
const UNSAFE_KEYS = new Set(['__proto__'])

/**
 * Refuses a path segment or any object key (at any depth) that would reach
 * Object.prototype. Iterative, so a deeply nested value cannot overflow the
 * stack here.
 */
export function refuseUnsafeKeys(path: readonly string[], value: unknown, file: string): void {
  const bad = path.find((s) => UNSAFE_KEYS.has(s))
  if (bad !== undefined) throw unsafeKey(file, path, bad)
  // Each entry links to its parent, so the path is only built for the error
  // (copying it per level would cost depth² on a deep chain).
  interface At {
    v: object
    key: string
    up?: At
  }
  const pathOf = (a: At | undefined): string[] => {
    const out: string[] = []
    for (let n = a; n; n = n.up) out.push(n.key)
    return [...path, ...out.reverse().slice(1)]
  }
  if (typeof value !== 'object' || value === null) return
  const stack: At[] = [{ v: value, key: '' }]
  while (stack.length) {
    const at = stack.pop()!
    const v = at.v
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (typeof v[i] === 'object' && v[i] !== null) stack.push({ v: v[i], key: String(i), up: at })
      continue
    }
    for (const k of Object.keys(v)) {
      if (UNSAFE_KEYS.has(k)) throw unsafeKey(file, pathOf(at), k)
      const child = (v as Record<string, unknown>)[k]
      if (typeof child === 'object' && child !== null) stack.push({ v: child, key: k, up: at })
    }
  }
}

function unsafeKey(file: string, at: readonly string[], key: string): MeshgateError {
  return new MeshgateError(
    'bundle_format_error',
    `\`${file}\` writes the key \`${key}\` at \`/${[...at].join('/')}\`, which is refused (it would reach the object prototype)`,
  )
}

function mergeInto(into: Record<string, unknown>, from: Record<string, unknown>, at: string[], file: string): void {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k]
    if (cur === undefined) into[k] = v
    else if (isObject(cur) && isObject(v)) mergeInto(cur, v, [...at, k], file)
    else throw conflict(file, [...at, k])
  }
}

function conflict(file: string, path: readonly string[]): MeshgateError {
  return new MeshgateError('bundle_format_error', `\`${file}\` conflicts with other data at \`/${path.join('/')}\``)
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** JSON text with object keys sorted, so equal data gives equal bytes. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (isObject(v)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k])
    return out
  }
  return v
}
