// semver in the module (builtins-semver.ts): the precedence example of
// SemVer 2.0.0 §11 (https://semver.org/#spec-item-11), strictness, and
// numbers past 2^64.

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const cmp = (a: string, b: string) => rt.call('mg_semver_compare', JSON.stringify(a), JSON.stringify(b))
const valid = (a: string) => rt.call('mg_semver_is_valid', JSON.stringify(a))

t.test('precedence, as the specification orders it', async (t) => {
  const chain = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.9.0',
    '1.10.0',
    '2.0.0',
  ]
  for (let i = 0; i + 1 < chain.length; i++) {
    t.equal(cmp(chain[i]!, chain[i + 1]!), '-1', `${chain[i]} < ${chain[i + 1]}`)
    t.equal(cmp(chain[i + 1]!, chain[i]!), '1')
  }
  t.equal(cmp('1.0.0+build.1', '1.0.0+build.2'), '0', 'build metadata does not count')
  t.equal(cmp('18446744073709551616.0.0', '18446744073709551615.0.0'), '1', 'past 2^64, exact')
})

t.test('strict syntax', async (t) => {
  for (const v of ['1.0.0', '0.0.0', '1.2.3-0.a-b.1', '1.2.3+exp.sha.5114f85', '1.0.0-0A.is.legal']) t.equal(valid(v), 'true', v)
  for (const v of ['v1.0.0', '1.0', '1.0.0.0', '01.0.0', '1.0.0-01', '1.0.0-', '1.0.0+', '1.0.0-a..b', ' 1.0.0', '1.0.0-é']) t.equal(valid(v), 'false', v)
  t.equal(rt.call('mg_semver_is_valid', '1'), 'false', 'a non-string is not valid')
  t.equal(cmp('1.0', '1.0.0'), undefined, 'comparing an invalid version is an error')
})
