// renderText: the CLI's form of an error, `file:row:col: code: message`,
// then the source line and a caret under the column (computed from the
// location only when the error is shown).

import t from 'tap'
import { renderText, CompileError, type ErrorDetail } from '../../dist/src/errors/index.js'

const src = 'package t\n\nallow if {\n    input.user == who\n}\n'
const lookup = (f: string) => (f === 'a.rego' ? src : undefined)

t.test('location, code and message on the first line; source line and caret below', async (t) => {
  const e: ErrorDetail = { code: 'rego_unsafe_var_error', message: 'var who is unsafe', location: { file: 'a.rego', row: 4, col: 19 } }
  const lines = renderText(e, lookup).split('\n')
  t.equal(lines.length, 3)
  t.equal(lines[0], 'a.rego:4:19: rego_unsafe_var_error: var who is unsafe')
  t.equal(lines[1], '\t    input.user == who')
  t.equal(lines[2], '\t                  ^')
  t.equal(lines[1]!.indexOf('who'), lines[2]!.indexOf('^'), 'the caret is under the first character of `who`')
})

t.test('column 1 puts the caret at the start of the line', async (t) => {
  const out = renderText({ code: 'rego_parse_error', message: 'unexpected eof token', location: { file: 'a.rego', row: 5, col: 1 } }, lookup)
  t.same(out.split('\n').slice(1), ['\t}', '\t^'])
})

t.test('without the source: only the first line', async (t) => {
  t.equal(renderText({ code: 'rego_parse_error', message: 'm', location: { file: 'gone.rego', row: 1, col: 1 } }, lookup), 'gone.rego:1:1: rego_parse_error: m')
  t.equal(renderText({ code: 'rego_parse_error', message: 'm', location: { file: 'a.rego', row: 1, col: 1 } }), 'a.rego:1:1: rego_parse_error: m')
})

t.test('a row past the end of the file prints no source line', async (t) => {
  t.equal(renderText({ code: 'rego_parse_error', message: 'm', location: { file: 'a.rego', row: 99, col: 1 } }, lookup), 'a.rego:99:1: rego_parse_error: m')
})

t.test('an error without a location is `code: message`', async (t) => {
  t.equal(
    renderText({ code: 'compile_entrypoint_error', message: 'entrypoint "x/y" does not name a rule' }, lookup),
    'compile_entrypoint_error: entrypoint "x/y" does not name a rule',
  )
})

t.test('CompileError sorts, de-duplicates and summarises', async (t) => {
  const a = { code: 'rego_type_error', message: 'undefined function f', location: { file: 'b.rego', row: 3, col: 2 } }
  const b = { code: 'rego_unsafe_var_error', message: 'var x is unsafe', location: { file: 'a.rego', row: 9, col: 1 } }
  const c = { code: 'rego_unsafe_var_error', message: 'var y is unsafe', location: { file: 'a.rego', row: 2, col: 5 } }
  const e = new CompileError([a, b, c, { ...b }])
  t.same(e.errors, [c, b, a])
  t.equal(e.message, '3 errors occurred')
  t.same(e.location, c.location)
  t.equal(new CompileError([a]).message, 'undefined function f', 'one error keeps its own message')
})
