// Self-contained modules, time family (issue 12): a `policy build` bundle
// calling every time.* built-in but time.now_ns runs in the stock
// @open-policy-agent/opa-wasm SDK with no host built-ins and answers what
// meshgate's host implementations answer, for operands without a named zone.
// A named zone is the host's: such a call site lists the built-in under
// OPA's name, and only an operand that names a zone reaches it.

import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { readBundle } from '../../src/bundle/index.js'
import { compile, hostBuiltins } from '../../src/compiler.js'
import { impls } from '../../src/builtins/time.js'
import { policy, workspace } from '../cli/fixtures/run-policy.js'

const TIME_REGO = `package fam.time

parse_ns := time.parse_ns(input.layout, input.value)
parse_rfc3339_ns := time.parse_rfc3339_ns(input.value)
parse_duration_ns := time.parse_duration_ns(input.value)
date := time.date(input.t)
clock := time.clock(input.t)
weekday := time.weekday(input.t)
format := time.format(input.t)
add_date := time.add_date(input.ns, input.y, input.m, input.d)
diff := time.diff(input.t, input.u)

# ns as text: every digit, past 2^53 too
exact_rfc3339 := sprintf("%d", [time.parse_rfc3339_ns(input.value)])
exact_add_date := sprintf("%d", [time.add_date(input.ns, input.y, input.m, input.d)])

# a typical access rule: office hours on weekdays, UTC
open if {
	ns := time.parse_rfc3339_ns(input.now)
	[h, _, _] := time.clock(ns)
	h >= 8
	h < 18
	day := time.weekday(ns)
	not day in {"Saturday", "Sunday"}
}
`
const RULES = [
  'parse_ns',
  'parse_rfc3339_ns',
  'parse_duration_ns',
  'date',
  'clock',
  'weekday',
  'format',
  'add_date',
  'diff',
  'exact_rfc3339',
  'exact_add_date',
  'open',
]

interface Evaluator {
  stock(input: unknown, rule: string): unknown
  withHost(input: unknown, rule: string): unknown
}

async function buildBundle(t: Tap.Test): Promise<Evaluator> {
  const dir = workspace(t, { 'src/fam/time.rego': TIME_REGO })
  const r = policy(['build', '-t', 'wasm', ...RULES.flatMap((e) => ['-e', `fam/time/${e}`]), '-o', 'out.tar.gz', 'src'], dir)
  if (r.code !== 0) throw new Error(`policy build failed: ${r.stderr}`)
  const wasm = readBundle(readFileSync(join(dir, 'out.tar.gz')), 'out.tar.gz').wasm.get('/policy.wasm')!
  // The stock SDK, given no built-ins: any host call would throw "not implemented".
  const stock = await loadPolicy(wasm)
  const host = await loadPolicy(wasm, undefined, hostBuiltins as never)
  const one = (p: typeof stock) => (input: unknown, rule: string) => {
    const rs = p.evaluate(input as never, `fam/time/${rule}`)
    return rs.length ? rs[0].result : undefined
  }
  return { stock: one(stock), withHost: one(host) }
}

declare namespace Tap {
  type Test = Parameters<Parameters<typeof t.test>[1]>[0]
}

let built: Promise<Evaluator> | undefined
const bundle = (t: Tap.Test) => (built ??= buildBundle(t))
t.setTimeout(180_000)

/**
 * JSON text with each integer written with all its digits: the host sees a
 * JS number and the module reads the text, so both must be given the same
 * integer (JSON.stringify writes 27156186883589672 as 27156186883589670).
 */
const jsonText = (v: unknown): ArrayBuffer => {
  const s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && Number.isInteger(x) ? `#${BigInt(x)}#` : x)).replace(/"#(-?\d+)#"/g, '$1')
  return new TextEncoder().encode(s).buffer as ArrayBuffer
}

/** A call's value, or its error's text. */
const outcome = (f: () => unknown): { value: unknown } | { error: string } => {
  try {
    return { value: f() }
  } catch (e) {
    return { error: String(e instanceof Error ? e.message : ((e as { message?: string }).message ?? e)) }
  }
}

t.test('a call site lists the host built-in only when its operand may name a zone', async (t) => {
  const names = async (body: string) => (await compile({ modules: [{ path: 'x.rego', source: `package x\n\nr := ${body}\n` }], entrypoints: ['x/r'] })).builtins
  t.same(await names('time.date(1517832000000000000)'), [])
  t.same(await names('time.format([input.t, "UTC", "RFC3339"])'), [])
  t.same(await names('time.clock([input.t, ""])'), [])
  t.same(await names('[time.parse_ns("2006", input.v), time.parse_duration_ns(input.d), time.add_date(input.t, 1, 0, 0)]'), [])
  t.same(await names('time.date(input.t)'), ['time.date'], 'input.t may be [ns, "Europe/Paris"]')
  t.same(await names('time.diff(0, [input.t, input.tz])'), ['time.diff'])
  t.same(await names('time.now_ns()'), ['time.now_ns'], 'the clock stays on the host')
})

t.test('stock SDK without host built-ins = meshgate host implementation, no zone or UTC', async (t) => {
  const ev = await bundle(t)
  const ns = fc.oneof(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.double({ min: -9.2e18, max: 9.2e18, noNaN: true }).map(Math.trunc))
  const tOperand = fc.oneof(
    ns,
    ns.map((n) => [n]),
    fc.tuple(ns, fc.constantFrom('', 'UTC')),
    fc.tuple(
      ns,
      fc.constantFrom('UTC', ''),
      fc.constantFrom('RFC3339', 'RFC1123Z', 'Kitchen', 'Mon Jan _2 15:04:05.000 MST 2006', '2006-01-02T15:04:05.999999999Z07:00', '__2 002 pm'),
    ),
  )
  const layout = fc.constantFrom('2006-01-02', '2006-01-02 15:04:05', 'Jan _2 2006 3:04PM', '2006-01-02T15:04:05.000Z0700', 'RFC3339')
  const value = fc.oneof(
    fc.constantFrom('2020-02-29', '2021-02-29', '2020-02-29 23:59:60', 'Feb 29 2020 11:59PM', '1999-12-31T23:59:59.123+0100', 'x'),
    fc.date({ min: new Date('1678-01-01'), max: new Date('2261-12-31'), noInvalidDate: true }).map((d) => d.toISOString()),
  )
  const dur = fc.constantFrom('1h2m3.5s', '-1.5h', '1µs', '1us', '300ms', '9223372036s', '1d', '', '0', '+.5m')
  const delta = fc.integer({ min: -400, max: 400 })
  const cases: [string, fc.Arbitrary<Record<string, unknown>>, (i: Record<string, unknown>) => unknown][] = [
    ['parse_ns', fc.record({ layout, value }), (i) => impls['time.parse_ns']!(i.layout, i.value)],
    ['parse_rfc3339_ns', fc.record({ value }), (i) => impls['time.parse_rfc3339_ns']!(i.value)],
    ['parse_duration_ns', fc.record({ value: dur }), (i) => impls['time.parse_duration_ns']!(i.value)],
    ['date', fc.record({ t: tOperand }), (i) => impls['time.date']!(i.t)],
    ['clock', fc.record({ t: tOperand }), (i) => impls['time.clock']!(i.t)],
    ['weekday', fc.record({ t: tOperand }), (i) => impls['time.weekday']!(i.t)],
    ['format', fc.record({ t: tOperand }), (i) => impls['time.format']!(i.t)],
    ['add_date', fc.record({ ns, y: delta, m: delta, d: delta }), (i) => impls['time.add_date']!(i.ns, i.y, i.m, i.d)],
    ['diff', fc.record({ t: tOperand, u: tOperand }), (i) => impls['time.diff']!(i.t, i.u)],
  ]
  for (const [rule, input, hostImpl] of cases) {
    fc.assert(
      fc.property(input, (i) => {
        const want = outcome(() => hostImpl(i))
        const got = outcome(() => ev.stock(jsonText(i), rule))
        // strict builds abort where the host throws; the texts are compared below
        const norm = (o: { value: unknown } | { error: string }) => ('error' in o ? 'error' : JSON.stringify(o.value))
        if (norm(got) !== norm(want)) throw new Error(`${rule}(${JSON.stringify(i)}): module ${JSON.stringify(got)}, host ${JSON.stringify(want)}`)
        const viaHost = outcome(() => ev.withHost(jsonText(i), rule))
        if (norm(viaHost) !== norm(got)) throw new Error(`${rule}(${JSON.stringify(i)}): the SDK with host built-ins answers ${JSON.stringify(viaHost)}`)
      }),
      { numRuns: 300 },
    )
  }
  t.equal(ev.stock({ now: '2024-03-06T09:30:00Z' }, 'open'), true, 'a Wednesday at 09:30')
  t.equal(ev.stock({ now: '2024-03-09T09:30:00+01:00' }, 'open'), undefined, 'a Saturday')
})

t.test('errors: the host implementation’s message, at the call, in strict builds', async (t) => {
  const ev = await bundle(t)
  const err = (input: unknown, rule: string) => outcome(() => ev.stock(input, rule))
  t.match(err({ layout: '2006-01-02', value: '2021-02-29' }, 'parse_ns'), {
    error: /^src\/fam\/time\.rego:3:\d+: eval_builtin_error: time\.parse_ns: parsing time "2021-02-29": day out of range$/,
  })
  t.match(err({ value: '1d' }, 'parse_duration_ns'), { error: /eval_builtin_error: time\.parse_duration_ns: time: unknown unit "d" in duration "1d"$/ })
  t.match(err({ t: 1.5e27 }, 'clock'), { error: /eval_builtin_error: time\.clock: timestamp too big$/ })
  t.match(err({ ns: 0, y: 2262, m: 1, d: 1 }, 'add_date'), { error: /eval_builtin_error: time\.add_date: time outside of valid range$/ })
  t.match(err({ value: 'x' }, 'parse_rfc3339_ns'), {
    error: /eval_builtin_error: time\.parse_rfc3339_ns: parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"$/,
  })
  t.match(err({ t: 'x' }, 'date'), { error: /eval_builtin_error: time\.date: invalid argument\(s\)$/ }, 'a wrong type: the generic message')
})

t.test('integers beyond 2^53 keep their precision', async (t) => {
  const ev = await bundle(t)
  // JSON text input keeps the literal's digits, as a request body does.
  const text = (s: string) => new TextEncoder().encode(s).buffer
  t.equal(ev.stock(text('{"value": "2262-04-11T23:47:16.854775807Z"}'), 'exact_rfc3339'), '9223372036854775807')
  t.equal(ev.stock(text('{"value": "2017-06-02T19:00:00.123456789-07:00"}'), 'exact_rfc3339'), '1496455200123456789')
  t.equal(ev.stock(text('{"ns": 1585852421593912001, "y": 3, "m": 9, "d": 12}'), 'exact_add_date'), '1705257221593912001')
})

t.test('named zones: the host built-in under OPA’s name answers, as today', async (t) => {
  const ev = await bundle(t)
  const ns = 1517832000000000000
  const cases: [string, unknown, unknown][] = [
    ['date', { t: [ns, 'America/Los_Angeles'] }, impls['time.date']!([ns, 'America/Los_Angeles'])],
    ['clock', { t: [ns, 'America/New_York'] }, [7, 0, 0]],
    ['weekday', { t: [ns, 'Asia/Tokyo'] }, impls['time.weekday']!([ns, 'Asia/Tokyo'])],
    ['format', { t: [ns, 'Europe/Paris', 'RFC1123'] }, impls['time.format']!([ns, 'Europe/Paris', 'RFC1123'])],
    ['diff', { t: ns, u: [0, 'Europe/Paris'] }, impls['time.diff']!(ns, [0, 'Europe/Paris'])],
    ['format', { t: [ns, 'Local'] }, impls['time.format']!([ns, 'Local'])],
  ]
  for (const [rule, input, want] of cases) {
    t.same(ev.withHost(input, rule), want, `${rule} ${JSON.stringify(input)}`)
    t.match(
      outcome(() => ev.stock(input, rule)),
      { error: new RegExp(`not implemented: built-in function \\d+: time\\.${rule}`) },
      'the stock SDK has no time zones',
    )
  }
  t.match(
    outcome(() => ev.withHost({ t: [ns, 'Mars/Olympus'] }, 'date')),
    { error: /eval_builtin_error: time\.date/ },
    'an unknown zone: an error',
  )
})
