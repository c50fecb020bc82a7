// `policy test --watch`: the built binary runs the tests, then again after an
// edit, showing the new answer; it stops on SIGTERM.

import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bin, workspace } from './fixtures/run-policy.js'

t.test('policy test --watch reruns on every edit', async (t) => {
  const dir = workspace(t, {
    'p/authz.rego': 'package authz\n\nallow if input.user == "alice"\n',
    'p/authz_test.rego': 'package authz_test\n\nimport data.authz\n\ntest_alice if authz.allow with input as {"user": "alice"}\n',
  })
  const child = spawn(process.execPath, [bin, 'test', '--watch', 'p'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
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
  t.ok(await until(/# exit 0; watching/g, 1), 'first run passes')
  t.match(out, /PASS: 1\/1/)
  writeFileSync(join(dir, 'p/authz.rego'), 'package authz\n\nallow if input.user == "bob"\n')
  t.ok(await until(/# exit \d; watching/g, 2), 'a second run after the edit')
  t.match(out.slice(out.lastIndexOf('# policy test')), /FAIL: 1\/1/, 'the edit shows: the test now fails')
  t.match(out, /# exit 1; watching/)
  child.kill('SIGTERM')
  const code = await new Promise((r) => child.on('close', r))
  t.equal(code, 0, 'ends cleanly on SIGTERM')
})
