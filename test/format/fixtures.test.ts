// Golden tests of the formatter: test/format/fixtures/<name>.rego (an
// input written by hand, one formatting rule per file, attributed to the
// OPA behaviour it reproduces) beside <name>.formatted (the expected
// output). Each fixture also proves that the output is a fixed point and
// means what the input meant. `# rego-version: 0` on the first line
// formats as Rego v0. A missing golden fails; REGEN=1 rewrites them
// (test/fixtures/golden.ts); review the diff.
import { readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { formatSource } from '../../src/format/index.js'
import { parseModule } from '../../src/rego/index.js'
import { matchGolden } from '../fixtures/golden.js'
import { equalAsts } from './equal-asts.js'

const dir = new URL('./fixtures/', import.meta.url)

for (const f of readdirSync(dir)
  .filter((x) => x.endsWith('.rego'))
  .sort()) {
  t.test(f, async (t) => {
    const src = readFileSync(new URL(f, dir), 'utf8')
    const regoVersion = src.startsWith('# rego-version: 0') ? 0 : 1
    const out = formatSource(f, src, { regoVersion })
    matchGolden(t, new URL(f.replace(/\.rego$/, '.formatted'), dir), out, 'test/format/fixtures.test.ts')
    t.not(out, src, 'the input is not formatted already, so the fixture shows a change')
    t.equal(formatSource(f, out, { regoVersion }), out, 'formatting the output changes nothing')
    t.ok(equalAsts(parseModule(f, src, { regoVersion }), parseModule(f, out, { regoVersion })), 'same AST, locations stripped')
  })
}
