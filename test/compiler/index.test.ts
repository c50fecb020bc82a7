// Rule indexing (beyond OPA's wasm): a 500-definition rule whose definitions
// test input.role against constants is planned with an index (a `switch`
// over the matching definitions). It must answer exactly as the same rules
// do without an index: here each definition is also compiled as a rule of
// its own (one definition: never indexed) and the answers are unioned.

import t from 'tap'
import { compile } from 'meshgate/compiler'
import { load } from './fixtures/load.js'

const N = 500
const roles = Array.from({ length: 40 }, (_, i) => `role${i}`)

/** The body of definition i: mostly role conditions, some other shapes. */
function body(i: number): string {
  if (i % 97 === 0) return `input.level > ${i % 5}` // no condition on role: never indexed
  if (i % 89 === 0) return `"${roles[i % roles.length]}" == input.role` // constant on the left
  if (i % 83 === 0) return `input.role == ${i % 3}` // a number value
  const extra = i % 3 === 0 ? `\n\tinput.action == "${['read', 'write'][i % 2]}"` : i % 7 === 0 ? `\n\tnot input.blocked` : ''
  return `input.role == "${roles[i % roles.length]}"${extra}`
}

const indexed = ['package idx', '', ...Array.from({ length: N }, (_, i) => `grants contains "g${i}" if {\n\t${body(i)}\n}\n`)].join('\n')
const separate = ['package sep', '', ...Array.from({ length: N }, (_, i) => `g${i} contains "g${i}" if {\n\t${body(i)}\n}\n`)].join('\n')

t.test('the indexed rule is planned with a switch, the separate rules without', async (t) => {
  const a = await compile({ modules: [{ path: 'idx.rego', source: indexed }], entrypoints: ['idx/grants'], debug: true })
  t.match(a.plan, /switch l\d+ \{/)
  const b = await compile({ modules: [{ path: 'sep.rego', source: separate }], entrypoints: ['sep'], debug: true })
  t.notMatch(b.plan, /switch/)
})

t.test('indexed and unindexed answers agree on every input', async (t) => {
  const { policy: idx } = await load({ 'idx.rego': indexed }, ['idx/grants'])
  const { policy: sep } = await load({ 'sep.rego': separate }, ['sep'])
  const inputs: unknown[] = [
    {},
    { role: 'nobody' },
    { role: 0 },
    { role: 1 },
    { role: 2 },
    { role: '1' },
    { level: 3 },
    { role: null },
    { role: ['role1'] },
    'not an object',
  ]
  for (const r of roles) {
    for (const action of ['read', 'write', undefined]) {
      inputs.push({ role: r, action }, { role: r, action, blocked: true, level: 4 })
    }
  }
  let nonEmpty = 0
  for (const input of inputs) {
    const got = idx.evaluate(input, 'idx/grants')
    const doc = sep.evaluate(input, 'sep')[0]?.result as Record<string, string[]>
    const want = Object.values(doc)
      .flat()
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    const have = ((got[0]?.result ?? []) as string[]).slice().sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    if (want.length) nonEmpty++
    t.same(have, want, `input ${JSON.stringify(input)}`)
  }
  t.ok(nonEmpty > inputs.length / 2, 'most inputs match some definitions')
})
