// base64, hex, urlquery, json and yaml built-ins.

import t from 'tap'
import { impls } from '../../src/builtins/encoding.js'

const call = (name: string, ...args: unknown[]): unknown => impls[name](...args)

t.test('base64 is strict about padding and alphabet', async (t) => {
  t.equal(call('base64.encode', 'hello'), 'aGVsbG8=')
  t.equal(call('base64.decode', 'c3ViamVjdHM/X2Q='), 'subjects?_d')
  t.equal(call('base64.is_valid', 'aGVsbG8='), true)
  t.equal(call('base64.is_valid', "{'not':'base64'}"), false)
  t.equal(call('base64.is_valid', 1), false)
  t.throws(() => call('base64.decode', 'aGVsbG8'), { message: 'base64.decode: illegal base64 data at input byte 4' })
  t.throws(() => call('base64.decode', 'a-b_'), /illegal base64 data at input byte 1/)
})

t.test('base64url pads what encoders omit', async (t) => {
  t.equal(call('base64url.encode', 'hello'), 'aGVsbG8=')
  t.equal(call('base64url.encode_no_pad', 'there'), 'dGhlcmU')
  t.equal(call('base64url.decode', 'aGVsbG8'), 'hello')
  t.equal(call('base64url.decode', '-_8='), '\ufffd\ufffd')
  t.throws(() => call('base64url.decode', 'a'), { message: 'base64url.decode: illegal base64url string: a' })
})

t.test('hex', async (t) => {
  t.equal(call('hex.encode', 'lorem ipsum'), '6c6f72656d20697073756d')
  t.equal(call('hex.decode', '6c6f72656d20697073756d'), 'lorem ipsum')
  t.throws(() => call('hex.decode', '6g'), { message: "hex.decode: encoding/hex: invalid byte: U+0067 'g'" })
  t.throws(() => call('hex.decode', '6'), { message: 'hex.decode: encoding/hex: odd length hex string' })
})

t.test('urlquery follows Go url.QueryEscape and url.Values', async (t) => {
  t.equal(call('urlquery.encode', 'a=b+1 ~é'), 'a%3Db%2B1+~%C3%A9')
  t.equal(call('urlquery.decode', 'a%3Db%2B1+x'), 'a=b+1 x')
  t.throws(() => call('urlquery.decode', '%zz'), { message: 'urlquery.decode: invalid URL escape "%zz"' })
  t.equal(call('urlquery.encode_object', { c: 'd', a: ['b+1', 'c+2'] }), 'a=b%2B1&a=c%2B2&c=d')
  t.throws(() => call('urlquery.encode_object', { a: 1 }), {
    message: 'urlquery.encode_object: operand 1 values must be string, array[string], or set[string]',
  })
  t.same(call('urlquery.decode_object', 'a=value_a1&b&a=value_a2'), { a: ['value_a1', 'value_a2'], b: [''] })
  t.same(call('urlquery.decode_object', ''), {})
})

t.test('json.marshal writes Go JSON: sorted keys, HTML-safe', async (t) => {
  t.equal(call('json.marshal', [{ foo: [1, 2, 3] }]), '[{"foo":[1,2,3]}]')
  t.equal(call('json.marshal', { b: '<&>', a: 1e9 }), '{"a":1000000000,"b":"\\u003c\\u0026\\u003e"}')
  t.equal(call('json.marshal_with_options', { a: [1], b: {} }, { indent: '  ', prefix: '> ' }), '> {\n>   "a": [\n>     1\n>   ],\n>   "b": {}\n> }')
  t.equal(call('json.marshal_with_options', { a: 1 }, { pretty: true }), '{\n\t"a": 1\n}')
  t.equal(call('json.marshal_with_options', { a: 1 }, { pretty: false, indent: ' ' }), '{"a":1}')
  t.throws(() => call('json.marshal_with_options', 1, { foo: 1 }), { message: 'json.marshal_with_options: operand 2 object contained unknown key foo' })
})

t.test('json.unmarshal and json.is_valid', async (t) => {
  t.same(call('json.unmarshal', '[{"foo":[1,2,3]}]'), [{ foo: [1, 2, 3] }])
  t.throws(() => call('json.unmarshal', '{'), { message: 'json.unmarshal: unexpected end of JSON input' })
  t.throws(() => call('json.unmarshal', 'x'), { message: "json.unmarshal: invalid character 'x' looking for beginning of value" })
  t.same(
    ['plainstring', '{', '{"json": "ok"}'].map((d) => call('json.is_valid', d)),
    [false, false, true],
  )
  t.equal(call('json.is_valid', 1), false)
})

t.test('yaml round-trips and reports go-yaml style errors', async (t) => {
  const y = call('yaml.marshal', [{ foo: [1, 2, 3], a: 'x' }]) as string
  t.equal(y, '- a: x\n  foo:\n  - 1\n  - 2\n  - 3\n')
  t.same(call('yaml.unmarshal', y), [{ a: 'x', foo: [1, 2, 3] }])
  t.same(call('yaml.unmarshal', 'a: yes\n1: b'), { a: true, 1: 'b' })
  t.throws(() => call('yaml.unmarshal', '[1,2,3'), /^yaml\.unmarshal: yaml: line 1: did not find/)
  t.same(
    ['foo:\n   - qux: bar\n   - baz: 2', 'foo:\n   - baz: {', '{"json": "ok"}'].map((d) => call('yaml.is_valid', d)),
    [true, false, true],
  )
  t.equal(call('yaml.is_valid', 1), false)
})

t.test('a quoted scalar whose last quote is an escape is not closed (go-yaml: unexpected end of stream)', async (t) => {
  // The yaml library accepted these as closed (`'''` as "'"); the module/host fuzz of self-contained-yaml.test.ts found it.
  for (const doc of ["'''", "'a''", "k: '''", '"a\\"', '"\\"', "- x\n- 'y''"]) {
    t.equal(call('yaml.is_valid', doc), false, doc)
    t.throws(() => call('yaml.unmarshal', doc), /^yaml\.unmarshal: yaml: line \d+: found unexpected end of stream/, doc)
  }
  // Closed ones, escapes included, still read as before.
  t.same(call('yaml.unmarshal', "''''"), "'")
  t.same(call('yaml.unmarshal', 'k: \'it\'\'s\'\nd: "tab\\tx \\"q\\""\n'), { k: "it's", d: 'tab\tx "q"' })
  t.same(call('yaml.unmarshal', "{a: 'b', 'c''d': \"e\\\\\"}"), { a: 'b', "c'd": 'e\\' })
})
