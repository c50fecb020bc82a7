import { readFileSync, existsSync } from 'node:fs'
import t from 'tap'
import { parseModule, type Module, type Rule } from '../../src/rego/index.js'
import { call, n, ref, s, stripSpans, v } from './strip-spans.js'

const mod = (body: string, regoVersion: 0 | 1 = 1): Module => parseModule('x.rego', `package x\n${body}\n`, { regoVersion })
const heads = (body: string, regoVersion: 0 | 1 = 1) => mod(body, regoVersion).rules.map((r) => stripSpans(r.head))
const TRUE_BODY = { exprs: [{ kind: 'term', term: { type: 'boolean', value: true }, negated: false, with: [] }] }

t.test('package and imports', async (t) => {
  const m = parseModule(
    'a.rego',
    'package a.b["c-d"]\nimport data.x.y\nimport data.x as z\nimport input.a\nimport rego.v1\nimport future.keywords\nimport future.keywords.in\n',
  )
  t.same(m.package, ['a', 'b', 'c-d'])
  t.same(
    m.imports.map((i) => [stripSpans(i.path), i.alias]),
    [
      [ref(v('data'), s('x'), s('y')), undefined],
      [ref(v('data'), s('x')), 'z'],
      [ref(v('input'), s('a')), undefined],
      [ref(v('rego'), s('v1')), undefined],
      [ref(v('future'), s('keywords')), undefined],
      [ref(v('future'), s('keywords'), s('in')), undefined],
    ],
  )
  t.equal(m.regoVersion, 1)
})

t.test('complete rules, values and if', async (t) => {
  t.same(heads('p := 1\nq = 2\nr if { true }\ns := 3 if { true }\nu if input.x == 1'), [
    { ref: [v('p')], kind: 'complete', value: n('1'), assign: true },
    { ref: [v('q')], kind: 'complete', value: n('2'), assign: false },
    { ref: [v('r')], kind: 'complete', assign: false },
    { ref: [v('s')], kind: 'complete', value: n('3'), assign: true },
    { ref: [v('u')], kind: 'complete', assign: false },
  ])
  const m = mod('p := 1\nu if input.x == 1')
  t.same(stripSpans(m.rules[0]!.body), TRUE_BODY, 'a rule without a body has body `true`')
  t.same(
    stripSpans(m.rules[1]!.body.exprs[0]),
    {
      kind: 'term',
      term: call('equal', ref(v('input'), s('x')), n('1')),
      negated: false,
      with: [],
    },
    '`if expr` without braces is a one-expression body',
  )
})

t.test('default rules', async (t) => {
  const m = mod('default allow := false\ndefault f(_) := 0')
  t.equal(m.rules[0]!.default, true)
  t.same(stripSpans(m.rules[0]!.head), { ref: [v('allow')], kind: 'complete', value: { type: 'boolean', value: false }, assign: true })
  t.same(stripSpans(m.rules[1]!.head), { ref: [v('f')], kind: 'function', args: [v('$wild0')], value: n('0'), assign: true })
})

t.test('multi-value, object and ref-head rules', async (t) => {
  t.same(
    heads(
      'p contains x if { x := 1 }\nq contains "a"\nr[k] := v if { k := 1; v := 2 }\na.b.c := 1\na.b[x] := y if { x := 1; y := 2 }\nd.e[x] contains y if { x := 1; y := 2 }\ng[x] if { x := 1 }',
    ),
    [
      { ref: [v('p')], kind: 'set', key: v('x'), assign: false },
      { ref: [v('q')], kind: 'set', key: s('a'), assign: false },
      { ref: [v('r'), v('k')], kind: 'object', key: v('k'), value: v('v'), assign: true },
      { ref: [v('a'), s('b'), s('c')], kind: 'complete', value: n('1'), assign: true },
      { ref: [v('a'), s('b'), v('x')], kind: 'object', key: v('x'), value: v('y'), assign: true },
      { ref: [v('d'), s('e'), v('x')], kind: 'set', key: v('y'), assign: false },
      { ref: [v('g'), v('x')], kind: 'object', key: v('x'), assign: false },
    ],
  )
  const q = mod('q contains "a"').rules[0]!
  t.same(stripSpans(q.body), TRUE_BODY, '`p contains x` needs no body')
})

t.test('functions', async (t) => {
  t.same(heads('f(x, y) := z if { z := x + y }\ng(x) if { x > 1 }\nh(_, [a, _]) := a'), [
    { ref: [v('f')], kind: 'function', args: [v('x'), v('y')], value: v('z'), assign: true },
    { ref: [v('g')], kind: 'function', args: [v('x')], assign: false },
    { ref: [v('h')], kind: 'function', args: [v('$wild0'), { type: 'array', items: [v('a'), v('$wild1')] }], value: v('a'), assign: true },
  ])
  t.same(heads('a.b.f(x) := x'), [{ ref: [v('a'), s('b'), s('f')], kind: 'function', args: [v('x')], value: v('x'), assign: true }])
})

t.test('else chains', async (t) => {
  const m = mod('p := 1 if { input.a } else := 2 if { input.b } else = 3 if input.c else := 4\nf(x) := 1 if { x } else { true }')
  const p = m.rules[0]!
  const chain: Rule[] = []
  for (let r: Rule | undefined = p; r; r = r.else) chain.push(r)
  t.same(
    chain.map((r) => [stripSpans(r.head.value), r.head.assign]),
    [
      [n('1'), true],
      [n('2'), true],
      [n('3'), false],
      [n('4'), true],
    ],
  )
  t.same(stripSpans(chain[3]!.body), TRUE_BODY)
  const f = m.rules[1]!
  t.equal(f.else!.head.kind, 'function')
  t.equal(f.else!.head.value, undefined, 'bare else has value true')
  t.same(stripSpans(f.else!.head.args), [v('x')])
})

t.test('bodies: separators, not, some, every, with', async (t) => {
  const m = mod(`p if {
  x := 1; y = 2
  not input.deny
  some a, b
  some k, val in input.xs
  some e in input.ys
  every z in input.zs { z > 0 }
  every i, w in input.ws { w }
  input.a with input as {"a": 1} with data.f as g
  x in {1}
}`)
  const kinds = m.rules[0]!.body.exprs.map((e) => e.kind)
  t.same(kinds, ['assign', 'unify', 'term', 'some', 'somein', 'somein', 'every', 'every', 'term', 'term'])
  const e = m.rules[0]!.body.exprs
  t.equal(e[2]!.negated, true)
  t.same(stripSpans(e[4]), { kind: 'somein', key: v('k'), value: v('val'), domain: ref(v('input'), s('xs')), negated: false, with: [] })
  t.same(stripSpans(e[7]), {
    kind: 'every',
    key: v('i'),
    value: v('w'),
    domain: ref(v('input'), s('ws')),
    body: { exprs: [{ kind: 'term', term: v('w'), negated: false, with: [] }] },
    negated: false,
    with: [],
  })
  t.equal(e[8]!.with.length, 2)
  t.same(stripSpans(e[8]!.with[1]!.target), ref(v('data'), s('f')))
})

t.test('keywords directly followed by . or [ start refs', async (t) => {
  const m = mod('p if {\n  else.foo == 1\n  in.bar == 2\n}\nelse.foo := 1\nin.bar := 2')
  t.equal(m.rules.length, 3)
  t.same(stripSpans(m.rules[1]!.head.ref), [v('else'), s('foo')])
})

t.test('rego v0', async (t) => {
  const src = `package v0
default allow = false
allow { input.user == "alice" }
p[x] { x := 1 }
obj[k] = v { k := "a"; v := 1 }
f(x) = y { y := x }
q { false } { true }
r = 1 { true } else = 2 { true }
`
  const m = parseModule('v0.rego', src, { regoVersion: 0 })
  t.equal(m.regoVersion, 0)
  t.same(
    m.rules.map((r) => [stripSpans(r.head.ref), r.head.kind, stripSpans(r.head.key)]),
    [
      [[v('allow')], 'complete', undefined],
      [[v('allow')], 'complete', undefined],
      [[v('p')], 'set', v('x')],
      [[v('obj'), v('k')], 'object', v('k')],
      [[v('f')], 'function', undefined],
      [[v('q')], 'complete', undefined],
      [[v('q')], 'complete', undefined],
      [[v('r')], 'complete', undefined],
    ],
  )
  t.ok(m.rules[7]!.else)
  t.throws(() => parseModule('v0.rego', 'package a\np if { true }', { regoVersion: 0 }), 'if is not a keyword in v0 without an import')
  const withImport = parseModule('v0.rego', 'package a\nimport future.keywords.if\nimport future.keywords.contains\np if { true }\ns contains 1 if { true }', {
    regoVersion: 0,
  })
  t.same(
    withImport.rules.map((r) => r.head.kind),
    ['complete', 'set'],
  )
  const regoV1 = parseModule('v0.rego', 'package a\nimport rego.v1\nq if { every x in [1] { x } }', { regoVersion: 0 })
  t.equal(regoV1.rules[0]!.body.exprs[0]!.kind, 'every')
  const inAsName = parseModule('v0.rego', 'package a\nin := 1\nevery := 2', { regoVersion: 0 })
  t.same(
    inAsName.rules.map((r) => stripSpans(r.head.ref)),
    [[v('in')], [v('every')]],
    'future keywords are names in v0',
  )
})

t.test('the shared OPA example policies parse', async (t) => {
  const dir = new URL('../../../shared/opa-built/', import.meta.url)
  const files: [string, 0 | 1][] = [
    ['java-abi1_1/policy.rego', 0],
    ['python-sprintf/policy_with_builtins.rego', 0],
    ['dotnet-rbac/rbac.rego', 1],
  ]
  for (const [f, ver] of files) {
    const url = new URL(f, dir)
    if (!existsSync(url)) {
      t.pass(`${f} not present: skipped`)
      continue
    }
    const m = parseModule(f, readFileSync(url, 'utf8'), { regoVersion: ver })
    t.ok(m.rules.length > 0, f)
  }
})
