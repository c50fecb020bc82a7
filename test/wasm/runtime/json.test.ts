// Runtime JSON and value-text parsing/dumping (opa_json_parse/dump,
// opa_value_parse/dump): round trips, escapes, numbers, sets, errors.

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const rtJson = (s: string) => {
  const v = rt.parse(s)
  return v === 0 ? undefined : rt.dump(v)
}

t.test('round trips canonical JSON unchanged', async (t) => {
  for (const s of [
    'null',
    'true',
    'false',
    '0',
    '-5',
    '3.14',
    '1e3',
    '-0',
    '1.0',
    '2.50',
    '12345678901234567890',
    '-98765432109876543210.123456789e-5',
    '"héllo ✓"',
    '"😀"',
    '""',
    '[]',
    '{}',
    '[1,[2,[3,[]]]]',
    '{"a":[true,null],"b":1,"c":{"y":2,"z":1}}',
    '"tab\\tnl\\ncr\\rquote\\"back\\\\"',
    '"\\u0001\\u001f"',
  ]) {
    t.equal(rtJson(s), s, s)
  }
})

t.test('normalises whitespace, key order, escapes and duplicates', async (t) => {
  t.equal(rtJson(' { "b" : 1 ,\n\t"a" : [ 1 , 2 ] } '), '{"a":[1,2],"b":1}')
  t.equal(rtJson('"\\u00e9\\/\\b\\f"'), '"é/\\b\\f"')
  t.equal(rtJson('"\\ud83d\\ude00"'), '"😀"')
  t.equal(rtJson('"\\ud83d"'), '"\uFFFD"', 'lone surrogate becomes U+FFFD as in Go')
  t.equal(rtJson('{"a":1,"a":2}'), '{"a":2}', 'last duplicate wins')
  t.equal(rtJson('"<&>"'), '"<&>"', 'no HTML escaping')
})

t.test('dump output is valid JSON that JS parses to the same value', async (t) => {
  const doc = {
    s: 'x\u0000y\u007f\u2028',
    n: [0, -1, 1.5, 1e-7, 123456789, 0.1],
    nested: { deep: [{ k: [null, true, false, 'ü'] }] },
    empty: { a: [], o: {} },
  }
  const out = rtJson(JSON.stringify(doc))
  t.ok(out)
  t.same(JSON.parse(out!), doc)
})

t.test('rejects malformed JSON with 0', async (t) => {
  for (const s of [
    '',
    ' ',
    '01',
    '1.',
    '.5',
    '-',
    '+1',
    '1e',
    '[1,]',
    '[1',
    '{"a"}',
    '{"a":}',
    '{a:1}',
    '{1:2}',
    '"abc',
    '"\\x"',
    '"\\u12"',
    '"a\nb"',
    'tru',
    'nul',
    'falsey',
    '1 2',
    '{}}',
    '{1,2}',
    'set()',
    "'a'",
  ]) {
    t.equal(rt.parse(s), 0, JSON.stringify(s))
  }
})

t.test('value text: set literals, set(), non-string keys', async (t) => {
  const rv = (s: string) => rt.vdump(rt.vparse(s))
  t.equal(rv('{3, 1, 2}'), '{1,2,3}')
  t.equal(rv('set()'), 'set()')
  t.equal(rv('{1, 1, 1.0}'), '{1}', 'duplicates (numerically equal) collapse')
  t.equal(rv('{"a": set(), "b": {[1], {"x"}}}'), '{"a":set(),"b":{[1],{"x"}}}')
  t.equal(rv('{1: "a", "k": 2, [1, 2]: 3, null: 4}'), '{null:4,1:"a","k":2,[1,2]:3}')
  t.equal(rv('{}'), '{}', 'empty braces are an object')
  const v = rt.vparse('{{1,2}: "s", true: {3}}')
  t.equal(rt.dump(v), '{"[1,2]":"s","true":[3]}', 'JSON dump writes sets as arrays and keys as JSON text')
  t.equal(rt.ex.mg_type(rt.vparse('set()')), 7)
  t.equal(rt.vparse('{1,}'), 0)
  t.equal(rt.vparse('set('), 0)
})

t.test('opa_json_dump of undefined writes null', async (t) => {
  t.equal(rt.dump(0), 'null')
})
