// The engine calls a module's `opa_eval` itself (engine/module-call.ts) rather
// than through the SDK's `evaluate`: the answers must be the SDK's, byte for
// byte, whatever the input (large enough to grow the memory, non-ASCII, the
// same input reused across entrypoints, other inputs in between, new data),
// and modules of ABI 1.1 (no `opa_eval`) still go through the SDK.

import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import t from 'tap'
import fc from 'fast-check'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { compile } from '../../src/compiler.js'
import { LoadedBundle, type BundleImage } from '../../src/engine/index.js'

const SRC = `package t

echo := input

allow if input.user == "alice"

tags contains t if some t in input.tags

who := concat(" ", [data.greeting, input.user])

keys := [k | some k, _ in input]

pairs := [[k, v] | some k, v in input.obj]

walked := [p | walk(input, [p, _])]

marshalled := json.marshal(input)

looked_up := [[k, input.obj[k]] | some k, _ in input.obj]
`
const EPS = ['t/echo', 't/allow', 't/tags', 't/who', 't/keys', 't/pairs', 't/walked', 't/marshalled', 't/looked_up']

async function both(): Promise<{ lb: LoadedBundle; sdk: Awaited<ReturnType<typeof loadPolicy>> }> {
  const { wasm } = await compile({ modules: [{ path: 't.rego', source: SRC }], entrypoints: EPS })
  const image: BundleImage = {
    name: 't',
    manifest: { revision: '1', roots: [''] },
    modules: [{ path: '/policy.wasm', bytes: wasm }],
    data: { greeting: 'hello' },
  }
  const lb = await LoadedBundle.load(image)
  const sdk = await loadPolicy(wasm)
  sdk.setData({ greeting: 'hello' })
  return { lb, sdk }
}

t.test("answers are the SDK's for any input, one encoding reused across entrypoints", async (t) => {
  const { lb, sdk } = await both()
  await fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      const ea = lb.encode(a)
      // Interleaved: a, then b, then a again with the same encoding (rewritten, since b overwrote it).
      for (const [ep, enc, raw] of [
        [EPS[0]!, ea, a],
        [EPS[1]!, lb.encode(b), b],
        [EPS[2]!, ea, a],
        [EPS[3]!, ea, a],
        [EPS[0]!, ea, a],
      ] as const) {
        const got = JSON.stringify(lb.evaluate(ep, enc))
        const want = JSON.stringify(sdk.evaluate(raw === undefined ? undefined : new TextEncoder().encode(JSON.stringify(raw)).buffer, ep))
        if (got !== want) throw new Error(`${ep} on ${JSON.stringify(raw)}: ${got} ≠ ${want}`)
      }
      return true
    }),
    { numRuns: 300 },
  )
  t.same(lb.evaluate('t/echo', { s: 'héllo ✓ 😀' }), [{ result: { s: 'héllo ✓ 😀' } }], 'non-ASCII text round-trips')
  t.same(lb.evaluate('t/echo', undefined), [], 'undefined input: `input` is undefined')
  t.same(lb.evaluate('t/echo', null), [{ result: null }], 'null input is the JSON null')
})

// A meshgate-built module parses the input once for every entrypoint
// evaluated on it (mg_eval_parsed, on a frozen value): an evaluation that
// iterates an object (sorting it) must leave the value intact for the next.
t.test('one parsed input, many entrypoints that iterate it: the SDK answers, in any order', async (t) => {
  const { lb, sdk } = await both()
  const wide = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 5, maxKeys: 40 })
  await fc.assert(
    fc.property(
      fc.record({ obj: wide, user: fc.string(), tags: fc.array(fc.string()) }, { requiredKeys: ['obj'] }),
      fc.array(fc.constantFrom(...EPS), { minLength: 2, maxLength: 12 }),
      (input, order) => {
        const enc = lb.encode(input)
        const bytes = new TextEncoder().encode(JSON.stringify(input)).buffer
        for (const ep of order) {
          const got = JSON.stringify(lb.evaluate(ep, enc))
          const want = JSON.stringify(sdk.evaluate(bytes, ep))
          if (got !== want) throw new Error(`${ep} after ${order.join(', ')} on ${JSON.stringify(input)}: ${got} ≠ ${want}`)
        }
        return true
      },
    ),
    { numRuns: 200 },
  )
  t.pass('200 inputs, entrypoints in random order')
})

t.test('an input larger than the memory grows it, and later answers stay right', async (t) => {
  const { lb } = await both()
  const big = { user: 'alice', tags: Array.from({ length: 60_000 }, (_, i) => `tag-${i}-ünïcode`) }
  const enc = lb.encode(big)
  t.same(lb.evaluate('t/allow', enc), [{ result: true }])
  t.equal((lb.evaluate('t/tags', enc)[0]!.result as unknown[]).length, 60_000, 'the same encoding, read again after the memory grew')
  t.same(lb.evaluate('t/who', { user: 'bob' }), [{ result: 'hello bob' }])
})

t.test('new data moves the input area; the next evaluation writes the input again', async (t) => {
  const { lb } = await both()
  const enc = lb.encode({ user: 'carol' })
  t.same(lb.evaluate('t/who', enc), [{ result: 'hello carol' }])
  lb.setData({ greeting: 'a much longer greeting than before, so the data takes more of the heap' })
  t.same(lb.evaluate('t/who', enc), [{ result: 'a much longer greeting than before, so the data takes more of the heap carol' }])
})

const shared = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'opa-built')
if (!existsSync(shared)) {
  t.skip(`OPA-built modules not found at ${shared}`)
} else {
  for (const dir of ['dotnet-rbac', 'python-sprintf', 'java-abi1_1']) {
    t.test(`OPA's own module ${dir}: the engine's answers are the SDK's`, async (t) => {
      const wasm = readFileSync(join(shared, dir, 'policy.wasm'))
      const data = existsSync(join(shared, dir, 'data.json'))
        ? (JSON.parse(readFileSync(join(shared, dir, 'data.json'), 'utf8')) as Record<string, unknown>)
        : {}
      const cases = JSON.parse(readFileSync(join(shared, dir, 'cases.json'), 'utf8')) as { entrypoint: string; input: unknown }[]
      const lb = await LoadedBundle.load({ name: dir, manifest: { revision: '', roots: [''] }, modules: [{ path: '/policy.wasm', bytes: wasm }], data })
      const sdk = await loadPolicy(wasm)
      sdk.setData(data)
      for (const c of cases) t.same(lb.evaluate(c.entrypoint, c.input), sdk.evaluate(c.input, c.entrypoint), `${c.entrypoint} ${JSON.stringify(c.input)}`)
    })
  }
}
