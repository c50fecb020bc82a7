// Data set with setData lives below the heap mark the SDK resets to between
// evaluations. Anything the runtime computes lazily inside such a value (a
// sorted entry list) must not point into memory the next evaluation reuses:
// this policy trapped with "memory access out of bounds" on its third
// evaluation before parsed values were frozen.

import t from 'tap'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { compile, hostBuiltins } from '../../dist/src/compiler.js'

const source = `package a

port := data.mesh.ports[input.port]

deny if port.residency
`

t.test('package entrypoint over object data evaluates the same every time', async (t) => {
  const r = await compile({ modules: [{ path: 'a.rego', source }], entrypoints: ['a'] })
  const policy = await loadPolicy(r.wasm, undefined, { ...hostBuiltins, ...r.hostBuiltins })
  // Keys inserted out of order, enough of them to need a sort and an index.
  const ports: Record<string, unknown> = {}
  for (let i = 40; i >= 0; i--) ports[`port-${i}`] = { residency: i % 2 === 0 ? 'eu' : undefined, fields: { z: 1, a: 2, m: 3 } }
  policy.setData({ mesh: { ports } })
  const first = policy.evaluate({ port: 'port-2' }, 'a')
  t.same(first, [{ result: { deny: true, port: { residency: 'eu', fields: { a: 2, m: 3, z: 1 } } } }])
  for (let i = 0; i < 50; i++) t.same(policy.evaluate({ port: 'port-2' }, 'a'), first, `evaluation ${i + 2}`)
})
