// A policy of 5,000 generated rules (one partial rule with 5,000 bodies, as
// a growing access package has) compiles and decides like a small one.
// Past about 3,000 such bodies the compile used to fail inside wabt with
// "memory access out of bounds": the rule index became one switch whose
// ladder nested more blocks than wabt's text parser has stack for.

import t from 'tap'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { compile } from '../../dist/src/compiler.js'

const RULES = 5000

t.setTimeout(300_000)

t.test(`${RULES} generated rules compile and evaluate`, async (t) => {
  let source = 'package gen\n\ndefault allow := false\n'
  for (let i = 0; i < RULES; i++) source += `\nallow if {\n\tinput.subject == "consumer-${i}"\n\tinput.purpose in {"reporting", "audit-${i}"}\n}\n`
  const { wasm } = await compile({ modules: [{ path: 'gen.rego', source }], entrypoints: ['gen/allow'] })
  // The module's data needs more than the SDK's default 5 pages; the engine sizes memory the same way.
  const policy = await loadPolicy(wasm, { initial: 64 })
  const allow = (subject: string, purpose: string) => policy.evaluate({ subject, purpose }, 'gen/allow')[0]?.result
  for (const i of [0, 1, 31, 32, 1024, 2999, 3000, 4321, RULES - 1]) {
    t.equal(allow(`consumer-${i}`, 'reporting'), true, `consumer-${i} for reporting`)
    t.equal(allow(`consumer-${i}`, `audit-${i}`), true, `consumer-${i} for its own audit`)
    t.equal(allow(`consumer-${i}`, `audit-${(i + 1) % RULES}`), false, `consumer-${i} not for another's audit`)
  }
  t.equal(allow(`consumer-${RULES}`, 'reporting'), false, 'an unknown consumer')
})
