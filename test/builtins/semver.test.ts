// semver.compare / semver.is_valid with SemVer 2.0.0 precedence.

import t from 'tap'
import { impls } from '../../src/builtins/semver.js'

const cmp = (a: unknown, b: unknown): unknown => impls['semver.compare'](a, b)

t.test('precedence: core, then pre-release identifiers; build ignored', async (t) => {
  t.equal(cmp('1.0.0', '2.0.0'), -1)
  t.equal(cmp('1.0.0', '1.0.0'), 0)
  t.equal(cmp('1.10.0', '1.9.0'), 1)
  t.equal(cmp('1.0.0-alpha', '1.0.0-alpha.1'), -1)
  t.equal(cmp('1.0.0-alpha.beta', '1.0.0-alpha.1'), 1)
  t.equal(cmp('1.0.0-rc.1', '1.0.0'), -1)
  t.equal(cmp('1.0.0+a', '1.0.0+b'), 0)
})

t.test('invalid versions', async (t) => {
  t.throws(() => cmp('1', '1.0.0'), { message: 'semver.compare: operand 1: string "1" is not a valid SemVer' })
  t.throws(() => cmp('1.0.0', '01.0.0'), { message: 'semver.compare: operand 2: string "01.0.0" is not a valid SemVer' })
  t.equal(impls['semver.is_valid']('1'), false)
  t.equal(impls['semver.is_valid'](1), false)
  t.equal(impls['semver.is_valid']('1.2.3-rc.1+build.5'), true)
})
