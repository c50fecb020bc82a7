// The example mesh's decision fixtures stay true to the mesh: every port and
// field they name exists, and for schema-compatibility cases the sidecar's
// own part (diff, bump, consumers) agrees with the expected answer. The Rego
// part of each decision is checked when the engine runs the fixtures.

import t from 'tap'
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { loadMeshDir } from '../../../src/product/mesh/index.js'
import { consumersUsing, diffSchemas, evaluateCompatibility } from '../../../src/product/schema/index.js'

const DOMAINS = new URL('../../../policies/domains/', import.meta.url)

interface Case {
  name: string
  decision: 'access' | 'anonymization' | 'schema-compatibility'
  subject: { id: string; roles: string[]; clearance: string; domain: string; region: string }
  request: { port: string; purpose?: string; fields?: string[]; proposed?: string }
  expect: Record<string, unknown>
}

for (const domain of ['orders', 'customers']) {
  t.test(`${domain} fixtures`, async (t) => {
    const dir = new URL(`${domain}/`, DOMAINS)
    const mesh = await loadMeshDir(dir.pathname)
    const file = parse(await readFile(new URL('fixtures/decisions.yaml', dir), 'utf8')) as { product: string; cases: Case[] }
    t.equal(file.product, mesh.data.product.id)
    t.same([...new Set(file.cases.map((c) => c.decision))].sort(), ['access', 'anonymization', 'schema-compatibility'])
    for (const c of file.cases) {
      const port = mesh.data.ports[c.request.port]
      t.ok(port, `${c.name}: port ${c.request.port}`)
      if (!port) continue
      t.ok(
        ['id', 'roles', 'clearance', 'domain', 'region'].every((k) => k in c.subject),
        `${c.name}: subject shape`,
      )
      for (const f of c.request.fields ?? []) t.ok(port.fields[f], `${c.name}: field ${f}`)
      if (c.decision === 'access') {
        t.type(c.expect.allow, 'boolean')
        t.ok(Array.isArray(c.expect.deny))
      }
      if (c.decision === 'anonymization') {
        for (const f of Object.keys(c.expect.fields as object)) t.ok(port.fields[f], `${c.name}: field ${f}`)
      }
      if (c.decision === 'schema-compatibility') {
        const proposed = parse(await readFile(new URL(`fixtures/${c.request.proposed}`, dir), 'utf8'))
        const current = mesh.contracts.get(port.contract.id)!
        const changes = diffSchemas(current, proposed)
        const { verdict } = evaluateCompatibility({ changes, mode: port.compatibility, consumers: port.consumers })
        t.equal(verdict.bump, c.expect.bump, `${c.name}: bump`)
        const violations = c.expect.violations as { layer: string; field: string; change: string }[]
        for (const v of violations) {
          t.ok(
            changes.some((ch) => ch.field === v.field && ch.change === v.change),
            `${c.name}: ${v.field} ${v.change} is in the diff`,
          )
        }
        const affected = [...new Set(violations.flatMap((v) => consumersUsing(v.field, Object.values(port.consumers))))].sort()
        t.same(affected, c.expect.affected_consumers ?? [], `${c.name}: affected consumers`)
        t.equal(c.expect.compatible, violations.length === 0)
      }
    }
  })
}
