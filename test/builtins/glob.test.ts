// glob.match with delimiters, super-wildcards, classes and alternation.

import t from 'tap'
import { impls } from '../../src/builtins/glob.js'

const m = (p: string, d: unknown, s: string): unknown => impls['glob.match'](p, d, s)

t.test('`*` stops at delimiters; `**` does not', async (t) => {
  t.equal(m('*.github.com', ['.'], 'api.github.com'), true)
  t.equal(m('*.github.com', ['.'], 'api.cdn.github.com'), false)
  t.equal(m('api.**.com', ['.'], 'api.cdn.github.com'), true)
  t.equal(m('*:github:com', [':'], 'api:github:com'), true)
})

t.test('an empty delimiter list means `.`; null means none', async (t) => {
  t.equal(m('*', [], 'foo.bar'), false)
  t.equal(m('*', null, 'foo.bar'), true)
  t.throws(() => m('*', 'x', 'y'), { message: 'glob.match: operand 2 must be one of {array, null} but got string' })
})

t.test('classes, negation, ranges, `?` and alternation', async (t) => {
  t.equal(m('[abc]at', [], 'cat'), true)
  t.equal(m('[!abc]at', [], 'cat'), false)
  t.equal(m('[!a-c]at', [], 'fat'), true)
  t.equal(m('?at', [], 'at'), false)
  t.equal(m('?at', ['f'], 'fat'), false)
  t.equal(m('{cat,bat,[fr]at}', [], 'rat'), true)
  t.equal(m('{cat,bat,[fr]at}', [], 'at'), false)
  t.equal(m('a\\*b', [], 'a*b'), true)
  t.equal(m('a\\*b', [], 'axb'), false)
})

t.test('quote_meta escapes glob syntax', async (t) => {
  t.equal(impls['glob.quote_meta']('*.github.com'), '\\*.github.com')
  t.equal(impls['glob.quote_meta']('[a]{b}?\\'), '\\[a\\]\\{b\\}\\?\\\\')
  t.equal(m(impls['glob.quote_meta']('*{x}') as string, [], '*{x}'), true)
})
