// json.* document built-ins: JSON Patch (RFC 6902), filtering and removing
// by path, and JSON Schema checks (ajv in place of OPA's gojsonschema).
// Values are the host's JSON values; nothing here mutates an argument.

import { Ajv, type ErrorObject } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { BuiltinError, type HostImpl } from './types.js'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type JsonObject = { [k: string]: Json }

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v)

/** OPA's type names, for "must be X but got Y" messages. */
function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'object') return 'object'
  return typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : 'boolean'
}

// ---------------------------------------------------------------------------
// Paths: "a/b/c" (JSON-pointer escaped, leading slash optional) or an array
// of segments.

function pointerSegments(path: string): string[] {
  const body = path.startsWith('/') ? path.slice(1) : path
  if (body === '') return []
  return body.split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function pathOperand(name: string, paths: unknown): string[][] {
  if (!Array.isArray(paths)) {
    throw new BuiltinError(name, `operand 2 must be one of {set, array} but got ${typeName(paths)}`, 'eval_type_error')
  }
  return paths.map((p) => {
    if (typeof p === 'string') return pointerSegments(p)
    if (Array.isArray(p)) return p.map((s) => (typeof s === 'string' ? s : JSON.stringify(s)))
    throw new BuiltinError(
      name,
      `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`,
      'eval_type_error',
    )
  })
}

/** A trie of paths; a node that ends a path swallows everything below it. */
interface PathTree {
  end: boolean
  children: Map<string, PathTree>
}

function pathTree(paths: string[][]): PathTree {
  const root: PathTree = { end: false, children: new Map() }
  for (const path of paths) {
    let node = root
    for (const seg of path) {
      if (node.end) break
      let child = node.children.get(seg)
      if (child === undefined) node.children.set(seg, (child = { end: false, children: new Map() }))
      node = child
    }
    node.end = true
    node.children.clear()
  }
  return root
}

function filterValue(v: Json, tree: PathTree): Json | undefined {
  if (tree.end) return v
  if (Array.isArray(v)) {
    const out: Json[] = []
    v.forEach((e, i) => {
      const child = tree.children.get(String(i))
      if (child === undefined) return
      const kept = filterValue(e, child)
      if (kept !== undefined) out.push(kept)
    })
    return out
  }
  if (isObject(v)) {
    const out: JsonObject = {}
    for (const [k, child] of tree.children) {
      const e = v[k]
      if (e === undefined) continue
      const kept = filterValue(e, child)
      if (kept !== undefined) out[k] = kept
    }
    return out
  }
  return undefined
}

function removeValue(v: Json, tree: PathTree): Json | undefined {
  if (tree.end) return undefined
  if (tree.children.size === 0) return v
  if (Array.isArray(v)) {
    const out: Json[] = []
    v.forEach((e, i) => {
      const child = tree.children.get(String(i))
      const kept = child === undefined ? e : removeValue(e, child)
      if (kept !== undefined) out.push(kept)
    })
    return out
  }
  if (isObject(v)) {
    const out: JsonObject = {}
    for (const [k, e] of Object.entries(v)) {
      const child = tree.children.get(k)
      const kept = child === undefined ? e : removeValue(e, child)
      if (kept !== undefined) out[k] = kept
    }
    return out
  }
  return v
}

// ---------------------------------------------------------------------------
// JSON Patch.

class PatchError extends Error {}

const clone = (v: Json): Json => structuredClone(v)

function patchPath(op: JsonObject, key: 'path' | 'from'): string[] {
  const p = op[key]
  if (typeof p === 'string') {
    if (p === '') return []
    // OPA trims every leading slash (topdown/json.go, parsePath): "a/b" is
    // "/a/b", "//a" is "/a"; "/" is still the member named "" of the root.
    return p
      .replace(/^\/+/, '')
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  }
  if (Array.isArray(p)) return p.map((s) => (typeof s === 'string' ? s : JSON.stringify(s)))
  throw new PatchError(`missing ${key}`)
}

function arrayIndex(arr: Json[], seg: string, forInsert: boolean): number {
  if (forInsert && seg === '-') return arr.length
  if (!/^(0|[1-9][0-9]*)$/.test(seg)) throw new PatchError(`invalid array index ${seg}`)
  const i = Number(seg)
  if (i > arr.length || (!forInsert && i === arr.length)) throw new PatchError(`array index ${seg} out of range`)
  return i
}

function getAt(doc: Json, path: string[]): Json {
  let cur = doc
  for (const seg of path) {
    const next = Array.isArray(cur) ? cur[arrayIndex(cur, seg, false)] : isObject(cur) && Object.hasOwn(cur, seg) ? cur[seg] : undefined
    if (next === undefined) throw new PatchError(`path /${path.join('/')} does not exist`)
    cur = next
  }
  return cur
}

/** Applies fn to the parent container of path; returns the new document. */
function atParent(doc: Json, path: string[], fn: (parent: Json[] | JsonObject, key: string) => void): Json {
  const key = path[path.length - 1]
  if (key === undefined) throw new PatchError('operation on the document root')
  const parent = getAt(doc, path.slice(0, -1))
  if (!Array.isArray(parent) && !isObject(parent)) throw new PatchError(`path /${path.slice(0, -1).join('/')} is not a container`)
  fn(parent, key)
  return doc
}

function addAt(doc: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value
  return atParent(doc, path, (parent, key) => {
    if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value)
    else parent[key] = value
  })
}

function removeAt(doc: Json, path: string[]): Json {
  getAt(doc, path)
  return atParent(doc, path, (parent, key) => {
    if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1)
    else delete parent[key]
  })
}

function deepEqual(a: Json, b: Json): boolean {
  if (Array.isArray(a)) {
    return (
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((x, i) => {
        const y = b[i]
        return y !== undefined && deepEqual(x, y)
      })
    )
  }
  if (isObject(a)) {
    if (!isObject(b)) return false
    const ea = Object.entries(a)
    return (
      ea.length === Object.keys(b).length &&
      ea.every(([k, x]) => {
        const y = b[k]
        return y !== undefined && Object.hasOwn(b, k) && deepEqual(x, y)
      })
    )
  }
  return a === b
}

function applyPatch(doc: Json, ops: Json[]): Json {
  let cur = clone(doc)
  for (const raw of ops) {
    if (!isObject(raw)) throw new PatchError('patch operation must be an object')
    const path = patchPath(raw, 'path')
    switch (raw.op) {
      case 'add':
        if (raw.value === undefined) throw new PatchError('add needs a value')
        cur = addAt(cur, path, clone(raw.value))
        break
      case 'remove':
        cur = removeAt(cur, path)
        break
      case 'replace':
        if (raw.value === undefined) throw new PatchError('replace needs a value')
        getAt(cur, path)
        cur = path.length === 0 ? clone(raw.value) : addAt(removeAt(cur, path), path, clone(raw.value))
        break
      case 'move': {
        const from = patchPath(raw, 'from')
        if (from.length < path.length && from.every((s, i) => s === path[i])) throw new PatchError('cannot move a value into itself')
        const value = getAt(cur, from)
        cur = addAt(removeAt(cur, from), path, value)
        break
      }
      case 'copy':
        cur = addAt(cur, path, clone(getAt(cur, patchPath(raw, 'from'))))
        break
      case 'test':
        if (raw.value === undefined) throw new PatchError("missing 'value' parameter")
        if (!deepEqual(getAt(cur, path), raw.value)) throw new PatchError('test failed')
        break
      default:
        throw new PatchError(`unknown op ${JSON.stringify(raw.op)}`)
    }
  }
  return cur
}

// ---------------------------------------------------------------------------
// JSON Schema.

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
const ajv = addFormats(new Ajv({ allErrors: true, strict: false, validateSchema: true }))

const PRIMITIVES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string']

/** gojsonschema's wording for the most common schema mistake. */
function badPrimitive(schema: unknown): string | undefined {
  if (Array.isArray(schema)) {
    for (const s of schema) {
      const r = badPrimitive(s)
      if (r !== undefined) return r
    }
    return undefined
  }
  if (!isObject(schema)) return undefined
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type : []
  for (const t of types) {
    if (typeof t === 'string' && !PRIMITIVES.includes(t)) {
      return `has a primitive type that is NOT VALID -- given: /${t}/ Expected valid values are:[${PRIMITIVES.join(' ')}]`
    }
  }
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') continue
    const r = badPrimitive(v)
    if (r !== undefined) return r
  }
  return undefined
}

function schemaOperand(name: string, operand: number, s: unknown): unknown {
  if (typeof s === 'string') {
    try {
      return JSON.parse(s)
    } catch (e) {
      throw new BuiltinError(name, `jsonschema: ${(e as Error).message}`)
    }
  }
  if (isObject(s) || typeof s === 'boolean') return s
  throw new BuiltinError(name, `operand ${operand} must be one of {object, string} but got ${typeName(s)}`, 'eval_type_error')
}

function compileSchema(schema: unknown): ReturnType<Ajv['compile']> | string {
  const bad = badPrimitive(schema)
  if (bad !== undefined) return `jsonschema: ${bad}`
  try {
    return ajv.compile(schema as object)
  } catch (e) {
    return `jsonschema: ${(e as Error).message}`
  }
}

/** gojsonschema's result error shape: field in dotted form, "(root)" for the top. */
function schemaError(e: ErrorObject): JsonObject {
  const segs = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (e.keyword === 'required' && typeof e.params.missingProperty === 'string') segs.push(e.params.missingProperty)
  const field = segs.length === 0 ? '(root)' : segs.join('.')
  const desc = e.message ?? e.keyword
  return { error: `${field}: ${desc}`, type: e.keyword, field, desc }
}

function documentOperand(name: string, d: unknown): unknown {
  if (typeof d !== 'string') return d
  try {
    return JSON.parse(d)
  } catch (e) {
    throw new BuiltinError(name, `jsonschema: ${(e as Error).message}`)
  }
}

// ---------------------------------------------------------------------------

export const impls: Record<string, HostImpl> = {
  'json.filter': (doc: unknown, paths: unknown) => {
    if (!isObject(doc)) throw new BuiltinError('json.filter', `operand 1 must be object but got ${typeName(doc)}`, 'eval_type_error')
    return filterValue(doc, pathTree(pathOperand('json.filter', paths))) ?? {}
  },
  'json.remove': (doc: unknown, paths: unknown) => {
    if (!isObject(doc)) throw new BuiltinError('json.remove', `operand 1 must be object but got ${typeName(doc)}`, 'eval_type_error')
    return removeValue(doc, pathTree(pathOperand('json.remove', paths))) ?? {}
  },
  'json.patch': (doc: unknown, ops: unknown) => {
    if (!Array.isArray(ops)) throw new BuiltinError('json.patch', `operand 2 must be array but got ${typeName(ops)}`, 'eval_type_error')
    try {
      return applyPatch(doc as Json, ops as Json[])
    } catch (e) {
      if (e instanceof PatchError) throw new BuiltinError('json.patch', e.message)
      throw e
    }
  },
  'json.verify_schema': (s: unknown) => {
    const compiled = compileSchema(schemaOperand('json.verify_schema', 1, s))
    return typeof compiled === 'string' ? [false, compiled] : [true, null]
  },
  'json.match_schema': (d: unknown, s: unknown) => {
    const name = 'json.match_schema'
    const compiled = compileSchema(schemaOperand(name, 2, s))
    if (typeof compiled === 'string') throw new BuiltinError(name, compiled)
    const ok = compiled(documentOperand(name, d))
    return ok ? [true, []] : [false, (compiled.errors ?? []).map(schemaError)]
  },
}
