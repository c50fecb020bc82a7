// hoistedTerms: what OPA's rewriting evaluates before a `not` (nested calls,
// then refs in call arguments, ref operands and composites), in order; and
// the warnings checkProgram gives for them.
import t from 'tap'
import { checkProgram, hoistedTerms } from '../../dist/src/check/index.js'
import { parseModule } from '../../dist/src/rego/index.js'
import type { Expr, Module } from '../../dist/src/rego/ast.js'

/** The first expression of rule `p`'s body in `body`, and its module. */
function negated(body: string): { e: Expr; m: Module } {
  const m = parseModule('n.rego', `package n\n\nr := 1\n\nf(x) := x\n\np if {\n\t${body}\n}\n`, { regoVersion: 1 })
  const rule = m.rules.find((r) => r.head.ref[0]?.type === 'var' && r.head.ref[0].name === 'p')!
  return { e: rule.body.exprs[0]!, m }
}

const rules = new Set(['r', 'f', 'input', 'data'])
const hoisted = (body: string) => {
  const { e, m } = negated(body)
  return hoistedTerms(e, (n) => rules.has(n)).map((x) => m.text.slice(x.span.start, x.span.end))
}

t.test('call arguments that are refs, and rule names, are evaluated first', async (t) => {
  t.same(hoisted('not f(input.user)'), ['input.user'])
  t.same(hoisted('not f(r)'), ['r'], 'a rule name is a ref to data')
  t.same(hoisted('not f(1)'), [])
  t.same(hoisted('not input.a != input.b'), ['input.a', 'input.b'], 'an operator is a call')
  t.same(hoisted('not input.a == input.b'), [], '`==` is unification to OPA (rewriteEquals): its refs stay inside')
  t.same(hoisted('not obj[input.k] == lower(input.u)'), ['lower(input.u)', 'input.k'], '`==` still hoists calls and ref operands, as `=` does')
  t.same(hoisted('not f([input.a, {"k": input.b}])'), ['input.a', 'input.b'], 'inside composite arguments')
})

t.test('nested calls come first, inner before outer, and are not split further', async (t) => {
  t.same(hoisted('not f(lower(upper(input.u)))'), ['upper(input.u)', 'lower(upper(input.u))'])
  t.same(hoisted('not f(input.a).b'), ['f(input.a)'], 'a call in a ref head')
})

t.test('a negated ref hoists only its operands; a negated unification only operands and composite refs', async (t) => {
  t.same(hoisted('not input.a.b'), [])
  t.same(hoisted('not data.n.obj[input.k]'), ['input.k'])
  t.same(hoisted('not input.a = 1'), [])
  t.same(hoisted('not [input.a] = [1]'), ['input.a'])
})

t.test('locals are not refs: a local var argument stays inside the negation', async (t) => {
  const { e } = negated('not f(x)')
  t.same(
    hoistedTerms(e, () => false),
    [],
  )
})

t.test('checkProgram warns at each hoisted term, with code and location', async (t) => {
  const m = parseModule('w.rego', 'package w\n\nf(x) if x\n\np if not f(input.a)\n\nq if not input.a\n', { regoVersion: 1 })
  const { warnings, errors } = checkProgram([m])
  t.same(errors, [])
  t.same(
    warnings.map((w) => [w.code, w.location]),
    [['rego_negation_undefined_arg', { file: 'w.rego', row: 5, col: 12 }]],
  )
  t.match(warnings[0]!.message, /^`input\.a` is evaluated before `not`/)
})
