// One structural model for the two schema languages a port may use: ODCS v3
// schema objects and JSON Schema. The diff compares shapes, never the source
// forms, so both languages get the same change types.
//
// ODCS objects have a closed content model (a contract lists every column);
// JSON Schema objects follow `additionalProperties` (absent or `true`: open;
// `false`: closed; a schema, or `patternProperties`: partially open), as
// Confluent Schema Registry reads them.

import { MeshgateError } from '../../errors/index.js'

export type ContentModel = 'open' | 'partial' | 'closed'

export const CONSTRAINT_KEYWORDS = [
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
] as const
export type ConstraintKeyword = (typeof CONSTRAINT_KEYWORDS)[number]

export interface Shape {
  /** Accepted types; `undefined` accepts any value. */
  types?: string[]
  /** `true`: the `false` schema (accepts nothing). */
  never?: boolean
  enum?: unknown[]
  default?: { value: unknown }
  constraints: Partial<Record<ConstraintKeyword, unknown>>
  classification?: string
  properties?: Map<string, Shape>
  required: Set<string>
  contentModel: ContentModel
  /** The schema extra properties must match, for a partially open model. */
  additional?: Shape
  items?: Shape
  /** Sub-schemas meshgate does not compare structurally (allOf/anyOf/oneOf/not), as JSON. */
  opaque?: string
}

/** Every logical type a value of `sub` also belongs to (ODCS dates are strings). */
export const SUPERTYPES: Record<string, string[]> = {
  integer: ['number'],
  date: ['string'],
  timestamp: ['string'],
  time: ['string'],
}

// Bounds on what a schema may cost. A schema comes from a request (the
// `proposed` of a compatibility check) or a file, and every walker here and
// in diff.ts recurses once per level: the depth bound keeps the stack small
// whatever the input (a schema nested 3,000 deep used to overflow it), and
// the node bound stops `$ref`s that fan out (`{a: {$ref: "#"}, b: {$ref:
// "#"}}` doubles per level) from building an exponential tree.

/** Deepest nesting of a schema document (arrays and objects), and of the shapes built from it ($refs included). */
export const MAX_SCHEMA_DEPTH = 128
/** Most shapes (fields, items, extra-property schemas) one schema may expand to. */
export const MAX_SCHEMA_NODES = 50_000

/** Counts the shapes one toShape call builds. */
interface Budget {
  nodes: number
}

/** Reads an ODCS contract, a list of ODCS schema objects, one schema object, or a JSON Schema. */
export function toShape(input: unknown): Shape {
  checkDocumentDepth(input)
  const budget: Budget = { nodes: 0 }
  if (Array.isArray(input)) return odcsObjects(input, budget)
  if (typeof input === 'boolean') return jsonSchema(input, input, 0, 0, budget)
  if (typeof input !== 'object' || input === null) throw notASchema()
  const o = input as Record<string, unknown>
  if (Array.isArray(o.schema) && (o.kind === 'DataContract' || typeof o.apiVersion === 'string')) return odcsObjects(o.schema, budget)
  if (Array.isArray(o.properties)) return odcsObjects([o], budget)
  return jsonSchema(o, o, 0, 0, budget)
}

/** Refuses a document nested deeper than MAX_SCHEMA_DEPTH; iterative, so the check itself cannot overflow. */
function checkDocumentDepth(input: unknown): void {
  const stack: [unknown, number][] = [[input, 1]]
  while (stack.length) {
    const [v, depth] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth > MAX_SCHEMA_DEPTH) throw tooDeep()
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
}

/** Counts one more shape at nesting `level`; refuses past either bound. */
function enter(budget: Budget, level: number): void {
  if (level >= MAX_SCHEMA_DEPTH) throw tooDeep()
  if (++budget.nodes > MAX_SCHEMA_NODES) {
    throw new MeshgateError('schema_input_error', `the schema expands to more than ${MAX_SCHEMA_NODES} fields and sub-schemas`, undefined, {
      hint: '`$ref`s that point back at a parent schema from several places multiply the schema; inline them or split the contract',
    })
  }
}

function tooDeep(): MeshgateError {
  return new MeshgateError('schema_input_error', `the schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels`, undefined, {
    hint: 'records that deep cannot be checked field by field; flatten the schema or describe the deep part as an opaque object',
  })
}

function notASchema(): MeshgateError {
  return new MeshgateError('schema_input_error', 'expected an ODCS contract or schema object, or a JSON Schema', undefined, {
    hint: 'ODCS schema objects have `properties` as a list; JSON Schema has `type` or `properties` as an object',
  })
}

const emptyShape = (): Shape => ({ constraints: {}, required: new Set(), contentModel: 'open' })

// ---- ODCS ----

function odcsObjects(objects: unknown[], budget: Budget): Shape {
  // A port serves one record shape: several schema objects merge by property name.
  const shape: Shape = { types: ['object'], constraints: {}, properties: new Map(), required: new Set(), contentModel: 'closed' }
  for (const obj of objects) {
    if (typeof obj !== 'object' || obj === null || !Array.isArray((obj as Record<string, unknown>).properties ?? [])) throw notASchema()
    const so = obj as { properties?: Record<string, unknown>[]; classification?: string }
    for (const p of so.properties ?? []) addOdcsProperty(shape, p, so.classification, 1, budget)
  }
  return shape
}

function addOdcsProperty(parent: Shape, p: Record<string, unknown>, inherited: string | undefined, level: number, budget: Budget): void {
  if (typeof p !== 'object' || p === null || typeof p.name !== 'string') throw notASchema()
  if (parent.properties!.has(p.name)) return
  parent.properties!.set(p.name, odcsProperty(p, inherited, level, budget))
  if (p.required === true) parent.required.add(p.name)
}

function odcsProperty(p: Record<string, unknown>, inherited: string | undefined, level: number, budget: Budget): Shape {
  enter(budget, level)
  const s = emptyShape()
  if (typeof p.logicalType === 'string') s.types = [p.logicalType]
  const classification = typeof p.classification === 'string' ? p.classification : inherited
  if (classification !== undefined) s.classification = classification
  if (Array.isArray(p.enum)) s.enum = p.enum
  if ('default' in p) s.default = { value: p.default }
  const opts = p.logicalTypeOptions as Record<string, unknown> | undefined
  for (const k of CONSTRAINT_KEYWORDS) if (opts && opts[k] !== undefined) s.constraints[k] = opts[k]
  if (p.logicalType === 'object' || Array.isArray(p.properties)) {
    s.properties = new Map()
    s.contentModel = 'closed'
    for (const c of (p.properties as Record<string, unknown>[] | undefined) ?? []) addOdcsProperty(s, c, classification, level + 1, budget)
  }
  if (typeof p.items === 'object' && p.items !== null) s.items = odcsProperty(p.items as Record<string, unknown>, classification, level + 1, budget)
  return s
}

// ---- JSON Schema ----

const MAX_REF_DEPTH = 32

/** `depth` counts `$ref`s followed on the way here; `level` counts nesting, refs included. */
function jsonSchema(node: unknown, root: Record<string, unknown> | boolean, depth: number, level: number, budget: Budget): Shape {
  enter(budget, level)
  if (node === true) return emptyShape()
  if (node === false) return { ...emptyShape(), never: true }
  if (typeof node !== 'object' || node === null || Array.isArray(node)) throw notASchema()
  const o = node as Record<string, unknown>
  if (typeof o.$ref === 'string') {
    if (depth > MAX_REF_DEPTH) throw new MeshgateError('schema_input_error', `\`$ref\` chain deeper than ${MAX_REF_DEPTH} (recursive schema?)`)
    return jsonSchema(resolveRef(o.$ref, root), root, depth + 1, level + 1, budget)
  }
  const s = emptyShape()
  if (typeof o.type === 'string') s.types = [o.type]
  else if (Array.isArray(o.type)) s.types = o.type.map(String)
  else if (o.properties !== undefined || o.additionalProperties !== undefined) s.types = ['object']
  else if (o.items !== undefined) s.types = ['array']
  if (Array.isArray(o.enum)) s.enum = o.enum
  if ('const' in o) s.enum = [o.const]
  if ('default' in o) s.default = { value: o.default }
  for (const k of CONSTRAINT_KEYWORDS) if (o[k] !== undefined) s.constraints[k] = o[k]
  const opaque: Record<string, unknown> = {}
  for (const k of ['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else']) if (o[k] !== undefined) opaque[k] = o[k]
  if (Object.keys(opaque).length) s.opaque = JSON.stringify(opaque)
  if (s.types?.includes('object') || o.properties !== undefined) {
    s.properties = new Map()
    const props = (o.properties ?? {}) as Record<string, unknown>
    for (const [k, v] of Object.entries(props)) s.properties.set(k, jsonSchema(v, root, depth, level + 1, budget))
    for (const r of Array.isArray(o.required) ? o.required : []) s.required.add(String(r))
    const ap = o.additionalProperties
    if (ap === false) s.contentModel = 'closed'
    else if (ap === undefined || ap === true || (typeof ap === 'object' && ap !== null && Object.keys(ap).length === 0))
      s.contentModel = o.patternProperties ? 'partial' : 'open'
    else {
      s.contentModel = 'partial'
      s.additional = jsonSchema(ap, root, depth, level + 1, budget)
    }
  }
  if (o.items !== undefined && !Array.isArray(o.items)) s.items = jsonSchema(o.items, root, depth, level + 1, budget)
  return s
}

function resolveRef(ref: string, root: Record<string, unknown> | boolean): unknown {
  if (!ref.startsWith('#')) throw new MeshgateError('schema_input_error', `only local \`$ref\`s are supported, not \`${ref}\``)
  let cur: unknown = root
  for (const seg of ref.slice(1).split('/').filter(Boolean)) {
    let key: string
    try {
      key = decodeURIComponent(seg).replace(/~1/g, '/').replace(/~0/g, '~')
    } catch {
      throw new MeshgateError('schema_input_error', `\`$ref\` \`${ref}\` is not valid percent-encoding`)
    }
    if (typeof cur !== 'object' || cur === null || !(key in cur)) throw new MeshgateError('schema_input_error', `\`$ref\` \`${ref}\` points at nothing`)
    cur = (cur as Record<string, unknown>)[key]
  }
  return cur
}

/** The `{}` / `true` schema: accepts anything, says nothing. */
export function isEmptyShape(s: Shape): boolean {
  return (
    !s.never &&
    s.types === undefined &&
    s.enum === undefined &&
    s.opaque === undefined &&
    Object.keys(s.constraints).length === 0 &&
    s.properties === undefined &&
    s.items === undefined
  )
}
