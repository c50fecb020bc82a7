// Data placement: `a/b/data.json` (or `.yaml`/`.yml`) lands at `data.a.b`; a
// file at the root merges into `data`. Two files may write the same subtree
// only when their objects merge without a leaf conflict, as in OPA.

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
