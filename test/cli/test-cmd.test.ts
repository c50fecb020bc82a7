// `policy test`: Rego unit tests, decision fixtures, output formats,
// coverage, exit codes. Runs the built binary in temp dirs.

import t from 'tap'
import { Parser } from 'tap-parser'
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { policy, repo, workspace } from './fixtures/run-policy.js'

const POLICY = 'package p\n\nallow if input.user == "alice"\n\nadmin if input.role == "admin"\n'
const PASSING =
  'package p_test\n\nimport data.p\n\ntest_alice if p.allow with input as {"user": "alice"}\n\ntest_not_bob if not p.allow with input as {"user": "bob"}\n'
const FAILING = [
  'package q_test',
  '',
  'import data.p',
  '',
  'test_count if {',
  '\txs := [1, 2, 3]',
  '\tprint("xs is", xs)',
  '\tcount(xs) == 2',
  '}',
  '',
  'test_bob if p.allow with input as {"user": "bob"}',
  '',
  'todo_test_later if false',
  '',
].join('\n')

t.test('passing tests: exit 0 and the counts', async (t) => {
  const dir = workspace(t, { 'p.rego': POLICY, 'p_test.rego': PASSING })
  const r = policy(['test', '.'], dir)
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^PASS: 2\/2$/m)
  t.notMatch(r.stdout, /FAIL/)
})

t.test('a failing test: exit 1, location, failing expression with values, print output', async (t) => {
  const dir = workspace(t, { 'p.rego': POLICY, 'q_test.rego': FAILING })
  const r = policy(['test', '.'], dir)
  t.equal(r.code, 1, r.stderr)
  t.match(r.stdout, /data\.q_test\.test_count: FAIL/)
  t.match(r.stdout, /at q_test\.rego:5:1/)
  t.match(r.stdout, /failed at q_test\.rego:8:2:/)
  t.match(r.stdout, /count\(xs\) = 3/)
  t.match(r.stdout, /xs = \[1,2,3\]/)
  t.match(r.stdout, /print output:\n\s+xs is \[1, 2, 3\]/)
  t.match(r.stdout, /data\.q_test\.test_bob: FAIL/)
  t.match(r.stdout, /p\.allow = undefined/)
  t.match(r.stdout, /^FAIL: 2\/3$/m)
  t.match(r.stdout, /^SKIPPED: 1\/3$/m, 'todo_ tests are skipped, not run')
})

t.test('a test whose value is false fails', async (t) => {
  const dir = workspace(t, { 'f_test.rego': 'package f\n\ntest_false := false\n\ntest_true := 1\n' })
  const r = policy(['test', '.'], dir)
  t.equal(r.code, 1)
  t.match(r.stdout, /data\.f\.test_false: FAIL/)
  t.match(r.stdout, /^PASS: 1\/2$/m)
})

t.test('compile errors: exit 2 with file:row:col and a caret', async (t) => {
  const dir = workspace(t, { 'bad_test.rego': 'package bad\n\ntest_x if {\n\tinput.x == y\n}\n' })
  const r = policy(['test', '.'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /^bad_test\.rego:4:\d+: rego_unsafe_var_error: /)
  t.match(r.stderr, /\n\t\tinput\.x == y\n\t[\t ]+\^/)
  t.equal(r.stdout, '')
})

t.test('a test_ function is refused with its location', async (t) => {
  const dir = workspace(t, { 'fn_test.rego': 'package fn\n\ntest_helper(x) := x + 1\n' })
  const r = policy(['test', '.'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /^fn_test\.rego:3:1: rego_compile_error: `test_helper` is a function, not a test/)
})

t.test('--run selects by data.pkg.test_name; -v lists each test with its location', async (t) => {
  const dir = workspace(t, { 'p.rego': POLICY, 'p_test.rego': PASSING, 'q_test.rego': FAILING })
  const r = policy(['test', '.', '--run', 'p_test\\.test_alice', '-v'], dir)
  t.equal(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout, /^p_test\.rego:$/m)
  t.match(r.stdout, /^data\.p_test\.test_alice: PASS \(\d/m)
  t.notMatch(r.stdout, /test_not_bob|test_count/)
  t.match(r.stdout, /^PASS: 1\/1$/m)
})

t.test('repeated test names run separately, as OPA numbers them', async (t) => {
  const dir = workspace(t, { 'd_test.rego': 'package d\n\ntest_x if true\n\ntest_x if false\n' })
  const r = policy(['test', '.', '-v'], dir)
  t.equal(r.code, 1)
  t.match(r.stdout, /data\.d\.test_x: PASS/)
  t.match(r.stdout, /data\.d\.test_x#01: FAIL/)
})

t.test('--format tap is TAP 14 that tap-parser reads', async (t) => {
  const dir = workspace(t, { 'p.rego': POLICY, 'p_test.rego': PASSING, 'q_test.rego': FAILING })
  const r = policy(['test', '.', '--format', 'tap'], dir)
  t.equal(r.code, 1)
  t.match(r.stdout, /^TAP version 14\n1\.\.5\n/)
  const result = await new Promise<{
    ok: boolean
    count: number
    pass: number
    fail: number
    skip: number
    failures: { name: string; diag?: { at?: { line?: number } } }[]
  }>((resolve) => {
    const p = new Parser(resolve as never)
    p.end(r.stdout)
  })
  t.equal(result.ok, false)
  t.equal(result.count, 5)
  t.equal(result.fail, 2)
  t.equal(result.skip, 1)
  t.equal(result.failures[0]!.diag?.at?.line, 5)
})

t.test('--format json has the shape of opa test --format json', async (t) => {
  const dir = workspace(t, { 'p.rego': POLICY, 'q_test.rego': FAILING })
  const r = policy(['test', '.', '--format', 'json'], dir)
  t.equal(r.code, 1)
  const list = JSON.parse(r.stdout) as Record<string, unknown>[]
  t.equal(list.length, 3)
  const count = list.find((x) => x.name === 'test_count')!
  t.same(count.location, { file: 'q_test.rego', row: 5, col: 1 })
  t.equal(count.package, 'data.q_test')
  t.equal(count.fail, true)
  t.type(count.duration, 'number')
  t.equal(Buffer.from(count.output as string, 'base64').toString(), 'xs is [1, 2, 3]\n')
  t.equal(list.find((x) => x.name === 'todo_test_later')!.skip, true)
})

t.test('--format junit is well-formed XML with the counts', async (t) => {
  const dir = workspace(t, { 'p.rego': POLICY, 'p_test.rego': PASSING, 'q_test.rego': FAILING })
  const r = policy(['test', '.', '--format', 'junit'], dir)
  t.equal(r.code, 1)
  t.match(r.stdout, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="policy test" tests="5" failures="2" errors="0" skipped="1"/)
  t.match(r.stdout, /<testcase name="test_count" classname="data\.q_test" file="q_test\.rego" line="5"[^>]*>\n\s+<failure /)
  t.ok(wellFormed(r.stdout), 'every tag is closed in order')
})

t.test('--coverage: the report of opa test --coverage, and --threshold', async (t) => {
  const dir = workspace(t, { 'p.rego': POLICY, 'p_test.rego': PASSING })
  const r = policy(['test', '.', '--coverage'], dir)
  t.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as { coverage: number; files: Record<string, { covered?: unknown[]; not_covered?: unknown[]; coverage: number }> }
  // p.rego: line 3 ran, line 5 (admin) no test reaches.
  t.same(report.files['p.rego']!.covered, [{ start: { row: 3 }, end: { row: 3 } }])
  t.same(report.files['p.rego']!.not_covered, [{ start: { row: 5 }, end: { row: 5 } }])
  t.equal(report.files['p.rego']!.coverage, 50)
  t.equal(report.files['p_test.rego']!.coverage, 100)
  t.equal(report.coverage, 75)
  t.equal(policy(['test', '.', '--coverage', '--threshold', '70'], dir).code, 0)
  const low = policy(['test', '.', '--coverage', '--threshold', '80'], dir)
  t.equal(low.code, 1)
  t.match(low.stderr, /coverage 75% is below the threshold of 80%/)
})

const mesh = join(repo, 'test', 'fixtures', 'policy-test', 'mesh')

function meshCopy(t: Parameters<typeof workspace>[0], extra: Record<string, string> = {}): string {
  const dir = workspace(t, extra)
  cpSync(mesh, join(dir, 'mesh'), { recursive: true })
  for (const [p, text] of Object.entries(extra)) cpSync(join(dir, p), join(dir, 'mesh', p))
  return dir
}

t.test('decision fixtures pass through the global and domain layers combined', async (t) => {
  const dir = meshCopy(t)
  const r = policy(['test', 'mesh', '-v'], dir)
  t.equal(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout, /fixtures\.shop\.a reader is allowed: PASS/)
  t.match(r.stdout, /fixtures\.shop\.an anonymous reader is denied: PASS/)
})

t.test('a fixture whose decision differs fails with the mismatch', async (t) => {
  const dir = meshCopy(t, {
    'domains/shop/fixtures/decisions.yaml':
      'product: shop\ncases:\n  - name: wrong\n    decision: access\n    subject: { id: ana, roles: [] }\n    request: { port: items-v1 }\n    expect: { allow: true }\n',
  })
  const r = policy(['test', 'mesh'], dir)
  t.equal(r.code, 1, r.stderr)
  t.match(r.stdout, /fixtures\.shop\.wrong: FAIL/)
  t.match(r.stdout, /at mesh\/domains\/shop\/fixtures\/decisions\.yaml:3:5/)
  t.match(r.stdout, /allow: expected true, got false/)
})

t.test('a fixture naming an unknown port: exit 2 at the port', async (t) => {
  const dir = meshCopy(t, {
    'domains/shop/fixtures/decisions.yaml':
      'product: shop\ncases:\n  - name: bad port\n    decision: access\n    subject: { id: ana }\n    request: { port: nope }\n    expect: { allow: true }\n',
  })
  const r = policy(['test', 'mesh'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /^mesh\/domains\/shop\/fixtures\/decisions\.yaml:6:22: fixture_error: case `bad port` names port `nope`/)
})

t.test('malformed fixture YAML: exit 2 with file and line', async (t) => {
  const dir = meshCopy(t, { 'domains/shop/fixtures/decisions.yaml': 'product: shop\ncases:\n  - name: x\n    decision: [access\n' })
  const r = policy(['test', 'mesh'], dir)
  t.equal(r.code, 2)
  t.match(
    r.stderr,
    /^mesh\/domains\/shop\/fixtures\/decisions\.yaml:\d+:\d+: fixture_error: `mesh\/domains\/shop\/fixtures\/decisions\.yaml` is not valid YAML/,
  )
})

t.test('a fixture with an unknown decision or key: exit 2 at the key', async (t) => {
  const dir = meshCopy(t, {
    'domains/shop/fixtures/decisions.yaml':
      'product: shop\ncases:\n  - name: x\n    decision: acess\n    subject: {}\n    request: { port: items-v1 }\n    expect: {}\n    extra: 1\n',
  })
  const r = policy(['test', 'mesh'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /decisions\.yaml:4:15: fixture_error: case `x`: `decision` must be one of/)
  t.match(r.stderr, /decisions\.yaml:8:5: fixture_error: unknown key `extra` in case `x`/)
})

t.test("a fixture request says only what the sidecar's request could: exit 2 at the value", async (t) => {
  const yaml = [
    'product: shop',
    'cases:',
    '  - name: compat with fields',
    '    decision: schema-compatibility',
    '    subject: { id: ana }',
    '    request: { port: items-v1, proposed: items.odcs.yaml, fields: [id] }',
    '    expect: {}',
    '  - name: numeric purpose',
    '    decision: access',
    '    subject: { id: ana }',
    '    request: { port: items-v1, purpose: 7, fields: id }',
    '    expect: {}',
    '',
  ].join('\n')
  const dir = meshCopy(t, { 'domains/shop/fixtures/decisions.yaml': yaml })
  const r = policy(['test', 'mesh'], dir)
  t.equal(r.code, 2, r.stdout)
  t.match(r.stderr, /decisions\.yaml:6:59: fixture_error: case `compat with fields`: `request\.fields` is not part of a schema-compatibility request/)
  t.match(r.stderr, /decisions\.yaml:11:41: fixture_error: case `numeric purpose`: `request\.purpose` must be a string/)
  t.match(r.stderr, /decisions\.yaml:11:52: fixture_error: case `numeric purpose`: `request\.fields` must be a list of field names/)
})

t.test('--compare-global lists the decisions a new global layer would change', async (t) => {
  const dir = meshCopy(t, { 'next/access.rego': 'package global.access\n\ndeny contains {"code": "closed", "message": "closed"} if true\n' })
  const r = policy(['test', 'mesh', '--compare-global', 'mesh/next'], dir)
  t.equal(r.code, 1, r.stderr)
  t.match(r.stdout, /DECISIONS THAT WOULD CHANGE/)
  t.match(r.stdout, /access `a reader is allowed` \(the fixture would fail\)/)
})

t.test('no tests: exit 2; unknown format: exit 2', async (t) => {
  const dir = workspace(t, { 'p.rego': POLICY })
  t.equal(policy(['test', '.'], dir).code, 2)
  t.equal(policy(['test', '.', '--format', 'xml'], dir).code, 2)
})

t.test('the example mesh: Rego unit tests pass', async (t) => {
  const r = policy(['test', 'policies', '--run', '^data\\.'], repo)
  t.equal(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout, /^PASS: (\d+)\/\1$/m)
})

t.test('the example mesh: every test and fixture passes', async (t) => {
  const r = policy(['test', 'policies'], repo)
  t.equal(r.code, 0, r.stdout + r.stderr)
})

/** Start and end tags balance (enough to catch broken escaping or nesting). */
function wellFormed(xml: string): boolean {
  const stack: string[] = []
  const body = xml.replace(/^<\?xml[^>]*\?>/, '')
  for (const m of body.matchAll(/<(\/?)([A-Za-z-]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue
    if (m[1]) {
      if (stack.pop() !== m[2]) return false
    } else stack.push(m[2]!)
  }
  return stack.length === 0 && !/&(?!amp;|lt;|gt;|quot;|apos;)/.test(body)
}

t.test('decision fixtures see what the sidecar answers when a deny fails: eval_error, denied', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-fixture-eval-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(join(repo, 'policies'), dir, { recursive: true })
  appendFileSync(join(dir, 'global', 'access.rego'), '\ndeny contains {"code": "never", "message": "x"} if to_number(input.purpose) > 0\n')
  writeFileSync(
    join(dir, 'domains', 'orders', 'fixtures', 'decisions.yaml'),
    [
      'product: orders',
      'cases:',
      '  - name: an error inside a global deny fails closed',
      '    decision: access',
      '    subject: { id: finance-reporting, roles: [], clearance: internal, domain: finance, region: eu }',
      '    request: { port: orders-v1, purpose: reporting, fields: [order_id] }',
      '    expect: { allow: false, deny: [{ layer: global, code: eval_error }] }',
      '',
    ].join('\n'),
  )
  const r = policy(['test', join(dir, 'domains', 'orders')], dir)
  t.equal(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout, /PASS/)
})
