// Encoding built-ins in the module (builtins-encoding.ts), in the classes
// where OPA (Go) and the host implementation (Node's Buffer, JS sorting)
// differ, and their malformed inputs. Expected texts reproduce Go's
// encoding/base64, encoding/hex, net/url and encoding/json as OPA's
// topdown/encoding.go calls them.

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const c = (name: string, ...args: string[]) => {
  const r = rt.call(name, ...args)
  return r === undefined ? undefined : JSON.parse(r)
}
const q = JSON.stringify

t.test('base64 and base64url', async (t) => {
  t.equal(c('mg_base64_encode', q('héllo?>')), 'aMOpbGxvPz4=')
  t.equal(c('mg_base64url_encode', q('héllo?>')), 'aMOpbGxvPz4=')
  t.equal(c('mg_base64url_encode_no_pad', q('héllo?>')), 'aMOpbGxvPz4')
  t.equal(c('mg_base64_decode', q('aMOpbGxv\nPz4=')), 'héllo?>', 'line breaks are ignored')
  t.equal(c('mg_base64_decode', q('aGk')), undefined, 'padding is required')
  t.equal(c('mg_base64_decode', q('aG=k')), undefined)
  t.equal(c('mg_base64_decode', q('aGk=aGk=')), undefined, 'padding only at the end')
  t.equal(c('mg_base64_decode', q('/w==')), '\ufffd', 'a byte that is not UTF-8 prints as U+FFFD')
  t.equal(c('mg_base64_decode', q('4oI=')), '\ufffd\ufffd', 'one U+FFFD per invalid byte, as Go (Node: one per sequence)')
  t.equal(c('mg_base64_is_valid', q('aGk=')), true)
  t.equal(c('mg_base64_is_valid', q('aGk')), false)
  t.equal(c('mg_base64_is_valid', '1'), false)
  t.equal(c('mg_base64url_decode', q('aMOpbGxvPz4')), 'héllo?>', 'missing padding is restored (RFC 7515)')
  t.equal(c('mg_base64url_decode', q('_-8')), '\ufffd\ufffd')
  t.equal(c('mg_base64url_decode', q('abcde')), undefined, 'a length of 1 mod 4 cannot be padded')
})

t.test('hex', async (t) => {
  t.equal(c('mg_hex_encode', q('hé')), '68c3a9')
  t.equal(c('mg_hex_decode', q('68C3A9')), 'hé')
  t.equal(c('mg_hex_decode', q('686')), undefined, 'odd length')
  t.equal(c('mg_hex_decode', q('6g')), undefined, 'invalid byte')
})

t.test('urlquery: Go query escaping', async (t) => {
  t.equal(c('mg_urlquery_encode', q('a b&c=d/é~')), 'a+b%26c%3Dd%2F%C3%A9~')
  t.equal(c('mg_urlquery_decode', q('a+b%26c%3dd')), 'a b&c=d')
  t.equal(c('mg_urlquery_decode', q('%4')), undefined, 'a short escape')
  t.equal(c('mg_urlquery_decode', q('%zz')), undefined)
  t.equal(c('mg_urlquery_encode_object', '{"b": ["2", "1"], "a": "x y", "c": {"z"}}'), 'a=x+y&b=2&b=1&c=z')
  t.equal(
    c('mg_urlquery_encode_object', '{"\\uf900": "1", "\\ud800\\udc00": "2"}'),
    '%EF%A4%80=1&%F0%90%80%80=2',
    'keys in UTF-8 byte order, as Go sorts them (UTF-16 order is the reverse)',
  )
  t.equal(c('mg_urlquery_encode_object', '{"a": 1}'), undefined)
  t.same(c('mg_urlquery_decode_object', q('a=1&b=2&a=3&&c')), { a: ['1', '3'], b: ['2'], c: [''] })
  t.equal(c('mg_urlquery_decode_object', q('a=1;b=2')), undefined, 'a semicolon separator is an error')
  t.equal(c('mg_urlquery_decode_object', q('a=%zz')), undefined)
})

t.test('json: Go encoding/json text', async (t) => {
  t.equal(c('mg_json_marshal', '{"b": [1, 2.5, "<a&b>"], "a": {1, 2}, "\u2028": null}'), '{"a":[1,2],"b":[1,2.5,"\\u003ca\\u0026b\\u003e"],"\\u2028":null}')
  t.equal(c('mg_json_marshal', '123456789012345678901234567890'), '123456789012345678901234567890', 'numbers keep their text')
  t.equal(c('mg_json_marshal', q('\u0001\n\t')), '"\\u0001\\n\\t"')
  t.same(c('mg_json_unmarshal', q('{"a": [1, "x", null], "a": 2}')), { a: 2 }, 'the last duplicate key wins')
  t.equal(c('mg_json_unmarshal', q('{"a": }')), undefined)
  t.equal(c('mg_json_unmarshal', q('[1] x')), undefined, 'trailing text')
  t.equal(c('mg_json_is_valid', q('{"a": [1, 2]}')), true)
  t.equal(c('mg_json_is_valid', q('{a: 1}')), false)
  t.equal(c('mg_json_is_valid', '[1]'), false, 'a non-string is not valid JSON text')
})
