// Fail-safe enforcement (issue 8): what a careless or hostile bundle, or a
// policy whose evaluation fails, can do to the engine. Each test builds the
// bundle the attack needs from real Rego with the compiler (as `policy build`
// does, strict built-in errors included) or by hand where the attack is a
// malformed archive or module.

import t from 'tap'
import { gzipSync } from 'node:zlib'
import wabtInit from 'wabt'
import { abiModuleText } from '../fixtures/wasm/abi-module.js'
import { readBundle, writeBundle, writeTar, serializeManifest, normalizeManifest, type TarEntry } from '../../src/bundle/index.js'
import { compile } from '../../src/compiler.js'
import { Engine, compatibilityQuestion, domainLayer, globalLayer } from '../../src/engine/index.js'

const GLOBAL_REGO = `package global.access

allow if input.subject.role == "analyst"

deny contains "marketing is not allowed" if input.purpose == "marketing"
`

const ORDERS_REGO = `package domains.orders.access

allow if input.subject.role == "analyst"
`

async function rego(
  root: string,
  modules: Record<string, string>,
  entrypoints: string[],
  opts: { strict?: boolean; manifestEps?: string[]; sources?: boolean; revision?: string } = {},
): Promise<Buffer> {
  const result = await compile({
    modules: Object.entries(modules).map(([path, source]) => ({ path, source })),
    entrypoints,
    strictBuiltinErrors: opts.strict ?? true,
  })
  const eps = opts.manifestEps ?? entrypoints
  return writeBundle({
    manifest: {
      revision: opts.revision ?? `${root}-1`,
      roots: [root],
      wasm: eps.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })),
      rego_version: 1,
    },
    wasm: result.wasm,
    data: {},
    sources: opts.sources === false ? [] : Object.entries(modules).map(([path, source]) => ({ path, source })),
  })
}

async function mesh(t: { teardown(fn: () => unknown): void }): Promise<Engine> {
  const e = new Engine({ layers: [globalLayer(), domainLayer('orders')], budgets: { loadMs: 2_000 } })
  t.teardown(() => e.close())
  await e.activate('global', await rego('global', { 'global/access.rego': GLOBAL_REGO }, ['global/access']))
  await e.activate('domains/orders', await rego('domains/orders', { 'orders/access.rego': ORDERS_REGO }, ['domains/orders/access']))
  return e
}

const analyst = { subject: { role: 'analyst' }, port: 'orders-v1', purpose: 'analytics' }

t.test('1. a domain bundle cannot answer for the global layer, whatever its manifest lists', async (t) => {
  const e = await mesh(t)
  // The module exports global and system entrypoints; the manifest and the
  // (omitted) sources only speak of the domain.
  const evil = await rego(
    'domains/orders',
    {
      'a.rego': 'package global.access\nallow := true\ndeny := set()\n',
      'b.rego': 'package system\nmain := {"allow": true}\n',
      'c.rego': ORDERS_REGO,
    },
    ['global/access/allow', 'global/access/deny', 'system/main', 'domains/orders/access'],
    { manifestEps: ['domains/orders/access'], sources: false, revision: 'evil' },
  )
  const err = await e.activate('domains/orders', evil).catch((x) => x)
  t.equal(err.code, 'bundle_scope_error')
  t.match(err.message, /exports entrypoint `global\/access\/allow` outside the bundle roots `domains\/orders`/)
  t.same(e.revisions(), { global: 'global-1', 'domains/orders': 'domains/orders-1' }, 'the last good bundle keeps serving')
  t.equal((await e.document(['global', 'access', 'allow'], { subject: { role: 'guest' } })).value, undefined, "global allow is the global layer's own")
  t.equal((await e.document(['system', 'main'], {})).value, undefined, 'no layer answers system/main')
  const d = await e.access({ ...analyst, purpose: 'marketing' })
  t.equal(d.value.allow, false, 'the global deny still wins')
})

t.test('3. an evaluation error inside a decision fails closed', async (t) => {
  const cases: [string, string][] = [
    ['a built-in over its limit (in-module)', 'deny contains "x" if { count([x | some x in numbers.range(1, 100000000)]) > 0 }'],
    ['to_number of text', 'deny contains "x" if { to_number("not a number") > 0 }'],
    // io.jwt.decode stays on the host (docs/compiler.md); time.* moved into the module
    ['a host built-in error', 'deny contains "x" if { count(io.jwt.decode(input.purpose)) > 0 }'],
  ]
  for (const [name, rule] of cases) {
    await t.test(name, async (t) => {
      const e = await mesh(t)
      await e.activate(
        'global',
        await rego('global', { 'g.rego': `package global.access\n\nallow if input.subject.role == "analyst"\n\n${rule}\n` }, ['global/access'], {
          revision: 'g-err',
        }),
      )
      const d = await e.access(analyst)
      t.equal(d.value.allow, false, 'denied, not allowed')
      t.equal(d.value.deny.length, 1)
      t.match(d.value.deny[0], { layer: 'global', code: 'eval_error', message: /global\/access/ })
      t.same(d.value.allowed_by, ['domains/orders'], 'the other layer still answered')
      t.equal((await e.access(analyst)).cached, false, 'a failed decision is not cached')
    })
  }
  await t.test('a host built-in error is strict even in a module built non-strict', async (t) => {
    const e = await mesh(t)
    await e.activate(
      'global',
      await rego('global', { 'g.rego': `package global.access\n\nallow if input.subject.role == "analyst"\n\n${cases[2]![1]}\n` }, ['global/access'], {
        strict: false,
        revision: 'g-lenient',
      }),
    )
    const d = await e.access(analyst)
    t.equal(d.value.allow, false)
    t.equal(d.value.deny[0]?.code, 'eval_error')
  })
  await t.test('an error in an anonymization decision refuses the request, never a partial plan', async (t) => {
    const e = await mesh(t)
    await e.activate(
      'global',
      await rego(
        'global',
        {
          'g.rego': GLOBAL_REGO,
          'a.rego': 'package global.anonymization\n\nfields["email"] := "redact"\nfields["phone"] := "hash" if to_number(input.purpose) > 0\n',
        },
        ['global/access', 'global/anonymization'],
        { revision: 'g-anon' },
      ),
    )
    const err = await e.anonymization(analyst).catch((x) => x)
    t.equal(err.code, 'eval_error')
    t.equal(err.status, 500)
  })
  await t.test('an error in a compatibility decision refuses the request, never a partial list of violations', async (t) => {
    const e = await mesh(t)
    await e.activate(
      'domains/orders',
      await rego(
        'domains/orders',
        {
          'o.rego': ORDERS_REGO,
          'c.rego':
            'package domains.orders.compatibility\n\nviolations contains "always"\nviolations contains "numeric purpose" if to_number(input.purpose) > 0\n',
        },
        ['domains/orders/access', 'domains/orders/compatibility'],
        { revision: 'o-compat' },
      ),
    )
    const schema = { type: 'object', properties: { a: { type: 'string' } } }
    const err = await e
      .compatibility(compatibilityQuestion(analyst.subject, { port: 'orders-v1', purpose: 'analytics', current: schema, proposed: schema }))
      .catch((x) => x)
    t.equal(err.code, 'eval_error')
    t.equal(err.status, 500)
  })
})

t.test('5. a bundle whose sources define a decision package without an entrypoint is refused', async (t) => {
  const e = await mesh(t)
  const modules = { 'g.rego': GLOBAL_REGO, 'a.rego': 'package global.anonymization\n\nfields := {"email": "redact"}\n' }
  const partial = await rego('global', modules, ['global/access'], { revision: 'partial' })
  const err = await e.activate('global', partial).catch((x) => x)
  t.equal(err.code, 'bundle_format_error')
  t.match(err.message, /define `data\.global\.anonymization\.fields` but its module has no entrypoint/)
  t.equal(e.revisions().global, 'global-1')
  // Rule-level entrypoints that cover every rule are enough; a missing one is not.
  const ruleLevel = await rego('global', { 'g.rego': GLOBAL_REGO }, ['global/access/allow', 'global/access/deny'], { revision: 'rules' })
  await e.activate('global', ruleLevel)
  t.equal(e.revisions().global, 'rules')
  // Answers share one revisions object until the next activation: it cannot be changed by one of them.
  t.ok(Object.isFrozen(e.revisions()), 'the revisions answers carry are frozen')
  const allowOnly = await rego('global', { 'g.rego': GLOBAL_REGO }, ['global/access/allow'], { revision: 'allow-only' })
  t.match(await e.activate('global', allowOnly).catch((x) => x), { code: 'bundle_format_error', message: /data\.global\.access\.deny/ })
})

function rawBundle(entries: TarEntry[]): Buffer {
  return gzipSync(writeTar(entries))
}

t.test('6. data that would reach Object.prototype refuses that layer only', async (t) => {
  const good = readBundle(await rego('domains/orders', { 'orders/access.rego': ORDERS_REGO }, ['domains/orders/access']))
  const manifest: TarEntry = { name: '.manifest', data: Buffer.from(serializeManifest(normalizeManifest({ ...good.manifest, revision: 'polluted' }))) }
  const wasm: TarEntry = { name: 'policy.wasm', data: Buffer.from(good.wasm.get('/policy.wasm')!) }
  const attacks: [string, TarEntry][] = [
    ['a `__proto__` directory', { name: 'domains/orders/__proto__/data.json', data: Buffer.from('{"polluted": true, "allErrors": false}') }],
    ['a `__proto__` key in data.json', { name: 'domains/orders/data.json', data: Buffer.from('{"x": {"__proto__": {"polluted": true}}}') }],
    ['a `__proto__` key at the root', { name: 'data.json', data: Buffer.from('{"__proto__": {"polluted": true}}') }],
  ]
  for (const [name, member] of attacks) {
    await t.test(name, async (t) => {
      const e = await mesh(t)
      const err = await e.activate('domains/orders', rawBundle([member, wasm, manifest])).catch((x) => x)
      t.equal(err.code, 'bundle_format_error')
      t.match(err.message, /__proto__/)
      t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched')
      t.equal(e.revisions()['domains/orders'], 'domains/orders-1', 'the layer keeps its last good bundle')
      t.equal((await e.access(analyst)).value.allow, true, 'both layers serve')
    })
  }
})

async function wat(text: string): Promise<Uint8Array> {
  const wabt = await wabtInit()
  const mod = wabt.parseWat('evil.wat', text)
  const { buffer } = mod.toBinary({})
  mod.destroy()
  return buffer
}

t.test('7. a module whose code never returns while loading is refused in bounded time', async (t) => {
  const modules: [string, string][] = [
    ['a start function that loops', '(module (func $spin (loop $l (br $l))) (start $spin))'],
    [
      'an ABI export the SDK calls while loading that loops',
      `(module
      (import "env" "memory" (memory 2))
      (global (export "opa_wasm_abi_version") i32 (i32.const 1))
      (global (export "opa_wasm_abi_minor_version") i32 (i32.const 2))
      (func (export "builtins") (result i32) (loop $l (br $l)) (i32.const 0))
      (func (export "entrypoints") (result i32) (loop $l (br $l)) (i32.const 0)))`,
    ],
  ]
  for (const [name, text] of modules) {
    await t.test(name, async (t) => {
      const e = await mesh(t)
      const bundle = writeBundle({ manifest: { revision: 'spin', roots: ['domains/orders'] }, wasm: await wat(text), data: {} })
      const err = await e.activate('domains/orders', bundle).catch((x) => x)
      t.equal(err.code, 'bundle_format_error')
      t.match(err.message, /did not finish loading within 2000 ms/)
      t.equal(e.layers.find((l) => l.name === 'domains/orders')?.lastError?.code, 'bundle_format_error', 'the layer reports the failure')
      t.equal((await e.access(analyst)).value.allow, true, 'the last good bundles keep serving')
    })
  }
})

t.test('8. a module that calls a built-in while loading is refused, not run on past the probe', async (t) => {
  // `entrypoints` (called while loading) calls the host built-in its
  // `builtins` table names, then loops. The probe's worker has no host
  // built-ins: there the call fails, which counts as finished. Were the
  // call answered on the decision thread, the loop would hang it.
  const text = abiModuleText({
    imports: '(import "env" "opa_builtin0" (func $b0 (param i32 i32) (result i32)))',
    builtins: { 'time.now_ns': 0 },
    entrypoints: '(drop (call $b0 (i32.const 0) (i32.const 0))) (loop $l (br $l))',
  })
  const e = await mesh(t)
  const bundle = writeBundle({ manifest: { revision: 'call', roots: ['domains/orders'] }, wasm: await wat(text), data: {} })
  const err = await e.activate('domains/orders', bundle).catch((x) => x)
  t.equal(err.code, 'bundle_format_error')
  t.match(err.message, /built-in function 0: time\.now_ns called while the module loads/)
  t.equal(e.revisions()['domains/orders'], 'domains/orders-1', 'the layer keeps its last good bundle')
  t.equal((await e.access(analyst)).value.allow, true, 'the last good bundles keep serving')
})
