// String built-ins in the module (builtins-text.ts): code points, not UTF-16
// units, and Go's per-code-point case mapping (unicode.ToLower/ToUpper, the
// simple mappings of UnicodeData), where the host's JavaScript applies
// Unicode's special casing. Expected texts reproduce Go's strings package
// (https://pkg.go.dev/strings) as OPA's topdown/strings.go calls it.

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const c = (name: string, ...args: string[]) => {
  const r = rt.call(name, ...args)
  return r === undefined ? undefined : JSON.parse(r)
}
const q = JSON.stringify

t.test('lower and upper map one code point at a time, as Go', async (t) => {
  t.equal(c('mg_upper', q('straße')), 'STRAßE', 'ß has no single-code-point upper case (JS gives SS)')
  t.equal(c('mg_lower', q('ΟΔΟΣ')), 'οδοσ', 'no final sigma (JS gives ς)')
  t.equal(c('mg_lower', q('İstanbul')), 'istanbul', 'İ lowers to i (JS gives i + U+0307)')
  t.equal(c('mg_upper', q('ᾳ')), 'ᾼ', 'simple upper case of U+1FB3 (JS gives ΑΙ)')
  t.equal(c('mg_upper', q('ǅ ǆ ı ſ')), 'Ǆ Ǆ I S')
  t.equal(c('mg_lower', q('Ǆ K Ω ÀÉÎ ДЖ 😀')), 'ǆ k ω àéî дж 😀', 'Kelvin and Ohm signs, Latin-1, Cyrillic; others pass through')
  t.equal(c('mg_upper', q('ab-Cd_9')), 'AB-CD_9')
  t.equal(c('mg_lower', '1'), undefined)
})

t.test('positions and lengths count code points', async (t) => {
  t.equal(c('mg_substring', q('日本語😀x'), '3', '1'), '😀')
  t.equal(c('mg_substring', q('abc'), '1', '-1'), 'bc', 'a negative length runs to the end')
  t.equal(c('mg_substring', q('abc'), '1', '10000000000'), 'bc', 'a length past the end stops there')
  t.equal(c('mg_substring', q('abc'), '5', '1'), '')
  t.equal(c('mg_substring', q('abc'), '-1', '1'), undefined, 'a negative offset is an error')
  t.equal(c('mg_substring', q('abc'), '1.5', '1'), undefined, 'offsets are integers')
  t.equal(c('mg_indexof', q('日本語😀x'), q('x')), 4)
  t.equal(c('mg_indexof', q('abc'), q('z')), -1)
  t.equal(c('mg_indexof', q('abc'), q('')), undefined, 'an empty search is an error (OPA: empty search character)')
  t.same(c('mg_indexof_n', q('aaaa'), q('aa')), [0, 1, 2], 'overlapping')
  t.same(c('mg_indexof_n', q('é-é'), q('é')), [0, 2])
  t.equal(c('mg_strings_count', q('cheese'), q('e')), 3)
  t.equal(c('mg_strings_count', q('five😀'), q('')), 6, 'an empty needle counts code points + 1')
  t.equal(c('mg_strings_reverse', q('ab😀é')), 'é😀ba')
})

t.test('split, replace, concat', async (t) => {
  t.same(c('mg_split', q('a,b,,c'), q(',')), ['a', 'b', '', 'c'])
  t.same(c('mg_split', q('a😀b'), q('')), ['a', '😀', 'b'], 'an empty separator splits into code points')
  t.same(c('mg_split', q(''), q(',')), [''])
  t.equal(c('mg_replace', q('aXbX'), q('X'), q('--')), 'a--b--')
  t.equal(c('mg_replace', q('ab'), q(''), q('.')), '.a.b.', 'an empty old string goes around every code point')
  t.equal(c('mg_concat', q('/'), '["a", "b"]'), 'a/b')
  t.equal(c('mg_concat', q('/'), '{"b", "a"}'), 'a/b', 'a set joins in sorted order')
  t.equal(c('mg_concat', q('/'), '["a", 1]'), undefined)
})

t.test('strings.replace_n: keys in order, first match wins, no overlaps', async (t) => {
  t.equal(c('mg_replace_n', '{"a": "1", "ab": "2"}', q('abab')), '1b1b', '"a" sorts before "ab" and wins')
  t.equal(c('mg_replace_n', '{"cat": "dog", "dog": "cat"}', q('cat dog')), 'dog cat', 'replacements are not rescanned')
  t.equal(c('mg_replace_n', '{"": "-"}', q('ab')), '-a-b-')
  t.equal(c('mg_replace_n', '{}', q('ab')), 'ab')
  t.equal(c('mg_replace_n', '{1: "x"}', q('1')), undefined, 'a non-string key is an error, as in OPA')
  t.equal(c('mg_replace_n', '{"a": 1}', q('a')), undefined)
})

t.test('trim family: cutsets of code points, Unicode white space', async (t) => {
  t.equal(c('mg_trim', q('¡¡¡Hello, Gophers!!!'), q('!¡')), 'Hello, Gophers')
  t.equal(c('mg_trim_left', q('xxhixx'), q('x')), 'hixx')
  t.equal(c('mg_trim_right', q('xxhixx'), q('x')), 'xxhi')
  t.equal(c('mg_trim', q('😀a😀'), q('😀')), 'a')
  t.equal(c('mg_trim_prefix', q('prefix-x'), q('prefix-')), 'x')
  t.equal(c('mg_trim_suffix', q('x.rego'), q('.rego')), 'x')
  t.equal(c('mg_trim_space', q('\u00a0\u2003\t a b \n\u3000')), 'a b')
  t.equal(c('mg_trim_space', q('\u200b x')), '\u200b x', 'U+200B is not white space')
})

t.test('any_prefix_match / any_suffix_match take strings, arrays or sets', async (t) => {
  t.equal(c('mg_any_prefix_match', q('abc'), '["x", "ab"]'), true)
  t.equal(c('mg_any_prefix_match', '{"zz", "abc"}', q('ab')), true)
  t.equal(c('mg_any_suffix_match', '["abc"]', '["b"]'), false)
  t.equal(c('mg_any_suffix_match', q('abc'), '[1]'), undefined)
})
