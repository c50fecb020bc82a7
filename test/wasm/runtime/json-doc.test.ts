// object.subset and the json document built-ins in the module
// (builtins-objects.ts, builtins-json-doc.ts): OPA's semantics, including
// where meshgate's host implementation departs from them. The edge cases
// reproduce behaviour of OPA's topdown/subset.go and topdown/json.go (over
// ast.Object.Filter and internal/edittree), see
// https://github.com/open-policy-agent/opa/tree/main/v1/topdown.

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const subset = (a: string, b: string) => rt.call('mg_object_subset', a, b)
const filter = (o: string, p: string) => rt.call('mg_json_filter', o, p)
const remove = (o: string, p: string) => rt.call('mg_json_remove', o, p)
const patch = (d: string, ops: unknown[]) => rt.call('mg_json_patch', d, JSON.stringify(ops))
const marshal = (x: string, o: string) => rt.call('mg_json_marshal_with_options', x, o)

t.test('object.subset: objects recurse, sets contain, arrays are contiguous runs', async (t) => {
  t.equal(subset('{"a":1,"b":{"c":2,"d":3}}', '{"b":{"c":2}}'), 'true')
  t.equal(subset('{"a":1}', '{"a":1,"b":2}'), 'false')
  t.equal(subset('{"a":{"x":[1,2,3]}}', '{"a":{"x":[2,3]}}'), 'true', 'nested arrays as sub-slices')
  t.equal(subset('{"a":{"x":[1,2,3]}}', '{"a":{"x":[1,3]}}'), 'false')
  t.equal(subset('{"a":{1,2,3}}', '{"a":{3,1}}'), 'true', 'nested sets by membership')
  t.equal(subset('{"a":[1,2]}', '{"a":{1}}'), 'false', 'an array and a set under one key are not comparable')
  t.equal(subset('{"a":1}', '{"a":1.0}'), 'true', 'numbers compare by value')
  t.equal(subset('{1:"x"}', '{1:"x"}'), 'true', 'non-string keys')
  t.equal(subset('{"1":"x"}', '{1:"x"}'), 'false')
  t.equal(subset('{1,2,3}', '{1,3}'), 'true')
  t.equal(subset('{1,2}', 'set()'), 'true')
  t.equal(subset('[1,2,3,4]', '[2,3]'), 'true')
  t.equal(subset('[1,2,3,4]', '[2,4]'), 'false')
  t.equal(subset('[1,1,2]', '[1,2]'), 'true', 'a match after a false start')
  t.equal(subset('[]', '[]'), 'true')
  t.equal(subset('[1,2,3]', '{3,1}'), 'true', 'an array containing every member of a set')
  // OPA's arraySetSubset counts matching elements, so duplicates count
  // twice and an empty array never reaches the count of an empty set
  t.equal(subset('[1,1]', '{1,2}'), 'true')
  t.equal(subset('[]', 'set()'), 'false')
  // other pairs are errors in OPA ("must be of the same type or array and set")
  t.equal(subset('{1,2}', '[1]'), undefined)
  t.equal(subset('{"a":1}', '[1]'), undefined)
  t.equal(subset('"a"', '"a"'), undefined)
})

t.test('json.filter: paths as pointers or segment arrays', async (t) => {
  const doc = '{"a":{"b":1,"c":2},"d":[10,20,30],"e":5,"s":{"x","y"}}'
  t.equal(filter(doc, '["a/b", "/d/1"]'), '{"a":{"b":1},"d":[20]}', 'a leading slash is optional')
  t.equal(filter(doc, '{"a", "e"}'), '{"a":{"b":1,"c":2},"e":5}', 'a set of paths')
  t.equal(filter(doc, '[["a", "c"], ["s", "y"]]'), '{"a":{"c":2},"s":{"y"}}', 'segment arrays; sets by member')
  t.equal(filter(doc, '["a", "a/b"]'), '{"a":{"b":1,"c":2}}', 'a shorter path swallows a longer one')
  t.equal(filter(doc, '["a/b", "a"]'), '{"a":{"b":1,"c":2}}', 'in either order')
  t.equal(filter(doc, '["e/deeper"]'), '{"e":5}', 'a scalar under a deeper path is kept whole (ast.Object.Filter)')
  t.equal(filter(doc, '[""]'), '{}', 'the empty path is ignored')
  t.equal(filter(doc, '[["d", 1]]'), '{"d":[]}', 'array positions match their decimal string only')
  t.equal(filter('{"a~b":1,"c/d":2}', '["a~0b", "c~1d"]'), '{"a~b":1,"c/d":2}', 'pointer escapes')
  t.equal(filter('{"":{"x":1}}', '["/"]'), '{"":{"x":1}}', '"/" is the member named ""')
  t.equal(filter('{1:{"x":1}}', '[[1, "x"]]'), '{1:{"x":1}}', 'a number segment selects a number key')
  t.equal(filter(doc, '"a"'), undefined, 'paths must be an array or a set')
  t.equal(filter(doc, '[1]'), undefined, 'a path must be a string or an array')
  t.equal(filter('[1]', '["0"]'), undefined, 'the document must be an object')
})

t.test('json.remove', async (t) => {
  const doc = '{"a":{"b":1,"c":2},"d":[10,20,30],"e":5,"s":{"x","y"}}'
  t.equal(remove(doc, '["a/b", "d/0", "d/2", "s/x"]'), '{"a":{"c":2},"d":[20],"e":5,"s":{"y"}}')
  t.equal(remove(doc, '{"/a", "e"}'), '{"d":[10,20,30],"s":{"x","y"}}')
  t.equal(remove(doc, '["e/deeper", "nope/x"]'), doc.replace(/"s":\{"x","y"\}/, '"s":{"x","y"}'), 'paths through scalars or missing keys change nothing')
  t.equal(remove(doc, '[""]'), doc, 'the empty path is ignored')
  t.equal(remove(doc, '[["d", 0]]'), doc, 'a number segment does not select an array position')
  t.equal(remove('{"a":1}', '"a"'), undefined)
})

t.test('json.patch: RFC 6902 operations as OPA applies them', async (t) => {
  t.equal(
    patch('{"a":1}', [
      { op: 'add', path: 'b', value: 2 },
      { op: 'add', path: '/c', value: [1] },
      { op: 'add', path: 'c/-', value: 9 },
      { op: 'add', path: 'c/0', value: 0 },
    ]),
    '{"a":1,"b":2,"c":[0,1,9]}',
  )
  t.equal(patch('{"a":{"b":1}}', [{ op: 'remove', path: '/a/b' }]), '{"a":{}}')
  t.equal(patch('[1,2,3]', [{ op: 'remove', path: '1' }]), '[1,3]', 'a document of any type')
  t.equal(patch('{"a":1}', [{ op: 'replace', path: 'a', value: { x: 1 } }]), '{"a":{"x":1}}')
  t.equal(patch('{"a":1}', [{ op: 'replace', path: '', value: 7 }]), '7', 'replacing the root')
  t.equal(patch('{"a":1}', [{ op: 'add', path: '', value: [1] }]), '[1]', 'adding at the root replaces it')
  t.equal(patch('{"a":[1,2],"b":{}}', [{ op: 'move', from: '/a/0', path: '/b/x' }]), '{"a":[2],"b":{"x":1}}')
  t.equal(patch('{"a":1}', [{ op: 'move', from: 'a', path: 'a' }]), '{"a":1}', 'a move onto itself')
  t.equal(patch('{"a":{"b":1}}', [{ op: 'copy', from: 'a', path: 'c' }]), '{"a":{"b":1},"c":{"b":1}}')
  t.equal(patch('{"a":{"b":[1]}}', [{ op: 'test', path: 'a/b', value: [1] }]), '{"a":{"b":[1]}}')
  t.equal(patch('{"a":{"b":1}}', [{ op: 'add', path: ['a', 'c'], value: 2 }]), '{"a":{"b":1,"c":2}}', 'a segment array')
  t.equal(patch('{"a":[1,2]}', [{ op: 'add', path: ['a', 1], value: 9 }]), '{"a":[1,9,2]}', 'a number indexes an array')
  t.equal(rt.call('mg_json_patch', '{"s":{1,2}}', '[{"op":"add","path":["s",3],"value":3}]'), '{"s":{1,2,3}}', 'a set member is added under itself')
  t.equal(rt.call('mg_json_patch', '{"s":{1,2}}', '[{"op":"remove","path":["s",1]}]'), '{"s":{2}}')
  t.equal(rt.call('mg_json_patch', '{"s":{1,2}}', '[{"op":"add","path":["s",3],"value":4}]'), undefined, 'a set member must equal its key')
  t.equal(patch('{"a~b":1}', [{ op: 'remove', path: '/a~0b' }]), '{}')
  // a failing operation makes the whole patch undefined
  t.equal(patch('{"a":1}', [{ op: 'test', path: 'a', value: 2 }]), undefined)
  t.equal(patch('{"a":1}', [{ op: 'remove', path: 'b' }]), undefined, 'removing a missing member')
  t.equal(patch('{"a":1}', [{ op: 'add', path: 'x/y', value: 1 }]), undefined, 'a missing parent')
  t.equal(patch('{"a":1}', [{ op: 'add', path: 'a/y', value: 1 }]), undefined, 'a scalar parent')
  t.equal(patch('[1]', [{ op: 'add', path: '2', value: 1 }]), undefined, 'an index past the end')
  t.equal(patch('[1]', [{ op: 'add', path: '01', value: 1 }]), undefined, 'leading zeros')
  t.equal(patch('[1]', [{ op: 'remove', path: '-' }]), undefined, '"-" only appends')
  t.equal(patch('{"a":{"b":1}}', [{ op: 'move', from: 'a', path: 'a/b/c' }]), undefined, 'a move into itself')
  t.equal(patch('{"a":1}', [{ op: 'remove', path: '' }]), undefined, 'removing the root')
  t.equal(patch('{"a":1}', [{ op: 'frob', path: 'a' }]), undefined, 'an unknown op')
  t.equal(patch('{"a":1}', [{ op: 'add', path: 'b' }]), undefined, 'add without a value')
  t.equal(patch('{"a":1}', [{ op: 'copy', path: 'b' }]), undefined, 'copy without from')
  t.equal(patch('{"a":1}', [{ path: 'b', value: 1 }]), undefined, 'no op')
  t.equal(patch('{"a":1}', [1]), undefined, 'an operation must be an object')
  t.equal(rt.call('mg_json_patch', '{"a":1}', '{"op":"add"}'), undefined, 'the operations must be an array')
  t.equal(patch('{"a":1}', []), '{"a":1}')
})

t.test('json.marshal_with_options: Go MarshalIndent, the prefix before every line', async (t) => {
  const x = '{"a":[1,{"b":[]},{}],"c":"<x>"}'
  t.equal(marshal(x, '{}'), JSON.stringify('{"a":[1,{"b":[]},{}],"c":"\\u003cx\\u003e"}'), 'no options: json.marshal')
  t.equal(JSON.parse(marshal(x, '{"pretty":true}')!), '{\n\t"a": [\n\t\t1,\n\t\t{\n\t\t\t"b": []\n\t\t},\n\t\t{}\n\t],\n\t"c": "\\u003cx\\u003e"\n}')
  t.equal(JSON.parse(marshal('{"a":[1]}', '{"indent":"  ","prefix":"> "}')!), '> {\n>   "a": [\n>     1\n>   ]\n> }', 'indent or prefix imply pretty')
  t.equal(JSON.parse(marshal('{"a":[1]}', '{"indent":"  ","pretty":false}')!), '{"a":[1]}', 'pretty: false wins')
  t.equal(JSON.parse(marshal('"a,b:{c}"', '{"pretty":true}')!), '"a,b:{c}"', 'punctuation inside strings is left alone')
  t.equal(JSON.parse(marshal('{1,2}', '{"pretty":true}')!), '[\n\t1,\n\t2\n]', 'sets as arrays')
  t.equal(marshal('1', '{"pretty":1}'), undefined, 'pretty must be a boolean')
  t.equal(marshal('1', '{"indent":1}'), undefined, 'indent must be a string')
  t.equal(marshal('1', '{"width":2}'), undefined, 'unknown keys are errors')
  t.equal(marshal('1', '[]'), undefined)
})
