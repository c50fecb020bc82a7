// Schema compatibility: the structural diff (ODCS and JSON Schema), Confluent's
// verdicts per direction, modes and transitivity, consumers and version bumps,
// and the merged answer.

import t from 'tap'
import { diffSchemas, evaluateCompatibility, mergeCompatibility, versionBump, type SchemaChange } from '../../../src/product/schema/index.js'

const obj = (props: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties: props, ...extra })
const pick = (cs: SchemaChange[]) => cs.map((c) => [c.field, c.change, c.backward, c.forward])

t.test('properties added and removed depend on the content model (Confluent)', async (t) => {
  const base = { a: { type: 'string' } }
  // Open: adding is not backward compatible, removing is.
  t.same(pick(diffSchemas(obj(base), obj({ ...base, b: { type: 'integer' } }))), [['b', 'property_added', false, true]])
  t.same(pick(diffSchemas(obj({ ...base, b: { type: 'integer' } }), obj(base))), [['b', 'property_removed', true, false]])
  t.same(pick(diffSchemas(obj(base), obj({ ...base, b: {} }))), [['b', 'property_added', true, true]])
  // Closed: optional additions are backward compatible; removals are not.
  const closed = { additionalProperties: false }
  const add = diffSchemas(obj(base, closed), obj({ ...base, b: { type: 'integer' } }, closed))
  t.same(pick(add), [['b', 'property_added', true, false]])
  t.same(add[0]!.rule, { backward: 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', forward: 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL' })
  t.same(pick(diffSchemas(obj(base, closed), obj({ ...base, b: { type: 'integer' } }, { ...closed, required: ['b'] }))), [
    ['b', 'property_added', false, false],
  ])
  t.same(pick(diffSchemas(obj(base, closed), obj({ ...base, b: { type: 'integer', default: 0 } }, { ...closed, required: ['b'] }))), [
    ['b', 'property_added', true, false],
  ])
  // Partially open: covered when the extra-property schema matches.
  const partial = { additionalProperties: { type: 'integer' } }
  t.same(pick(diffSchemas(obj(base, partial), obj({ ...base, b: { type: 'integer' } }, partial))), [['b', 'property_added', true, true]])
  t.same(pick(diffSchemas(obj(base, partial), obj({ ...base, b: { type: 'string' } }, partial))), [['b', 'property_added', false, false]])
})

t.test('types: widened, narrowed, changed', async (t) => {
  t.same(pick(diffSchemas(obj({ n: { type: 'integer' } }), obj({ n: { type: 'number' } }))), [['n', 'type_widened', true, false]])
  t.same(pick(diffSchemas(obj({ n: { type: 'number' } }), obj({ n: { type: 'integer' } }))), [['n', 'type_narrowed', false, true]])
  t.same(pick(diffSchemas(obj({ n: { type: 'string' } }), obj({ n: { type: ['string', 'null'] } }))), [['n', 'type_widened', true, false]])
  // A changed type stops the comparison below it.
  t.same(pick(diffSchemas(obj({ n: { type: 'string', maxLength: 3 } }), obj({ n: { type: 'boolean' } }))), [['n', 'type_changed', false, false]])
})

t.test('required, default, enum, constraints', async (t) => {
  const s = (p: Record<string, unknown>, req: string[] = []) => obj({ a: { type: 'string', ...p } }, { required: req })
  t.same(pick(diffSchemas(s({}), s({}, ['a']))), [['a', 'required_added', false, true]])
  t.same(pick(diffSchemas(s({}), s({ default: 'x' }, ['a']))), [
    ['a', 'default_changed', true, true],
    ['a', 'required_added', true, true],
  ])
  t.same(pick(diffSchemas(s({}, ['a']), s({}))), [['a', 'required_removed', true, false]])
  t.same(pick(diffSchemas(s({ enum: ['x'] }), s({ enum: ['x', 'y'] }))), [['a', 'enum_values_added', true, false]])
  t.same(pick(diffSchemas(s({ enum: ['x', 'y'] }), s({ enum: ['x'] }))), [['a', 'enum_values_removed', false, true]])
  t.same(pick(diffSchemas(s({}), s({ enum: ['x'] }))), [['a', 'enum_added', false, true]])
  const c = diffSchemas(s({ maxLength: 5, minLength: 1, pattern: '^a' }), s({ maxLength: 10, minLength: 2, format: 'email' }))
  t.same(
    c.map((x) => [x.keyword, x.change, x.rule.backward]),
    [
      ['minLength', 'constraint_tightened', 'MIN_LENGTH_INCREASED'],
      ['maxLength', 'constraint_loosened', 'MAX_LENGTH_INCREASED'],
      ['pattern', 'constraint_loosened', 'PATTERN_REMOVED'],
      ['format', 'constraint_tightened', 'FORMAT_ADDED'],
    ],
  )
  t.same(pick(diffSchemas(s({ pattern: '^a' }), s({ pattern: '^b' }))), [['a', 'constraint_changed', false, false]])
  const n = (p: Record<string, unknown>) => obj({ x: { type: 'number', ...p } })
  t.same(pick(diffSchemas(n({ minimum: 0 }), n({ minimum: -1, maximum: 9 }))), [
    ['x', 'constraint_loosened', true, false],
    ['x', 'constraint_tightened', false, true],
  ])
  t.same(pick(diffSchemas(n({ multipleOf: 4 }), n({ multipleOf: 2 }))), [['x', 'constraint_loosened', true, false]])
})

t.test('additionalProperties: open, partial, closed', async (t) => {
  const a = { a: { type: 'string' } }
  const cm = (from: unknown, to: unknown) => diffSchemas(obj(a, { additionalProperties: from }), obj(a, { additionalProperties: to }))
  t.same(pick(cm(false, true)), [['', 'content_model_changed', true, false]])
  t.same(pick(cm(true, false)), [['', 'content_model_changed', false, true]])
  t.same(
    cm(false, { type: 'string' }).map((c) => [c.before, c.after, c.backward]),
    [['closed', 'partial', true]],
  )
  t.same(pick(cm({ type: 'integer' }, { type: 'number' })), [['*', 'type_widened', true, false]])
})

t.test('nested objects, arrays and $refs get dotted paths', async (t) => {
  const v1 = {
    $defs: { addr: obj({ city: { type: 'string' } }) },
    ...obj({ address: { $ref: '#/$defs/addr' }, tags: { type: 'array', items: { type: 'string' } } }),
  }
  const v2 = obj({ address: obj({ city: { type: 'integer' } }), tags: { type: 'array', items: { type: 'string', maxLength: 5 } } })
  t.same(pick(diffSchemas(v1, v2)), [
    ['address.city', 'type_changed', false, false],
    ['tags[]', 'constraint_tightened', false, true],
  ])
  t.throws(() => diffSchemas({ $ref: 'http://x/y' }, {}), { code: 'schema_input_error' })
  t.throws(() => diffSchemas(42, {}), { code: 'schema_input_error' })
})

const odcs = (props: unknown[]) => ({
  apiVersion: 'v3.0.2',
  kind: 'DataContract',
  id: 'c',
  version: '1',
  status: 'active',
  schema: [{ name: 't', properties: props }],
})

t.test('ODCS schema objects: closed model, logical types, options, classification', async (t) => {
  const v1 = odcs([
    { name: 'id', logicalType: 'integer', required: true },
    { name: 'email', logicalType: 'string', classification: 'pii', logicalTypeOptions: { maxLength: 100 } },
    { name: 'day', logicalType: 'date' },
  ])
  const v2 = odcs([
    { name: 'id', logicalType: 'number', required: true },
    { name: 'email', logicalType: 'string', classification: 'public', logicalTypeOptions: { maxLength: 50 } },
    { name: 'day', logicalType: 'string' },
    { name: 'note', logicalType: 'string' },
  ])
  t.same(pick(diffSchemas(v1, v2)), [
    ['day', 'type_widened', true, false],
    ['email', 'constraint_tightened', false, true],
    ['email', 'classification_changed', true, true],
    ['id', 'type_widened', true, false],
    ['note', 'property_added', true, false],
  ])
  // A schema object alone, or the list of them, reads the same.
  t.same(diffSchemas(v1.schema, v2.schema[0]), diffSchemas(v1, v2))
  t.same(diffSchemas(v1, v1), [])
})

const consumers = {
  bi: { id: 'bi', fields: ['total', 'address.city'], purpose: 'reporting' },
  crm: { id: 'crm', fields: ['email', 'address'] },
}

t.test('modes decide what breaks; consumers are those using the field', async (t) => {
  const changes = diffSchemas(
    obj(
      { total: { type: 'integer' }, email: { type: 'string' }, address: obj({ city: { type: 'string' } }, { additionalProperties: false }) },
      { additionalProperties: false },
    ),
    obj(
      {
        total: { type: 'number' },
        email: { type: 'string' },
        address: obj({ city: { type: 'string' }, zip: { type: 'string' } }, { additionalProperties: false }),
        note: { type: 'string' },
      },
      { additionalProperties: false },
    ),
  )
  const back = evaluateCompatibility({ changes, mode: 'backward', consumers })
  t.equal(back.verdict.compatible, true)
  t.equal(back.verdict.bump, 'minor')
  const fwd = evaluateCompatibility({ changes, mode: 'forward', consumers })
  t.equal(fwd.verdict.compatible, false)
  t.same(
    fwd.verdict.breaking.map((c) => c.field),
    ['address.zip', 'note', 'total'],
  )
  t.same(fwd.verdict.affected_consumers, ['bi', 'crm'])
  t.equal(fwd.verdict.bump, 'major')
  t.same(back.input.changes.find((c) => c.field === 'address.zip')!.consumers, ['crm'])
  t.same(back.input.changes.find((c) => c.field === 'total')!.consumers, ['bi'])
  t.equal(evaluateCompatibility({ changes, mode: 'full', consumers }).verdict.compatible, false)
  t.equal(evaluateCompatibility({ changes, mode: 'none', consumers }).verdict.compatible, true)
  t.equal(evaluateCompatibility({ changes, mode: 'none', consumers }).verdict.bump, 'minor')
  t.same(
    back.input.consumers.map((c) => c.id),
    ['bi', 'crm'],
  )
  t.throws(() => evaluateCompatibility({ changes, mode: 'sideways' as never }), { code: 'schema_input_error' })
})

t.test('transitive modes check every previous version', async (t) => {
  const v1 = obj({ a: { type: 'string' } }, { additionalProperties: false })
  const v2 = obj({ a: { type: 'string' }, b: { type: 'string' } }, { additionalProperties: false })
  const v3 = obj({ a: { type: 'string' } }, { additionalProperties: false })
  // v2 → v3 removes b from a closed model: not backward compatible with v2 either.
  const latest = diffSchemas(v2, v3)
  const older = diffSchemas(v1, v3)
  t.same(older, [])
  const plain = evaluateCompatibility({ changes: [], mode: 'backward_transitive', previous: [{ version: '1.0.0', changes: latest }] })
  t.equal(plain.verdict.compatible, false)
  t.equal(plain.verdict.breaking[0]!.against, '1.0.0')
  t.equal(evaluateCompatibility({ changes: [], mode: 'backward', previous: [{ changes: latest }] }).verdict.compatible, true)
})

t.test('version bump: none, patch, minor, major', async (t) => {
  const s = (p: Record<string, unknown>) => obj({ a: { type: 'string', ...p } }, { additionalProperties: false })
  t.equal(versionBump(diffSchemas(s({}), s({})), 'backward'), 'none')
  t.equal(versionBump(diffSchemas(s({}), s({ default: 'x' })), 'backward'), 'patch')
  t.equal(versionBump(diffSchemas(s({ maxLength: 1 }), s({ maxLength: 2 })), 'backward'), 'minor')
  t.equal(versionBump(diffSchemas(s({ maxLength: 2 }), s({ maxLength: 1 })), 'backward'), 'major')
  t.equal(versionBump(diffSchemas(s({ maxLength: 1 }), s({ maxLength: 2 })), 'forward'), 'major')
})

t.test("the merged answer lists every layer's violations with their consumers", async (t) => {
  const changes = diffSchemas(obj({ total: { type: 'integer' } }), obj({ total: { type: 'string' } }))
  const { input, verdict } = evaluateCompatibility({ changes, mode: 'backward', consumers })
  const ok = mergeCompatibility(input, verdict, [{ layer: 'global', violations: [] }, { layer: 'domains/orders' }])
  t.equal(ok.compatible, true)
  t.equal(ok.baseline.compatible, false)
  const answer = mergeCompatibility(input, verdict, [
    { layer: 'global', violations: [{ field: 'total', change: 'type_changed', message: 'breaks bi' }] },
    { layer: 'domains/orders', violations: ['freeze in December', { field: 'total', change: 'type_changed', message: 'breaks bi' }] },
    { layer: 'global', violations: [{ field: 'total', change: 'type_changed', message: 'breaks bi' }] },
  ])
  t.equal(answer.compatible, false)
  t.equal(answer.bump, 'major')
  t.same(
    answer.violations.map((v) => [v.layer, v.field, v.consumers]),
    [
      ['domains/orders', null, ['bi', 'crm']],
      ['domains/orders', 'total', ['bi']],
      ['global', 'total', ['bi']],
    ],
  )
  t.same(answer.affected_consumers, ['bi', 'crm'])
})

t.test('deep and exploding schemas are refused with schema_input_error, never a stack overflow', async (t) => {
  const { MAX_SCHEMA_DEPTH, MAX_SCHEMA_NODES } = await import('../../../src/product/schema/shape.js')
  const refused = (what: string, current: unknown, proposed: unknown, message: RegExp) => {
    try {
      diffSchemas(current, proposed)
      t.fail(`${what}: no error`)
    } catch (e) {
      t.match(e, { name: 'MeshgateError', code: 'schema_input_error', message }, what)
    }
  }
  // Built as values, not parsed: nothing on the way limits their depth.
  const nested = (n: number, wrap: (inner: unknown) => unknown, leaf: unknown): unknown => {
    let s = leaf
    for (let i = 0; i < n; i++) s = wrap(s)
    return s
  }
  const items = (n: number) => nested(n, (s) => ({ type: 'array', items: s }), { type: 'string' })
  const props = (n: number) => nested(n, (s) => ({ type: 'object', properties: { a: s } }), { type: 'string' })
  const odcs = (n: number) => ({
    properties: [nested(n, (s) => ({ name: 'a', logicalType: 'object', properties: [s] }), { name: 'a', logicalType: 'string' })],
  })
  const opaque = (n: number) => ({ type: 'object', allOf: [nested(n, (s) => ({ not: s }), {})] })
  const deep = /nested deeper than \d+ levels/
  for (const n of [3000, 20_000]) {
    refused(`items nested ${n} deep (proposed)`, items(1), items(n), deep)
    refused(`properties nested ${n} deep (current)`, props(n), props(1), deep)
    refused(`ODCS properties nested ${n} deep`, odcs(1), odcs(n), deep)
    refused(`an opaque allOf nested ${n} deep`, opaque(1), opaque(n), deep)
  }
  // Two definitions, each under the depth limit, one ending in a $ref to the other: deeper together.
  const half = Math.ceil(MAX_SCHEMA_DEPTH / 2) + 5
  const viaRefs = { $ref: '#/$defs/x', $defs: { x: nested(half, (s) => ({ type: 'array', items: s }), { $ref: '#/$defs/y' }), y: items(half) } }
  refused('$refs that lead deeper than the limit', viaRefs, viaRefs, deep)
  // 30 definitions, each naming the next twice: 2^30 shapes, with no $ref chain longer than 30.
  const defs: Record<string, unknown> = { d30: { type: 'string' } }
  for (let i = 0; i < 30; i++) defs[`d${i}`] = { type: 'object', properties: { a: { $ref: `#/$defs/d${i + 1}` }, b: { $ref: `#/$defs/d${i + 1}` } } }
  const fanOut = { $ref: '#/$defs/d0', $defs: defs }
  refused('$refs that fan out', fanOut, fanOut, new RegExp(`more than ${MAX_SCHEMA_NODES}`))
  // Within the limits, deep schemas still diff field by field.
  const ok = diffSchemas(props(60), props(60))
  t.same(ok, [], 'a schema 60 levels deep diffs')
  const changed = diffSchemas(items(100), { ...(items(100) as object), minItems: 1 })
  t.same(
    changed.map((c) => [c.field, c.change]),
    [['', 'constraint_tightened']],
  )
})
