// Decisions read only the rules they need (engine/decision-rules.ts): a layer
// whose bundle exports `<pkg>/allow` and `<pkg>/deny` is asked for those, and
// answers exactly as its package document would; a rule without an
// entrypoint is taken as undefined only when nothing in the bundle can define
// it, so a deny is never lost.

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import fc from 'fast-check'
import { writeBundle } from '../../src/bundle/index.js'
import { compile } from '../../src/compiler.js'
import { Engine, domainLayer, globalLayer } from '../../src/engine/index.js'
import { ruleEntrypoints } from '../../src/engine/decision-rules.js'
import { decisionRuleEntrypoints, parseAll } from '../../src/cli/entrypoints.js'
import { loadMeshDir } from '../../src/product/index.js'

type Modules = Record<string, string>

async function bundle(root: string, modules: Modules, entrypoints: string[], data: Record<string, unknown> = {}): Promise<Buffer> {
  const mods = Object.entries(modules).map(([path, source]) => ({ path, source }))
  const result = await compile({ modules: mods, entrypoints, strictBuiltinErrors: true })
  return writeBundle({
    manifest: { revision: `${root}-1`, roots: [root], wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })), rego_version: 1 },
    wasm: result.wasm,
    data,
    sources: mods,
  })
}

const DENYING = `package global.access

allow if input.subject.id != ""

deny contains "writes are refused" if input.method == "PUT"
`

t.test('a package whose deny has no entrypoint of its own is evaluated whole: its deny still denies', async (t) => {
  const e = new Engine({ layers: [globalLayer()], cacheSize: 0 })
  t.teardown(() => e.close())
  // Built with `-e global/access -e global/access/allow`: `deny` only reachable through the package.
  await e.activate('global', await bundle('global', { 'a.rego': DENYING }, ['global/access', 'global/access/allow']))
  const d = await e.access({ subject: { id: 'ana' }, method: 'PUT' })
  t.equal(d.value.allow, false)
  t.same(
    d.value.deny.map((r) => r.message),
    ['writes are refused'],
  )
  t.equal((await e.access({ subject: { id: 'ana' }, method: 'GET' })).value.allow, true)
})

t.test('with an entrypoint per rule, an error in a rule the decision does not read no longer fails it', async (t) => {
  const src = `${DENYING}
helper := x if x := 1 / input.zero
`
  const whole = new Engine({ layers: [globalLayer()], cacheSize: 0 })
  const rules = new Engine({ layers: [globalLayer()], cacheSize: 0 })
  t.teardown(() => Promise.all([whole.close(), rules.close()]))
  await whole.activate('global', await bundle('global', { 'a.rego': src }, ['global/access']))
  await rules.activate('global', await bundle('global', { 'a.rego': src }, ['global/access', 'global/access/allow', 'global/access/deny']))
  const input = { subject: { id: 'ana' }, method: 'GET', zero: 0 }
  const a = await whole.access(input)
  t.equal(a.value.allow, false, 'the package document fails on `helper`: the layer denies (fail closed)')
  t.equal(a.value.deny[0]?.code, 'eval_error')
  const b = await rules.access(input)
  t.equal(b.value.allow, true, 'only allow and deny are evaluated, as OPA does for `data.global.access.allow`')
  t.same(b.value.deny, [])
})

t.test('a rule the package does not define needs no entrypoint; one the bundle may define elsewhere does', async (t) => {
  const eps = (xs: string[]) => new Set(xs)
  const b = (sources: Modules, data: Record<string, unknown> = {}) => ({
    sources: Object.entries(sources).map(([path, source]) => ({ path, source })),
    data,
    manifest: { revision: '', roots: ['global'], rego_version: 1 },
  })
  const onlyAllow = { 'a.rego': 'package global.access\nallow := true\n' }
  t.same(ruleEntrypoints(['global', 'access'], ['allow', 'deny'], eps(['global/access', 'global/access/allow']), b(onlyAllow)), {
    allow: 'global/access/allow',
    deny: null,
  })
  t.equal(
    ruleEntrypoints(['global', 'log'], ['mask', 'drop'], eps(['global/access']), b(onlyAllow)),
    undefined,
    'no log sources: the (absent) package is planned as a document, which has no calls',
  )
  const cases: [string, Modules, Record<string, unknown>?][] = [
    ['defined in the package (even in a test file)', { ...onlyAllow, 'a_test.rego': 'package global.access\ndeny contains "x"\n' }],
    ['a ref head in a package above', { ...onlyAllow, 'g.rego': 'package global\naccess.deny contains "x" if input.bad\n' }],
    ['a rule named after the package, above it', { ...onlyAllow, 'g.rego': 'package global\naccess := {"deny": ["x"]}\n' }],
    ['a package below the rule', { ...onlyAllow, 'd.rego': 'package global.access.deny\nx := 1\n' }],
    ['a source that does not parse', { ...onlyAllow, 'bad.rego': 'package global.access\ndeny contains if {' }],
    ["base data at the rule's path", onlyAllow, { global: { access: { deny: ['from data'] } } }],
    ['no source declares the package', {}],
    ["only another package's sources", { 'l.rego': 'package global.log\ndrop := true\n' }],
  ]
  for (const [why, sources, data] of cases) {
    t.equal(ruleEntrypoints(['global', 'access'], ['allow', 'deny'], eps(['global/access', 'global/access/allow']), b(sources, data)), undefined, why)
  }
  // Only sources that may define the rule are parsed (issue 13: a large bundle's
  // other packages cost a parse per activation for nothing), so a source of an
  // unrelated package that does not parse leaves the fast path open.
  t.same(
    ruleEntrypoints(
      ['global', 'access'],
      ['allow', 'deny'],
      eps(['global/access', 'global/access/allow']),
      b({ ...onlyAllow, 'other.rego': 'package global.compatibility\nok if {', 'data.rego': 'package data.global.log\ndrop if {' }),
    ),
    { allow: 'global/access/allow', deny: null },
    'a broken source in another package (as written or with `data.`) is not read',
  )
  t.equal(
    ruleEntrypoints(
      ['global', 'access'],
      ['allow', 'deny'],
      eps(['global/access', 'global/access/allow']),
      b({ ...onlyAllow, 'up.rego': 'package data.global\nx if {' }),
    ),
    undefined,
    'a broken source in a package above (`package data.global`) may define it: no fast path',
  )
  t.same(
    ruleEntrypoints(['global', 'access'], ['allow', 'deny'], eps(['global/access/allow', 'global/access/deny']), {
      sources: [],
      data: {},
      manifest: { revision: '', roots: [] },
    }),
    { allow: 'global/access/allow', deny: 'global/access/deny' },
    'every rule has its entrypoint: the sources are not needed',
  )
})

t.test('a bundle without sources exporting allow but not deny is evaluated whole: its deny still denies', async (t) => {
  const e = new Engine({ layers: [globalLayer()], cacheSize: 0 })
  t.teardown(() => e.close())
  const { wasm } = await compile({ modules: [{ path: 'a.rego', source: DENYING }], entrypoints: ['global/access', 'global/access/allow'] })
  await e.activate('global', writeBundle({ manifest: { revision: 'g', roots: ['global'] }, wasm, data: {} }))
  const d = await e.access({ subject: { id: 'ana' }, method: 'PUT' })
  t.equal(d.value.allow, false)
  t.same(
    d.value.deny.map((r) => r.message),
    ['writes are refused'],
  )
})

t.test('a package defining only allow, built with its rule entrypoint, is answered by that rule alone', async (t) => {
  const e = new Engine({ layers: [globalLayer()], cacheSize: 0 })
  t.teardown(() => e.close())
  const src = 'package global.access\nallow if input.ok\nhelper := x if x := 1 / input.zero\n'
  await e.activate('global', await bundle('global', { 'a.rego': src }, ['global/access', 'global/access/allow']))
  const d = await e.access({ ok: true, zero: 0 })
  t.equal(d.value.allow, true, 'deny is known undefined, and the erroring helper is not evaluated')
})

/** The example mesh's layers, built with package entrypoints only or with `policy build`'s per-rule ones too. */
async function exampleEngine(perRule: boolean): Promise<Engine> {
  const root = join(import.meta.dirname, '..', '..', 'policies')
  const mesh = await loadMeshDir(join(root, 'domains', 'orders'))
  const e = new Engine({ layers: [globalLayer(), domainLayer('orders')], mesh: mesh.data as unknown as Record<string, unknown>, cacheSize: 0 })
  for (const [layer, dir] of [
    ['global', 'global'],
    ['domains/orders', 'domains/orders'],
  ] as const) {
    const abs = join(root, dir)
    const modules: Modules = {}
    for (const f of readdirSync(abs).filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))) modules[join(dir, f)] = readFileSync(join(abs, f), 'utf8')
    const packages = [...new Set(Object.values(modules).map((s) => /^package\s+([\w.]+)/m.exec(s)![1]!.replace(/\./g, '/')))]
    const parsed = parseAll(
      Object.entries(modules).map(([path, source]) => ({ path, source })),
      1,
    )
    const eps = perRule ? [...packages, ...decisionRuleEntrypoints(parsed, [layer])] : packages
    await e.activate(layer, await bundle(layer, modules, eps))
  }
  return e
}

t.test('the example mesh answers every access request the same through per-rule entrypoints as through its packages', async (t) => {
  const [whole, rules] = await Promise.all([exampleEngine(false), exampleEngine(true)])
  t.teardown(() => Promise.all([whole.close(), rules.close()]))
  t.ok(
    rules.layers.every((l) => l.active!.loaded.has(`${l.root}/access/allow`)),
    'the per-rule bundles export the rules',
  )
  const fields = ['order_id', 'order_date', 'status', 'total_amount', 'currency', 'customer_email', 'shipping_address', 'nope']
  const input = fc.record(
    {
      subject: fc.record(
        {
          id: fc.constantFrom('', 'ana', 'finance-reporting', 'customer-service'),
          roles: fc.subarray(['orders-reader', 'mesh-admin', 'analyst']),
          clearance: fc.constantFrom('public', 'internal', 'confidential'),
          region: fc.constantFrom('eu', 'EU', 'us', ''),
        },
        { requiredKeys: ['id', 'roles'] },
      ),
      port: fc.constantFrom('orders-v1', 'unknown'),
      purpose: fc.constantFrom(null, '', 'reporting', 'fraud-detection'),
      fields: fc.subarray(fields),
      request: fc.option(fc.record({ method: fc.constantFrom('GET', 'PUT', 'DELETE') }), { nil: undefined }),
    },
    { requiredKeys: ['subject', 'port', 'purpose', 'fields'] },
  )
  await fc.assert(
    fc.asyncProperty(input, async (i) => {
      const a = (await whole.access(i)).value
      const b = (await rules.access(i)).value
      t.same(b, a)
      return true
    }),
    { numRuns: 200 },
  )
})
