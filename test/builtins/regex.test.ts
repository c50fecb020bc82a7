// regex.* on RE2 semantics with Go's match iteration rules.

import t from 'tap'
import fc from 'fast-check'
import { impls, firstPosixColonItem } from '../../src/builtins/regex.js'
import { BuiltinError } from '../../src/builtins/types.js'

const call = (name: string, ...args: unknown[]): unknown => impls[name](...args)

t.test('match is unanchored and reports Go-style syntax errors', async (t) => {
  t.equal(call('regex.match', '^[a-z]+\\[[0-9]+\\]$', 'foo[1]'), true)
  t.equal(call('regex.match', '', 'x'), true)
  t.equal(call('re_match', '^$', 'something'), false)
  t.throws(() => call('regex.match', '$^[[[', 'x'), { message: 'regex.match: error parsing regexp: missing closing ]: `[[[`' })
  t.equal(call('regex.is_valid', '++'), false)
  t.equal(call('regex.is_valid', 10), false)
  t.equal(call('regex.is_valid', '(?i)a+'), true)
})

t.test('find_n and submatches iterate like Go (empty matches, anchors, n)', async (t) => {
  t.same(call('regex.find_n', 'a.', 'paranormal', -1), ['ar', 'an', 'al'])
  t.same(call('regex.find_n', 'a.', 'paranormal', 2), ['ar', 'an'])
  t.same(call('regex.find_n', 'a.', 'paranormal', 0), [])
  t.same(call('regex.find_n', '^a.', 'abacadaeaf', -1), ['ab'])
  t.same(call('regex.find_n', 'a*', 'baaac', -1), ['', 'aaa', ''])
  t.same(call('regex.find_all_string_submatch_n', '[^aouiye]([aouiye])([^aouiye])?', 'somestri', -1), [
    ['som', 'o', 'm'],
    ['ri', 'i', ''],
  ])
  t.same(call('regex.find_all_string_submatch_n', 'a(x*)b', '-', -1), [])
})

t.test('split and replace', async (t) => {
  t.same(call('regex.split', 'a', 'banana'), ['b', 'n', 'n', ''])
  t.same(call('regex.split', 'z+', 'pizza'), ['pi', 'a'])
  t.equal(call('regex.replace', '-wy-wxxy-', 'w(x*)y', '0'), '-0-0-')
  t.equal(call('regex.replace', 'foo', '(foo)', '$1$1'), 'foofoo')
  t.equal(call('regex.replace', 'foo', '(?P<w>o+)', '[${w}]'), 'f[oo]')
  t.equal(call('regex.replace', 'foo barx', '[a-z]{2}', '_'), '_o __')
  t.equal(call('regex.replace', 'abc', 'x*', '-'), '-a-b-c-')
})

t.test('template_match: literal outside delimiters, regex inside', async (t) => {
  t.equal(call('regex.template_match', 'urn:foo:<.*>', 'urn:foo:bar:baz', '<', '>'), true)
  t.equal(call('regex.template_match', 'urn:foo.bar:{[a-z]+}', 'urn:fooxbar:baz', '{', '}'), false)
  t.throws(() => call('regex.template_match', 'urn:<a', 'x', '<', '>'), /unbalanced braces/)
})

t.test('globs_match intersects two glob-like regexes', async (t) => {
  t.equal(call('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z'), true)
  t.equal(call('regex.globs_match', 'b.*', 'bar'), true)
  t.equal(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo\\[1\\]'), true)
  t.equal(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo["bar"]'), false)
  t.equal(call('regex.globs_match', '[^a]x', 'ax'), false)
  // A class that ends in an escape with nothing after it is unclosed, not a crash.
  t.throws(() => call('regex.globs_match', '[a\\', 'a'), { message: 'regex.globs_match: unclosed character class in "[a\\\\"' })
  t.throws(() => call('regex.globs_match', 'a', '[a-\\'), { message: 'regex.globs_match: unclosed character class in "[a-\\\\"' })
})

// Found by the fuzz property in test/wasm/self-contained-regex.test.ts
// (seed -432504820, `[[:]`): re2js reads "[:]" inside a class as a class
// named ":", where Go's regexp/syntax looks for the closing ":]" only after
// the "[:" (parseNamedClass, strings.Index(s[2:], ":]")).
t.test('"[:]" inside a class parses as in Go', async (t) => {
  const err = (expr: string, desc = 'invalid character class range') => ({ message: `regex.match: error parsing regexp: ${desc}: \`${expr}\`` })
  // no ":]" after the "[:": the "[" is literal
  t.equal(call('regex.match', '^[[:]+$', '[:[:'), true)
  t.equal(call('regex.match', '^[[:]a]$', '[a]'), true)
  t.equal(call('regex.is_valid', '[[:]'), true)
  // one after it: Go names everything up to it as the class
  t.throws(() => call('regex.match', '[[:]:]', ''), err('[:]:]'))
  t.throws(() => call('regex.match', '[[:][[:]', ''), err('[:][[:]'))
  // an error before the class is still the one reported; one after it names the pattern as written
  t.throws(() => call('regex.match', 'a{2}{3}[[:]:]', ''), err('{2}{3}', 'invalid nested repetition operator'))
  t.throws(() => call('regex.match', 'x[[:]a(', ''), err('x[[:]a(', 'missing closing )'))
  // not class items: escaped, quoted, a range's end, a group name
  t.equal(call('regex.match', '^\\Q[[:]\\E$', '[[:]'), true)
  t.equal(call('regex.match', '^[\\[:]$', ':'), true)
  t.throws(() => call('regex.match', '[a-[:]', ''), err('a-['))
  t.throws(() => call('regex.match', '(?P<[[:]>a)', ''), err('(?P<[[:]>', 'invalid named capture'))
})

// Patterns come from input: whatever the text, a pattern compiles or fails
// with a built-in error (never another exception), and an item found is a
// class item that starts with "[:]".
t.test('any pattern compiles or fails with a built-in error', async (t) => {
  const unit = fc.oneof(
    fc.constantFrom('[', ']', ':', '^', '-', '\\', 'Q', 'E', 'p', '{', '}', '(', '?', 'P', '<', '>', 'a'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  )
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 12 }), (p) => {
      const k = firstPosixColonItem(p)
      if (k !== undefined && !p.startsWith('[:]', k)) return false
      try {
        call('regex.is_valid', p)
        call('regex.match', p, 'a[:]')
      } catch (e) {
        return e instanceof BuiltinError
      }
      return true
    }),
    { numRuns: 2000 },
  )
  t.pass('2,000 patterns')
})
