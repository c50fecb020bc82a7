// any/all over arrays and sets of booleans.

import t from 'tap'
import { impls } from '../../src/builtins/aggregates.js'

t.test('any/all look for literal true', async (t) => {
  t.equal(impls.any([false, true]), true)
  t.equal(impls.any([]), false)
  t.equal(impls.any([1, 'true']), false)
  t.equal(impls.all([true, true]), true)
  t.equal(impls.all([]), true)
  t.equal(impls.all([true, 1]), false)
  t.throws(() => impls.any('x'), { message: 'any: operand 1 must be one of {set, array} but got string', code: 'eval_type_error' })
})
