// Fidelity with OPA on constructs real policy libraries use (issue 12): each
// case compiles a small attributed fixture from fixtures/fidelity/ and
// evaluates it in the official SDK.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { load } from './fixtures/load.js'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/fidelity/${name}`, import.meta.url), 'utf8')

t.test('zero-argument functions are rules: `f`, `f()` and the package document read them', async (t) => {
  const eps = ['zero', 'zero/as_value', 'zero/as_call', 'zero/in_terms', 'zero/in_body', 'zero/mocked', 'zero/f']
  const { policy } = await load({ 'zero.rego': fixture('zero-arg-function.rego') }, eps)
  t.same(policy.evaluate({}, 'zero/as_value'), [{ result: true }], 'f == 1: no "function used as a value" error')
  t.same(policy.evaluate({}, 'zero/as_call'), [{ result: 1 }], 'f() reads the rule')
  t.same(policy.evaluate({}, 'zero/in_terms'), [{ result: [1, 2, 3, { f: 1 }] }])
  t.same(policy.evaluate({}, 'zero/in_body'), [{ result: true }])
  t.same(policy.evaluate({}, 'zero/mocked'), [{ result: 10 }], '`with f as 10` replaces the rule like any other')
  t.same(policy.evaluate({}, 'zero/f'), [{ result: 1 }], 'the rule is an entrypoint')
  const doc = policy.evaluate({}, 'zero')[0]!.result as Record<string, unknown>
  t.same([doc.f, doc.g], [1, 2], "and part of its package's document, as OPA includes it")
})

t.test('zero-argument functions in Rego v0', async (t) => {
  const { policy } = await load({ 'zerov0.rego': fixture('zero-arg-function-v0.rego') }, ['zerov0/p'], { regoVersion: 0 })
  t.same(policy.evaluate({}, 'zerov0/p'), [{ result: true }])
})

t.test('a function with arguments is still not a value, and a rule takes no arguments', async (t) => {
  await t.rejects(load('package x\n\nh(a) := a\n\np if h == 1\n', ['x/p']), {
    errors: [{ code: 'rego_type_error', message: 'function data.x.h used as a value' }],
  })
  await t.rejects(load('package x\n\nr := 1\n\np := r(1)\n', ['x/p']), { errors: [{ code: 'rego_type_error', message: 'undefined function data.x.r' }] })
})

t.test('a negated call evaluates its arguments first, as OPA does (opa#8387)', async (t) => {
  const names = ['deny', 'not_other', 'not_foo', 'no_entry', 'deny_lower', 'no_user', 'deny_safe']
  const { policy } = await load(
    { 'negation.rego': fixture('negation-undefined-arg.rego') },
    names.map((n) => `negation/${n}`),
  )
  const results = (input: unknown) => Object.fromEntries(names.map((n) => [n, policy.evaluate(input, `negation/${n}`)[0]?.result]))
  t.same(
    results({}),
    { deny: undefined, not_other: undefined, not_foo: true, no_entry: undefined, deny_lower: undefined, no_user: true, deny_safe: true },
    'missing input: every hoisted argument fails its body; a plain ref and a helper rule negate as authors mean',
  )
  t.same(results({ user: 'Bob', x: 'bar', key: 'b' }), {
    deny: true,
    not_other: undefined,
    not_foo: true,
    no_entry: true,
    deny_lower: true,
    no_user: undefined,
    deny_safe: true,
  })
  t.same(results({ user: 'ALICE', x: 'foo', key: 'a' }), {
    deny: true,
    not_other: true,
    not_foo: undefined,
    no_entry: undefined,
    deny_lower: undefined,
    no_user: undefined,
    deny_safe: true,
  })
})

t.test('the compile result lists the pattern as warnings, at each hoisted term', async (t) => {
  const { result } = await load({ 'negation.rego': fixture('negation-undefined-arg.rego') }, ['negation/deny'])
  const src = fixture('negation-undefined-arg.rego').split('\n')
  const at = (w: { location?: { row: number; col: number } }) => src[w.location!.row - 1]!.slice(w.location!.col - 1)
  t.same(
    result.warnings.map((w) => w.code),
    Array(4).fill('rego_negation_undefined_arg'),
  )
  t.same(
    result.warnings.map((w) => at(w)),
    ['input.user)', 'input.x != "foo"', 'input.key]', 'lower(input.user))'],
    'the argument, the operand of !=, the ref operand and the nested call; not the operand of ==, the plain ref, nor the helper rule',
  )
})
