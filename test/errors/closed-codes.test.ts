// ErrorCode is the closed union of the catalog's codes (STYLE.md: "a code
// that is not in the catalog does not compile"). The test type-checks two
// tiny programs against src/errors with the TypeScript compiler: a
// catalog code compiles, a mistyped one does not.
import { fileURLToPath } from 'node:url'
import t from 'tap'
import ts from 'typescript'
import { isErrorCode } from '../../dist/src/errors/index.js'

const errorsIndex = fileURLToPath(new URL('../../src/errors/index.ts', import.meta.url))

function diagnostics(code: string): string[] {
  const file = errorsIndex.replace(/index\.ts$/, '__probe__.ts')
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  }
  const host = ts.createCompilerHost(options)
  const read = host.readFile.bind(host)
  const exists = host.fileExists.bind(host)
  host.readFile = (f) => (f === file ? code : read(f))
  host.fileExists = (f) => f === file || exists(f)
  const getSource = host.getSourceFile.bind(host)
  host.getSourceFile = (f, lang, ...rest) => (f === file ? ts.createSourceFile(f, code, lang) : getSource(f, lang, ...rest))
  const program = ts.createProgram([file], options, host)
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

t.test('a catalog code compiles; a mistyped code does not', async (t) => {
  const head = "import { MeshgateError, type ErrorCode } from './index.js'\n"
  t.same(diagnostics(`${head}export const e = new MeshgateError('rego_parse_error', 'x')\nexport const c: ErrorCode = 'eval_conflict_error'\n`), [])
  const bad = diagnostics(`${head}export const e = new MeshgateError('rego_parse_eror', 'x')\n`)
  t.equal(bad.length, 1, 'one error')
  t.match(bad[0], /"rego_parse_eror"/, 'it names the mistyped code')
  t.equal(diagnostics(`${head}export const c: ErrorCode = 'any' as string\n`).length, 1, 'an arbitrary string is not an ErrorCode')
})

t.test('isErrorCode admits exactly the catalog codes', async (t) => {
  t.ok(isErrorCode('eval_conflict_error'))
  t.notOk(isErrorCode('no_such_code'))
  t.notOk(isErrorCode('toString'), 'not inherited object keys')
  t.notOk(isErrorCode(undefined))
})
