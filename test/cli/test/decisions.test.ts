// One decision API (docs/policy-contract.md): a decision fixture answered by
// `policy test` and the same request answered by the sidecar's HTTP routes
// give the same decision. The mesh below is written so that every way the two
// used to disagree changes an answer: a request without `purpose`
// (`input.purpose` is null) or without `fields` (`input.fields` is `[]`),
// a set written as an empty object (`row_filters := {}`), and the
// compatibility input. The fixture's `expect` is what the sidecar answers;
// `policy test` must pass it, and every case sent over HTTP must pass it too.

import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { loadConfig } from '../../../src/config/index.js'
import { startSidecar } from '../../../src/server/index.js'
import { compare, type Decision } from '../../../src/cli/test/decisions.js'
import { parseFixtureFile, type FixtureCase } from '../../../src/cli/test/fixtures.js'
import { AUDIENCE, ISSUER, startJwks } from '../../fixtures/server/sidecar.js'
import { policy, workspace } from '../fixtures/run-policy.js'

const CONTRACT = (props: string) => `apiVersion: v3.0.2
kind: DataContract
id: items-contract
version: 1.0.0
status: active
schema:
  - name: items
    logicalType: object
    properties:
${props}`
const PROPS = {
  id: '      - { name: id, logicalType: string, required: true, classification: public }\n',
  email: '      - { name: email, logicalType: string, classification: pii }\n',
  name: '      - { name: name, logicalType: string, classification: internal }\n',
}

const FILES: Record<string, string> = {
  'global/.manifest': '{"roots": ["global"]}',
  'global/access.rego': [
    'package global.access',
    '',
    '# A request without a purpose has `input.purpose` null.',
    'deny contains {"code": "purpose_required", "message": "a request states its purpose"} if input.purpose == null',
    '',
  ].join('\n'),
  'domains/shop/.manifest': '{"roots": ["domains/shop"]}',
  'domains/shop/shop.odps.yaml': [
    'apiVersion: v1.0.0',
    'kind: DataProduct',
    'id: shop',
    'domain: shop',
    'outputPorts:',
    '  - { id: items-v1, name: items-v1, contractId: items-contract }',
    '',
  ].join('\n'),
  'domains/shop/items.odcs.yaml': CONTRACT(PROPS.id + PROPS.email + PROPS.name),
  'domains/shop/access.rego': [
    'package domains.shop.access',
    '',
    'allow if "reader" in input.subject.roles',
    '',
    '# No fields listed (`input.fields` is []) means every field: full readers only.',
    'deny contains {"code": "all_fields", "message": "every field needs role full-reader"} if {',
    '\tcount(input.fields) == 0',
    '\tnot "full-reader" in input.subject.roles',
    '}',
    '',
  ].join('\n'),
  'domains/shop/anonymization.rego': [
    'package domains.shop.anonymization',
    '',
    'fields["email"] := {"action": "hash"} if input.purpose != "support"',
    '',
    'fields["name"] := "redact" if input.purpose == null',
    '',
    '# No row filters, written as an empty object: read as an empty set.',
    'row_filters := {}',
    '',
  ].join('\n'),
  'domains/shop/compatibility.rego': [
    'package domains.shop.compatibility',
    '',
    'violations contains {"field": c.field, "change": c.change, "message": "removing a field needs a purpose"} if {',
    '\tsome c in input.changes',
    '\tc.change == "property_removed"',
    '\tinput.purpose == null',
    '}',
    '',
  ].join('\n'),
  'domains/shop/fixtures/proposed/items-v2.odcs.yaml': CONTRACT(PROPS.id + PROPS.email),
  'domains/shop/fixtures/decisions.yaml': `product: shop
cases:
  - name: fields given, with a purpose
    decision: access
    subject: { id: ana, roles: [reader] }
    request: { port: items-v1, purpose: reporting, fields: [id] }
    expect: { allow: true, deny: [] }

  - name: no fields means every field
    decision: access
    subject: { id: ana, roles: [reader] }
    request: { port: items-v1, purpose: reporting }
    expect: { allow: false, deny: [{ layer: domains/shop, code: all_fields }] }

  - name: no purpose is a null purpose
    decision: access
    subject: { id: ana, roles: [reader] }
    request: { port: items-v1, fields: [id] }
    expect: { allow: false, deny: [{ layer: global, code: purpose_required }] }

  - name: an anonymization plan without a purpose
    decision: anonymization
    subject: { id: ana, roles: [reader] }
    request: { port: items-v1 }
    expect:
      fields:
        id: { action: keep, layer: contract }
        email: { action: hash, layer: domains/shop }
        name: { action: redact, layer: domains/shop }
      row_filters: []

  - name: removing a field without a purpose
    decision: schema-compatibility
    subject: { id: ana, roles: [reader] }
    request: { port: items-v1, proposed: proposed/items-v2.odcs.yaml }
    expect:
      compatible: false
      violations: [{ layer: domains/shop, field: name, change: property_removed }]
`,
}

// The HTTP answers reduced to what a fixture asserts (docs/fixtures.md), written
// here from the documented answers, independently of `policy test`'s code.
function decisionOf(c: FixtureCase, body: Record<string, unknown>): Decision {
  switch (c.decision) {
    case 'access':
      return {
        allow: body.allow,
        deny: (body.deny as Record<string, unknown>[]).map(({ layer, code, message }) => ({ layer, ...(code !== undefined ? { code } : {}), message })),
      }
    case 'anonymization': {
      const fields: Record<string, unknown> = {}
      for (const [path, f] of Object.entries(body.fields as Record<string, { transform: object; layer: string }>))
        fields[path] = { ...f.transform, layer: f.layer }
      return { fields, row_filters: body.row_filters }
    }
    case 'schema-compatibility':
      return {
        compatible: body.compatible,
        bump: body.bump,
        affected_consumers: body.affected_consumers,
        violations: (body.violations as Record<string, unknown>[]).map(({ layer, field, change, message }) => ({ layer, field, change, message })),
      }
  }
}

t.test('a fixture and the same request over HTTP get the same decision', async (t) => {
  const dir = workspace(t, FILES)
  const domain = join(dir, 'domains/shop')

  const tested = policy(['test', '.'], dir)
  t.equal(tested.code, 0, `policy test passes the fixture whose expectations are the sidecar's answers:\n${tested.stdout}${tested.stderr}`)
  t.match(tested.stdout, /^PASS: 5\/5$/m)

  for (const [layer, out] of [
    ['global', 'global.tar.gz'],
    ['domains/shop', 'shop.tar.gz'],
  ] as const) {
    const built = policy(['build', '-b', layer, '-o', out, '--revision', `${layer}-1`], dir)
    t.equal(built.code, 0, built.stderr)
  }
  const jwks = await startJwks()
  t.teardown(() => jwks.close())
  const configPath = join(dir, 'meshgate.yaml')
  const config = [
    'server: { addr: 127.0.0.1:0 }',
    `product: { domain: shop, dir: ${domain} }`,
    'bundles:',
    '  global: { resource: global.tar.gz }',
    '  shop: { resource: shop.tar.gz }',
    'auth:',
    `  issuer: ${ISSUER}`,
    `  audience: ${AUDIENCE}`,
    '  algorithms: [RS256]',
    `  jwks_url: ${jwks.url}`,
    '  claims: { subject: sub, roles: roles }',
    '',
  ].join('\n')
  writeFileSync(configPath, config)
  const sidecar = await startSidecar(await loadConfig(configPath))
  t.teardown(() => sidecar.close())

  const fixturePath = join(domain, 'fixtures/decisions.yaml')
  const { file, errors } = parseFixtureFile(fixturePath, readFileSync(fixturePath, 'utf8'))
  t.same(errors, [])
  for (const c of file!.cases) {
    const token = await jwks.mint({ sub: c.subject.id as string, roles: c.subject.roles as string[] })
    const { proposed, ...request } = c.request
    const path = c.decision === 'schema-compatibility' ? '/v1/decisions/schema-compatibility' : `/v1/decisions/${c.decision}`
    const body = proposed === undefined ? request : { ...request, proposed: parseYaml(readFileSync(join(domain, 'fixtures', proposed), 'utf8')) }
    const res = await fetch(`${sidecar.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const answer = (await res.json()) as Record<string, unknown>
    t.equal(res.status, 200, `${c.name}: ${JSON.stringify(answer)}`)
    t.same(compare(c, decisionOf(c, answer)), [], `${c.name}: the sidecar answers what the fixture expects`)
  }
})
