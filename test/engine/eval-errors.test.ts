// Evaluation failures are classified by the structure the runtimes write —
// `file:row:col: code: message` from meshgate's modules, `file:row:col:
// message` from OPA's C runtime (opa_runtime_error), a bare message from a
// runtime abort — never by searching the whole text, so a file name or a
// user string inside the message cannot change the code.
import t from 'tap'
import { asEvalError, evalError, parseAbort } from '../../src/engine/eval-errors.js'
import { MeshgateError } from '../../src/errors/index.js'

t.test('a conflict in a file named memory.rego is the conflict', async (t) => {
  const e = evalError('memory.rego:5:1: eval_conflict_error: complete rules must not produce multiple outputs', 'app/p')
  t.equal(e.code, 'eval_conflict_error')
  t.equal(e.message, 'evaluation of `app/p` failed: memory.rego:5:1: eval_conflict_error: complete rules must not produce multiple outputs')
})

t.test('a conflict in a file named out-of-bounds-malloc.rego is the conflict', async (t) => {
  t.equal(
    evalError('policies/out of bounds/malloc.rego:3:7: eval_conflict_error: functions must not produce multiple outputs for same inputs', 'f').code,
    'eval_conflict_error',
  )
})

t.test('a built-in error whose message mentions a conflict is a built-in error', async (t) => {
  t.equal(evalError('x.rego:2:3: eval_builtin_error: conflict: invalid argument(s)', 'x').code, 'eval_builtin_error')
})

t.test('the codes meshgate modules abort with', async (t) => {
  t.equal(evalError('eval_budget_exceeded: step budget exceeded', 'a/b').code, 'eval_budget_exceeded')
  t.equal(evalError('eval_budget_exceeded: step budget exceeded', 'a/b').message, 'evaluation of `a/b` ran past its step budget')
  const oom = evalError('out of memory', 'a/b')
  t.equal(oom.code, 'eval_memory_exceeded', 'the runtime\'s fatal("out of memory")')
  t.same(oom.details, { cause: 'out of memory' })
  t.equal(evalError('c.rego:4:1: eval_type_error: not a number', 'c').code, 'eval_type_error')
})

t.test('OPA-built modules: opa_runtime_error texts and opa_malloc aborts', async (t) => {
  t.equal(evalError('memory.rego:9:3: var assignment conflict', 'p').code, 'eval_conflict_error')
  t.equal(evalError('p.rego:9:3: object insert conflict', 'p').code, 'eval_conflict_error')
  t.equal(evalError('opa_malloc: corrupted heap', 'p').code, 'eval_memory_exceeded')
  t.equal(evalError('step budget exceeded', 'p').code, 'eval_budget_exceeded')
})

t.test('host errors: a memory that cannot grow, an out-of-bounds trap', async (t) => {
  t.equal(evalError(new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'), 'p').code, 'eval_memory_exceeded')
  t.equal(evalError(new WebAssembly.RuntimeError('memory access out of bounds'), 'p').code, 'eval_memory_exceeded')
  t.equal(evalError(new WebAssembly.RuntimeError('unreachable'), 'p').code, 'eval_error')
  t.equal(
    evalError(new WebAssembly.LinkError('WebAssembly.instantiate(): memory import 0 is smaller than initial 40, got 5'), 'p').code,
    'eval_memory_exceeded',
    'a module needing more pages than the limit',
  )
  t.equal(
    evalError(new WebAssembly.LinkError('WebAssembly.instantiate(): Import #3 "env" "opa_builtin9": function import requires a callable'), 'p').code,
    'eval_error',
  )
  const mine = new MeshgateError('eval_builtin_error', 'x')
  t.equal(evalError(mine, 'p'), mine, 'a MeshgateError passes through')
})

t.test('anything else is eval_error; text naming memory or conflicts does not change that', async (t) => {
  for (const text of ['memory.rego:1:1: something odd', 'user said: conflict', 'malloc was here', 'internal: illegal entrypoint id']) {
    const e = evalError(text, 'p')
    t.equal(e.code, 'eval_error', text)
    t.equal(e.message, `evaluation of \`p\` failed: ${text}`)
  }
  t.equal(evalError(new Error('boom\nsecond line'), 'p').message, 'evaluation of `p` failed: boom', 'one line')
})

t.test('asEvalError keeps the specific code in details', async (t) => {
  const e = asEvalError('memory.rego:5:1: eval_conflict_error: complete rules must not produce multiple outputs', 'p')
  t.equal(e.code, 'eval_error')
  t.same(e.details, { code: 'eval_conflict_error' })
})

t.test('parseAbort splits location, code and message', async (t) => {
  t.same(parseAbort('memory.rego:5:1: eval_conflict_error: a: b'), {
    location: { file: 'memory.rego', row: 5, col: 1 },
    code: 'eval_conflict_error',
    message: 'a: b',
  })
  t.same(parseAbort('p.rego:9:3: var assignment conflict'), { location: { file: 'p.rego', row: 9, col: 3 }, message: 'var assignment conflict' })
  t.same(parseAbort('opa_malloc: corrupted heap'), { code: 'opa_malloc', message: 'corrupted heap' })
  t.same(parseAbort('out of memory'), { message: 'out of memory' })
})
