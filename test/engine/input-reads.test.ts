// What a bundle's policies read of `input` (input-reads.ts), and the log
// policy's verdicts remembered by those fields (Engine.logVerdict): a verdict
// is reused only for an event whose read fields are the same, and never when
// the policy reads the event whole, replaces it (`with input`), or calls a
// built-in whose answer is not a function of its arguments.

import t from 'tap'
import fc from 'fast-check'
import { readdirSync, readFileSync } from 'node:fs'
import { writeBundle } from '../../src/bundle/index.js'
import { compile } from '../../src/compiler.js'
import { Engine, globalLayer } from '../../src/engine/index.js'
import { inputReads, project } from '../../src/engine/input-reads.js'
import { parseModule } from '../../src/rego/index.js'

const parsed = (sources: string[]) => sources.map((s, i) => parseModule(`m${i}.rego`, s, { regoVersion: 1 }))
const reads = (...sources: string[]) => inputReads(parsed(sources), ['p'])

async function globalBundle(modules: Record<string, string>): Promise<Buffer> {
  const result = await compile({
    modules: Object.entries(modules).map(([path, source]) => ({ path, source })),
    entrypoints: ['global/log'],
    strictBuiltinErrors: true,
  })
  return writeBundle({
    manifest: { revision: 'g-1', roots: ['global'], wasm: [{ entrypoint: 'global/log', module: '/policy.wasm' }], rego_version: 1 },
    wasm: result.wasm,
    data: {},
    sources: Object.entries(modules).map(([path, source]) => ({ path, source })),
  })
}

t.test("the example's log policy reads the event's kind, request headers and path, and the subject's roles", async (t) => {
  const dir = new URL('../../policies/global/', import.meta.url)
  // With the rest of the example's global bundle: its access policy reads `input` whole and its tests replace it, but the log package reaches neither.
  const sources = readdirSync(dir)
    .filter((f) => f.endsWith('.rego'))
    .map((f) => readFileSync(new URL(f, dir), 'utf8'))
  t.same(inputReads(parsed(sources), ['global', 'log']), { input: { request: { headers: true, path: true }, subject: { roles: true } }, kind: true })
})

t.test('reads: constant operands, imports, other packages, every place a term can be', async (t) => {
  t.same(reads('package p\nx if input.a.b[_].c == 1\ny contains k if some k, _ in input.d\n'), { a: { b: true }, d: true })
  t.same(reads('package p\nimport input.user as u\nx if u.name == "a"\n'), { user: { name: true } })
  t.same(reads('package p\nx := [v | v := input.a[_]]\ny if data.q.f(1)\nw := data.q.z\n', 'package q\nf(y) := y if input.b.c\nz := {input.e: 1}\n'), {
    a: true,
    b: { c: true },
    e: true,
  })
  t.same(reads('package p\nx if { input.a.b; input.a }\n'), { a: true }, 'a read of the parent covers its children')
  t.same(reads('package p\nx := $"{input.t}"\n'), { t: true }, 'template strings')
  t.same(reads('package p\nx := 1\n'), {}, 'a policy that reads nothing')
})

t.test('reads follow references to other rules and packages, and only those', async (t) => {
  const lib = 'package lib\nf(x) := input.f[x]\ng if input.g\nunused if input.unused\n'
  t.same(reads('package p\nx if data.lib.f(1)\n', lib), { f: true }, 'a function of another package, by its data path')
  t.same(reads('package p\nimport data.lib\nx if lib.g\n', lib), { g: true }, 'through an import')
  t.same(reads('package p\nx if data.lib[k]\n', lib), { f: true, g: true, unused: true }, 'a variable key: every rule it may mean')
  t.same(reads('package p\nx if y\ny if input.y\n', 'package p\nz if input.z\n'), { y: true, z: true }, 'the whole package document (all its rules)')
  t.same(reads('package p\nx if data.q.a\n', 'package q\na if b\nb if input.b\n', 'package other\nc if input.c\n'), { b: true }, 'transitively')
  t.same(reads('package p.sub\nx if input.s\n', 'package p\nx if input.x\n'), { s: true, x: true }, 'packages below the target belong to its document')
  t.same(
    reads('package p\nx if input.x\n', 'package p_test\ntest_x if data.p.x with input as {"x": 1}\n', 'package other\ny := input\n'),
    { x: true },
    'tests and other packages the target never refers to do not count',
  )
  t.equal(reads('package p\nx if data.other.y\n', 'package other\ny := input\n'), undefined, 'a reached rule that reads input whole')
  t.equal(reads('package p\nx if data[k].y\n', 'package other\ny := input\n'), undefined, '`data[k]` may mean every rule')
})

t.test('unbounded: the whole input, a replaced input, an impure or printing call', async (t) => {
  for (const [why, src] of [
    ['bare input', 'package p\nx := input\n'],
    ['input with a variable key', 'package p\nx if input[k] == 1\n'],
    ['input as an argument', 'package p\nx if walk(input, [_, v])\n'],
    ['with input', 'package p\ny if input.a\nx if y with input as {"a": 1}\n'],
    ['with input.a', 'package p\ny if input.a\nx if y with input.a as 1\n'],
    ['import input', 'package p\nimport input\nx if input.a\n'],
    ['time.now_ns', 'package p\nx if time.now_ns() > input.t\n'],
    ['http.send', 'package p\nx if http.send({"method": "get", "url": input.u})\n'],
    ['print', 'package p\nx if { print(input.a); true }\n'],
    ['rand.intn', 'package p\nx if rand.intn("a", 2) == 1\n'],
  ] as const) {
    t.equal(reads(src), undefined, why)
  }
})

t.test('project keeps exactly the read fields, present or absent, and non-objects whole', async (t) => {
  const tree = { input: { request: { headers: true as const, path: true as const }, subject: { roles: true as const } }, kind: true as const }
  const event = {
    kind: 'access',
    decision_id: 'd',
    input: { subject: { id: 'ana', roles: ['analyst'] }, request: { headers: { 'user-agent': 'x' } }, fields: ['a'] },
    result: { allow: true },
  }
  t.same(project(event, tree), { kind: 'access', input: { subject: { roles: ['analyst'] }, request: { headers: { 'user-agent': 'x' } } } })
  t.same(project({ kind: 'x', input: 'text' }, tree), { kind: 'x', input: 'text' }, 'a string where an object is read is kept whole')
  t.same(project({ input: [1, 2] }, tree), { input: [1, 2] })
  t.same(project({ input: { subject: null, extra: 1 } }, tree), { input: { subject: null } })
  t.same(project({ kind: undefined }, tree), {}, 'undefined is absent, as in JSON')
  const proto = reads('package p\nx if input.__proto__.polluted\ny if input.a\n')!
  t.same(Object.keys(proto).sort(), ['__proto__', 'a'], 'a `__proto__` read is a key of the tree')
  t.equal(JSON.stringify(proto['__proto__']), '{"polluted":true}')
  const projected = project(JSON.parse('{"__proto__": {"polluted": 1, "b": 2}, "a": 1, "c": 3}'), proto) as Record<string, unknown>
  t.same(Object.keys(projected).sort(), ['__proto__', 'a'], 'and of the projection, as an own key')
  t.equal(JSON.stringify(projected['__proto__']), '{"polluted":1}')
})

// A log policy reading several fields, one of them through a rule of another package.
const LOG = `package global.log

mask contains sprintf("/input/request/headers/%v", [h]) if {
	some h in {"x-forwarded-for", "user-agent"}
	input.input.request.headers[h]
}
mask contains "/input/subject/clearance" if "mesh-admin" in input.input.subject.roles
mask contains "/input/note" if data.global.lib.noted
drop if {
	input.kind == "forward_auth"
	input.input.request.path == "/healthz"
}
`
const LIB = 'package global.lib\nnoted if count(input.input.note) > 3\n'

const eventArb = fc.record(
  {
    kind: fc.constantFrom('access', 'forward_auth', 'anonymize'),
    decision_id: fc.uuid(),
    input: fc.record(
      {
        subject: fc.record({ id: fc.string(), roles: fc.subarray(['analyst', 'mesh-admin', 'steward']) }, { requiredKeys: ['id'] }),
        request: fc.record(
          {
            path: fc.constantFrom('/healthz', '/orders', 1),
            headers: fc.dictionary(fc.constantFrom('x-forwarded-for', 'user-agent', 'accept', 'x-real-ip'), fc.oneof(fc.string(), fc.constant(false))),
          },
          { requiredKeys: [] },
        ),
        note: fc.oneof(fc.string({ maxLength: 6 }), fc.constant(null), fc.integer()),
      },
      { requiredKeys: [] },
    ),
    result: fc.record({ allow: fc.boolean() }),
  },
  { requiredKeys: ['kind', 'decision_id'] },
)

t.test('remembered verdicts equal the policy evaluated on the whole event (fast-check)', async (t) => {
  const e = new Engine({ layers: [globalLayer()] })
  t.teardown(() => e.close())
  await e.activate('global', await globalBundle({ 'log.rego': LOG, 'lib.rego': LIB }))
  const sorted = (m: unknown[]) => m.map((x) => JSON.stringify(x)).sort()
  await fc.assert(
    fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 8 }), async (events) => {
      for (const ev of [...events, ...events]) {
        let expected: { mask: unknown[]; drop: boolean }
        try {
          const doc = (await e.document(['global', 'log'], ev)).value as { mask?: unknown[]; drop?: boolean } | undefined
          expected = { mask: doc?.mask ?? [], drop: doc?.drop === true }
        } catch {
          t.throws(() => e.logVerdict(ev), undefined, 'an event the whole-document evaluation fails on fails here too')
          continue
        }
        const got = await e.logVerdict(ev)
        if (JSON.stringify(sorted(got.mask)) !== JSON.stringify(sorted(expected.mask)) || got.drop !== expected.drop)
          throw new Error(`event ${JSON.stringify(ev)}: ${JSON.stringify(got)} ≠ ${JSON.stringify(expected)}`)
      }
    }),
    { numRuns: 150 },
  )
})

t.test('a verdict is remembered per revision and shared frozen; an impure policy is evaluated every time', async (t) => {
  const e = new Engine({ layers: [globalLayer()] })
  t.teardown(() => e.close())
  await e.activate('global', await globalBundle({ 'log.rego': LOG, 'lib.rego': LIB }))
  const ev = (id: string) => ({ kind: 'access', decision_id: id, input: { subject: { id, roles: ['mesh-admin'] } } })
  const a = e.logVerdict(ev('a'))
  t.equal(e.logVerdict(ev('b')), a, 'an event differing only in fields the policy does not read gets the same verdict')
  t.ok(Object.isFrozen(a) && Object.isFrozen((a as { mask: unknown[] }).mask), 'frozen: no reader can change it for another event')
  t.same((a as { mask: unknown[] }).mask, ['/input/subject/clearance'])
  t.not(e.logVerdict({ ...ev('c'), kind: 'forward_auth' }), a, 'a read field differs: evaluated again')

  await e.activate('global', await globalBundle({ 'log.rego': 'package global.log\nmask contains "/input/x"\n' }))
  t.same((e.logVerdict(ev('a')) as { mask: unknown[] }).mask, ['/input/x'], 'a new revision starts with no remembered verdicts')

  await e.activate('global', await globalBundle({ 'log.rego': 'package global.log\nmask contains "/input/x" if time.now_ns() > 0\n' }))
  const p = e.logVerdict(ev('a'))
  t.not(e.logVerdict(ev('a')), p, 'time.now_ns: never remembered')
  t.same((p as { mask: unknown[] }).mask, ['/input/x'])
})

t.test('with evaluations in worker threads, the projected event is what the worker evaluates, and verdicts are remembered alike', async (t) => {
  const e = new Engine({ layers: [globalLayer()], budgets: { timeMs: 2000, workers: 1 } })
  t.teardown(() => e.close())
  await e.activate('global', await globalBundle({ 'log.rego': LOG, 'lib.rego': LIB }))
  const ev = { kind: 'forward_auth', decision_id: 'x', input: { request: { path: '/healthz', headers: { 'user-agent': 'curl' } }, note: 'long note' } }
  const first = await e.logVerdict(ev)
  t.same({ mask: [...first.mask].sort(), drop: first.drop }, { mask: ['/input/note', '/input/request/headers/user-agent'], drop: true })
  t.equal(await e.logVerdict({ ...ev, decision_id: 'y' }), first, 'remembered')
})
