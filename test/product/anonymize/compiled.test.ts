// Compiled plans (apply.ts, codegen.ts) against the interpreter they
// replaced (test/fixtures/anonymize/reference-interpreter.ts): for random
// plans (layers of random transforms on random paths, row filters, a
// contract with pii fields, either `unknown_fields`) and random records (any
// shape and nesting, type mismatches, hostile key names), the compiled
// function gives exactly the interpreter's answer: the same JSON text, key
// order included, the same withheld rows, and a throw where it throws.
// Then the generated source itself: field names from an attacker enter it
// only as escaped literals.

import t from 'tap'
import fc from 'fast-check'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { applyPlan, combineAnonymization, compilePlan, createAnonymizeStream, type AnonymizationPlan } from '../../../src/product/anonymize/index.js'
import { jsString } from '../../../src/product/anonymize/codegen.js'
import { referenceApply } from '../../fixtures/anonymize/reference-interpreter.js'

const SEED = Number(process.env.MESHGATE_FUZZ_SEED ?? 0xc0de)

/** Key names a policy or a record might use, hostile ones included (no `.`: that splits a path). */
const NAMES = [
  'a',
  'b',
  'c',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'prototype',
  '0',
  '17',
  '',
  '"]);process.exit(1);//',
  "'+process.exit(1)+'",
  '`${process.exit(1)}`',
  '\\',
  '\u2028',
  '\u2029',
  '*/',
  '\n',
  'é',
  '😀',
  '\ud800',
  'k\u0000',
  'DROP',
  'o',
  'obj',
  'k',
  'v',
  'x',
]

const jsonScalar = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('2024-03-09', '1999-12-31T23:59:59Z', '2024-03', 'abcd', 'a😀bc', '\ud83dx'),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }),
  fc.constantFrom(0.5, -0, 1e21, 12.5),
  fc.boolean(),
  fc.constant(null),
)

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    { arbitrary: jsonScalar, weight: 3 },
    { arbitrary: fc.array(tie('value'), { maxLength: 3 }), weight: 1 },
    { arbitrary: fc.array(fc.tuple(fc.constantFrom(...NAMES), tie('value')), { maxLength: 4 }).map(objectOf), weight: 2 },
  ),
}))

/** An object with these entries as own keys, in order, as JSON.parse makes it (`__proto__` an own key). */
function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  return o
}

const record = fc.array(fc.tuple(fc.constantFrom(...NAMES), value), { maxLength: 6 }).map(objectOf)

const transform: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('keep', 'redact', 'drop', 'hash', 'tokenize'),
  fc.record({ action: fc.constant('mask'), show_first: fc.nat(3), show_last: fc.nat(5), char: fc.constantFrom('*', '#', '😀', '"', '\\') }),
  fc
    .record({
      action: fc.constant('generalize'),
      to: fc.option(fc.constantFrom('year', 'month'), { nil: undefined }),
      width: fc.option(fc.constantFrom(0.5, 1, 10, 1000), { nil: undefined }),
      prefix: fc.option(fc.nat(8), { nil: undefined }),
    })
    .filter((g) => g.to !== undefined || g.width !== undefined || g.prefix !== undefined)
    .map((g) => Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined))),
  fc.record({ action: fc.constant('noise'), epsilon: fc.constantFrom(0.1, 1, 10), sensitivity: fc.constantFrom(1, 50) }),
)

const path = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }).map((segs) => segs.join('.'))

const rowFilter = fc
  .record({
    field: path.filter((p) => p !== ''),
    op: fc.constantFrom('==', '!=', 'in', '<', '<=', '>', '>='),
    value: jsonScalar,
  })
  .map((f) => (f.op === 'in' ? { ...f, value: [f.value, 'a', 1, null, [1]] } : f))

const decision = fc.record({
  layers: fc.array(
    fc.record({
      fields: fc.array(fc.tuple(path, transform), { maxLength: 6 }),
      filters: fc.array(rowFilter, { maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  contract: fc.array(fc.tuple(path, fc.constantFrom('pii', 'public')), { maxLength: 3 }),
  unknown: fc.constantFrom('keep', 'drop', undefined),
})

function planOf(d: {
  layers: { fields: [string, unknown][]; filters: unknown[] }[]
  contract: [string, string][]
  unknown: 'keep' | 'drop' | undefined
}): AnonymizationPlan {
  return combineAnonymization(
    d.layers.map((l, i) => ({ layer: `l${i}`, fields: objectOf(l.fields), row_filters: l.filters })),
    objectOf(d.contract.map(([p, c]) => [p, { classification: c }])) as Record<string, { classification: string }>,
    d.unknown ? { unknownFields: d.unknown } : {},
  )
}

/** A uniform source that repeats one seeded sequence from its start each time it is reset. */
function sequence(seed: number) {
  let i = 0
  return {
    reset: () => {
      i = 0
    },
    uniform: () => ((Math.imul(seed + i++, 2654435761) >>> 0) + 0.5) / 4294967296,
  }
}

type Outcome = { withheld: true } | { json: string; proto: boolean } | { threw: string }

function outcome(run: () => Record<string, unknown> | undefined): Outcome {
  try {
    const out = run()
    if (out === undefined) return { withheld: true }
    return { json: JSON.stringify(out), proto: Object.getPrototypeOf(out) === Object.prototype }
  } catch (e) {
    return { threw: (e as Error).constructor.name }
  }
}

function textOutcome(run: () => string | undefined): string | undefined | { threw: string } {
  try {
    return run()
  } catch (e) {
    return { threw: (e as Error).constructor.name }
  }
}

t.test('the compiled plan answers as the interpreter does, for random plans and records, in a new object and in place', async (t) => {
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).join()
  let withheld = 0,
    passed = 0,
    runs = 0
  fc.assert(
    fc.property(decision, fc.array(record, { minLength: 1, maxLength: 4 }), fc.nat(), (d, records, seed) => {
      const plan = planOf(d)
      const seq = sequence(seed)
      const keys = { key: 'differential-key', uniform: seq.uniform }
      const compiled = compilePlan(plan, keys)
      for (const r of records) {
        seq.reset()
        const want = outcome(() => referenceApply(plan, r, keys))
        seq.reset()
        const got = outcome(() => compiled.apply(r))
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          throw new Error(
            `differs\n  plan: ${JSON.stringify(plan.fields)} filters=${JSON.stringify(plan.row_filters)} unknown=${plan.unknown_fields}\n  record: ${JSON.stringify(r)}\n  want: ${JSON.stringify(want)}\n  got:  ${JSON.stringify(got)}\n  source:\n${compiled.source}`,
          )
        }
        // serialize works in place on a record parsed for it: the same text as the interpreter's answer.
        seq.reset()
        const text = textOutcome(() => compiled.serialize(JSON.parse(JSON.stringify(r)) as Record<string, unknown>))
        const wantText = 'json' in want ? want.json : 'withheld' in want ? undefined : want
        if (JSON.stringify(text) !== JSON.stringify(wantText)) {
          throw new Error(
            `serialize differs\n  plan: ${JSON.stringify(plan.fields)} unknown=${plan.unknown_fields}\n  record: ${JSON.stringify(r)}\n  want: ${JSON.stringify(wantText)}\n  got:  ${JSON.stringify(text)}\n  source:\n${compiled.source}`,
          )
        }
        if ('withheld' in want) withheld++
        else passed++
      }
      runs++
    }),
    { seed: SEED, numRuns: 3000 },
  )
  t.equal(runs, 3000)
  t.ok(withheld > 100 && passed > 1000, `both withheld (${withheld}) and passed (${passed}) records compared`)
  t.equal(Object.getOwnPropertyNames(Object.prototype).join(), protoBefore, 'Object.prototype untouched')
})

t.test('a transform that throws refuses the record, in memory and in a stream: nothing of it is sent', async (t) => {
  const plan = combineAnonymization([{ layer: 'g', fields: { a: 'keep', n: { action: 'noise', epsilon: 1 } } }], {}, { unknownFields: 'keep' })
  let calls = 0
  const uniform = () => {
    if (++calls > 1) throw new Error('entropy source failed')
    return 0.5
  }
  const keys = { uniform }
  const compiled = compilePlan(plan, keys)
  t.same(compiled.apply({ a: 'first', n: 1 }), { a: 'first', n: 1 })
  t.throws(() => compiled.apply({ a: 'secret', n: 2 }), { message: 'entropy source failed' })
  calls = 1
  t.throws(() => referenceApply(plan, { a: 'secret', n: 2 }, keys), { message: 'entropy source failed' }, 'as the interpreter does')
  calls = 0
  const s = createAnonymizeStream(plan, { ...keys, format: 'ndjson' })
  const body = '{"a":"first","n":1}\n{"a":"secret","n":2}\n{"a":"after","n":3}\n'
  let out = ''
  s.on('data', (c: Buffer) => {
    out += c.toString()
  })
  const error = await new Promise<Error | undefined>((resolve) => {
    s.on('error', resolve)
    s.on('end', () => resolve(undefined))
    s.end(body)
  })
  t.match(error, { message: 'entropy source failed' })
  t.notMatch(out, /secret|after/, 'neither the failing record nor a later one is written')
})

t.test('a plan without its key fails at compile time, before any record', async (t) => {
  const plan = combineAnonymization([{ layer: 'g', fields: { a: 'hash' } }])
  t.throws(() => compilePlan(plan, {}), { code: 'anonymize_rule_error' })
  t.throws(() => compilePlan(combineAnonymization([{ layer: 'g', fields: { a: 'tokenize' } }]), { key: '' }), { code: 'anonymize_rule_error' })
})

t.test('hostile field names: only escaped literals in the source, no code runs, answers as the interpreter', async (t) => {
  const hostile = NAMES.filter((n) => n !== '')
  const fields: [string, unknown][] = hostile.map((n, i) => [n, ['keep', 'redact', 'drop', { action: 'mask', show_last: 1 }, 'hash'][i % 5]])
  fields.push([`${hostile[5]}.${hostile[11]}`, 'redact'], ['__proto__.polluted', 'keep'], ['constructor.prototype', 'keep'])
  for (const unknown of ['keep', 'drop'] as const) {
    const plan = combineAnonymization(
      [{ layer: 'g', fields: objectOf(fields), row_filters: [{ field: '\u2028', op: '!=', value: 'x' }] }],
      {},
      { unknownFields: unknown },
    )
    const keys = { key: 'k' }
    const compiled = compilePlan(plan, keys)
    // Every string literal in the generated code is made of [A-Za-z0-9_] and \uXXXX escapes only.
    const literal = /"(?:[^"\\]|\\.)*"/g
    const literals = compiled.source.match(literal) ?? []
    t.ok(literals.length >= hostile.length, `${literals.length} literals`)
    for (const l of literals) t.match(l, /^"(?:[A-Za-z0-9_]|\\u[0-9a-f]{4})*"$/, `literal ${l}`)
    t.notMatch(compiled.source.replace(literal, '""'), /process|exit|\u2028|\u2029|secret/, 'outside literals, no name appears')
    const rec = objectOf([
      ...hostile.map((n, i): [string, unknown] => [n, i % 3 ? `secret-${i}` : { polluted: true, prototype: { x: 1 }, inner: `secret-${i}` }]),
      ['unknown', 'u'],
    ])
    const got = compiled.apply(rec)
    t.equal(JSON.stringify(got), JSON.stringify(referenceApply(plan, rec, keys)), `unknown_fields=${unknown}`)
    t.equal(Object.getPrototypeOf(got), Object.prototype, 'the output keeps its prototype')
    t.ok(Object.prototype.hasOwnProperty.call(got, '__proto__'), '`__proto__` is an own key of the output')
    t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype not polluted')
    // A name the plan drops or redacts is never in clear, and nothing the plan does not name passes when unknown fields drop.
    const json = JSON.stringify(got)
    for (const [n, tr] of fields)
      if ((tr === 'drop' || tr === 'redact' || tr === 'hash') && !n.includes('.'))
        t.notMatch(json, new RegExp(`secret-${hostile.indexOf(n)}"`), `${jsString(n)} (${tr}) not in clear`)
    if (unknown === 'drop') t.notMatch(json, /"unknown"/, 'an unknown field is dropped')
  }
})

t.test('jsString: a literal that reads back as the same string, of letters, digits, _ and \\u escapes only', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 })), (s) => {
      const lit = jsString(s)
      if (!/^"(?:[A-Za-z0-9_]|\\u[0-9a-f]{4})*"$/.test(lit)) throw new Error(`unsafe literal ${lit}`)
      // eslint-disable-next-line no-new-func
      if (new Function(`return ${lit}`)() !== s) throw new Error(`${lit} reads back differently`)
    }),
    { seed: SEED, numRuns: 2000 },
  )
  t.equal(jsString('"]);process.exit(1);//'), '"\\u0022\\u005d\\u0029\\u003bprocess\\u002eexit\\u00281\\u0029\\u003b\\u002f\\u002f"')
})

t.test('applyPlan with a plan compiles it for the call; with a compiled plan it uses it', async (t) => {
  const plan = combineAnonymization([{ layer: 'g', fields: { a: { action: 'mask', show_last: 1 } } }], {}, { unknownFields: 'drop' })
  t.same(applyPlan(plan, { a: 'abc', b: 1 }), { a: '**c' })
  t.same(applyPlan(compilePlan(plan), { a: 'xyz' }), { a: '**z' })
})

t.test('the streamed output is the compiled plan applied to each record', async (t) => {
  await fc.assert(
    fc.asyncProperty(decision, fc.array(record, { minLength: 1, maxLength: 5 }), async (d, records) => {
      const plan = planOf(d)
      const keys = { key: 'k', uniform: () => 0.25 }
      const want = records
        .map((r) => referenceApply(plan, JSON.parse(JSON.stringify(r)) as Record<string, unknown>, keys))
        .filter((r) => r !== undefined)
        .map((r) => `${JSON.stringify(r)}\n`)
        .join('')
      const got = await text(Readable.from([records.map((r) => JSON.stringify(r)).join('\n')]).pipe(createAnonymizeStream(plan, { ...keys, format: 'ndjson' })))
      if (got !== want) throw new Error(`stream differs\n  want ${want}\n  got  ${got}`)
    }),
    { seed: SEED, numRuns: 300 },
  )
  t.pass('300 bodies')
})
