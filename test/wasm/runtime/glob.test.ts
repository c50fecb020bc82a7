// glob.match in the module (builtins-glob.ts): gobwas/glob syntax as OPA
// documents it (https://www.openpolicyagent.org/docs/policy-reference/#glob),
// run by a Pike VM (no backtracking).

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const q = JSON.stringify
const match = (p: string, d: unknown, m: string) => rt.call('mg_glob_match', q(p), q(d), q(m))

t.test('wildcards, delimiters, classes and alternatives', async (t) => {
  t.equal(match('*.github.com', ['.'], 'api.github.com'), 'true')
  t.equal(match('*.github.com', ['.'], 'api.cdn.github.com'), 'false', '* stays within a delimiter')
  t.equal(match('**.github.com', ['.'], 'api.cdn.github.com'), 'true', '** crosses delimiters')
  t.equal(match('*.github.com', [], 'a.b.github.com'), 'false', 'an empty list means ["."]')
  t.equal(match('*.github.com', null, 'a.b.github.com'), 'true', 'null means no delimiter')
  t.equal(match('*:org:*', [':'], 'urn:org:x'), 'true')
  t.equal(match('?at', null, 'éat'), 'true', '? is one code point')
  t.equal(match('[a-c]at', null, 'bat'), 'true')
  t.equal(match('[!a-c]at', null, 'bat'), 'false')
  t.equal(match('api.{github,gitlab}.com', ['.'], 'api.gitlab.com'), 'true')
  t.equal(match('{a,b{c,d}}x', null, 'bdx'), 'true', 'nested alternatives')
  t.equal(match('{,a}b', null, 'b'), 'true', 'an empty alternative')
  t.equal(match('\\*', null, '*'), 'true')
  t.equal(match('\\*', null, 'x'), 'false')
})

t.test('malformed patterns are errors', async (t) => {
  for (const p of ['{a', 'a}', '[', '[]', '[z-a]', 'a\\']) t.equal(match(p, null, 'a'), undefined, p)
  t.equal(rt.call('mg_glob_match', q('*'), q(['.', 1]), q('a')), undefined, 'delimiters must be strings')
})

t.test('no backtracking: many stars against a long subject', async (t) => {
  // exponential for a backtracking matcher; linear steps for the VM
  t.equal(match('*a*a*a*a*a*a*a*a*a*a*a*a*b', null, 'a'.repeat(2000)), 'false')
  t.equal(match('**a**a**a**a**a**a**a**b', ['.'], 'a.'.repeat(1000) + 'b'), 'true')
  t.equal(match('**a**a**a**a**a**a**a**b', ['.'], 'a.'.repeat(1000) + 'c'), 'false')
})

t.test('quote_meta', async (t) => {
  t.equal(rt.call('mg_glob_quote_meta', q('*.{a,b}[x]?\\é')), q('\\*.\\{a,b\\}\\[x\\]\\?\\\\é'))
})
