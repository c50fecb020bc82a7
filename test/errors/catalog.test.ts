// The error catalog (src/errors/catalog.ts) is the truth; docs/errors.md
// must list the same codes with the same HTTP status and exit code (as
// fastify's test/internals/errors.test.js keeps lib/errors.js and its docs
// in step). A code added to one and not the other fails here.

import { readFileSync } from 'node:fs'
import t from 'tap'
import { ERROR_CATALOG, kindOf, MeshgateError, httpEnvelope } from '../../dist/src/errors/index.js'

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

/** Rows of the docs table: | `code` | status | exit | meaning | */
const rows = new Map<string, { status: number; exit: number; meaning: string }>()
for (const line of docs.split('\n')) {
  const m = /^\|\s*`([a-z0-9_]+)`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(.*?)\s*\|\s*$/.exec(line)
  if (m) {
    t.notOk(rows.has(m[1]!), `${m[1]} appears once in docs/errors.md`)
    rows.set(m[1]!, { status: Number(m[2]), exit: Number(m[3]), meaning: m[4]! })
  }
}

t.test('docs/errors.md has a table to check', async (t) => {
  t.ok(rows.size >= 10, `found ${rows.size} rows`)
})

t.test('every catalog code is documented with the same status and exit code', async (t) => {
  for (const [code, kind] of Object.entries(ERROR_CATALOG)) {
    const row = rows.get(code)
    t.ok(row, `${code} is in docs/errors.md`)
    if (!row) continue
    t.equal(row.status, kind.status, `${code}: status`)
    t.equal(row.exit, kind.exit, `${code}: exit code`)
    t.equal(row.meaning, kind.summary, `${code}: meaning matches the catalog summary`)
  }
})

t.test('every documented code is in the catalog', async (t) => {
  for (const code of rows.keys()) t.ok(code in ERROR_CATALOG, `${code} is declared in src/errors/catalog.ts`)
})

t.test("OPA codes keep OPA's names", async (t) => {
  for (const code of [
    'rego_parse_error',
    'rego_compile_error',
    'rego_unsafe_var_error',
    'rego_recursion_error',
    'rego_type_error',
    'eval_conflict_error',
    'eval_type_error',
    'eval_builtin_error',
  ]) {
    t.ok(code in ERROR_CATALOG, code)
  }
})

t.test('an unknown code is treated as an internal error (500, exit 3)', async (t) => {
  t.same(kindOf('no_such_code'), ERROR_CATALOG.internal_error)
  const e = new MeshgateError('no_such_code', 'x')
  t.equal(e.status, 500)
  t.equal(e.exitCode, 3)
})

t.test("status and exit code come from the catalog; the HTTP envelope is OPA's", async (t) => {
  const e = new MeshgateError('rego_parse_error', 'unexpected `}`', { file: 'a.rego', row: 2, col: 1 })
  t.equal(e.status, 400)
  t.equal(e.exitCode, 2)
  const inner = e.toJSON()
  t.same(httpEnvelope({ ...inner, errors: [inner] }), {
    status: 400,
    body: {
      code: 'rego_parse_error',
      message: 'unexpected `}`',
      errors: [{ code: 'rego_parse_error', message: 'unexpected `}`', location: { file: 'a.rego', row: 2, col: 1 } }],
    },
  })
  t.same(
    httpEnvelope({ code: 'token_missing', message: 'no token' }),
    { status: 401, body: { code: 'token_missing', message: 'no token' } },
    'no `errors` key when there are none',
  )
})

t.test('catalog summaries follow the message rules: lowercase, one line', async (t) => {
  for (const [code, kind] of Object.entries(ERROR_CATALOG)) {
    t.match(kind.summary, /^[a-z`]/, `${code}: starts lowercase`)
    t.notMatch(kind.summary, /\n/, `${code}: one line`)
  }
})
