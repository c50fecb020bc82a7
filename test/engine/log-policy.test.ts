// The decision-log policy (docs/observability.md): the global layer's
// `package global.log` with OPA's `mask` and `drop` rules, evaluated with the
// event as input; a standalone OPA bundle keeps OPA's own `system.log`.

import t from 'tap'
import { writeBundle } from '../../src/bundle/index.js'
import { compile } from '../../src/compiler.js'
import { Engine, domainLayer, globalLayer, standaloneLayer } from '../../src/engine/index.js'

async function bundle(root: string, modules: Record<string, string>, entrypoints: string[]): Promise<Buffer> {
  const result = await compile({ modules: Object.entries(modules).map(([path, source]) => ({ path, source })), entrypoints, strictBuiltinErrors: true })
  return writeBundle({
    manifest: {
      revision: `${root || 'opa'}-1`,
      roots: [root],
      wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })),
      rego_version: 1,
    },
    wasm: result.wasm,
    data: {},
    sources: Object.entries(modules).map(([path, source]) => ({ path, source })),
  })
}

const ACCESS = 'package global.access\nallow if input.subject.id\n'
const LOG = `package global.log

mask contains "/input/subject/email"
mask contains {"op": "upsert", "path": "/input/token", "value": "**"} if input.input.token
drop if input.path == "meshgate/health"
boom if 1 / input.input.zero
mask contains "/input/x" if boom
`

t.test("the global layer's log package answers mask and drop for an event", async (t) => {
  const e = new Engine({ layers: [globalLayer(), domainLayer('orders')] })
  t.teardown(() => e.close())
  await t.rejects(
    e.logPolicy({ path: 'meshgate/access' }),
    { code: 'bundle_unavailable' },
    'a layer that should answer but has no bundle: no verdict, so nothing leaves in clear',
  )
  await e.activate('global', await bundle('global', { 'a.rego': ACCESS, 'log.rego': LOG }, ['global/access', 'global/log']))
  const v = await e.logPolicy({ path: 'meshgate/access', input: { token: 'secret', subject: { email: 'a@b.c' } } })
  t.same(new Set(v.mask.map((m) => JSON.stringify(m))), new Set(['"/input/subject/email"', '{"op":"upsert","path":"/input/token","value":"**"}']))
  t.equal(v.drop, false)
  t.equal((await e.logPolicy({ path: 'meshgate/health', input: {} })).drop, true)
  await t.rejects(
    e.logPolicy({ path: 'meshgate/access', input: { zero: 0 } }),
    { code: 'eval_error' },
    'an error in the log policy throws (the logger then erases input and result)',
  )
})

t.test('a global bundle without a log package masks nothing', async (t) => {
  const e = new Engine({ layers: [globalLayer()] })
  t.teardown(() => e.close())
  await e.activate('global', await bundle('global', { 'a.rego': ACCESS }, ['global/access']))
  t.same(await e.logPolicy({ path: 'x' }), { mask: [], drop: false })
})

t.test("a domain layer's log package is not the mesh's log policy", async (t) => {
  const e = new Engine({ layers: [domainLayer('orders')] })
  t.teardown(() => e.close())
  await e.activate(
    'domains/orders',
    await bundle(
      'domains/orders',
      {
        'a.rego': 'package domains.orders.access\nallow := true\n',
        'log.rego': 'package domains.orders.log\ndrop := true\n',
      },
      ['domains/orders/access', 'domains/orders/log'],
    ),
  )
  t.same(await e.logPolicy({ path: 'x' }), { mask: [], drop: false })
})

t.test("a standalone OPA bundle keeps OPA's system.log", async (t) => {
  const e = new Engine({ layers: [standaloneLayer('opa')] })
  t.teardown(() => e.close())
  await e.activate(
    'opa',
    await bundle(
      '',
      {
        'p.rego': 'package authz\nallow := true\n',
        'log.rego': 'package system.log\nmask contains "/input/password"\n',
      },
      ['authz/allow', 'system/log'],
    ),
  )
  t.same(await e.logPolicy({ input: { password: 'x' } }), { mask: ['/input/password'], drop: false })
})

t.test('a bundle whose sources define global.log must export it (policy build adds it)', async (t) => {
  const e = new Engine({ layers: [globalLayer()] })
  t.teardown(() => e.close())
  const b = await bundle('global', { 'a.rego': ACCESS, 'log.rego': LOG }, ['global/access'])
  await t.rejects(e.activate('global', b), { code: 'bundle_format_error', message: /data\.global\.log/ })
})

t.test("in process the verdict comes without a promise; a policy reading the event whole passes the event's JSON on to the logger", async (t) => {
  const e = new Engine({ layers: [globalLayer()] })
  t.teardown(() => e.close())
  // `walk(input, …)` reads the whole event: nothing to project, so the engine serializes the event itself.
  const whole = `${LOG}\nmask contains "/input/secret" if { walk(input, [p, v]); v == "s3cret" }\n`
  await e.activate('global', await bundle('global', { 'a.rego': ACCESS, 'log.rego': whole }, ['global/access', 'global/log']))
  const event = { path: 'meshgate/access', input: { subject: { email: 'a@b.c' }, note: 'ünïcode ✓' } }
  const v = e.logVerdict(event)
  t.notOk(v instanceof Promise, 'no promise, so the logger sets no timer')
  t.equal((v as { eventJson?: string }).eventJson, JSON.stringify(event))
  t.same((v as { mask: unknown[] }).mask, ['/input/subject/email'])
  t.throws(() => e.logVerdict({ path: 'x', input: { zero: 0 } }), { code: 'eval_error' }, 'an evaluation error is thrown at once')
})
