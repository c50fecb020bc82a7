import t, { type Test } from 'tap'
import { CompileError } from '../../src/errors/index.js'
import { parseBody, parseModule } from '../../src/rego/index.js'

interface Want {
  message: string
  row: number
  col: number
  at: string
}

/** Parse, expect a CompileError, and check each error's message, place and the text there. */
function errorsOf(src: string, regoVersion: 0 | 1 = 1): (Want & { code: string })[] {
  try {
    parseModule('e.rego', src, { regoVersion })
  } catch (e) {
    if (!(e instanceof CompileError)) throw e
    const lines = src.split('\n')
    return e.errors.map((d) => ({
      code: d.code,
      message: d.message,
      row: d.location!.row,
      col: d.location!.col,
      at: [...lines[d.location!.row - 1]!].slice(d.location!.col - 1).join(''),
    }))
  }
  throw new Error('expected a parse error')
}

function check(t: Test, src: string, want: Want[], regoVersion: 0 | 1 = 1): void {
  const got = errorsOf(src, regoVersion)
  t.same(
    got.map((g) => g.code),
    want.map(() => 'rego_parse_error'),
  )
  t.same(
    got.map(({ message, row, col }) => ({ message, row, col })),
    want.map(({ message, row, col }) => ({ message, row, col })),
  )
  want.forEach((w, i) => t.ok(got[i]?.at.startsWith(w.at), `error ${i} points at ${JSON.stringify(w.at)}`))
}

t.test('v1 requires if and contains (OPA messages, at the rule)', async (t) => {
  check(t, 'package a\n\np { true }\n', [{ message: '`if` keyword is required before rule body', row: 3, col: 1, at: 'p {' }])
  check(t, 'package a\np[x] {\n  x := 1\n}\n', [
    { message: '`if` keyword is required before rule body', row: 2, col: 1, at: 'p[x]' },
    { message: '`contains` keyword is required for partial set rules', row: 2, col: 1, at: 'p[x]' },
  ])
  check(t, 'package a\nf(x) = 1 { x }\n', [{ message: '`if` keyword is required before function body', row: 2, col: 1, at: 'f(x)' }])
})

t.test('token errors point at the token', async (t) => {
  check(t, 'package foo.', [{ message: 'unexpected eof token: expected ident', row: 1, col: 13, at: '' }])
  check(t, 'package a\np if { x := 1 y := 2 }', [{ message: 'unexpected ident token: expected \\n or ; or }', row: 2, col: 15, at: 'y := 2' }])
  check(t, 'package a\np := 1 :=', [{ message: 'unexpected assign token', row: 2, col: 8, at: ':=' }])
  check(t, 'package a\np if { not some x }', [{ message: "unexpected some keyword: illegal negation of 'some'", row: 2, col: 12, at: 'some x' }])
  check(t, 'package a\np if { every x in xs }', [{ message: 'unexpected } token: missing body', row: 2, col: 22, at: '}' }])
  check(t, 'package a\np := 01', [{ message: 'unexpected number token: expected number without leading zero', row: 2, col: 6, at: '01' }])
  check(t, 'package a\np := "é" + "\\q"', [{ message: 'illegal escape sequence', row: 2, col: 13, at: '\\q' }], 1)
  check(t, 'package a\np := "abc\n', [{ message: 'non-terminated string', row: 2, col: 6, at: '"abc' }])
  check(t, 'package a\np if { x ! y }', [{ message: 'illegal ! character', row: 2, col: 10, at: '! y' }])
})

t.test('statement-level errors', async (t) => {
  check(t, 'p := 1\n', [{ message: 'package expected', row: 1, col: 1, at: 'p := 1' }])
  check(t, 'package a\np\n', [{ message: 'var cannot be used for rule name', row: 2, col: 1, at: 'p' }])
  check(t, 'package a\nimport foo.bar\n', [
    { message: 'unexpected import path, must begin with one of: {data, future, input, rego}, got: foo', row: 2, col: 8, at: 'foo.bar' },
  ])
  check(t, 'package a\nimport future.keywords.nope\n', [{ message: 'unexpected keyword, must be one of [contains every if in]', row: 2, col: 8, at: 'future' }])
  check(t, 'package a\ndefault p := input.x\n', [{ message: 'illegal default rule (value cannot contain ref)', row: 2, col: 1, at: 'default' }])
  check(t, 'package a\np[x] := 1 if { x := 1 } else := 2\n', [
    { message: 'else keyword cannot be used on rules with variables in head', row: 2, col: 25, at: 'else' },
  ])
  check(t, 'package a\np if { x := $"a {b = 1}" }', [{ message: "unexpected unification ('=') in template-string expression", row: 2, col: 18, at: 'b = 1' }])
  t.same(
    errorsOf('').map((e) => e.message),
    ['empty module'],
  )
})

t.test('errors in several rules are all reported, sorted', async (t) => {
  const src = 'package a\np if {\n  x := [1, 2\n}\nq := 1\nr if { y := }\ns := 2\n'
  const got = errorsOf(src)
  t.same(
    got.map((g) => `${g.row}:${g.col} ${g.message}`),
    ['4:1 unexpected } token: expected "," or "]"', '6:13 unexpected } token'],
  )
})

t.test('v0 without future imports', async (t) => {
  check(t, 'package a\np contains 1 if { true }\n', [{ message: 'unexpected ident token', row: 2, col: 3, at: 'contains' }], 0)
})

t.test('parseBody errors', async (t) => {
  t.throws(() => parseBody('x := '), { code: 'rego_parse_error' })
  try {
    parseBody('a = 1\nb = = 2', 'q.rego')
    t.fail('should throw')
  } catch (e) {
    t.ok(e instanceof CompileError)
    t.same((e as CompileError).location, { file: 'q.rego', row: 2, col: 5 })
  }
})
