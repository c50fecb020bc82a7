// `policy check`: compile errors only, as text or JSON.

import t from 'tap'
import { policy, workspace } from './fixtures/run-policy.js'
import { checkProgram } from '../../dist/src/check/index.js'
import { parseModule } from '../../dist/src/rego/index.js'

t.test('clean sources: exit 0, nothing printed', async (t) => {
  const dir = workspace(t, { 'rules/ok.rego': 'package ok\n\nallow if input.user == "alice"\n' })
  const r = policy(['check', 'rules'], dir)
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, '')
  t.equal(r.stderr, '')
})

t.test('errors in text: file:row:col: code: message, line and caret', async (t) => {
  const dir = workspace(t, { 'rules/bad.rego': 'package bad\n\nallow if {\n\tinput.x == y\n}\n' })
  const r = policy(['check', 'rules'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /^rules\/bad\.rego:4:\d+: rego_unsafe_var_error: /)
  const [, col] = /^rules\/bad\.rego:4:(\d+)/.exec(r.stderr)!
  const lines = r.stderr.split('\n')
  t.equal(lines[1], '\t\tinput.x == y')
  // the line's own tab is kept under the caret, so it lines up in a terminal
  t.equal(lines[2], `\t\t${' '.repeat(Number(col) - 2)}^`)
  t.equal('\tinput.x == y'[Number(col) - 1], 'y', 'the caret points at the unsafe variable')
})

t.test("unsafe variables are those check/'s safety pass reports, wherever they sit", async (t) => {
  // In an else branch of a function nobody calls, inside a comprehension
  // that reads a variable its own expression binds only after it.
  const source = 'package lib\n\nf(x) := y if {\n\tx > 1\n\ty := 1\n} else := z if {\n\tz := count([v | v := i]) + input.xs[i]\n}\n'
  const dir = workspace(t, { 'lib.rego': source })
  const r = policy(['check', '--format', 'json', 'lib.rego'], dir)
  t.equal(r.code, 2)
  const { errors } = JSON.parse(r.stdout) as { errors: unknown[] }
  t.same(errors, [{ code: 'rego_unsafe_var_error', message: 'var i is unsafe', location: { file: 'lib.rego', row: 7, col: 23 } }])
  t.same(errors, checkProgram([parseModule('lib.rego', source, { regoVersion: 1 })]).errors, 'the pass alone reports the same')
})

t.test('--format json prints { errors } on stdout', async (t) => {
  const dir = workspace(t, { 'bad.rego': 'package bad\n\nallow if {\n' })
  const r = policy(['check', '--format', 'json', 'bad.rego'], dir)
  t.equal(r.code, 2)
  const out = JSON.parse(r.stdout) as { errors: { code: string; message: string; location: { file: string; row: number; col: number } }[] }
  t.equal(out.errors[0]!.code, 'rego_parse_error')
  t.equal(out.errors[0]!.location.file, 'bad.rego')
  t.type(out.errors[0]!.location.row, 'number')
  t.type(out.errors[0]!.message, 'string')
})

t.test('--format json with no errors', async (t) => {
  const dir = workspace(t, { 'ok.rego': 'package ok\n\nx := 1\n' })
  const r = policy(['check', '--format', 'json', 'ok.rego'], dir)
  t.equal(r.code, 0)
  t.same(JSON.parse(r.stdout), { errors: [], warnings: [] })
})

t.test('--v0-compatible accepts v0 syntax', async (t) => {
  const dir = workspace(t, { 'v0.rego': 'package v0\n\nallow {\n\tinput.user == "alice"\n}\n' })
  t.equal(policy(['check', 'v0.rego'], dir).code, 2)
  const r = policy(['check', '--v0-compatible', 'v0.rego'], dir)
  t.equal(r.code, 0, r.stderr)
})

t.test('a negated call whose argument may be undefined: a warning, exit 0', async (t) => {
  // OPA evaluates `input.user` before `not` (open-policy-agent/opa#8387):
  // deny does not fire when the user is missing.
  const src = 'package w\n\nis_admin(u) if u == "admin"\n\ndeny if not is_admin(input.user)\n'
  const dir = workspace(t, { 'w.rego': src })
  const r = policy(['check', 'w.rego'], dir)
  t.equal(r.code, 0, 'a warning does not fail the check')
  t.match(r.stderr, /^w\.rego:5:22: rego_negation_undefined_arg: `input\.user` is evaluated before `not`/)
  const lines = r.stderr.split('\n')
  t.equal(lines[1], '\tdeny if not is_admin(input.user)')
  t.equal(lines[2], `\t${' '.repeat(21)}^`, 'the caret points at the argument')
  t.match(lines[3], /opa#8387/, 'the details say why and what to write instead')
  const j = policy(['check', '--format', 'json', 'w.rego'], dir)
  t.equal(j.code, 0)
  const out = JSON.parse(j.stdout) as { errors: unknown[]; warnings: { code: string; location: { row: number; col: number } }[] }
  t.same(out.errors, [])
  t.same(
    out.warnings.map((w) => [w.code, w.location.row, w.location.col]),
    [['rego_negation_undefined_arg', 5, 22]],
  )
})

t.test('a negation over a plain ref or a local is no warning', async (t) => {
  const dir = workspace(t, { 'q.rego': 'package q\n\nf(u) if u == "a"\n\np if not input.user\n\nr if {\n\tu := "b"\n\tnot f(u)\n}\n' })
  const r = policy(['check', 'q.rego'], dir)
  t.equal(r.code, 0)
  t.equal(r.stderr, '')
})
