// `policy --help`, each verb's `--help`, and usage errors.

import t from 'tap'
import { policy, workspace } from './fixtures/run-policy.js'

t.test('policy --help lists the verbs', async (t) => {
  const dir = workspace(t, {})
  const r = policy(['--help'], dir)
  t.equal(r.code, 0)
  t.match(r.stdout, /Usage: policy <command>/)
  t.match(r.stdout, /\n  build\s+compile Rego/)
  t.match(r.stdout, /\n  check\s+report compile errors/)
})

t.test('policy with no verb prints usage and exits 2', async (t) => {
  const r = policy([], workspace(t, {}))
  t.equal(r.code, 2)
  t.match(r.stderr, /Usage: policy <command>/)
})

for (const verb of ['build', 'check']) {
  t.test(`policy ${verb} --help`, async (t) => {
    const dir = workspace(t, {})
    const r = policy([verb, '--help'], dir)
    t.equal(r.code, 0)
    t.match(r.stdout, new RegExp(`^Usage: policy ${verb} `))
    t.equal(r.stderr, '')
    t.same(policy(['help', verb], dir).stdout, r.stdout, '`policy help <verb>` prints the same text')
  })
}

t.test('build --help documents the opa build flags', async (t) => {
  const r = policy(['build', '--help'], workspace(t, {}))
  for (const flag of ['-t, --target', '-e, --entrypoint', '-b, --bundle', '-o, --output', '--revision', '--capabilities', '--v0-compatible']) {
    t.ok(r.stdout.includes(flag), flag)
  }
})

t.test('an unknown verb is a usage error', async (t) => {
  const r = policy(['frobnicate'], workspace(t, {}))
  t.equal(r.code, 2)
  t.match(r.stderr, /^cli_usage_error: unknown command `frobnicate`/)
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
})

t.test('an unknown flag is a usage error naming the verb', async (t) => {
  const r = policy(['build', '--frob', 'x.rego'], workspace(t, {}))
  t.equal(r.code, 2)
  t.match(r.stderr, /^cli_usage_error: unknown option '--frob'/)
  t.match(r.stderr, /policy build --help/)
})

t.test('build without paths, or with an unsupported target, is a usage error', async (t) => {
  const dir = workspace(t, {})
  const none = policy(['build', '-e', 'a/b'], dir)
  t.equal(none.code, 2)
  t.match(none.stderr, /cli_usage_error: no paths given/)
  const target = policy(['build', '-t', 'plan', '-e', 'a/b', '.'], dir)
  t.equal(target.code, 2)
  t.match(target.stderr, /cli_usage_error: target `plan` is not supported/)
})

t.test('a missing path is a usage error', async (t) => {
  const r = policy(['check', 'nope.rego'], workspace(t, {}))
  t.equal(r.code, 2)
  t.match(r.stderr, /cli_usage_error: `nope.rego` does not exist/)
})

t.test('check --format must be text or json', async (t) => {
  const r = policy(['check', '--format', 'xml', '.'], workspace(t, {}))
  t.equal(r.code, 2)
  t.match(r.stderr, /format `xml` is not one of/)
})

t.test('a name every object inherits is no verb (the table is looked up by own keys)', async (t) => {
  for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    const r = policy([name], workspace(t, {}))
    t.equal(r.code, 2, name)
    t.match(r.stderr, /cli_usage_error: unknown command/, name)
  }
})

t.test('every verb in the table loads and lists itself with a summary', async (t) => {
  const r = policy(['--help'], workspace(t, {}))
  for (const verb of ['build', 'check', 'eval', 'fmt', 'serve', 'test', 'sign', 'push', 'rollback', 'registry']) {
    t.match(r.stdout, new RegExp(`\\n  ${verb}\\s+\\S`), verb)
  }
})
