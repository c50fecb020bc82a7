// `policy test` on the classes of public libraries' tests it once refused or
// reported worse than `opa test` (fixtures/policy-test/libraries/README.md):
// parameterized tests in every output format, tests iterating over nothing,
// repeated file names. Runs the built binary on the fixtures.

import t from 'tap'
import { Parser } from 'tap-parser'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { policy, repo, workspace } from './fixtures/run-policy.js'

const LIB = join(repo, 'test', 'fixtures', 'policy-test', 'libraries')
const PARAMS = join(LIB, 'parameterized', 'double_test.rego')

t.test('parameterized tests: each case is its own test, the failed one named with why', async (t) => {
  const r = policy(['test', PARAMS], repo)
  t.equal(r.code, 1, r.stderr)
  t.match(r.stdout, /data\.parameterized\.test_double: FAIL/)
  t.match(
    r.stdout,
    /\n {2}wrong: FAIL\n {4}failed at test\/fixtures\/policy-test\/libraries\/parameterized\/double_test\.rego:17:2:\n {6}double\(tc\.in\) == tc\.want\n {6}double\(tc\.in\) = 6\n {6}tc\.want = 7/,
  )
  t.notMatch(r.stdout, /one: FAIL|two: FAIL/)
  // Leaf cases are counted, as opa test counts them: 3+4+2 cases, an empty test and a plain one.
  t.match(r.stdout, /^PASS: 10\/11$/m)
  t.match(r.stdout, /^FAIL: 1\/11$/m)
})

t.test("parameterized tests: -v lists every case, nested by the head's depth", async (t) => {
  const r = policy(['test', '-v', PARAMS], repo)
  t.match(r.stdout, /data\.parameterized\.test_grid: PASS \([^)]+\)\n {2}x: PASS\n {4}1: PASS\n {4}2: PASS\n {2}y: PASS\n {4}1: PASS\n {4}2: PASS\n/)
  t.match(r.stdout, /data\.parameterized\.test_by_note: PASS \([^)]+\)\n {2}large: PASS\n {2}small: PASS\n/)
  t.match(
    r.stdout,
    /data\.parameterized\.test_no_cases: PASS \([^)]+\)\ndata\.parameterized\.test_plain: PASS/,
    'no case at all passes with no sub-result, as in OPA',
  )
})

t.test("parameterized tests: --format json has OPA's sub_results", async (t) => {
  const r = policy(['test', '--format', 'json', PARAMS], repo)
  t.equal(r.code, 1)
  const list = JSON.parse(r.stdout) as Record<string, any>[]
  const double = list.find((x) => x.name === 'test_double')!
  t.equal(double.fail, true)
  t.same(Object.keys(double.sub_results), ['one', 'two', 'wrong'])
  t.same(double.sub_results.one, { name: 'one' })
  t.equal(double.sub_results.wrong.fail, true)
  t.match(double.sub_results.wrong.explanation[0], /double_test\.rego:17:2:$/)
  const grid = list.find((x) => x.name === 'test_grid')!
  t.notOk(grid.fail)
  t.same(grid.sub_results.x, { name: 'x', sub_results: { 1: { name: '1' }, 2: { name: '2' } } })
  t.notOk('sub_results' in list.find((x) => x.name === 'test_no_cases')!)
})

t.test('parameterized tests: --format tap nests each case as a subtest tap-parser reads', async (t) => {
  const r = policy(['test', '--format', 'tap', PARAMS], repo)
  t.equal(r.code, 1)
  const result = await new Promise<{ ok: boolean; count: number; fail: number; failures: { name: string }[] }>((resolve) => {
    const p = new Parser(resolve as never)
    p.end(r.stdout)
  })
  t.equal(result.ok, false)
  t.equal(result.count, 5)
  t.same(
    result.failures.map((f) => f.name),
    ['data.parameterized.test_double'],
  )
  t.match(r.stdout, /# Subtest: data\.parameterized\.test_double\n {4}1\.\.3\n {4}ok 1 - one\n {4}ok 2 - two\n {4}not ok 3 - wrong\n/)
  t.match(r.stdout, /^# pass 10$/m)
})

t.test('parameterized tests: --format junit has a testcase per case', async (t) => {
  const r = policy(['test', '--format', 'junit', PARAMS], repo)
  t.match(r.stdout, /<testsuites name="policy test" tests="11" failures="1"/)
  t.match(r.stdout, /<testcase name="test_double\/wrong" classname="data\.parameterized"[^>]*>\n\s+<failure /)
  t.match(r.stdout, /<testcase name="test_grid\/y\/2" /)
})

t.test('parameterized tests: --coverage counts only the lines as written', async (t) => {
  const r = policy(['test', '--coverage', PARAMS], repo)
  const report = JSON.parse(r.stdout) as { files: Record<string, { covered?: { end: { row: number } }[]; not_covered?: { end: { row: number } }[] }> }
  const file = Object.values(report.files)[0]!
  const last = Math.max(...[...(file.covered ?? []), ...(file.not_covered ?? [])].map((x) => x.end.row))
  t.ok(last <= readFileSync(PARAMS, 'utf8').split('\n').length, `row ${last} is inside the file`)
  t.match(r.stderr, /wrong: FAIL/, 'failures still reported with --coverage')
})

t.test("parameterized tests: --run selects by the test's name", async (t) => {
  const r = policy(['test', '--run', 'test_grid', PARAMS], repo)
  t.equal(r.code, 0, r.stdout)
  t.match(r.stdout, /^PASS: 4\/4$/m)
})

t.test('a case binding its variable after a later expression still runs (its names come from the passing cases)', async (t) => {
  // The expression naming the case comes before the one binding what it reads:
  // the cases rule copied up to it is unsafe, the test itself is not.
  const dir = workspace(t, { 'late_test.rego': 'package late\n\ntest_late[name] if {\n\tname := y\n\ty := "a"\n}\n' })
  const r = policy(['test', '-v', '.'], dir)
  t.equal(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout, /data\.late\.test_late: PASS \([^)]+\)\n {2}a: PASS/)
})

t.test('v0: a parameterized test written as a partial object', async (t) => {
  const dir = workspace(t, { 'v0_test.rego': 'package v0\n\ntest_x[name] = true {\n\tsome name\n\tv := {"a": 1, "b": 2}[name]\n\tv == 1\n}\n' })
  const r = policy(['test', '--v0-compatible', '.'], dir)
  t.equal(r.code, 1, r.stderr)
  t.match(r.stdout, /data\.v0\.test_x: FAIL[^\n]*\n[^]*\n {2}b: FAIL/)
  t.match(r.stdout, /^PASS: 1\/2$/m)
})

t.test('a ref-head test with no variable, a test function, a partial set test: refused at their location', async (t) => {
  const dir = workspace(t, { 'bad_test.rego': 'package bad\n\ntest_x.y if true\n\ntest_f(a) if a\n\ntest_s contains 1\n' })
  const r = policy(['test', '.'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /bad_test\.rego:3:1: rego_compile_error: `test_x` is a rule with a ref head and no variable in it/)
  t.match(r.stderr, /bad_test\.rego:5:1: rego_compile_error: `test_f` is a function/)
  t.match(r.stderr, /bad_test\.rego:7:1: rego_compile_error: `test_s` is a partial set rule/)
})

t.test('a test iterating over nothing points at the expression with no solution', async (t) => {
  const r = policy(['test', join(LIB, 'empty-iteration', 'empty_test.rego')], repo)
  t.equal(r.code, 1)
  t.match(r.stdout, /test_iterates_empty: FAIL[^\n]*\n[^\n]*\n[^\n]*\n {2}failed at [^\n]*empty_test\.rego:10:2:\n {4}some x in xs\n {4}xs = \[\]\n/)
  t.match(r.stdout, /test_indexes_empty: FAIL[^]*failed at [^\n]*empty_test\.rego:15:2:\n {4}xs\[_\] == "denied"/)
  // `some i` alone is no probe; the expression after it is the one that fails.
  t.match(r.stdout, /test_declared_first: FAIL[^]*failed at [^\n]*empty_test\.rego:20:2:\n {4}findings\[i\] == "denied"/)
  t.notMatch(r.stdout, /the test is undefined/)
})

t.test('one probe that does not compile costs only its own line of explanation', async (t) => {
  // `v` is bound only by the failing expression: its value rule is unsafe.
  const dir = workspace(t, { 'u_test.rego': 'package u\n\ntest_a if {\n\t[1][v] == 2\n}\n\ntest_b if {\n\txs := [1]\n\tcount(xs) == 2\n}\n' })
  const r = policy(['test', '.'], dir)
  t.equal(r.code, 1)
  t.match(r.stdout, /test_a: FAIL[^]*failed at u_test\.rego:4:2:/)
  t.match(r.stdout, /test_b: FAIL[^]*failed at u_test\.rego:9:2:\n {4}count\(xs\) == 2\n {4}count\(xs\) = 1/)
})

t.test('two test files with one name from different folders are two modules, as opa test loads them', async (t) => {
  const a = join(LIB, 'same-name', 'admission', 'src_test.rego')
  const b = join(LIB, 'same-name', 'audit', 'src_test.rego')
  const r = policy(['test', '-v', a, b, a], repo)
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /data\.sameName\.admission\.test_admission: PASS/)
  t.match(r.stdout, /data\.sameName\.audit\.test_audit: PASS/)
  t.match(r.stdout, /^PASS: 2\/2$/m, 'a file named twice is read once')
  const dirs = policy(['test', join(LIB, 'same-name', 'admission'), join(LIB, 'same-name', 'audit')], repo)
  t.equal(dirs.code, 0, dirs.stderr)
})

t.test('build still refuses two files that would share one bundle path', async (t) => {
  const dir = workspace(t, { 'a/x.rego': 'package a\n\np := 1\n', 'b/x.rego': 'package b\n\nq := 1\n' })
  const r = policy(['build', 'a/x.rego', 'b/x.rego', '-e', 'a/p', '-o', 'out.tar.gz'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /would both be stored as `\/x\.rego` in the bundle/)
})

t.test('json.patch paths without a leading slash, as OPA trims them', async (t) => {
  const r = policy(['test', join(LIB, 'json-patch')], repo)
  t.equal(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout, /^PASS: 1\/1$/m)
})

t.test('v0 built-ins (cast_*, set_diff) under --v0-compatible; undefined functions in v1', async (t) => {
  const r = policy(['test', '--v0-compatible', join(LIB, 'v0-builtins')], repo)
  t.equal(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout, /^PASS: 5\/5$/m)
  const dir = workspace(t, {
    'v1_test.rego': 'package v1\n\ntest_cast if cast_array({1}) == [1]\n',
    'v0_test.rego': 'package v0\nimport rego.v1\n\ntest_diff if set_diff({1}, {1}) == set()\n',
  })
  const v1 = policy(['test', 'v1_test.rego'], dir)
  t.equal(v1.code, 2)
  t.match(v1.stderr, /v1_test\.rego:3:14: rego_type_error: undefined function cast_array/)
  const v0 = policy(['test', '--v0-compatible', 'v0_test.rego'], dir)
  t.equal(v0.code, 2, "a v0 module importing rego.v1 follows v1's rules")
  t.match(v0.stderr, /v0_test\.rego:4:14: rego_type_error: undefined function set_diff/)
})
