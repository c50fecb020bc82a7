// object.*, array.* and the set fallbacks.

import t from 'tap'
import { impls } from '../../src/builtins/objects.js'

const call = (name: string, ...args: unknown[]): unknown => impls[name](...args)

t.test('union merges recursively, right wins', async (t) => {
  t.same(call('object.union', { a: { b: { c: 1 }, x: 1 } }, { a: { b: 2 } }), { a: { b: 2, x: 1 } })
  t.same(call('object.union_n', [{ a: 1, b: 2 }, { a: 'a', d: 4 }, { a: 'final' }]), { a: 'final', b: 2, d: 4 })
  t.throws(() => call('object.union', [], {}), { message: 'object.union: operand 1 must be object but got array', code: 'eval_type_error' })
  t.throws(() => call('object.union_n', [1]), { code: 'eval_type_error' })
})

t.test('filter/remove take keys as array, set or object (non-string keys by JSON text)', async (t) => {
  t.same(call('object.filter', { a: 1, b: 2, e: 9 }, ['a', 'e']), { a: 1, e: 9 })
  t.same(call('object.filter', { a: 1, b: 2, e: 9 }, { a: 'x' }), { a: 1 })
  t.same(call('object.filter', { a: 1, '[[7]]': 2 }, [[[7]]]), { '[[7]]': 2 })
  t.same(call('object.remove', { a: 1, b: { c: 3 }, d: 4 }, ['d', 'b']), { a: 1 })
  t.throws(() => call('object.filter', { a: 1 }, null), { message: 'object.filter: operand 2 must be one of {object, set, array} but got null' })
  t.throws(() => call('object.remove', true, []), { message: 'object.remove: operand 1 must be object but got boolean' })
})

t.test('get follows paths through objects and arrays', async (t) => {
  t.equal(call('object.get', { a: 'b' }, 'c', 'c'), 'c')
  t.equal(call('object.get', { 1: 2 }, 1, 3), 2)
  t.same(call('object.get', { a: 1 }, [], 2), { a: 1 })
  t.equal(call('object.get', { a: { b: [{ c: 1 }] } }, ['a', 'b', 0, 'c'], 2), 1)
  t.equal(call('object.get', { a: { b: [1] } }, ['a', 'b', 'a'], 2), 2)
  t.throws(() => call('object.get', 'x', ['a'], 2), { message: 'object.get: operand 1 must be object but got string' })
})

t.test('keys and subset', async (t) => {
  t.same(call('object.keys', { a: 1, b: 2 }), ['a', 'b'])
  t.throws(() => call('object.keys', 'x'), { message: 'object.keys: operand 1 must be object but got string' })
  t.equal(call('object.subset', { a: 5, b: 7, n: { x: 1, y: 2 } }, { a: 5, n: { y: 2 } }), true)
  t.equal(call('object.subset', { a: 5 }, { a: 5, b: 10 }), false)
  t.equal(call('object.subset', [1, 2, 3, 4, 5, 6], [3, 4, 5]), true)
  t.equal(call('object.subset', [1, 2, 3, 4, 5, 6], [4, 5, 6, 8]), false)
  t.equal(call('object.subset', { a: 1 }, [1]), false)
})

t.test('arrays', async (t) => {
  t.same(call('array.concat', [1], [2, 3]), [1, 2, 3])
  t.throws(() => call('array.concat', [1], {}), { message: 'array.concat: operand 2 must be array but got object' })
  t.same(call('array.slice', [1, 2, 3, 4, 5], 1, 3), [2, 3])
  t.same(call('array.slice', [1, 2, 3, 4, 5], -1, 2), [1, 2])
  t.same(call('array.slice', [1, 2, 3, 4, 5], 4, 1), [])
  t.same(call('array.reverse', [1, 2, 3]), [3, 2, 1])
  t.same(call('array.flatten', [[1, 2], 'x', [[3]]]), [1, 2, 'x', [3]])
})

t.test('set union and intersection de-duplicate by value', async (t) => {
  t.same(call('union', [[1, 2, 3], [2, { a: 1 }], [{ a: 1 }]]), [1, 2, 3, { a: 1 }])
  t.same(call('union', []), [])
  t.same(
    call('intersection', [
      [1, 2, 3],
      [2, 3, 4],
      [3, 2],
    ]),
    [2, 3],
  )
})
