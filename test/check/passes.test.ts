// check/ is an ordered table of named passes returning the CheckedProgram
// plan/ consumes; the passes are pure, and the safety pass reads what a
// call means from the resolve-calls pass (not a guess from its last name).
import t from 'tap'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { CHECK_PASSES, checkProgram } from '../../dist/src/check/index.js'
import { compile } from '../../dist/src/compiler.js'
import { parseModule } from '../../dist/src/rego/index.js'

const parse = (files: Record<string, string>) => Object.entries(files).map(([path, source]) => parseModule(path, source, { regoVersion: 1 }))

t.test("the passes run in OPA's order, each with a reason", async (t) => {
  t.same(
    CHECK_PASSES.map((p) => p.name),
    ['rule-tree', 'resolve-names', 'resolve-calls', 'check-calls', 'safety', 'recursion', 'redeclarations', 'negation-warnings'],
  )
  for (const p of CHECK_PASSES) t.ok(p.why.length > 20, `${p.name} says why it runs where it does`)
})

t.test('checkProgram derives the rule tree, groups and names, and reports rule conflicts', async (t) => {
  const modules = parse({
    'a.rego': 'package a\n\nimport data.lib.util as u\n\np := 1\n\np contains 2\n\nf(x) := x\n',
  })
  const checked = checkProgram(modules)
  t.same(
    checked.groups.map((g) => `${g.kind} ${g.path.join('.')}`),
    ['complete a.p', 'function a.f'],
  )
  t.ok(checked.root.children.get('a')?.children.get('p')?.group, 'the tree holds data.a.p')
  t.same([...checked.names.ruleNames.get('a')!].sort(), ['f', 'p'])
  t.ok(checked.names.imports.get(modules[0]!)?.get('u'), 'the import alias is resolved')
  t.same(checked.errors, [{ code: 'rego_type_error', message: 'conflicting rules data.a.p found', location: { file: 'a.rego', row: 7, col: 1 } }])
})

t.test('passes are pure: the same modules check the same way, and are not changed', async (t) => {
  const modules = parse({ 'a.rego': 'package a\n\np := 1\n\np := 2\n\nq contains x if some x in [1, 2]\n' })
  const before = JSON.stringify(modules)
  const one = checkProgram(modules),
    two = checkProgram(modules)
  t.same(one.errors, two.errors)
  t.same(
    one.groups.map((g) => g.path),
    two.groups.map((g) => g.path),
  )
  t.equal(JSON.stringify(modules), before)
})

t.test("a call's output argument is decided by the function the call resolves to", async (t) => {
  // data.a.f takes one argument, data.b.f two. Guessing by the last name
  // segment found a.f, missed that `f(1, 2, r)` binds r, and reported r as
  // unsafe; the resolve-calls pass finds b.f.
  const modules = [
    { path: 'a.rego', source: 'package a\n\nf(x) := x\n' },
    { path: 'b.rego', source: 'package b\n\nf(x, y) := x + y\n\np if {\n\tf(1, 2, r)\n\tr == 3\n}\n' },
  ]
  const compiled = await compile({ modules, entrypoints: ['b/p'] })
  const policy = await loadPolicy(compiled.wasm)
  t.same(policy.evaluate({}, 'b/p'), [{ result: true }])
})

t.test('two compiles at once do not see each other', async (t) => {
  const src = (pkg: string, v: number) => [{ path: `${pkg}.rego`, source: `package ${pkg}\n\nf(x, y) := x * ${v} + y\n\np := r if f(2, 1, r)\n` }]
  const [a, b] = await Promise.all([compile({ modules: src('a', 10), entrypoints: ['a/p'] }), compile({ modules: src('b', 100), entrypoints: ['b/p'] })])
  t.same((await loadPolicy(a.wasm)).evaluate({}, 'a/p'), [{ result: 21 }])
  t.same((await loadPolicy(b.wasm)).evaluate({}, 'b/p'), [{ result: 201 }])
})
