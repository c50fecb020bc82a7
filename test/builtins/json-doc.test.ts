// json.patch / filter / remove / match_schema / verify_schema host built-ins.

import t from 'tap'
import { impls } from '../../src/builtins/json-doc.js'

const errorOf = (fn: () => unknown): [string, string] | undefined => {
  try {
    fn()
  } catch (e) {
    return [(e as Error).message, (e as { code: string }).code]
  }
  return undefined
}

t.test('json.patch applies RFC 6902 operations without touching its input', async (t) => {
  const doc = { foo: ['bar', 'baz'], q: { r: 1 } }
  t.same(
    impls['json.patch'](doc, [
      { op: 'add', path: '/foo/1', value: 'qux' },
      { op: 'remove', path: '/q/r' },
      { op: 'replace', path: '/foo/0', value: 'x' },
      { op: 'move', from: '/foo/2', path: '/moved' },
      { op: 'copy', from: '/moved', path: '/copied' },
      { op: 'test', path: '/copied', value: 'baz' },
      { op: 'add', path: '/foo/-', value: 'end' },
    ]),
    { foo: ['x', 'qux', 'end'], q: {}, moved: 'baz', copied: 'baz' },
  )
  t.same(doc, { foo: ['bar', 'baz'], q: { r: 1 } })
  t.same(impls['json.patch']({}, [{ op: 'add', path: '/', value: 1 }]), { '': 1 })
  t.ok(errorOf(() => impls['json.patch']({ q: {} }, [{ op: 'add', path: '/a/b', value: 1 }])))
  t.ok(errorOf(() => impls['json.patch']([1], [{ op: 'test', path: '/0', value: 2 }])))
  t.ok(errorOf(() => impls['json.patch']([1, 2, 3], [{ op: 'add', path: '1.2', value: 'foo' }])))
})

t.test('json.patch paths without a leading slash are read as OPA reads them: the slashes are trimmed', async (t) => {
  const doc = { a: { b: [1, 2] } }
  t.same(impls['json.patch'](doc, [{ op: 'add', path: 'a/c', value: 3 }]), { a: { b: [1, 2], c: 3 } })
  t.same(impls['json.patch'](doc, [{ op: 'replace', path: 'a/b/0', value: 9 }]), { a: { b: [9, 2] } })
  t.same(impls['json.patch'](doc, [{ op: 'move', from: 'a/b', path: 'moved' }]), { a: {}, moved: [1, 2] })
  t.same(impls['json.patch'](doc, [{ op: 'remove', path: '//a' }]), {}, 'every leading slash is trimmed')
  t.same(impls['json.patch'](doc, [{ op: 'test', path: 'a/b/1', value: 2 }]), doc)
  t.ok(
    errorOf(() => impls['json.patch'](doc, [{ op: 'test', path: 'a/b/1', value: 3 }])),
    'a failing test op still fails',
  )
})

t.test('json.filter keeps, json.remove drops, the named paths', async (t) => {
  const doc = { a: [{ b: 7, c: 8 }, { d: 9 }], e: { '1': ['x', 'y', 'z'] } }
  t.same(impls['json.filter'](doc, ['a/0/b', 'a/1']), { a: [{ b: 7 }, { d: 9 }] })
  t.same(impls['json.filter'](doc, [['e', '1', '2']]), { e: { '1': ['z'] } })
  t.same(impls['json.filter']({ a: { b: 7 } }, ['a', 'a/b']), { a: { b: 7 } })
  t.same(impls['json.remove'](doc, ['a/0/b', 'a/1']), { a: [{ c: 8 }], e: { '1': ['x', 'y', 'z'] } })
  t.same(impls['json.remove']({ a: { b: 7 }, c: 1 }, ['a', 'a/b']), { c: 1 })
  t.same(impls['json.remove']({ a: 7 }, []), { a: 7 })
  t.same(
    errorOf(() => impls['json.remove'](5, ['a'])),
    ['json.remove: operand 1 must be object but got number', 'eval_type_error'],
  )
  t.same(
    errorOf(() => impls['json.remove']({}, 'a')),
    ['json.remove: operand 2 must be one of {set, array} but got string', 'eval_type_error'],
  )
  t.same(
    errorOf(() => impls['json.remove']({}, [1])),
    ['json.remove: operand 2 must be one of {set, array} containing string paths or array of path segments but got number', 'eval_type_error'],
  )
})

t.test('schemas: verify_schema and match_schema', async (t) => {
  t.same(impls['json.verify_schema']('{"type": "boolean"}'), [true, null])
  t.same(impls['json.verify_schema']({ type: 'unknown_type' }), [
    false,
    'jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected valid values are:[array boolean integer number null object string]',
  ])
  const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }
  t.same(impls['json.match_schema']({ a: 'x' }, schema), [true, []])
  t.same(impls['json.match_schema']('{"a": 1}', JSON.stringify(schema)), [
    false,
    [{ error: 'a: must be string', type: 'type', field: 'a', desc: 'must be string' }],
  ])
})
