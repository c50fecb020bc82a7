// The engine on bundles compiled by meshgate's own compiler (src/compiler.ts):
// a global and a domain layer from Rego, combined for access, and the step
// budget of meshgate-built modules. Skips cleanly only while the compiler
// module is missing.

import t from 'tap'
import { writeBundle } from '../../src/bundle/index.js'
import { Engine, domainLayer, globalLayer } from '../../src/engine/index.js'

type Compile = (o: { modules: { path: string; source: string }[]; entrypoints: string[] }) => Promise<{ wasm: Uint8Array; entrypoints: Record<string, number> }>

let compile: Compile | undefined
try {
  const spec = '../../src/compiler.js'
  compile = ((await import(spec)) as { compile?: Compile }).compile
} catch {
  compile = undefined
}

const GLOBAL = `package global.access

deny contains "purpose \`marketing\` is not allowed" if input.purpose == "marketing"
`
const ORDERS = `package domains.orders.access

default allow := false

allow if "analyst" in input.subject.roles

deny contains {"code": "read_only", "message": "orders are read-only"} if input.request.method == "DELETE"
`
const SPIN = `package global.spin

n := count([x | some x in numbers.range(1, 200000)])
`

/** `npm test` builds the wasm runtime first; a bare `tap` run may not have it. */
async function runtimeBuilt(): Promise<string | false> {
  try {
    await compile!({ modules: [{ path: 'p.rego', source: 'package p\n\nx := 1\n' }], entrypoints: ['p/x'] })
    return false
  } catch (e) {
    const m = (e as Error).message
    return /runtime is not built/.test(m) ? m : false
  }
}
const missingRuntime = compile ? await runtimeBuilt() : false
const skip = !compile ? 'src/compiler.ts is not there yet' : missingRuntime ? `run \`npm run build:runtime\` first (${missingRuntime})` : false

async function layerBundle(root: string, source: string, path: string, entrypoints: string[], revision: string) {
  const r = await compile!({ modules: [{ path, source }], entrypoints })
  return writeBundle({
    manifest: { revision, roots: [root], wasm: Object.keys(r.entrypoints).map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })), rego_version: 1 },
    wasm: r.wasm,
    sources: [{ path, source }],
    packages: [root.replace(/\//g, '.')],
  })
}

t.test('layers compiled by meshgate combine for access', { skip }, async (t) => {
  const e = new Engine({ layers: [globalLayer(), domainLayer('orders')] })
  t.teardown(() => e.close())
  await e.activate('global', await layerBundle('global', GLOBAL, 'global/access.rego', ['global/access', 'global/access/deny'], 'g1'))
  await e.activate(
    'domains/orders',
    await layerBundle(
      'domains/orders',
      ORDERS,
      'domains/orders/access.rego',
      ['domains/orders/access', 'domains/orders/access/allow', 'domains/orders/access/deny'],
      'o1',
    ),
  )
  const analyst = { subject: { roles: ['analyst'] }, port: 'orders-v1', purpose: 'reporting', fields: [] }
  const ok = await e.access(analyst)
  t.equal(ok.value.allow, true)
  t.same(ok.value.allowed_by, ['domains/orders'])
  const mk = await e.access({ ...analyst, purpose: 'marketing' })
  t.equal(mk.value.allow, false)
  t.same(
    mk.value.deny.map((d) => d.layer),
    ['global'],
  )
  const del = await e.access({ ...analyst, request: { method: 'DELETE' } })
  t.same(
    del.value.deny.map((d) => [d.layer, d.code]),
    [['domains/orders', 'read_only']],
  )
  t.same((await e.document(['domains', 'orders', 'access', 'allow'], analyst)).value, true)
})

t.test('the step budget reaches meshgate-built modules', { skip }, async (t) => {
  const e = new Engine({ layers: [globalLayer()], budgets: { steps: 1000 } })
  t.teardown(() => e.close())
  let bundle: Buffer
  try {
    bundle = await layerBundle('global', SPIN, 'global/spin.rego', ['global/spin/n'], 's1')
  } catch (err) {
    t.skip(`the compiler cannot build the budget policy yet: ${(err as Error).message}`)
    return
  }
  await e.activate('global', bundle)
  const err = await e.document(['global', 'spin', 'n'], {}).catch((x) => x)
  if (err?.code === undefined) {
    t.skip('the compiled module does not enforce mg_set_step_budget yet')
    return
  }
  t.equal(err.code, 'eval_budget_exceeded')
  const free = new Engine({ layers: [globalLayer()] })
  t.teardown(() => free.close())
  await free.activate('global', bundle)
  t.equal((await free.document(['global', 'spin', 'n'], {})).value, 200000, 'unlimited without a budget')
})
