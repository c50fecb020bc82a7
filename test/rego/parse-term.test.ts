import t from 'tap'
import { parseBody, type Expr, type Term } from '../../src/rego/index.js'
import { call, n, ref, s, stripSpans, v } from './strip-spans.js'

/** The single term of a one-expression query. */
function term(src: string): unknown {
  const body = parseBody(src)
  const e = body.exprs[0]! as Expr & { term?: Term }
  if (body.exprs.length !== 1 || e.kind !== 'term') throw new Error(`not a term: ${src}`)
  return stripSpans(e.term)
}

t.test('scalars keep their literal form', async (t) => {
  t.same(term('null'), { type: 'null' })
  t.same(term('true'), { type: 'boolean', value: true })
  t.same(term('12345678901234567890'), n('12345678901234567890'))
  t.same(term('-1.5e3'), n('-1.5e3'), 'negative literal numbers stay literals')
  t.same(term('- 2'), n('-2'))
  t.same(term('.5'), n('.5'))
  t.same(term('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"'), s('a"b\\c/d\b\f\n\r\t'))
  t.same(term('"\\u00e9\\ud83d\\ude00"'), s('é😀'), 'unicode escapes incl. surrogate pairs')
  t.same(term('`raw \\n {x}`'), s('raw \\n {x}'))
})

t.test('operators are calls of built-in names with OPA precedence', async (t) => {
  t.same(term('a + b * c'), call('plus', v('a'), call('mul', v('b'), v('c'))))
  t.same(term('a - b - c'), call('minus', call('minus', v('a'), v('b')), v('c')), 'left associative')
  t.same(term('x == a | b & c'), call('equal', v('x'), call('or', v('a'), call('and', v('b'), v('c')))))
  t.same(term('a % b / c'), call('div', call('rem', v('a'), v('b')), v('c')))
  t.same(term('(a + b) * c'), call('mul', call('plus', v('a'), v('b')), v('c')))
  for (const [op, name] of [
    ['!=', 'neq'],
    ['<', 'lt'],
    ['<=', 'lte'],
    ['>', 'gt'],
    ['>=', 'gte'],
  ]) {
    t.same(term(`a ${op} b`), call(name!, v('a'), v('b')))
  }
  t.same(term('-x'), call('minus', n('0'), v('x')), 'unary minus on a non-number')
  t.same(term('3 - -2'), call('minus', n('3'), n('-2')))
  t.same(term('x in xs'), call('internal.member_2', v('x'), v('xs')))
  t.same(term('k, v in xs'), call('internal.member_3', v('k'), v('v'), v('xs')))
  t.same(term('f(x in xs, y)'), call('f', call('internal.member_2', v('x'), v('xs')), v('y')), 'no key/value form inside lists')
})

t.test('refs and calls', async (t) => {
  t.same(term('input.a.b'), ref(v('input'), s('a'), s('b')))
  t.same(term('data'), ref(v('data')), 'bare root documents are refs')
  t.same(term('a[x]["k"][0]'), ref(v('a'), v('x'), s('k'), n('0')))
  t.same(term('[1, 2][0]'), ref({ type: 'array', items: [n('1'), n('2')] }, n('0')))
  t.same(term('f(x).y'), ref(call('f', v('x')), s('y')))
  t.same(term('a.b.c(x)'), { type: 'call', func: ref(v('a'), s('b'), s('c')), args: [v('x')] })
  t.same(term('count(x)'), call('count', v('x')))
  t.same(term('contains(x, "a")'), call('contains', v('x'), s('a')), '`contains` is a name outside rule heads')
  t.same(term('input.if.else'), ref(v('input'), s('if'), s('else')), 'keywords after a dot are fields')
})

t.test('wildcards become unique vars', async (t) => {
  t.same(term('a[_][_]'), ref(v('a'), v('$wild0'), v('$wild1')))
})

t.test('composites and comprehensions', async (t) => {
  t.same(term('[1, x,]'), { type: 'array', items: [n('1'), v('x')] })
  t.same(term('{1, 2}'), { type: 'set', items: [n('1'), n('2')] })
  t.same(term('set()'), { type: 'set', items: [] })
  t.same(term('{}'), { type: 'object', items: [] })
  t.same(term('{"a": 1, [1]: x}'), {
    type: 'object',
    items: [
      [s('a'), n('1')],
      [{ type: 'array', items: [n('1')] }, v('x')],
    ],
  })
  t.same(term('{a | b}'), { type: 'setcomp', term: v('a'), body: { exprs: [{ kind: 'term', term: v('b'), negated: false, with: [] }] } })
  t.same(term('{1 | 2, 3}'), { type: 'set', items: [call('or', n('1'), n('2')), n('3')] }, 'an `or` inside a set when a comma follows')
  const arr = term('[x | x := xs[_]; x > 1]') as { type: string; body: { exprs: unknown[] } }
  t.equal(arr.type, 'arraycomp')
  t.equal(arr.body.exprs.length, 2)
  t.same(term('{k: v | v := o[k]}'), {
    type: 'objectcomp',
    key: v('k'),
    value: v('v'),
    body: { exprs: [{ kind: 'assign', left: v('v'), right: ref(v('o'), v('k')), negated: false, with: [] }] },
  })
  t.same(term('{x + 1: y}'), { type: 'object', items: [[call('plus', v('x'), n('1')), v('y')]] })
})

t.test('template strings', async (t) => {
  t.same(term('$"hi {input.name}!"'), { type: 'templatestring', parts: ['hi ', ref(v('input'), s('name')), '!'] })
  t.same(term('$"a \\{b} {1 + 2}"'), { type: 'templatestring', parts: ['a {b} ', call('plus', n('1'), n('2'))] })
  t.same(term('$`multi\nline {x}`'), { type: 'templatestring', parts: ['multi\nline ', v('x')] })
  t.same(
    term('$"{ {"a": 1}["a"] }"'),
    { type: 'templatestring', parts: [ref({ type: 'object', items: [[s('a'), n('1')]] }, s('a'))] },
    'braces nest inside expressions',
  )
  const w = term('$"{a with input as 1}"') as { partWith: Record<number, unknown[]> }
  t.equal(w.partWith[0]!.length, 1, 'with modifiers are kept per part')
})

t.test('spans cover the source text', async (t) => {
  const src = 'x := f(input.a, [1, 2]) + 3'
  const body = parseBody(src)
  const e = body.exprs[0]! as Extract<Expr, { kind: 'assign' }>
  t.equal(src.slice(e.span.start, e.span.end), src)
  t.equal(src.slice(e.right.span.start, e.right.span.end), 'f(input.a, [1, 2]) + 3')
  const f = (e.right as { args: Term[] }).args[0]!
  t.equal(src.slice(f.span.start, f.span.end), 'f(input.a, [1, 2])')
})
