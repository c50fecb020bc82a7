// `policy fmt`: prints, lists, diffs, rewrites; exit codes; parse errors
// as file:row:col; the repository's own policies are formatted already.
import { spawnSync } from 'node:child_process'
import { lstatSync, readFileSync, statSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { bin, listing, policy, repo, workspace } from './fixtures/run-policy.js'

const messy = 'package m\n\nallow if {\n  input.x==1\n}\n\n\n\nb = 2\n'
const tidy = 'package m\n\nallow if {\n\tinput.x == 1\n}\n\nb := 2\n'

t.test("the repository's policies/ are formatted: --list lists nothing", async (t) => {
  const r = policy(['fmt', '--list', '--fail', 'policies'], repo)
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, '')
  t.equal(r.stderr, '')
})

t.test('without flags: the formatted text on stdout, the file untouched', async (t) => {
  const dir = workspace(t, { 'm.rego': messy })
  const r = policy(['fmt', 'm.rego'], dir)
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, tidy)
  t.equal(readFileSync(join(dir, 'm.rego'), 'utf8'), messy)
})

t.test('--list names the files that would change, walking directories for .rego files', async (t) => {
  const dir = workspace(t, {
    'p/a.rego': messy,
    'p/b.rego': tidy,
    'p/sub/c.rego': messy,
    'p/notes.txt': 'x  =  1',
    'p/.hidden/d.rego': messy,
  })
  const r = policy(['fmt', '-l', 'p'], dir)
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, 'p/a.rego\np/sub/c.rego\n')
})

t.test('--fail: exit 1 when something would change, 0 when nothing would', async (t) => {
  const dir = workspace(t, { 'a.rego': messy, 'b.rego': tidy })
  const changed = policy(['fmt', '--list', '--fail', 'a.rego', 'b.rego'], dir)
  t.equal(changed.code, 1)
  t.equal(changed.stdout, 'a.rego\n')
  const clean = policy(['fmt', '--fail', 'b.rego'], dir)
  t.equal(clean.code, 0, clean.stderr)
  t.equal(clean.stdout, tidy, 'without --list the text is still printed')
})

t.test('--diff prints a unified diff of each file that would change', async (t) => {
  const dir = workspace(t, { 'a.rego': messy, 'b.rego': tidy })
  const r = policy(['fmt', '--diff', 'a.rego', 'b.rego'], dir)
  t.equal(r.code, 0, r.stderr)
  t.equal(
    r.stdout,
    [
      '--- a/a.rego',
      '+++ b/a.rego',
      '@@ -1,9 +1,7 @@',
      ' package m',
      ' ',
      ' allow if {',
      '-  input.x==1',
      '+\tinput.x == 1',
      ' }',
      ' ',
      '-',
      '-',
      '-b = 2',
      '+b := 2',
      '',
    ].join('\n'),
  )
})

t.test('--write rewrites only the files that change, keeps their mode, leaves no temporary file', async (t) => {
  const dir = workspace(t, { 'a.rego': messy, 'b.rego': tidy })
  const before = statSync(join(dir, 'b.rego'))
  spawnSync('chmod', ['640', join(dir, 'a.rego')])
  const r = policy(['fmt', '-w', '.'], dir)
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, '')
  t.equal(readFileSync(join(dir, 'a.rego'), 'utf8'), tidy)
  t.equal(statSync(join(dir, 'a.rego')).mode & 0o777, 0o640)
  t.equal(statSync(join(dir, 'b.rego')).mtimeMs, before.mtimeMs, 'a formatted file is not rewritten')
  t.same(listing(dir), ['a.rego', 'b.rego'])
  t.equal(policy(['fmt', '-l', '.'], dir).stdout, '', 'a second run finds nothing to do')
})

t.test('--write through a symlink rewrites the target and keeps the link', async (t) => {
  const dir = workspace(t, { 'real/a.rego': messy })
  symlinkSync(join(dir, 'real', 'a.rego'), join(dir, 'link.rego'))
  const r = policy(['fmt', '-w', 'link.rego'], dir)
  t.equal(r.code, 0, r.stderr)
  t.ok(lstatSync(join(dir, 'link.rego')).isSymbolicLink())
  t.equal(readFileSync(join(dir, 'real', 'a.rego'), 'utf8'), tidy)
  t.same(listing(join(dir, 'real')), ['a.rego'])
})

t.test('a file that does not parse: file:row:col: rego_parse_error, exit 2; the others are still formatted', async (t) => {
  const dir = workspace(t, { 'bad.rego': 'package bad\n\nallow if {\n\tinput.x ==\n', 'good.rego': messy })
  const r = policy(['fmt', '-w', 'bad.rego', 'good.rego'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /^bad\.rego:5:1: rego_parse_error: /)
  t.equal(readFileSync(join(dir, 'good.rego'), 'utf8'), tidy)
  t.equal(readFileSync(join(dir, 'bad.rego'), 'utf8'), 'package bad\n\nallow if {\n\tinput.x ==\n', 'the broken file is left alone')
})

t.test('--v0-compatible reads and writes Rego v0; without it a v0 file is a parse error', async (t) => {
  const v0 = 'package v\n\nallow { input.admin }\n\nnames[n] { n := input.users[_] }\n'
  const dir = workspace(t, { 'v.rego': v0 })
  const r = policy(['fmt', '--v0-compatible', 'v.rego'], dir)
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, 'package v\n\nallow {\n\tinput.admin\n}\n\nnames[n] {\n\tn := input.users[_]\n}\n')
  const v1 = policy(['fmt', 'v.rego'], dir)
  t.equal(v1.code, 2)
  t.match(v1.stderr, /^v\.rego:3:1: rego_parse_error: `if` keyword is required before rule body/)
})

t.test('no path: stdin to stdout', async (t) => {
  const r = spawnSync(process.execPath, [bin, 'fmt'], { input: messy, encoding: 'utf8', timeout: 60_000 })
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stdout, tidy)
  const bad = spawnSync(process.execPath, [bin, 'fmt'], { input: 'package\n', encoding: 'utf8', timeout: 60_000 })
  t.equal(bad.status, 2)
  t.match(bad.stderr, /^stdin:\d+:\d+: rego_parse_error: /)
})

t.test('a path that does not exist is a usage error', async (t) => {
  const dir = workspace(t, {})
  const r = policy(['fmt', 'nope'], dir)
  t.equal(r.code, 2)
  t.match(r.stderr, /cli_usage_error: `nope` does not exist/)
})
