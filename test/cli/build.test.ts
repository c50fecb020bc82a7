// `policy build`: the bundle it writes (read back with the bundle stage),
// roots from a .manifest, errors with file:row:col and a caret, and no
// partial output when anything fails.

import t from 'tap'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { readBundle } from '../../src/bundle/index.js'
import { listing, policy, workspace } from './fixtures/run-policy.js'

const EXAMPLE = {
  'src/example/authz.rego': ['package example.authz', '', 'default allow := false', '', 'allow if input.user in data.example.authz.admins', ''].join('\n'),
  'src/example/authz/data.json': JSON.stringify({ admins: ['alice'] }),
}

t.test('builds an OPA bundle that the SDK can evaluate', async (t) => {
  const dir = workspace(t, EXAMPLE)
  const r = policy(['build', '-t', 'wasm', '-e', 'example/authz/allow', '--revision', 'r7', '-o', 'out.tar.gz', 'src'], dir)
  t.equal(r.stderr, '')
  t.equal(r.code, 0)
  const b = readBundle(readFileSync(join(dir, 'out.tar.gz')), 'out.tar.gz')
  t.same(b.manifest.revision, 'r7')
  t.same(b.manifest.roots, [''])
  t.same(b.manifest.wasm, [{ entrypoint: 'example/authz/allow', module: '/policy.wasm' }])
  t.same(b.data, { example: { authz: { admins: ['alice'] } } }, 'data placed by directory')
  t.same(
    b.sources.map((s) => s.path),
    ['example/authz.rego'],
  )
  t.equal(b.sources[0]!.source, EXAMPLE['src/example/authz.rego'])
  const wasm = b.wasm.get('/policy.wasm')
  t.ok(wasm, 'policy.wasm is in the bundle')
  const p = await loadPolicy(wasm!)
  p.setData(b.data)
  t.same(p.evaluate({ user: 'alice' }, 'example/authz/allow'), [{ result: true }])
  t.same(p.evaluate({ user: 'bob' }, 'example/authz/allow'), [{ result: false }])
  t.same(listing(dir), ['out.tar.gz', 'src'], 'nothing else written')
})

t.test('entrypoints may be written as data refs; -o defaults to bundle.tar.gz', async (t) => {
  const dir = workspace(t, EXAMPLE)
  const r = policy(['build', '-e', 'data.example.authz.allow', 'src'], dir)
  t.equal(r.code, 0, r.stderr)
  const b = readBundle(readFileSync(join(dir, 'bundle.tar.gz')))
  t.same(
    b.manifest.wasm?.map((w) => w.entrypoint),
    ['example/authz/allow'],
  )
})

t.test('a .manifest in the source tree gives roots and revision', async (t) => {
  const dir = workspace(t, { ...EXAMPLE, 'src/.manifest': JSON.stringify({ roots: ['example'], revision: 'from-manifest' }) })
  const r = policy(['build', '-b', '-e', 'example/authz/allow', 'src'], dir)
  t.equal(r.code, 0, r.stderr)
  const b = readBundle(readFileSync(join(dir, 'bundle.tar.gz')))
  t.same(b.manifest.roots, ['example'])
  t.equal(b.manifest.revision, 'from-manifest')
  t.notOk(
    b.sources.some((s) => s.path === '.manifest'),
    'the source .manifest is not copied as a file',
  )

  const r2 = policy(['build', '-b', '-e', 'example/authz/allow', '--revision', 'cli', '-o', 'b2.tar.gz', 'src'], dir)
  t.equal(r2.code, 0, r2.stderr)
  t.equal(readBundle(readFileSync(join(dir, 'b2.tar.gz'))).manifest.revision, 'cli', '--revision wins over .manifest')
})

t.test('a package outside the roots is an error at its package line; nothing is written', async (t) => {
  const dir = workspace(t, {
    ...EXAMPLE,
    'src/.manifest': JSON.stringify({ roots: ['other'] }),
  })
  writeFileSync(join(dir, 'out.tar.gz'), 'previous bundle')
  const r = policy(['build', '-e', 'example/authz/allow', '-o', 'out.tar.gz', 'src'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, 'src/example/authz.rego:1:1: bundle_scope_error: package `data.example.authz` is outside the bundle roots `other`')
  t.match(r.stderr, '\n\tpackage example.authz\n\t^\n')
  t.match(r.stderr, 'data at `/example` from `src/example/authz/data.json` is outside the bundle roots `other`')
  t.match(r.stderr, 'roots are declared in `src/.manifest`')
  t.equal(readFileSync(join(dir, 'out.tar.gz'), 'utf8'), 'previous bundle', 'the old bundle is untouched')
  t.same(listing(dir), ['out.tar.gz', 'src'], 'no temporary file left')
})

t.test('a compile error prints file:row:col, the line and a caret; no bundle is left', async (t) => {
  const dir = workspace(t, {
    'p/bad.rego': 'package bad\n\nallow if {\n\tx := 1 +\n}\n',
  })
  const r = policy(['build', '-e', 'bad/allow', 'p'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /^p\/bad\.rego:\d+:\d+: rego_parse_error: /)
  const [, row, col] = /^p\/bad\.rego:(\d+):(\d+)/.exec(r.stderr)!
  const lines = r.stderr.split('\n')
  const src = readFileSync(join(dir, 'p/bad.rego'), 'utf8').split('\n')
  t.equal(lines[1], `\t${src[Number(row) - 1]}`, 'the source line follows')
  t.equal(lines[2], `\t${' '.repeat(Number(col) - 1)}^`, 'the caret is under the column')
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
  t.same(listing(dir), ['p'], 'no bundle and no temporary file')
})

t.test('every error is reported, not just the first', async (t) => {
  const dir = workspace(t, {
    'a.rego': 'package a\n\nallow if y == 1\n',
    'b.rego': 'package b\n\ndeny if z == 2\n',
  })
  const r = policy(['build', '-e', 'a/allow', '-e', 'b/deny', 'a.rego', 'b.rego'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /^a\.rego:3:\d+: rego_unsafe_var_error: .*`?y`?/m)
  t.match(r.stderr, /^b\.rego:3:\d+: rego_unsafe_var_error: .*`?z`?/m)
  t.same(listing(dir), ['a.rego', 'b.rego'])
})

t.test('an entrypoint that names no rule is an error', async (t) => {
  const dir = workspace(t, EXAMPLE)
  const r = policy(['build', '-e', 'example/nothing', 'src'], dir)
  t.not(r.code, 0)
  t.match(r.stderr, /example\/nothing/)
  t.notOk(existsSync(join(dir, 'bundle.tar.gz')))
})

t.test('Rego v0 sources need --v0-compatible', async (t) => {
  const dir = workspace(t, { 'v0.rego': 'package v0\n\ndefault allow = false\n\nallow {\n\tinput.user == "alice"\n}\n' })
  const v1 = policy(['build', '-e', 'v0/allow', 'v0.rego'], dir)
  t.equal(v1.code, 2)
  t.match(v1.stderr, /^v0\.rego:\d+:\d+: rego_parse_error: /)
  const v0 = policy(['build', '--v0-compatible', '-e', 'v0/allow', 'v0.rego'], dir)
  t.equal(v0.code, 0, v0.stderr)
  const b = readBundle(readFileSync(join(dir, 'bundle.tar.gz')))
  t.equal(b.manifest.rego_version, 0)
  const p = await loadPolicy(b.wasm.get('/policy.wasm')!)
  t.same(p.evaluate({ user: 'alice' }, 'v0/allow'), [{ result: true }])
})

t.test('rules annotated entrypoint: true become entrypoints', async (t) => {
  const dir = workspace(t, {
    'p.rego': 'package annotated\n\n# METADATA\n# entrypoint: true\nallow if input.ok\n',
  })
  const r = policy(['build', 'p.rego'], dir)
  t.equal(r.code, 0, r.stderr)
  const b = readBundle(readFileSync(join(dir, 'bundle.tar.gz')))
  t.same(
    b.manifest.wasm?.map((w) => w.entrypoint),
    ['annotated/allow'],
  )
})

t.test('without entrypoints, wasm cannot be built', async (t) => {
  const dir = workspace(t, { 'p.rego': 'package plain\n\nallow if input.ok\n' })
  const r = policy(['build', 'p.rego'], dir)
  t.not(r.code, 0)
  t.match(r.stderr, /entrypoint/)
  t.same(listing(dir), ['p.rego'])
})

t.test('--capabilities declares custom built-ins', async (t) => {
  const caps = { builtins: [{ name: 'acme.score', decl: { type: 'function', args: [{ type: 'string' }], result: { type: 'number' } } }] }
  const dir = workspace(t, {
    'caps.json': JSON.stringify(caps),
    'p.rego': 'package custom\n\nscore := acme.score(input.name)\n',
  })
  const without = policy(['build', '-e', 'custom/score', '-o', 'x.tar.gz', 'p.rego'], dir)
  t.equal(without.code, 2, 'unknown built-in without the capabilities file')
  t.match(without.stderr, /acme\.score/)
  const r = policy(['build', '--capabilities', 'caps.json', '-e', 'custom/score', 'p.rego'], dir)
  t.equal(r.code, 0, r.stderr)
  const b = readBundle(readFileSync(join(dir, 'bundle.tar.gz')))
  const p = await loadPolicy(b.wasm.get('/policy.wasm')!, undefined, { 'acme.score': (s: string) => s.length })
  t.same(p.evaluate({ name: 'abcd' }, 'custom/score'), [{ result: 4 }])
})

t.test('--dump writes the plan and the WAT beside the bundle', async (t) => {
  const dir = workspace(t, EXAMPLE)
  const r = policy(['build', '-e', 'example/authz/allow', '--dump', 'debug', 'src'], dir)
  t.equal(r.code, 0, r.stderr)
  t.match(readFileSync(join(dir, 'debug', 'plan.txt'), 'utf8'), /example\/authz\/allow/)
  t.match(readFileSync(join(dir, 'debug', 'policy.wat'), 'utf8'), /\(func \$/)
})

t.test('a bad capabilities file is a usage error', async (t) => {
  const dir = workspace(t, { 'caps.json': '{nope', 'p.rego': 'package p\n\nx := 1\n' })
  const r = policy(['build', '--capabilities', 'caps.json', '-e', 'p/x', 'p.rego'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /cli_usage_error: capabilities file `caps.json` is not valid JSON/)
})

t.test('every decision package the sources define gets an entrypoint; built-in errors are strict', async (t) => {
  const dir = workspace(t, {
    'global/.manifest': JSON.stringify({ roots: ['global'] }),
    'global/access.rego': 'package global.access\n\nallow if input.role == "analyst"\n\ndeny contains "too few" if 100 / input.n > 50\n',
    'global/anonymization.rego': 'package global.anonymization\n\nfields := {"email": "redact"}\n',
    'global/compatibility.rego': 'package global.compatibility\n\nviolations := set()\n',
    'global/lib.rego': 'package global.lib\n\nx := 1\n',
    'global/access_test.rego': 'package global.access_test\n\ntest_x if true\n',
  })
  // As the README once showed it: only the access package named.
  const r = policy(['build', '-b', '-e', 'global/access', '-o', 'g.tar.gz', 'global'], dir)
  t.equal(r.code, 0, r.stderr)
  const b = readBundle(readFileSync(join(dir, 'g.tar.gz')))
  t.same(
    b.manifest.wasm?.map((w) => w.entrypoint).sort(),
    ['global/access', 'global/access/allow', 'global/access/deny', 'global/anonymization', 'global/compatibility'],
    "decision packages added, and each access rule the package defines (the sidecar's fast path); others not",
  )
  const p = await loadPolicy(b.wasm.get('/policy.wasm')!)
  t.same(p.evaluate({ role: 'analyst', n: 3 }, 'global/access'), [{ result: { allow: true, deny: [] } }])
  t.same(p.evaluate({ role: 'analyst', n: 3 }, 'global/access/allow'), [{ result: true }])
  t.same(p.evaluate({ role: 'analyst', n: 3 }, 'global/access/deny'), [{ result: [] }])
  // Division by zero fails in the module's own `div` built-in.
  // The SDK rethrows the module's abort message as a string.
  const thrown = (() => {
    try {
      p.evaluate({ role: 'analyst', n: 0 }, 'global/access')
      return undefined
    } catch (e) {
      return String(e)
    }
  })()
  t.match(thrown, /global\/access\.rego:\d+:\d+: eval_builtin_error: div/, 'strict: the deny does not silently vanish')

  const lenient = policy(['build', '-b', '--non-strict-builtins', '-o', 'l.tar.gz', 'global'], dir)
  t.equal(lenient.code, 0, lenient.stderr)
  const l = await loadPolicy(readBundle(readFileSync(join(dir, 'l.tar.gz'))).wasm.get('/policy.wasm')!)
  t.same(l.evaluate({ role: 'analyst', n: 0 }, 'global/access'), [{ result: { allow: true, deny: [] } }], "OPA's default: undefined")
})
