// `policy eval`: the shapes of `opa eval` (json, pretty), queries that are
// refs or bodies, -d folders/files/bundles, -i input, v0, exit codes, compile
// errors located as `build` locates them, and --watch. Runs the built binary.

import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bin, policy, workspace } from './fixtures/run-policy.js'

const AUTHZ = 'package authz\n\ndefault allow := false\n\nallow if input.user == "alice"\n\nroles := ["admin", "dev", "ops"]\n'

t.test('a ref query with -d and -i: the JSON of opa eval --format json', async (t) => {
  const dir = workspace(t, { 'p/authz.rego': AUTHZ, 'in.json': '{"user": "alice"}' })
  const r = policy(['eval', '-d', 'p', '-i', 'in.json', 'data.authz.allow'], dir)
  t.equal(r.code, 0, r.stderr)
  t.same(JSON.parse(r.stdout), { result: [{ expressions: [{ value: true, text: 'data.authz.allow', location: { row: 1, col: 1 } }] }] })
  const denied = policy(['eval', '-d', 'p/authz.rego', 'data.authz.allow'], dir)
  t.same(JSON.parse(denied.stdout).result[0].expressions[0].value, false, 'a false value is an answer, not undefined')
})

t.test("a body query: one result per solution, every expression's value and the bindings", async (t) => {
  const dir = workspace(t, { 'p/authz.rego': AUTHZ })
  const r = policy(['eval', '-d', 'p', 'x := data.authz.roles[i]; startswith(x, "d"); count(x)'], dir)
  t.equal(r.code, 0, r.stderr)
  t.same(JSON.parse(r.stdout), {
    result: [
      {
        expressions: [
          { value: true, text: 'x := data.authz.roles[i]', location: { row: 1, col: 1 } },
          { value: true, text: 'startswith(x, "d")', location: { row: 1, col: 27 } },
          { value: 3, text: 'count(x)', location: { row: 1, col: 47 } },
        ],
        bindings: { x: 'dev', i: 1 },
      },
    ],
  })
  const many = JSON.parse(policy(['eval', '-d', 'p', 'data.authz.roles[_] = r'], dir).stdout)
  t.same(many.result.map((s: { bindings: { r: string } }) => s.bindings.r).sort(), ['admin', 'dev', 'ops'])
  const failing = policy(['eval', '3 < 2'], dir)
  t.same(JSON.parse(failing.stdout), {}, 'a comparison that fails has no solution')
})

t.test('undefined is {} and exit 0; --fail and --fail-defined exit 1', async (t) => {
  const dir = workspace(t, { 'p/authz.rego': AUTHZ })
  const r = policy(['eval', '-d', 'p', 'data.authz.nothing'], dir)
  t.equal(r.code, 0)
  t.equal(r.stdout, '{}\n')
  t.equal(policy(['eval', '-d', 'p', '--fail', 'data.authz.nothing'], dir).code, 1)
  t.equal(policy(['eval', '-d', 'p', '--fail', 'data.authz.roles'], dir).code, 0)
  t.equal(policy(['eval', '-d', 'p', '--fail-defined', 'data.authz.roles'], dir).code, 1)
  t.equal(policy(['eval', '-d', 'p', '--fail', '--fail-defined', 'x'], dir).code, 2)
})

t.test('--format pretty: a value, a table with the bindings, undefined', async (t) => {
  const dir = workspace(t, { 'p/authz.rego': AUTHZ })
  t.equal(policy(['eval', '-d', 'p', '-f', 'pretty', 'data.authz.roles[0]'], dir).stdout, '"admin"\n')
  t.equal(
    policy(['eval', '-d', 'p', '--format', 'pretty', 'x := data.authz.roles[i]'], dir).stdout,
    ['+---------+---+', '| x       | i |', '+---------+---+', '| "admin" | 0 |', '| "dev"   | 1 |', '| "ops"   | 2 |', '+---------+---+', ''].join('\n'),
  )
  t.equal(policy(['eval', '-f', 'pretty', '1 > 2'], dir).stdout, 'undefined\n')
  const bad = policy(['eval', '-f', 'xml', '1'], dir)
  t.equal(bad.code, 2)
  t.match(bad.stderr, /format `xml` is not one of `json`, `pretty`/)
})

t.test("the sources' compile errors are build's: file:row:col, the line, exit 2", async (t) => {
  const dir = workspace(t, { 'p/authz.rego': AUTHZ, 'p/bad.rego': 'package authz\n\nbad if {\n\tz\n}\n' })
  const r = policy(['eval', '-d', 'p', 'data.authz.allow'], dir)
  const b = policy(['build', 'p', '-e', 'authz/allow', '-o', 'b.tar.gz'], dir)
  t.equal(r.code, 2)
  t.equal(r.code, b.code)
  t.match(r.stderr, /^p\/bad\.rego:4:2: rego_unsafe_var_error: var z is unsafe\n\t\tz\n\t\t\^/)
  t.equal(r.stderr, b.stderr, 'the same text as build prints')
  t.equal(r.stdout, '')
})

t.test('errors in the query point at the query as typed', async (t) => {
  const dir = workspace(t, { 'p/authz.rego': AUTHZ })
  const unsafe = policy(['eval', '-d', 'p', 'x := data.authz.roles[_]; y == 1'], dir)
  t.equal(unsafe.code, 2)
  t.equal(unsafe.stderr, '<query>:1:27: rego_unsafe_var_error: var y is unsafe\n\tx := data.authz.roles[_]; y == 1\n\t                          ^\n')
  const parse = policy(['eval', '1 +'], dir)
  t.equal(parse.code, 2)
  t.match(parse.stderr, /^<query>:1:4: rego_parse_error: /)
  const second = policy(['eval', 'x := 1\nnot_a_function(x)'], dir)
  t.match(second.stderr, /^<query>:2:1: rego_type_error: undefined function not_a_function/)
  t.match(policy(['eval', '1 } p if { 2'], dir).stderr, /<query>:1:1: rego_parse_error: the query is not a body of expressions/)
  t.match(policy(['eval', '  '], dir).stderr, /rego_parse_error: empty query/)
  t.match(policy(['eval', '-d', 'p'], dir).stderr, /no query given/)
})

t.test('--v0-compatible reads v0 sources and queries; without it they do not parse', async (t) => {
  const dir = workspace(t, { 'v0/old.rego': 'package old\n\nallow { input.user == "alice" }\n\nnames[n] { n := ["a", "b"][_] }\n' })
  const r = policy(['eval', '--v0-compatible', '-d', 'v0', '-i', '/dev/null', 'data.old.names'], dir)
  t.equal(r.code, 0, r.stderr)
  t.same(JSON.parse(r.stdout).result[0].expressions[0].value, ['a', 'b'])
  const v1 = policy(['eval', '-d', 'v0', 'data.old.names'], dir)
  t.equal(v1.code, 2)
  t.match(v1.stderr, /^v0\/old\.rego:3:1: rego_parse_error: `if` keyword is required/)
})

t.test('-d and -b take a bundle built by policy build; -i takes YAML', async (t) => {
  const dir = workspace(t, { 'p/authz.rego': AUTHZ, 'p/data.json': '{"teams": {"a": ["alice"]}}', 'in.yaml': 'user: alice\n' })
  t.equal(policy(['build', 'p', '-e', 'authz/allow', '-o', 'b.tar.gz'], dir).code, 0)
  for (const flag of ['-d', '-b']) {
    const r = policy(['eval', flag, 'b.tar.gz', '-i', 'in.yaml', '[data.authz.allow, data.teams.a]'], dir)
    t.equal(r.code, 0, r.stderr)
    t.same(JSON.parse(r.stdout).result[0].expressions[0].value, [true, ['alice']])
  }
  const missing = policy(['eval', '-i', 'none.json', '1'], dir)
  t.equal(missing.code, 2)
  t.match(missing.stderr, /input file `none\.json` does not exist/)
})

t.test('built-in errors: undefined by default, an evaluation error (exit 1) with --strict-builtin-errors', async (t) => {
  const dir = workspace(t, {})
  t.equal(policy(['eval', 'to_number("x")'], dir).stdout, '{}\n')
  const strict = policy(['eval', '--strict-builtin-errors', 'to_number("x")'], dir)
  t.equal(strict.code, 1)
  t.match(strict.stderr, /to_number/)
})

t.test('policy test reads a bundle too, and takes --capabilities as build and eval do', async (t) => {
  const dir = workspace(t, {
    'p/authz.rego': AUTHZ,
    'p/authz_test.rego': 'package authz_test\n\nimport data.authz\n\ntest_alice if authz.allow with input as {"user": "alice"}\n',
    'caps.json': '{"builtins": [{"name": "acme.tag", "decl": {"type": "function", "args": [{"type": "any"}], "result": {"type": "string"}}}]}',
    'q/uses_custom_test.rego': 'package custom\n\ntest_declared if { not acme.tag(1) == "x" }\n',
  })
  t.equal(policy(['build', 'p', '-e', 'authz/allow', '-o', 'b.tar.gz'], dir).code, 0)
  const r = policy(['test', 'b.tar.gz'], dir)
  t.equal(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout, /^PASS: 1\/1$/m)
  const without = policy(['test', 'q'], dir)
  t.equal(without.code, 2)
  t.match(without.stderr, /undefined function acme\.tag/)
  const withCaps = policy(['test', '--capabilities', 'caps.json', 'q'], dir)
  t.not(withCaps.code, 2, 'a declared built-in compiles')
})

t.test('policy eval --watch evaluates again on every edit', async (t) => {
  const dir = workspace(t, { 'p/authz.rego': AUTHZ, 'in.json': '{"user": "alice"}' })
  const child = spawn(process.execPath, [bin, 'eval', '--watch', '-d', 'p', '-i', 'in.json', '-f', 'pretty', 'data.authz.allow'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  let out = ''
  child.stdout.on('data', (c) => {
    out += c
  })
  child.stderr.on('data', (c) => {
    out += c
  })
  const until = async (re: RegExp, count: number) => {
    for (let i = 0; i < 600; i++) {
      if ((out.match(re) ?? []).length >= count) return true
      await new Promise((r) => setTimeout(r, 50))
    }
    return false
  }
  t.ok(await until(/# exit 0; watching/g, 1), 'first evaluation')
  t.match(out, /^true$/m)
  writeFileSync(join(dir, 'in.json'), '{"user": "bob"}')
  t.ok(await until(/# exit 0; watching/g, 2), 'a second evaluation after the edit')
  t.match(out.slice(out.lastIndexOf('# policy eval')), /^false$/m)
  child.kill('SIGTERM')
  t.equal(await new Promise((r) => child.on('close', r)), 0)
})
