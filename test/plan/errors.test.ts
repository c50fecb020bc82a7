// Compile-time errors of check + plan as compile() reports them (safety and
// entrypoints from plan/; recursion, calls, rule kinds and `:=`
// redeclaration from check/'s passes): each test checks the code, the
// row:col, and the source text at that location (habit: assert the text an
// error points at), so an error that names the wrong place fails.

import t from 'tap'
import { parseModule } from '../../dist/src/rego/index.js'
import { planProgram } from '../../dist/src/plan/planner.js'
import { checkProgram } from '../../dist/src/check/index.js'
import { CompileError, type ErrorDetail } from '../../dist/src/errors/index.js'

type Files = Record<string, string>

function planErrors(files: Files, entrypoints: string[]): ErrorDetail[] {
  const modules = Object.entries(files).map(([path, source]) => parseModule(path, source, { regoVersion: 1 }))
  return planProgram(checkProgram(modules), { entrypoints }).errors
}

/** What the public API reports: de-duplicated and sorted, as compile() throws them. */
function reported(files: Files, entrypoints: string[]): ErrorDetail[] {
  return new CompileError(planErrors(files, entrypoints)).errors
}

/** The source text starting at an error's row:col. */
function at(files: Files, e: ErrorDetail, length: number): string {
  const loc = e.location!
  const line = files[loc.file]!.split('\n')[loc.row - 1]!
  return line.slice(loc.col - 1, loc.col - 1 + length)
}

t.test('unsafe variable: the variable itself is pointed at', async (t) => {
  const files = { 'unsafe.rego': 'package t\n\nallow if {\n\tinput.level > 1\n\tinput.user == who\n}\n' }
  const errs = reported(files, ['t/allow'])
  t.equal(errs.length, 1)
  const [e] = errs
  t.equal(e!.code, 'rego_unsafe_var_error')
  t.match(e!.message, /\bwho\b/)
  t.same(e!.location, { file: 'unsafe.rego', row: 5, col: 16 })
  t.equal(at(files, e!, 3), 'who')
})

t.test('every unsafe variable of a body is reported', async (t) => {
  const files = { 'u.rego': 'package t\n\np if {\n\tx > y\n}\n' }
  const errs = reported(files, ['t/p'])
  t.same(
    errs.map((e) => e.code),
    ['rego_unsafe_var_error', 'rego_unsafe_var_error'],
  )
  t.same(
    errs.map((e) => at(files, e, 1)),
    ['x', 'y'],
  )
})

t.test('safety reordering: `x = y; y = 1` is not unsafe', async (t) => {
  t.same(planErrors({ 'r.rego': 'package t\n\np := x if {\n\tx = y\n\ty = 1\n}\n' }, ['t/p']), [])
})

t.test('recursion: the cycle is named and the reference that closes it is pointed at', async (t) => {
  const files = { 'rec.rego': 'package t\n\np if q\n\nq if {\n\tinput.x\n\tp\n}\n' }
  const [e, ...rest] = reported(files, ['t/p'])
  t.same(rest, [])
  t.equal(e!.code, 'rego_recursion_error')
  t.match(e!.message, 'data.t.p -> data.t.q -> data.t.p')
  t.same(e!.location, { file: 'rec.rego', row: 7, col: 2 })
  t.equal(at(files, e!, 1), 'p')
})

t.test('undefined function: rego_type_error at the call', async (t) => {
  const files = { 'f.rego': 'package t\n\np := x if {\n\tx := frobnicate(input.a)\n}\n' }
  const [e, ...rest] = reported(files, ['t/p'])
  t.same(rest, [])
  t.equal(e!.code, 'rego_type_error')
  t.match(e!.message, 'undefined function frobnicate')
  t.equal(at(files, e!, 'frobnicate('.length), 'frobnicate(')
})

t.test('arity mismatch: a built-in and a user function', async (t) => {
  const files = { 'a.rego': 'package t\n\nf(x) := x\n\np := count(input.a, input.b, 3)\n\nq := f(1, 2)\n' }
  const errs = reported(files, ['t/p', 't/q'])
  t.same(
    errs.map((e) => e.code),
    ['rego_type_error', 'rego_type_error'],
  )
  t.match(errs[0]!.message, /count: arity mismatch: expected 1 arguments, got 3/)
  t.equal(at(files, errs[0]!, 6), 'count(')
  t.match(errs[1]!.message, /data\.t\.f has arity 1, got 2/)
  t.equal(at(files, errs[1]!, 2), 'f(')
})

t.test('conflicting rule kinds: the second definition is pointed at', async (t) => {
  const files = { 'k.rego': 'package t\n\np := 1\n\np contains 2\n' }
  const [e, ...rest] = reported(files, ['t/p'])
  t.same(rest, [])
  t.equal(e!.code, 'rego_type_error')
  t.match(e!.message, 'conflicting rules data.t.p')
  t.same(e!.location, { file: 'k.rego', row: 5, col: 1 })
  t.equal(at(files, e!, 'p contains'.length), 'p contains')
})

t.test('function definitions of different arity conflict', async (t) => {
  const files = { 'k.rego': 'package t\n\nf(x) := x\n\nf(x, y) := y\n\np := f(1)\n' }
  const errs = reported(files, ['t/p'])
  t.equal(errs[0]?.code, 'rego_type_error')
  t.match(errs[0]?.message, /arity 2, conflicting with another definition of arity 1/)
  t.equal(errs[0]?.location?.row, 5)
})

t.test('`:=` on a variable already declared in the body: rego_compile_error', async (t) => {
  const files = { 'd.rego': 'package t\n\np if {\n\tx := 1\n\tx := 2\n}\n' }
  const [e, ...rest] = reported(files, ['t/p'])
  t.same(rest, [])
  t.equal(e!.code, 'rego_compile_error')
  t.match(e!.message, 'var x assigned above')
  t.same(e!.location, { file: 'd.rego', row: 5, col: 2 })
  t.equal(at(files, e!, 1), 'x')
})

t.test('unknown entrypoint: compile_entrypoint_error naming it', async (t) => {
  const errs = reported({ 'e.rego': 'package t\n\np := 1\n' }, ['t/p', 't/nope'])
  t.equal(errs.length, 1)
  t.equal(errs[0]!.code, 'compile_entrypoint_error')
  t.match(errs[0]!.message, '"t/nope"')
})

t.test('a function is not an entrypoint', async (t) => {
  const errs = reported({ 'e.rego': 'package t\n\nf(x) := x\n' }, ['t/f'])
  t.equal(errs[0]?.code, 'compile_entrypoint_error')
  t.match(errs[0]?.message, 'is a function')
})

t.test('all errors are reported: two files, one error each, sorted by file then position', async (t) => {
  const files = {
    'b.rego': 'package b\n\np if {\n\tinput.x == y\n}\n',
    'a.rego': 'package a\n\nq := 1\n\np := nope(1)\n',
  }
  const errs = reported(files, ['b/p', 'a/p'])
  t.same(
    errs.map((e) => [e.location?.file, e.code]),
    [
      ['a.rego', 'rego_type_error'],
      ['b.rego', 'rego_unsafe_var_error'],
    ],
  )
  t.same(
    errs.map((e) => e.location?.row),
    [5, 4],
  )
  const thrown = new CompileError(planErrors(files, ['b/p', 'a/p']))
  t.equal(thrown.message, '2 errors occurred')
  t.equal(thrown.code, 'rego_type_error', 'the first error (by location) gives the thrown code')
})

t.test('one unsafe variable used twice is reported once per place', async (t) => {
  const errs = reported({ 'u.rego': 'package t\n\np if {\n\tinput.a == z\n}\n' }, ['t/p'])
  t.equal(errs.length, 1, 'duplicates from re-planning are removed')
})

t.test('errors in rules the entrypoints do not reach', async (t) => {
  // OPA checks every rule of every module, reachable or not; so does compile().
  const files = { 'g.rego': 'package t\n\np := 1\n\nf(a) := b\n' }
  t.same(
    reported(files, ['t/p']).map((e) => e.code),
    ['rego_unsafe_var_error'],
    'a function nobody calls is checked',
  )
  t.same(
    reported({ 'g.rego': 'package t\n\np := 1\n\nq if {\n\tx > 1\n}\n' }, ['t']).map((e) => e.code),
    ['rego_unsafe_var_error'],
    'a package entrypoint checks every rule in it',
  )
})

t.test("every's own variable is not needed from outside when the body names it again elsewhere", async (t) => {
  // Found running gatekeeper-library-style tests: `x` of the every and the
  // comprehension's own `some x` are different variables (OPA accepts this).
  const ok = { 'e.rego': 'package t\n\np if {\n\tevery x in [1] { x == 1 }\n\tcount([x | some x in [2]]) == 1\n}\n' }
  t.same(reported(ok, ['t/p']), [])
  // A variable the every's body reads from outside is still checked.
  const bad = { 'e.rego': 'package t\n\np if {\n\tevery x in [1] { x == z }\n\t[z | some z in [2]]\n}\n' }
  const errs = reported(bad, ['t/p'])
  t.equal(errs.length, 1)
  t.equal(errs[0]!.code, 'rego_unsafe_var_error')
  t.equal(at(bad, errs[0]!, 1), 'z')
})
