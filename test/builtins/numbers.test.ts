// numbers.range(_step), bits.*, to_number and rand.intn.

import t from 'tap'
import { impls } from '../../src/builtins/numbers.js'

const call = (name: string, ...args: unknown[]): unknown => impls[name](...args)

t.test('ranges are inclusive in either direction', async (t) => {
  t.same(call('numbers.range', -2, 3), [-2, -1, 0, 1, 2, 3])
  t.same(call('numbers.range', 2, -3), [2, 1, 0, -1, -2, -3])
  t.same(call('numbers.range', 49649733057, 49649733058), [49649733057, 49649733058])
  t.same(call('numbers.range_step', 10, 3, 2), [10, 8, 6, 4])
  t.same(call('numbers.range_step', 0, 10, 99999999999999999999), [0])
  t.throws(() => call('numbers.range', 3, 3.14), {
    message: 'numbers.range: operand 2 must be integer number but got floating-point number',
    code: 'eval_type_error',
  })
  t.throws(() => call('numbers.range_step', 0, 10, -2), { message: 'numbers.range_step: step must be a positive integer' })
})

t.test('bits operate on integers of any size', async (t) => {
  t.equal(call('bits.and', 7, 9), 1)
  t.equal(call('bits.or', 7, 9), 15)
  t.equal(call('bits.xor', 42, 3), 41)
  t.equal(call('bits.negate', 42), -43)
  t.equal(call('bits.lsh', 2147483647, 1), 4294967294)
  t.equal(call('bits.rsh', 8, 3), 1)
  t.throws(() => call('bits.and', 7.2, 42), { message: 'bits.and: operand 1 must be integer number but got floating-point number' })
  t.throws(() => call('bits.lsh', 7, -1), { message: 'bits.lsh: operand 2 must be an unsigned integer number but got a negative integer' })
})

t.test('to_number accepts Go float syntax and rejects the rest', async (t) => {
  t.equal(call('to_number', '3'), 3)
  t.equal(call('to_number', '-1.5e2'), -150)
  t.equal(call('to_number', '0x10'), 16)
  t.equal(call('to_number', null), 0)
  t.equal(call('to_number', true), 1)
  t.throws(() => call('to_number', 'broken'), /invalid syntax/)
  for (const s of ['nan', 'inf', '-Infinity', 'iNf']) t.throws(() => call('to_number', s), { code: 'eval_type_error' })
})

t.test('rand.intn stays below n', async (t) => {
  for (let i = 0; i < 50; i++) {
    const v = call('rand.intn', 'k', 10) as number
    t.ok(Number.isInteger(v) && v >= 0 && v < 10)
  }
  t.equal(call('rand.intn', 'k', 0), 0)
})
