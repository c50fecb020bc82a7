// The safety pass (src/check/body-order.ts): every body ordered, and every
// unsafe variable reported, by check/ alone; plan/ plans the order it is
// given and never reorders.
import t from 'tap'
import fc from 'fast-check'
import { buildRuleTree, checkProgram, orderBodies, resolveCalls, resolveNames, type CheckedProgram } from '../../dist/src/check/index.js'
import { planProgram } from '../../dist/src/plan/planner.js'
import { printPlan } from '../../dist/src/plan/print.js'
import { parseModule, type Body, type Module } from '../../dist/src/rego/index.js'

const parse = (source: string, path = 'a.rego') => parseModule(path, source, { regoVersion: 1 })

/** Each ordered body as the source text of its expressions, in source order of the bodies. */
function ordered(m: Module, order: CheckedProgram['order']): string[][] {
  return [...order].sort(([a], [b]) => a.span.start - b.span.start).map(([, o]) => o.exprs.map((e) => m.text.slice(e.span.start, e.span.end)))
}

t.test('the pass orders every body from the earlier passes alone, without the planner', async (t) => {
  const m = parse(
    [
      'package a',
      '',
      'p if {',
      '\tx = y',
      '\ty = 1',
      '\tz := [w | w = v; v = x]',
      '\tevery e in [z] { e == f; f = z }',
      '}',
      '',
      'q := b if {',
      '\tb = c',
      '\tc = input.c',
      '} else := d if {',
      '\td = e',
      '\te = 2',
      '}',
      '',
    ].join('\n'),
  )
  // Standalone: the pass runs on what the earlier passes derive, nothing else.
  const { root, groups } = buildRuleTree([m])
  const names = resolveNames([m])
  const calls = resolveCalls(groups, root, names, undefined)
  const { order, errors } = orderBodies(groups, root, names, calls, undefined)
  t.same(errors, [])
  t.same(ordered(m, order), [
    ['y = 1', 'x = y', 'z := [w | w = v; v = x]', 'every e in [z] { e == f; f = z }'],
    ['v = x', 'w = v'],
    ['f = z', 'e == f'],
    ['c = input.c', 'b = c'],
    ['e = 2', 'd = e'],
  ])
  // The comprehension starts where x and y are bound; the every body where z is too (and e).
  const bounds = [...order].sort(([a], [b]) => a.span.start - b.span.start).map(([, o]) => [...o.bound].sort())
  t.same(bounds, [[], ['x', 'y'], ['e', 'x', 'y', 'z'], [], []])
  // checkProgram's table runs the same pass.
  t.same(ordered(m, checkProgram([m]).order), ordered(m, order))
})

t.test('a comprehension is ordered with the names its own expression bound before it', async (t) => {
  // plan/ evaluates `input.xs[i]` (binding i) before the count's
  // comprehension, so `v := i` is safe there: the pass must follow plan/'s
  // order inside the expression, not only between expressions.
  const m = parse('package a\n\np contains s if {\n\ts := input.xs[i] + count([v | v := i])\n}\n')
  const checked = checkProgram([m])
  t.same(checked.errors, [])
  const comp = [...checked.order].find(([b]) => m.text.slice(b.span.start, b.span.end) === 'v := i')
  t.ok(comp, 'the comprehension body is ordered')
  t.same([...comp![1].bound], ['i'])
  // With the comprehension first, i is not bound yet: unsafe where it is read.
  const bad = parse('package a\n\np contains s if {\n\ts := count([v | v := i]) + input.xs[i]\n}\n')
  const errs = checkProgram([bad]).errors
  t.same(
    errs.map((e) => [e.code, e.message, e.location]),
    [['rego_unsafe_var_error', 'var i is unsafe', { file: 'a.rego', row: 4, col: 23 }]],
  )
})

t.test("unsafe variables are the pass's errors; plan/ adds none", async (t) => {
  const m = parse('package t\n\nallow if {\n\tinput.level > 1\n\tinput.user == who\n}\n\nf(a) := b\n', 'unsafe.rego')
  const checked = checkProgram([m])
  t.same(checked.errors, [
    { code: 'rego_unsafe_var_error', message: 'var who is unsafe', location: { file: 'unsafe.rego', row: 5, col: 16 } },
    { code: 'rego_unsafe_var_error', message: 'var b is unsafe', location: { file: 'unsafe.rego', row: 8, col: 9 } },
  ])
  const { errors } = planProgram(checked, { entrypoints: ['t/allow'] })
  t.same(errors.slice(checked.errors.length), [], 'the planner reports nothing more')
})

t.test("print's arguments bind nothing outside the print, as plan/ plans them", async (t) => {
  // plan/ plans each argument of print in a scope of its own (an undefined
  // one prints `<undefined>`), so `i` read after it is bound by nothing.
  // (With a single argument, resolve-calls takes it as print's output
  // argument, and it binds; that is the call table's answer, kept as is.)
  const m = parse('package a\n\np if {\n\tprint("x", input.xs[i])\n\ti == 1\n}\n')
  t.same(
    checkProgram([m]).errors.map((e) => [e.message, e.location?.row, e.location?.col]),
    [['var i is unsafe', 5, 2]],
  )
})

t.test('the pass is pure: same modules, same orders and errors, modules untouched', async (t) => {
  const src = 'package a\n\np contains x if {\n\tx = y\n\ty := [z | z = w; w = 1]\n\tnot q\n}\n\nq if r == s\n'
  const m = parse(src)
  const before = JSON.stringify(m)
  const one = checkProgram([m]),
    two = checkProgram([m])
  t.same(ordered(m, one.order), ordered(m, two.order))
  t.same(one.errors, two.errors)
  t.not(one.order, two.order, 'each run builds its own table')
  t.equal(JSON.stringify(m), before)
  for (const body of one.order.keys()) t.ok(isBodyOf(m, body), "keys are the module's own body nodes")
})

/** Whether `body` is a node of `m` (found by walking the AST). */
function isBodyOf(m: Module, body: Body): boolean {
  let found = false
  const seen = new Set<unknown>()
  const visit = (x: unknown): void => {
    if (found || !x || typeof x !== 'object' || seen.has(x)) return
    seen.add(x)
    if (x === body) found = true
    for (const v of Object.values(x)) visit(v)
  }
  visit(m)
  return found
}

t.test('plan/ plans each body in the order check/ gives it', async (t) => {
  const m = parse('package a\n\np if {\n\tinput.a == 1\n\tinput.b == 2\n}\n')
  const checked = checkProgram([m])
  const [[body, o]] = [...checked.order]
  const rows = (c: CheckedProgram) =>
    printPlan(planProgram(c, { entrypoints: ['a/p'] }).plan)
      .split('\n')
      .filter((l) => / equal l\d+ l\d+ {2}@a\.rego:[45]:2$/.test(l))
      .map((l) => l.slice(-1 - 'a.rego:4:2'.length).trim())
  t.same(rows(checked), ['@a.rego:4:2', '@a.rego:5:2'])
  const swapped = new Map(checked.order).set(body!, { ...o!, exprs: [...o!.exprs].reverse() })
  t.same(rows({ ...checked, order: swapped }), ['@a.rego:5:2', '@a.rego:4:2'])
})

t.test('a body planned where other names are bound than check/ ordered it for is an internal error', async (t) => {
  const m = parse('package a\n\np if {\n\tinput.a == 1\n}\n')
  const checked = checkProgram([m])
  const [[body, o]] = [...checked.order]
  const wrong = new Map(checked.order).set(body!, { ...o!, bound: new Set(['x']) })
  const { errors } = planProgram({ ...checked, order: wrong }, { entrypoints: ['a/p'] })
  t.same(
    errors.map((e) => [e.code, e.location?.row]),
    [['internal_error', 4]],
  )
})

t.test('a chain of unifications in any order is ordered by what each needs', async (t) => {
  // v0 = 1, v1 = v0, v2 = v1 … shuffled: only one order binds each
  // variable before it is read, and the pass finds it.
  await fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }).chain((n) => fc.shuffledSubarray([...Array(n + 1).keys()], { minLength: n + 1, maxLength: n + 1 })),
      (perm) => {
        const exprs = perm.map((i) => (i === 0 ? 'v0 = 1' : `v${i} = v${i - 1}`))
        const m = parse(`package a\n\np := v${perm.length - 1} if {\n\t${exprs.join('\n\t')}\n}\n`)
        const checked = checkProgram([m])
        const [order] = ordered(m, checked.order)
        const chain = perm.map((_, i) => (i === 0 ? 'v0 = 1' : `v${i} = v${i - 1}`))
        return checked.errors.length === 0 && JSON.stringify(order) === JSON.stringify(chain)
      },
    ),
    { numRuns: 50 },
  )
})

t.test('on random bodies, plan/ starts every body with the names the pass ordered it for', async (t) => {
  // plan/ reports an internal_error when a body starts with other names
  // bound than the pass assumed, or when it meets a variable nothing binds
  // that the pass did not report: the pass and the planner must walk alike.
  // a, b, x and y are bound before the generated expressions; i, j and k
  // are bound by them (some, unification, output arguments, ref operands),
  // and also read, so that reordering has work to do.
  const read = fc.constantFrom('a', 'b', 'x', 'y', 'a', 'b', 'x', 'y', 'i', 'j')
  const bind = fc.constantFrom('i', 'j', 'k')
  // Numbers only where a built-in wants one: a literal of another type is check-calls' type error.
  const scalar = fc.constantFrom('a', 'b', '1', 'input.k', 'i')
  const { body, expr } = fc.letrec<{ term: string; expr: string; body: string }>((tie) => ({
    term: fc.oneof(
      { depthSize: 'small' },
      read,
      fc.constantFrom('1', 'input.k', 'q', 'f(1)'),
      fc.constantFrom('i', 'j', 'k', '_').map((n) => `input.xs[${n}]`),
      fc.tuple(tie('term'), tie('term')).map(([p, q]) => `[${p}, ${q}]`),
      fc.tuple(scalar, scalar).map(([p, q]) => `plus(${p}, ${q})`),
      fc.tuple(bind, tie('body')).map(([n, b]) => `[${n} | ${n} = input.k; ${b}]`),
      fc.tuple(read, tie('term')).map(([n, p]) => `{"k": ${n}, "j": ${p}}`),
    ),
    expr: fc.oneof(
      { depthSize: 'small' },
      fc.tuple(bind, tie('term')).map(([n, q]) => `${n} = ${q}`),
      fc.tuple(tie('term'), tie('term')).map(([p, q]) => `${p} == ${q}`),
      fc.tuple(bind, tie('term')).map(([n, q]) => `some ${n} in ${q}`),
      fc.tuple(tie('term'), tie('term')).map(([p, q]) => `not ${p} == ${q}`),
      tie('term').map((p) => `not f(${p})`),
      fc.tuple(tie('term'), tie('term'), bind).map(([p, q, n]) => `count([${p}, ${q}], ${n})`),
      fc.tuple(bind, tie('term'), tie('body')).map(([n, d, b]) => `every ${n} in ${d} { ${b} }`),
      fc.tuple(bind, tie('term')).map(([n, q]) => `${n} = ${q} with input as {"k": 2}`),
      fc.tuple(bind, tie('term')).map(([n, q]) => `${n} = f(${q}) with f as g`),
      tie('term').map((p) => `print(${p})`),
    ),
    body: fc.array(tie('expr'), { minLength: 1, maxLength: 3 }).map((es) => es.join('; ')),
  }))
  let clean = 0
  await fc.assert(
    fc.property(fc.array(expr, { minLength: 1, maxLength: 5 }), body, fc.boolean(), (es, b, fn) => {
      const head = fn ? 'h(x, [y, _]) := r if' : 'p contains r if'
      const prefix = fn ? 'a := 1\n\tb := 2\n\t' : 'some a in input.as\n\tb := input.b\n\tx := 1\n\ty = 2\n\t'
      const src = `package t\n\nq := 1\n\nf(v) := v\n\ng(v) := 2\n\n${head} {\n\t${prefix}${es.join('\n\t')}\n\tr := [1 | ${b}]\n}\n`
      let m: Module
      try {
        m = parse(src, 't.rego')
      } catch {
        return true
      }
      const checked = checkProgram([m])
      const { errors } = planProgram(checked, { entrypoints: ['t'] })
      if (errors.length === 0) clean++
      return !errors.some((e) => e.code === 'internal_error')
    }),
    { numRuns: 600, seed: 11 },
  )
  t.ok(clean > 0, `some of the generated programs compile cleanly (${clean})`)
})
