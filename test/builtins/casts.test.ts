// The v0-only casts and set_diff (casts.ts): what each returns, and the type
// errors OPA's topdown/casts.go gives for other operands.

import t from 'tap'
import { impls } from '../../src/builtins/casts.js'
import { RegoSet } from '../../src/builtins/types.js'

const errorOf = (fn: () => unknown): [string, string] | undefined => {
  try {
    fn()
  } catch (e) {
    return [(e as Error).message, (e as { code: string }).code]
  }
  return undefined
}

t.test('cast_array and cast_set convert between arrays and sets', async (t) => {
  const arr = impls.cast_array!(RegoSet.of2([1, 2]))
  t.same(arr, [1, 2])
  t.notOk(arr instanceof RegoSet, 'a set cast to an array is an array')
  t.same(impls.cast_array!([3, 1]), [3, 1])
  const set = impls.cast_set!([1, 2])
  t.ok(set instanceof RegoSet, 'an array cast to a set is a set')
  t.same([...(set as RegoSet)], [1, 2])
  t.same(
    errorOf(() => impls.cast_array!('x')),
    ['cast_array: operand 1 must be one of {array, set} but got string', 'eval_type_error'],
  )
  t.same(
    errorOf(() => impls.cast_set!({ a: 1 })),
    ['cast_set: operand 1 must be one of {array, set} but got object', 'eval_type_error'],
  )
})

t.test('the scalar and object casts return their operand when it has the type, else a type error', async (t) => {
  t.equal(impls.cast_string!('s'), 's')
  t.equal(impls.cast_boolean!(false), false)
  t.equal(impls.cast_null!(null), null)
  t.same(impls.cast_object!({ a: 1 }), { a: 1 })
  t.same(
    errorOf(() => impls.cast_string!(1)),
    ['cast_string: operand 1 must be string but got number', 'eval_type_error'],
  )
  t.same(
    errorOf(() => impls.cast_boolean!('true')),
    ['cast_boolean: operand 1 must be boolean but got string', 'eval_type_error'],
  )
  t.same(
    errorOf(() => impls.cast_null!(0)),
    ['cast_null: operand 1 must be null but got number', 'eval_type_error'],
  )
  t.same(
    errorOf(() => impls.cast_object!([1])),
    ['cast_object: operand 1 must be object but got array', 'eval_type_error'],
  )
})

t.test('set_diff removes the elements of the second set, composite ones compared by value', async (t) => {
  const d = impls.set_diff!(RegoSet.of2([1, { a: [1, 2] }, 'x']), RegoSet.of2([{ a: [1, 2] }, 'y']))
  t.ok(d instanceof RegoSet)
  t.same([...(d as RegoSet)], [1, 'x'])
  t.same(
    errorOf(() => impls.set_diff!([1], RegoSet.of2([]))),
    ['set_diff: operand 1 must be set but got array', 'eval_type_error'],
  )
  t.same(
    errorOf(() => impls.set_diff!(RegoSet.of2([]), [1])),
    ['set_diff: operand 2 must be set but got array', 'eval_type_error'],
  )
})
