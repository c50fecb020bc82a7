// The query of `policy eval` as a rule (src/cli/eval/query.ts): a compile
// error anywhere in a query, however it is laid out over rows and columns,
// is reported at the row and column of the query as typed; and the values
// captured per solution are OPA's (a bare `false` is a value, a failing
// comparison no solution).

import t from 'tap'
import fc from 'fast-check'
import { compile } from '../../../src/compiler.js'
import { CompileError } from '../../../src/errors/index.js'
import { QUERY_FILE, queryRule } from '../../../src/cli/eval/query.js'
import { SourceFile } from '../../../src/source/index.js'

async function errorsOf(query: string) {
  const rule = queryRule(query, 1, new Set())
  try {
    await compile({ modules: [{ path: rule.path, source: rule.source }], entrypoints: [rule.entrypoint], regoVersion: 1 })
    return []
  } catch (e) {
    if (!(e instanceof CompileError)) throw e
    return rule.errors(e.errors)
  }
}

t.test('an unsafe variable is located where it is typed, whatever the layout', async (t) => {
  const sep = fc.constantFrom('; ', ';', '\n', '\n\t', ';\n  ')
  const lead = fc.constantFrom('', ' ', '\t', '\n')
  await fc.assert(
    fc.asyncProperty(
      lead,
      sep,
      fc.constantFrom('x := 1', 'x := [1, 2][_]', 'some x in [1]', 'x = count([1])'),
      fc.constantFrom('unbound == x', 'x < unbound', 'count(unbound) > x'),
      async (before, between, first, second) => {
        const query = `${before}${first}${between}${second}`
        const errors = await errorsOf(query)
        const want = new SourceFile(QUERY_FILE, query).location(query.indexOf('unbound'))
        t.same(
          errors.map((e) => [e.code, e.message, e.location?.row, e.location?.col]),
          [['rego_unsafe_var_error', 'var unbound is unsafe', want.row, want.col]],
          JSON.stringify(query),
        )
      },
    ),
    { numRuns: 40 },
  )
})

t.test("the rule keeps every expression's text and location, and the query's variables in order", async (t) => {
  const rule = queryRule('x := data.a[i]\n  startswith(x, "d"); not x == "z"', 1, new Set(['__mg_eval']))
  t.same(rule.exprs, [
    { text: 'x := data.a[i]', row: 1, col: 1 },
    { text: 'startswith(x, "d")', row: 2, col: 3 },
    { text: 'not x == "z"', row: 2, col: 23 },
  ])
  t.same(rule.bindings, ['x', 'i'])
  t.equal(rule.entrypoint, '___mg_eval/__mg_results', 'a package of the sources is never taken over')
})
