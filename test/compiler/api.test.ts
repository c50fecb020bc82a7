// The public API as tools outside the project use it: the package export
// `meshgate/compiler`, the shape of compile()'s result, and errors for bad
// input (a CompileError with `errors`, never a stack trace of ours).

import t from 'tap'
import { createRequire } from 'node:module'
import { compile, hostBuiltins, CompileError } from 'meshgate/compiler'

t.test('`meshgate/compiler` resolves through the package exports to the built API', async (t) => {
  const url = import.meta.resolve('meshgate/compiler')
  t.match(url, /\/dist\/src\/compiler\.js$/)
  const pkg = createRequire(import.meta.url)('meshgate/package.json') as { exports: Record<string, unknown> }
  t.ok(pkg.exports['./compiler'], 'package.json declares the export')
  t.type(compile, 'function')
  t.type(hostBuiltins, 'object')
  t.type(hostBuiltins['time.now_ns'], 'function', 'host built-ins are keyed by OPA name')
  t.type(hostBuiltins['meshgate.sprintf'] ?? hostBuiltins['sprintf'], 'function')
})

t.test('compile() returns wasm bytes, entrypoint ids and the host built-ins it calls', async (t) => {
  const r = await compile({
    modules: [
      {
        path: 'a.rego',
        source: 'package a\n\nallow if input.x == 1\n\nmsg := yaml.marshal(input.s)\n\nup := upper(input.s)\n\ntok := io.jwt.decode(input.t)\n',
      },
    ],
    entrypoints: ['a/allow', 'a/msg', 'a'],
  })
  t.ok(r.wasm instanceof Uint8Array)
  t.same([...r.wasm.slice(0, 4)], [0, 0x61, 0x73, 0x6d], 'wasm magic')
  t.ok(WebAssembly.validate(new Uint8Array(r.wasm)))
  t.same(r.entrypoints, { 'a/allow': 0, 'a/msg': 1, a: 2 })
  t.same(r.builtins, ['io.jwt.decode'], 'only the host built-ins, under their OPA names: yaml.marshal and upper run in the module')
  t.equal(r.hostBuiltins, undefined, 'no extra host functions outside strict mode')
  t.equal(r.plan, undefined)
  const dbg = await compile({ modules: [{ path: 'a.rego', source: 'package a\n\np := 1\n' }], entrypoints: ['a/p'], debug: true })
  t.match(dbg.plan, /entrypoint "a\/p" -> /)
  t.match(dbg.wat, /\(func \$opa_eval /)
})

async function compileError(source: string, entrypoints = ['t/p'], extra: object = {}): Promise<CompileError> {
  try {
    await compile({ modules: [{ path: 'bad.rego', source }], entrypoints, ...extra })
  } catch (e) {
    return e as CompileError
  }
  throw new Error('compile() did not throw')
}

t.test('malformed Rego: rego_parse_error with its location, not a stack trace', async (t) => {
  const e = await compileError('package t\n\np if {\n\tinput.x ==\n}\n')
  t.ok(e instanceof CompileError)
  t.equal(e.code, 'rego_parse_error')
  t.equal(e.errors.length, 1)
  t.same(Object.keys(e.errors[0]!).sort(), ['code', 'location', 'message'])
  t.equal(e.errors[0]!.location?.file, 'bad.rego')
  t.equal(e.errors[0]!.location?.row, 5)
  t.notMatch(e.errors[0]!.message, /\n|at .*\.js/, 'one line, no stack')
  t.same(JSON.parse(JSON.stringify(e.errors)), e.errors, 'errors are plain JSON')
})

t.test('v0 syntax is rejected unless regoVersion: 0', async (t) => {
  const e = await compileError('package t\n\np { input.x }\n')
  t.equal(e.code, 'rego_parse_error')
  t.match(e.message, /`if` keyword is required/)
  const ok = await compile({ modules: [{ path: 'v0.rego', source: 'package t\n\np { input.x }\n' }], entrypoints: ['t/p'], regoVersion: 0 })
  t.ok(ok.wasm.length > 0)
})

t.test('errors from several modules are all reported, sorted', async (t) => {
  let err: CompileError | undefined
  try {
    await compile({
      modules: [
        { path: 'z.rego', source: 'package z\n\np if {\n\tinput.x == y\n}\n' },
        { path: 'a.rego', source: 'package a\n\np if {\n' },
        { path: 'm.rego', source: 'package m\n\np :=\n' },
      ],
      entrypoints: ['z/p'],
    })
  } catch (e) {
    err = e as CompileError
  }
  t.ok(err)
  t.same(
    err!.errors.map((e) => e.location?.file),
    ['a.rego', 'm.rego'],
    'parse errors of every module are reported together',
  )
  t.equal(err!.message, '2 errors occurred')
})

t.test('unknown entrypoint and missing entrypoints: compile_entrypoint_error', async (t) => {
  const e = await compileError('package t\n\np := 1\n', ['t/q'])
  t.equal(e.code, 'compile_entrypoint_error')
  t.match(e.message, '"t/q"')
  const none = await compileError('package t\n\np := 1\n', [])
  t.equal(none.code, 'compile_entrypoint_error')
})

t.test('a built-in the catalog does not know is a type error unless capabilities declare it', async (t) => {
  const e = await compileError('package t\n\np := acme.score(input)\n')
  t.equal(e.code, 'rego_type_error')
  t.same(e.errors[0]!.location, { file: 'bad.rego', row: 3, col: 6 })
})

t.test('compile() with no modules array is a usage error, not a crash', async (t) => {
  await t.rejects(compile({} as never), { code: 'cli_usage_error' })
})
