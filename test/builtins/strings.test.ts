// Host string built-ins: code-point semantics, Go's trim/split/replace rules,
// and OPA's operand errors.

import t from 'tap'
import { impls } from '../../src/builtins/strings.js'
import { BuiltinError } from '../../src/builtins/types.js'

const call = (name: string, ...args: unknown[]): unknown => impls[name](...args)
const err = (name: string, ...args: unknown[]): BuiltinError => {
  try {
    impls[name](...args)
  } catch (e) {
    return e as BuiltinError
  }
  throw new Error(`${name} did not throw`)
}

t.test('substring and indexof count code points, not UTF-16 units', async (t) => {
  t.equal(call('substring', 'åäö', 0, 2), 'åä')
  t.equal(call('substring', 'abcdefghåäö', 2, 10000), 'cdefghåäö')
  t.equal(call('substring', 'aaa', 4, -1), '')
  t.equal(call('indexof', '😀😀x', 'x'), 2)
  t.same(call('indexof_n', 'aaa', 'aa'), [0, 1])
  const e = err('substring', 'aaa', -1, -1)
  t.equal(e.message, 'substring: negative offset')
  t.equal(e.code, 'eval_builtin_error')
})

t.test('split, replace and count follow Go for empty separators', async (t) => {
  t.same(call('split', '', ''), [])
  t.same(call('split', 'a😀', ''), ['a', '😀'])
  t.same(call('split', '', '.'), [''])
  t.equal(call('replace', 'ab', '', '-'), '-a-b-')
  t.equal(call('strings.count', 'dummy', ''), 6)
  t.equal(call('strings.count', '11111', '11'), 2)
})

t.test('trim family uses cutsets of code points', async (t) => {
  t.equal(call('trim', '...foo.bar...', '.fr'), 'oo.ba')
  t.equal(call('trim', '¡¡¡foo, bar!!!', '!¡'), 'foo, bar')
  t.equal(call('trim_left', '!!!foo, bar¡¡¡', '¡'), '!!!foo, bar¡¡¡')
  t.equal(call('trim_suffix', '¡¡¡foo, bar!!!', ', bar!!!'), '¡¡¡foo')
  t.equal(call('trim_prefix', 'foo', 'bar'), 'foo')
  t.equal(call('trim_space', '\u00a0 foo\t\n'), 'foo')
})

t.test('reverse keeps surrogate pairs together', async (t) => {
  t.equal(call('strings.reverse', '1😀𝛾'), '𝛾😀1')
  t.equal(err('strings.reverse', 123).message, 'strings.reverse: operand 1 must be string but got number')
  t.equal(err('strings.reverse', 123).code, 'eval_type_error')
})

t.test('any_prefix_match/any_suffix_match accept strings, arrays and sets', async (t) => {
  t.equal(call('strings.any_prefix_match', ['a/b/c', 'e/f/g'], ['d/', 'e/f/g']), true)
  t.equal(call('strings.any_prefix_match', 'a/b/c', 'b/'), false)
  t.equal(call('strings.any_suffix_match', ['a/b/c'], '/c'), true)
  t.equal(
    err('strings.any_prefix_match', [1, 2], ['f/']).message,
    'strings.any_prefix_match: operand 1 must be array of strings but got array containing number',
  )
  t.equal(err('strings.any_suffix_match', ['x'], 1).message, 'strings.any_suffix_match: operand 2 must be one of {string, set, array} but got number')
})

t.test('format_int truncates and checks the base', async (t) => {
  t.equal(call('format_int', 15.5, 16), 'f')
  t.equal(call('format_int', -3.9, 10), '-3')
  t.equal(call('format_int', 5, 2), '101')
  t.equal(err('format_int', 4.1, 199).message, 'format_int: operand 2 must be one of {2, 8, 10, 16}')
})

t.test('concat joins and type-checks elements', async (t) => {
  t.equal(call('concat', '/', ['', 'foo', 'bar']), '/foo/bar')
  t.equal(err('concat', ',', ['a', 1]).message, 'concat: operand 2 must be array of strings but got array containing number')
})

t.test('replace_n replaces left to right with the first matching pattern', async (t) => {
  t.equal(call('strings.replace_n', { old1: 'new1', old2: 'new2' }, 'old1 old2 old1'), 'new1 new2 new1')
  t.equal(call('strings.replace_n', { a: 'b', b: 'a' }, 'ab'), 'ba')
  t.equal(err('strings.replace_n', { f: 100 }, 'foo').message, 'strings.replace_n: operand 1 non-string value found in pattern object')
  t.equal(err('strings.replace_n', { f: 'x' }, 100).message, 'strings.replace_n: operand 2 must be string but got number')
})

t.test('render_template runs Go text/template', async (t) => {
  t.equal(call('strings.render_template', '{{.test}}', { test: 2023 }), '2023')
  t.equal(
    call('strings.render_template', '{{range $i, $name := .names}}{{if $i}},{{end}}hello {{$name}}{{end}}', { names: ['rohan', 'john doe'] }),
    'hello rohan,hello john doe',
  )
  t.equal(call('strings.render_template', '{{if .a}}A{{else if .b}}B{{else}}C{{end}}', { b: true }), 'B')
  t.equal(call('strings.render_template', '{{ .x | printf "%s!" }} {{- " y" }}', { x: 'hey' }), 'hey! y')
  t.equal(call('strings.render_template', 'test {{.foo}} {{.baz}}', { baz: 1 }), 'test <undefined> 1')
  t.match(err('strings.render_template', '{{ .x ', {}).message, /^strings\.render_template: template: /)
})
