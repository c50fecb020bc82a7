// Golden plans: test/fixtures/plan/<name>.rego beside <name>.plan, the
// printed plan (printPlan of planProgram) for the entrypoints named on the
// fixture's `# entrypoints:` line. A missing .plan fails; REGEN=1 rewrites
// the .plan files (test/fixtures/golden.ts); review the diff. Besides the text, each case checks the shape a reader of the
// plan would look for (an index switch, a negation block, a new epoch …), so
// a regenerated golden file that lost the feature still fails.

import { readdirSync, readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { parseModule } from '../../dist/src/rego/index.js'
import { planProgram } from '../../dist/src/plan/planner.js'
import { checkProgram } from '../../dist/src/check/index.js'
import { printPlan } from '../../dist/src/plan/print.js'
import { matchGolden } from '../fixtures/golden.js'

const dir = new URL('../fixtures/plan/', import.meta.url)

function planOf(file: string): { text: string; errors: unknown[] } {
  const src = readFileSync(new URL(file, dir), 'utf8')
  const entrypoints = /^# entrypoints: (.*)$/m.exec(src)?.[1]?.trim().split(/\s+/) ?? []
  const m = parseModule(file, src, { regoVersion: 1 })
  const { plan, errors } = planProgram(checkProgram([m]), { entrypoints })
  return { text: printPlan(plan), errors }
}

/** What each plan must show, beyond matching its golden file. */
const shape: Record<string, (t: Test, plan: string) => void> = {
  'complete-default.rego': (t, p) => {
    t.match(p, /# complete data\.t\.allow/)
    t.match(p, /isundefined l\d+ .*\n(\s+)l\d+ = c\d+ /, 'the default value is used only when no definition gave one')
    t.match(
      p,
      /abort "eval_conflict_error: complete rules must not produce multiple outputs"  @complete-default\.rego:6:1\n/,
      "conflict check keeps the rule's file:row:col",
    )
  },
  'partial-set.rego': (t, p) => {
    t.match(p, /# set data\.t\.names/)
    t.match(
      p,
      /scan l\d+ key=l\d+ value=l\d+ \{[\s\S]*setadd l0 l\d+  @partial-set\.rego:\d+:\d+/,
      'each solution is added inside the scan, located at the rule',
    )
  },
  'partial-object.rego': (t, p) => {
    t.match(p, /# object data\.t\.owners/)
    t.match(p, /object keys must be unique/)
  },
  'function-else.rego': (t, p) => {
    t.match(p, /# function data\.t\.level\nfunc f_t\.level#\d+\(l0\)/, 'a function takes its argument as a parameter')
    t.match(p, /c\d+ = "high"/)
    t.match(p, /c\d+ = "low"/)
    t.match(p, /functions must not produce multiple outputs/)
  },
  'negation.rego': (t, p) => t.match(p, /not #\d+ \{[\s\S]*call r_t\.blocked#\d+\(\)[\s\S]*break #/, 'not runs its body in a block that must not complete'),
  'every.rego': (t, p) => {
    t.match(
      p,
      /scan l\d+ key=l\d+ value=l\d+ \{ .*\n\s+not #\d+ \{[\s\S]*flag l(\d+) = 1 .*\n\s+break #\d+[\s\S]*flagis l\1 0/,
      'every searches for an element whose body fails and succeeds only if none does',
    )
    t.notMatch(p, /setadd/)
  },
  'some-in.rego': (t, p) => t.match(p, /scan l\d+ key=l\d+ value=l\d+ \{[\s\S]*callbuiltin gte\(/, 'a built-in is called by its Rego name'),
  'comprehension.rego': (t, p) => t.match(p, /makearray 0 [\s\S]*scan[\s\S]*arrayappend/),
  'with-mocks.rego': (t, p) => {
    t.match(p, /newepoch/, '`with` starts a new memo epoch')
    t.match(p, /\$g_input = l\d+/, 'with input replaces the input')
    t.match(p, /\$g_with\d+ = l\d+/, 'with data keeps the mock in a slot')
    t.match(p, /func r_t\.twice__m\d+#\d+/, 'the function mock specialises the rule that calls it')
    t.match(p, /call f_t\.triple#\d+/, 'the specialised rule calls the replacement')
  },
  'ref-head.rego': (t, p) => t.match(p, /# object data\.t\.policy\.products/),
  'indexed.rego': (t, p) => {
    t.match(p, /switch l\d+ \{/, 'six definitions on input.role are indexed')
    t.equal((p.match(/^\s+case \d+:/gm) ?? []).length, 6, 'one case per definition')
    t.match(p, /const c\d+ = \{c\d+: c\d+, c\d+: c\d+, c\d+: c\d+\}/, 'the index table maps the three roles')
  },
  'reorder.rego': (t, p) => {
    const read = p.indexOf('"n"')
    t.ok(read > 0)
    const body = p.slice(p.indexOf('func r_t.p'))
    const get = body.search(/= dot l/)
    const merge = body.search(/isundefined l\d+ .*\n\s+l\d+ = l\d+ /)
    t.ok(get > 0 && merge > get, '`y = input.n` is planned before the value `x = y` is used')
  },
}

for (const f of readdirSync(dir)
  .filter((x) => x.endsWith('.rego'))
  .sort()) {
  t.test(f, async (t) => {
    const { text, errors } = planOf(f)
    t.same(errors, [], 'plans without errors')
    const file = new URL(f.replace(/\.rego$/, '.plan'), dir)
    matchGolden(t, file, text, 'test/plan/golden.test.ts')
    t.notMatch(text, /\bmg_/, 'the plan names no runtime function')
    const check = shape[f]
    t.ok(check, 'the fixture has a shape check')
    check?.(t, text)
  })
}

t.test('every fixture has a shape check', async (t) => {
  const fixtures = readdirSync(dir)
    .filter((x) => x.endsWith('.rego'))
    .sort()
  t.same(Object.keys(shape).sort(), fixtures)
})
