// Fuzz test of the anonymizer (issue 8, "Must show"): random records (any
// shape, type and nesting: lists of objects, strings where objects are
// expected, `__proto__` keys) against random decisions (layers of random
// field paths with random transforms, a contract with pii fields). The
// property: nothing under a field whose transform is redact, drop, hash or
// tokenize appears in the output in clear, a mask shows at most its
// show_first + show_last characters, a generalize at most what its rule keeps.
//
// Every string in a record is a sentinel: characters from a block of CJK
// ideographs of its own (16 per string), which no transform ever produces,
// so counting a block's characters in the output says exactly how much of
// that string got through, with no coincidences. Date strings carry a year
// of their own. Numbers are large and non-round, so they are distinctive too.
//
// Seeded, so a run is reproducible; MESHGATE_FUZZ_SEED picks another seed.

import t from 'tap'
import fc from 'fast-check'
import { applyPlan, combineAnonymization, type AnonymizationPlan, type Transform } from '../../../src/product/anonymize/index.js'

const SEED = Number(process.env.MESHGATE_FUZZ_SEED ?? 0x5eed8)
const RUNS = 10_000
const KEYS = ['a', 'b', 'c', '__proto__', 'constructor']
const BLOCK0 = 0x4e00
const BLOCK = 16
const MAX_STRINGS = Math.floor((0x9fff - BLOCK0) / BLOCK)

// ---- records -------------------------------------------------------------

type Shape =
  | { t: 'str'; len: number; date: boolean; m: number; d: number }
  | { t: 'int'; r: number }
  | { t: 'float'; r: number }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'arr'; items: Shape[] }
  | { t: 'obj'; entries: [string, Shape][] }

const leaf: fc.Arbitrary<Shape> = fc.oneof(
  {
    arbitrary: fc.record({
      t: fc.constant('str' as const),
      len: fc.integer({ min: 1, max: BLOCK }),
      date: fc.boolean(),
      m: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 28 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ t: fc.constant('int' as const), r: fc.nat(999_999) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('float' as const), r: fc.nat(499_998) }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('bool' as const), v: fc.boolean() }), weight: 1 },
  { arbitrary: fc.constant({ t: 'null' as const }), weight: 1 },
)

const { shape } = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    { arbitrary: leaf, weight: 3 },
    { arbitrary: fc.array(tie('shape'), { maxLength: 3 }).map((items): Shape => ({ t: 'arr', items })), weight: 1 },
    { arbitrary: fc.array(fc.tuple(fc.constantFrom(...KEYS), tie('shape')), { maxLength: 4 }).map((entries): Shape => ({ t: 'obj', entries })), weight: 2 },
  ),
}))

const recordShape = fc.array(fc.tuple(fc.constantFrom(...KEYS), shape), { minLength: 1, maxLength: 5 })

/** JSON text with a fresh sentinel per string and number, and how many there are. */
function recordText(entries: [string, Shape][]): { text: string; sentinels: number } {
  let next = 0
  const json = (s: Shape): string => {
    switch (s.t) {
      case 'str': {
        const id = next++
        let v = s.date ? `${1000 + id}-${String(s.m).padStart(2, '0')}-${String(s.d).padStart(2, '0')}T` : ''
        for (let j = 0; j < s.len; j++) v += String.fromCharCode(BLOCK0 + id * BLOCK + j)
        return JSON.stringify(v)
      }
      case 'int':
        return String(1_000_000_000 + next++ * 7_919_993 + s.r)
      case 'float':
        return String(1_000_000 + next++ * 1000 + (s.r + 1) / 1e6)
      case 'bool':
        return String(s.v)
      case 'null':
        return 'null'
      case 'arr':
        return `[${s.items.map(json).join(',')}]`
      case 'obj':
        return `{${s.entries.map(([k, v]) => `${JSON.stringify(k)}:${json(v)}`).join(',')}}`
    }
  }
  const text = json({ t: 'obj', entries })
  return { text, sentinels: next }
}

// ---- decisions ------------------------------------------------------------

const transform: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('keep', 'redact', 'drop', 'hash', 'tokenize'),
  fc.record({ action: fc.constant('mask'), show_first: fc.nat(3), show_last: fc.nat(5), char: fc.constantFrom('*', '#', 'x') }),
  fc
    .record({
      action: fc.constant('generalize'),
      to: fc.option(fc.constantFrom('year', 'month'), { nil: undefined }),
      width: fc.option(fc.constantFrom(0.5, 1, 10, 1000), { nil: undefined }),
      prefix: fc.option(fc.nat(8), { nil: undefined }),
    })
    .filter((g) => g.to !== undefined || g.width !== undefined || g.prefix !== undefined),
  fc.record({ action: fc.constant('noise'), epsilon: fc.constantFrom(0.1, 1, 10), sensitivity: fc.constantFrom(1, 50) }),
)

const path = fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }).map((segs) => segs.join('.'))

/** An object from entries as a policy's parsed JSON answer: `__proto__` is an own key. */
const objectOf = <V>(entries: [string, V][]): Record<string, V> =>
  JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`) as Record<string, V>

const decision = fc.record({
  layers: fc.array(fc.array(fc.tuple(path, transform), { maxLength: 5 }), { minLength: 1, maxLength: 3 }),
  contract: fc.array(fc.tuple(path, fc.constantFrom('pii', 'public')), { maxLength: 3 }),
  unknown: fc.constantFrom('keep', 'drop', undefined),
})

// ---- the oracle -------------------------------------------------------------

/**
 * Transforms that bear on a scalar at key path `at` (array indices left out):
 * those of its ancestors and itself, which cover it, and those below it,
 * which the record's shape did not match.
 */
function bearing(plan: AnonymizationPlan, at: string[]): Transform[] {
  const out: Transform[] = []
  for (const [p, f] of Object.entries(plan.fields)) {
    const q = p.split('.')
    let related = true
    for (let i = 0; i < Math.min(q.length, at.length); i++)
      if (q[i] !== at[i]) {
        related = false
        break
      }
    if (related) out.push(f.transform)
  }
  return out
}

const HIDING = new Set(['redact', 'drop', 'hash', 'tokenize'])

interface Output {
  strings: string[]
  numbers: Set<number>
}

function collect(v: unknown, out: Output): void {
  if (typeof v === 'string') out.strings.push(v)
  else if (typeof v === 'number') out.numbers.add(v)
  else if (Array.isArray(v)) for (const x of v) collect(x, out)
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) collect((v as Record<string, unknown>)[k], out)
}

/** How many characters of string `id`'s block the output holds. */
function shown(out: Output, id: number): number {
  const lo = BLOCK0 + id * BLOCK,
    hi = lo + BLOCK
  let n = 0
  for (const s of out.strings)
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c >= lo && c < hi) n++
    }
  return n
}

/** Every violation of the property for one record, as messages (empty: none). */
function violations(plan: AnonymizationPlan, record: unknown, output: unknown): string[] {
  const out: Output = { strings: [], numbers: new Set() }
  collect(output, out)
  const found: string[] = []
  const check = (v: unknown, at: string[]): void => {
    if (Array.isArray(v)) {
      for (const x of v) check(x, at)
      return
    }
    if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) check((v as Record<string, unknown>)[k], [...at, k])
      return
    }
    if (typeof v !== 'string' && typeof v !== 'number') return
    const ts = bearing(plan, at)
    const where = `${JSON.stringify(v)} at ${at.join('.')}`
    const gens = ts.filter((x): x is Extract<Transform, { action: 'generalize' }> => x.action === 'generalize')
    const masks = ts.filter((x): x is Extract<Transform, { action: 'mask' }> => x.action === 'mask')
    if (typeof v === 'number') {
      const clear = out.numbers.has(v) || out.strings.some((s) => s.includes(String(v)))
      if (ts.some((x) => HIDING.has(x.action)) && clear) found.push(`${where}: hidden number in clear`)
      else if (gens.length && out.numbers.has(v)) found.push(`${where}: generalized number in clear`)
      else if (!gens.length && masks.length && !ts.some((x) => x.action === 'noise') && clear) found.push(`${where}: masked number in clear`)
      return
    }
    const id = Math.floor((v.charCodeAt(v.length - 1) - BLOCK0) / BLOCK)
    const n = shown(out, id)
    if (ts.some((x) => HIDING.has(x.action))) {
      if (n > 0 || out.strings.some((s) => s.includes(v))) found.push(`${where}: ${n} characters of a hidden string shown`)
    } else if (gens.length) {
      // Each rule alone: a date to its year or month, other strings to `prefix` (none: null).
      const date = /^\d{4}-\d{2}-\d{2}T/.test(v)
      const keep = Math.min(...gens.map((g) => (date && g.to ? 0 : (g.prefix ?? 0))))
      if (n > keep) found.push(`${where}: generalize kept ${keep} characters, ${n} shown`)
      if (date) {
        const dateKeeps = Math.min(...gens.map((g) => (g.to ? (g.to === 'year' ? 4 : 7) : (g.prefix ?? 0))))
        // Whatever shows of a date starts an output string (a range such as
        // "1001000-1001000.5" may hold "1000-10" further in).
        if (dateKeeps < 10 && out.strings.some((s) => s.startsWith(v.slice(0, 10)))) found.push(`${where}: generalized date shown to the day`)
        if (dateKeeps < 7 && out.strings.some((s) => s.startsWith(v.slice(0, 7)))) found.push(`${where}: generalized date shown to the month`)
      }
    } else if (ts.some((x) => x.action === 'noise')) {
      if (n > 0) found.push(`${where}: a string under noise shown`)
    } else if (masks.length) {
      const keep = Math.min(...masks.map((m) => m.show_first)) + Math.min(...masks.map((m) => m.show_last))
      if (n > keep) found.push(`${where}: mask shows ${keep} characters, ${n} shown`)
    }
  }
  check(record, [])
  return found
}

// ---- the property ---------------------------------------------------------

t.test(`no hidden value in clear, masks and generalizations within their rule (${RUNS} cases, seed ${SEED})`, async (t) => {
  const keys = { key: 'fuzz-key', uniform: () => 0.75 }
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).join()
  let strings = 0,
    cases = 0
  const property = fc.property(recordShape, decision, (entries, d) => {
    const { text, sentinels } = recordText(entries)
    // Past this many, string ids would leave the CJK block.
    fc.pre(sentinels <= MAX_STRINGS)
    const record = JSON.parse(text) as Record<string, unknown>
    const plan = combineAnonymization(
      d.layers.map((fields, i) => ({ layer: `l${i}`, fields: objectOf(fields) })),
      objectOf(d.contract.map(([p, c]) => [p, { classification: c }])),
      d.unknown ? { unknownFields: d.unknown } : {},
    )
    const output = applyPlan(plan, record, keys)
    if (output === undefined) throw new Error('no row filters, yet the record was withheld')
    const json = JSON.stringify(output)
    const found = violations(plan, record, JSON.parse(json))
    if (found.length)
      throw new Error(`${found.join('; ')}\n  record: ${text}\n  plan: ${JSON.stringify(plan.fields)} unknown_fields=${plan.unknown_fields}\n  output: ${json}`)
    cases++
    strings += sentinels
  })
  try {
    fc.assert(property, { seed: SEED, numRuns: RUNS, includeErrorInReport: true })
  } catch (e) {
    t.fail(`the anonymizer leaked (seed ${SEED}; rerun with MESHGATE_FUZZ_SEED=${SEED}): ${(e as Error).message}`)
  }
  t.ok(cases >= RUNS, `${cases} cases`)
  t.ok(strings > RUNS, `${strings} sentinel strings and numbers checked`)
  t.equal(Object.getOwnPropertyNames(Object.prototype).join(), protoBefore, 'Object.prototype untouched')
  t.equal(({} as Record<string, unknown>).a, undefined)
})

t.test('the oracle catches a leak', async (t) => {
  // A check of the check: the record as it came in violates the property.
  const plan = combineAnonymization(
    [{ layer: 'g', fields: { a: 'keep', 'a.b': 'redact', c: { action: 'mask', show_last: 2 } } }],
    {},
    { unknownFields: 'keep' },
  )
  const record = JSON.parse(
    recordText([
      ['a', { t: 'str', len: 3, date: false, m: 1, d: 1 }],
      ['c', { t: 'str', len: 5, date: false, m: 1, d: 1 }],
    ]).text,
  )
  t.equal(violations(plan, record, record).length, 2)
  t.same(violations(plan, record, applyPlan(plan, record)), [])
})
