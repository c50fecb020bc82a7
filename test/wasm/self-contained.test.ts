// Self-contained modules (issue 12): a bundle that `policy build` writes for
// a policy using the in-module families loads in the stock
// @open-policy-agent/opa-wasm SDK with no host built-ins at all, and answers
// what meshgate's host implementations of the same built-ins answer, over
// many generated inputs. Where the host implementation departs from OPA
// (Go's fmt), the module follows OPA: those classes are left out of the
// differential and pinned by fixtures instead (test/wasm/runtime/format.test.ts).

import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { readBundle } from '../../src/bundle/index.js'
import { compile, hostBuiltins } from '../../src/compiler.js'
import { impls as stringImpls } from '../../src/builtins/strings.js'
import { impls as encodingImpls } from '../../src/builtins/encoding.js'
import { impls as unitsImpls } from '../../src/builtins/units.js'
import { impls as cryptoImpls } from '../../src/builtins/crypto.js'
import { impls as objectImpls } from '../../src/builtins/objects.js'
import { impls as semverImpls } from '../../src/builtins/semver.js'
import { impls as netImpls } from '../../src/builtins/net.js'
import { impls as globImpls } from '../../src/builtins/glob.js'
import { policy, workspace } from '../cli/fixtures/run-policy.js'

const FORMAT_REGO = [
  'package fam.format',
  '',
  'sprintf_out := sprintf(input.f, input.args)',
  'format_int_out := format_int(input.n, input.base)',
  '',
  '# a typical deny message',
  'deny contains msg if {',
  '  some c in input.containers',
  '  c.cpu > 2',
  '  msg := sprintf("container %q asks for %.1f CPUs (limit %d)", [c.name, c.cpu, 2])',
  '}',
  '',
].join('\n')

/** The string family: one rule per built-in, its operands from input.a, input.b, input.c. */
const TEXT_BUILTINS: [string, number][] = [
  ['concat', 2],
  ['split', 2],
  ['replace', 3],
  ['strings.replace_n', 2],
  ['lower', 1],
  ['upper', 1],
  ['trim', 2],
  ['trim_left', 2],
  ['trim_right', 2],
  ['trim_prefix', 2],
  ['trim_suffix', 2],
  ['trim_space', 1],
  ['substring', 3],
  ['indexof', 2],
  ['indexof_n', 2],
  ['strings.count', 2],
  ['strings.reverse', 1],
  ['strings.any_prefix_match', 2],
  ['strings.any_suffix_match', 2],
]
const ruleOf = (name: string) => 'out_' + name.replaceAll('.', '_')
const TEXT_REGO = [
  'package fam.text',
  '',
  ...TEXT_BUILTINS.map(([n, k]) => `${ruleOf(n)} := ${n}(${['input.a', 'input.b', 'input.c'].slice(0, k).join(', ')})`),
  '',
  '# a typical masking rule',
  'masked := concat("", [substring(lower(parts[0]), 0, 1), "***@", trim_space(parts[1])]) if parts := split(input.email, "@")',
  '',
].join('\n')

/** Digests, in the encoding package: operands input.a (and input.b). */
const CRYPTO_BUILTINS: [string, number][] = [
  ['crypto.md5', 1],
  ['crypto.sha1', 1],
  ['crypto.sha256', 1],
  ['crypto.hmac.md5', 2],
  ['crypto.hmac.sha1', 2],
  ['crypto.hmac.sha256', 2],
  ['crypto.hmac.sha512', 2],
  ['crypto.hmac.equal', 2],
]

/** Objects and arrays, in the encoding package: operands input.a (and input.b). */
const OBJECT_BUILTINS: [string, number][] = [
  ['semver.compare', 2],
  ['semver.is_valid', 1],
  ['net.cidr_contains', 2],
  ['net.cidr_intersects', 2],
  ['net.cidr_is_valid', 1],
  ['glob.match', 3],
  ['glob.quote_meta', 1],
  ['object.union', 2],
  ['object.union_n', 1],
  ['object.filter', 2],
  ['object.remove', 2],
  ['array.reverse', 1],
  ['array.flatten', 1],
]

/** The encoding family: one rule per built-in, its operand input.a. */
const ENCODING_BUILTINS = [
  'base64.encode',
  'base64.decode',
  'base64.is_valid',
  'base64url.encode',
  'base64url.encode_no_pad',
  'base64url.decode',
  'hex.encode',
  'hex.decode',
  'urlquery.encode',
  'urlquery.decode',
  'urlquery.encode_object',
  'urlquery.decode_object',
  'json.marshal',
  'json.unmarshal',
  'json.is_valid',
]
const ENCODING_REGO = [
  'package fam.encoding',
  '',
  ...ENCODING_BUILTINS.map((n) => `${ruleOf(n)} := ${n}(input.a)`),
  `${ruleOf('units.parse')} := units.parse(input.a)`,
  `${ruleOf('units.parse_bytes')} := units.parse_bytes(input.a)`,
  ...CRYPTO_BUILTINS.map(([n, k]) => `${ruleOf(n)} := ${n}(${['input.a', 'input.b'].slice(0, k).join(', ')})`),
  ...OBJECT_BUILTINS.map(([n, k]) => `${ruleOf(n)} := ${n}(${['input.a', 'input.b', 'input.c'].slice(0, k).join(', ')})`),
  '',
  '# a typical compatibility check: a claim carried base64-encoded JSON',
  'claims := json.unmarshal(base64url.decode(input.token))',
  'ok if claims.v == 2',
  '',
].join('\n')

const ENTRYPOINTS = [
  ...ENCODING_BUILTINS.map((n) => `fam/encoding/${ruleOf(n)}`),
  'fam/encoding/ok',
  `fam/encoding/${ruleOf('units.parse')}`,
  `fam/encoding/${ruleOf('units.parse_bytes')}`,
  ...CRYPTO_BUILTINS.map(([n]) => `fam/encoding/${ruleOf(n)}`),
  ...OBJECT_BUILTINS.map(([n]) => `fam/encoding/${ruleOf(n)}`),
  'fam/format/sprintf_out',
  'fam/format/format_int_out',
  'fam/format/deny',
  ...TEXT_BUILTINS.map(([n]) => `fam/text/${ruleOf(n)}`),
  'fam/text/masked',
]
const SOURCES = [
  { path: 'format.rego', source: FORMAT_REGO },
  { path: 'text.rego', source: TEXT_REGO },
  { path: 'encoding.rego', source: ENCODING_REGO },
]

interface Evaluator {
  stock(input: unknown, ep: string): unknown
  withHost(input: unknown, ep: string): unknown
}

async function buildBundle(t: Tap.Test): Promise<Evaluator> {
  const dir = workspace(t, Object.fromEntries(SOURCES.map((m) => [`src/fam/${m.path}`, m.source])))
  const r = policy(['build', '-t', 'wasm', ...ENTRYPOINTS.flatMap((e) => ['-e', e]), '-o', 'out.tar.gz', 'src'], dir)
  if (r.code !== 0) throw new Error(`policy build failed: ${r.stderr}`)
  const b = readBundle(readFileSync(join(dir, 'out.tar.gz')), 'out.tar.gz')
  const wasm = b.wasm.get('/policy.wasm')!
  // The stock SDK, given no built-ins: any host call would throw "not implemented".
  const stock = await loadPolicy(wasm)
  const host = await loadPolicy(wasm, undefined, hostBuiltins as never)
  const one = (p: typeof stock) => (input: unknown, ep: string) => {
    const rs = p.evaluate(input as never, ep)
    return rs.length ? rs[0].result : undefined
  }
  return { stock: one(stock), withHost: one(host) }
}

/** JSON text with object keys sorted: equal Rego values, equal text (prototypes aside). */
const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  )

/** A call's value, or that it failed (strict builds abort where the host throws). */
const outcome = (f: () => unknown) => {
  try {
    return { value: f() }
  } catch {
    return { error: true }
  }
}

// One `policy build` serves every test below (each spawns the CLI otherwise).
let built: Promise<Evaluator> | undefined
const bundle = (t: Tap.Test) => (built ??= buildBundle(t))
// The differential runs a few thousand evaluations: allow for a busy machine.
t.setTimeout(180_000)

declare namespace Tap {
  type Test = Parameters<Parameters<typeof t.test>[1]>[0]
}

t.test('the module imports no host built-in for the in-module families', async (t) => {
  const r = await compile({ modules: SOURCES, entrypoints: ENTRYPOINTS })
  t.same(r.builtins, [], 'no opa_builtin import: nothing for an SDK to provide')
})

t.test('sprintf and format_int: stock SDK without host built-ins = meshgate host implementation', async (t) => {
  const ev = await bundle(t)
  const hostSprintf = (f: string, args: unknown[]) => stringImpls.sprintf!(f, args) as string

  t.same(
    ev.stock(
      {
        containers: [
          { name: 'web', cpu: 2.5 },
          { name: 'db', cpu: 1 },
        ],
      },
      'fam/format/deny',
    ),
    ['container "web" asks for 2.5 CPUs (limit 2)'],
  )

  // Verbs and the argument kinds they take, restricted to where the host
  // implementation agrees with Go (see the file header).
  const intArg = fc.integer({ min: -1e15, max: 1e15 })
  // Floats that are not integral (the host treats those as ints), have more
  // than 30 fraction bits (no exact decimal ties: Go rounds those half to
  // even, JavaScript's toFixed up), at most 15 significant digits and a
  // magnitude of at least 1e-6: the runtime reads longer literals, and
  // exponents past ±22, only to within an ulp (docs/runtime-api.md).
  const floatArg = fc
    .double({ min: -1e12, max: 1e12, noNaN: true, noDefaultInfinity: true })
    .map((x) => Number(x.toPrecision(15)))
    .filter((x) => Math.abs(x) >= 1e-6 && !Number.isInteger(x * 2 ** 30))
  const strArg = fc.string({ unit: 'grapheme', maxLength: 12 })
  const flags = (allowed: string) => fc.subarray([...allowed]).map((a) => a.join(''))
  const width = fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined }).map((w) => (w === undefined ? '' : String(w)))
  const prec = fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }).map((p) => (p === undefined ? '' : '.' + p))
  const spec = fc.oneof(
    fc.tuple(flags('-+ 0'), width, prec, fc.constantFrom('d', 'x', 'X', 'o', 'b'), intArg),
    fc.tuple(flags('- '), width, prec, fc.constantFrom('v'), intArg),
    fc.tuple(flags('-+ 0'), width, prec, fc.constantFrom('f', 'e', 'E', 'g', 'G'), floatArg),
    fc.tuple(flags('- '), width, fc.constant(''), fc.constantFrom('v'), floatArg),
    fc.tuple(flags('-'), width, prec, fc.constantFrom('s', 'v', 'q'), strArg),
    fc.tuple(flags('- '), width, fc.constant(''), fc.constantFrom('x', 'X'), strArg),
    // wrong verb for the kind: Go's %!verb(type=value)
    fc.tuple(fc.constant(''), fc.constant(''), fc.constant(''), fc.constantFrom('d', 's'), fc.oneof(floatArg, strArg)),
  )
  const literal = fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => s.replaceAll('%', '%%'))
  const call = fc.array(fc.tuple(literal, spec), { minLength: 1, maxLength: 4 }).chain((parts) => fc.tuple(fc.constant(parts), fc.integer({ min: -1, max: 1 })))

  fc.assert(
    fc.property(call, ([parts, extra]) => {
      let f = ''
      const args: unknown[] = []
      for (const [lit, [fl, w, p, verb, arg]] of parts) {
        f += `${lit}%${fl}${w}${p}${verb}`
        args.push(arg)
      }
      // one argument short (MISSING) or one too many (EXTRA) now and then
      if (extra < 0) args.pop()
      if (extra > 0) args.push('extra')
      const want = hostSprintf(f, args)
      const input = { f, args }
      const got = ev.stock(input, 'fam/format/sprintf_out')
      if (got !== want) throw new Error(`sprintf(${JSON.stringify(f)}, ${JSON.stringify(args)}): module ${JSON.stringify(got)}, host ${JSON.stringify(want)}`)
      if (ev.withHost(input, 'fam/format/sprintf_out') !== got) throw new Error('the SDK with host built-ins answers otherwise')
    }),
    {
      numRuns: 1500,
      // Precision 0 and value 0 print only padding in Go (fmt/format.go, fmtInteger): the host printed the sign.
      examples: [[[[['', ['+', '', '.0', 'd', 0]]], 0]], [[[['', ['#', '4', '.0', 'x', 0]]], 0]]],
    },
  )

  const anyFloat = fc.double({ min: -1e15, max: 1e15, noNaN: true, noDefaultInfinity: true }).map((x) => Number(x.toPrecision(15)))
  fc.assert(
    fc.property(fc.oneof(intArg, anyFloat), fc.constantFrom(2, 8, 10, 16), (n, base) => {
      const want = stringImpls.format_int!(n, base)
      const got = ev.stock({ n, base }, 'fam/format/format_int_out')
      if (got !== want) throw new Error(`format_int(${n}, ${base}): module ${JSON.stringify(got)}, host ${JSON.stringify(want)}`)
    }),
    { numRuns: 500 },
  )
  // `policy build` compiles with strict built-in errors: a bad base aborts, as OPA's error does
  let err: unknown
  try {
    ev.stock({ n: 5, base: 3 }, 'fam/format/format_int_out')
  } catch (e) {
    err = e
  }
  t.match(String(err instanceof Error ? err.message : err), /eval_builtin_error: format_int/, 'a base other than 2, 8, 10, 16 is an error')
})

t.test('integers beyond 2^53 keep their precision (issue 12)', async (t) => {
  const ev = await bundle(t)
  const big = '123456789012345678901234567890'
  // Input given as JSON text keeps the literal's digits (a JS object would
  // already hold an f64), as a request body reaching the sidecar does.
  const input = new TextEncoder().encode(`{"f": "%d %v %x %s", "args": [${big}, ${big}, ${big}, ${big}], "n": ${big}, "base": 16}`).buffer
  t.equal(ev.stock(input, 'fam/format/sprintf_out'), `${big} ${big} 18ee90ff6c373e0ee4e3f0ad2 ${big}`)
  t.equal(ev.stock(input, 'fam/format/format_int_out'), '18ee90ff6c373e0ee4e3f0ad2')
  t.equal(ev.stock({ f: '%d', args: [2 ** 53 + 2] }, 'fam/format/sprintf_out'), '9007199254740994')
})

t.test('string functions: stock SDK without host built-ins = meshgate host implementation', async (t) => {
  const ev = await bundle(t)
  t.equal(ev.stock({ email: 'Alice.Smith@example.com ' }, 'fam/text/masked'), 'a***@example.com')

  // Small alphabets make matches likely; graphemes bring any code point.
  const alphabet = ['a', 'b', 'A', ' ', '-', 'é', 'É', 'ß', 'Σ', 'ς', '日', '本', '😀', '\t', '\u00a0', '\u2003', 'İ', 'ı', 'ǅ']
  const small = fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 10 })
  const str = fc.oneof(small, fc.string({ unit: 'grapheme', maxLength: 10 }))
  const strs = fc.array(str, { maxLength: 4 })
  const int = fc.integer({ min: -3, max: 12 })
  const operands: Record<string, fc.Arbitrary<unknown[]>> = {
    concat: fc.tuple(str, strs),
    'strings.replace_n': fc.tuple(fc.dictionary(small, str, { maxKeys: 3 }), str),
    substring: fc.tuple(str, fc.nat({ max: 12 }), int),
    'strings.any_prefix_match': fc.tuple(fc.oneof(str, strs), fc.oneof(str, strs)),
    'strings.any_suffix_match': fc.tuple(fc.oneof(str, strs), fc.oneof(str, strs)),
  }
  // Go maps case one code point at a time (unicode.ToLower/ToUpper); the
  // host's JavaScript toLowerCase/toUpperCase applies Unicode's special
  // casing (ß → SS, final ς, İ → i̇): inputs where they differ are pinned
  // by test/wasm/runtime/text.test.ts instead.
  const perCodePoint = (s: string, f: (c: string) => string) =>
    Array.from(s)
      .map((c) => (Array.from(f(c)).length === 1 ? f(c) : c))
      .join('')
  const jsCaseDiffers = (name: string, args: unknown[]) =>
    (name === 'lower' || name === 'upper') &&
    perCodePoint(args[0] as string, (c) => (name === 'lower' ? c.toLowerCase() : c.toUpperCase())) !==
      (name === 'lower' ? (args[0] as string).toLowerCase() : (args[0] as string).toUpperCase())
  for (const [name, k] of TEXT_BUILTINS) {
    const args = operands[name] ?? fc.tuple(...Array.from({ length: k }, () => str))
    fc.assert(
      fc.property(args, (a) => {
        if (jsCaseDiffers(name, a)) return
        const want = outcome(() => stringImpls[name]!(...a))
        const input = { a: a[0], b: a[1], c: a[2] }
        const got = outcome(() => ev.stock(input, `fam/text/${ruleOf(name)}`))
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          throw new Error(`${name}(${a.map((x) => JSON.stringify(x)).join(', ')}): module ${JSON.stringify(got)}, host ${JSON.stringify(want)}`)
        }
        const viaHost = outcome(() => ev.withHost(input, `fam/text/${ruleOf(name)}`))
        if (JSON.stringify(viaHost) !== JSON.stringify(got)) throw new Error(`${name}: the SDK with host built-ins answers otherwise`)
      }),
      { numRuns: 300 },
    )
    t.pass(name)
  }
})

t.test('bundles built before a built-in moved into the module still load in the engine', async (t) => {
  // An older module imported sprintf from the host as `meshgate.sprintf` and
  // upper as `upper`; a capabilities entry makes today's compiler emit the
  // same imports.
  const capabilities = {
    builtins: [
      {
        name: 'meshgate.sprintf',
        decl: { type: 'function', args: [{ type: 'string' }, { type: 'array', dynamic: { type: 'any' } }], result: { type: 'string' } },
      },
    ],
  }
  const r = await compile({
    modules: [{ path: 'old.rego', source: 'package old\n\nmsg := meshgate.sprintf("%d-%s", [input.n, input.s])\n' }],
    entrypoints: ['old/msg'],
    capabilities,
  })
  t.same(r.builtins, ['meshgate.sprintf'])
  const { loadHostBuiltins } = await import('../../src/engine/host-builtins.js')
  const p = await loadPolicy(r.wasm, undefined, (await loadHostBuiltins()) as never)
  t.same(p.evaluate({ n: 7, s: 'x' }, 'old/msg'), [{ result: '7-x' }])
  t.type(hostBuiltins.upper, 'function', 'the compiler API exports them too')
})

t.test('encodings: stock SDK without host built-ins = meshgate host implementation', async (t) => {
  const ev = await bundle(t)
  const token = Buffer.from(JSON.stringify({ v: 2 })).toString('base64url')
  t.equal(ev.stock({ token }, 'fam/encoding/ok'), true)

  const text = fc.string({ unit: 'grapheme', maxLength: 12 })
  // Object keys: the host sorts them in UTF-16 order, OPA (and the module)
  // in UTF-8 byte order; the two agree below U+D800.
  const key = fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '0', ' ', '&', '=', '<', 'é', '日', '\u00a0'), maxLength: 6 })
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  const garbage = (chars: string) => fc.string({ unit: fc.constantFrom(...chars), maxLength: 12 })
  // JSON values whose numbers JavaScript and OPA print alike (no ±1e21 and beyond, no -0)
  const num = fc.oneof(
    fc.integer(),
    fc.double({ min: -1e20, max: 1e20, noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
  )
  const { json } = fc.letrec((tie) => ({
    json: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      num,
      text,
      fc.array(tie('json'), { maxLength: 4 }),
      fc.dictionary(key, tie('json'), { maxKeys: 4 }),
    ),
  }))
  const operand: Record<string, fc.Arbitrary<unknown>> = {
    'base64.decode': fc.oneof(text.map(b64), garbage('QUJDabc+/=\n')),
    'base64.is_valid': fc.oneof(text.map(b64), garbage('QUJDabc+/=\n'), fc.integer()),
    'base64url.decode': fc.oneof(
      text.map((s) => Buffer.from(s).toString('base64url')),
      text.map((s) => b64(s).replaceAll('+', '-').replaceAll('/', '_')),
      garbage('QUJDabc-_='),
    ),
    'hex.decode': fc.oneof(
      text.map((s) => Buffer.from(s).toString('hex')),
      garbage('0aF9gx'),
    ),
    'urlquery.decode': fc.oneof(
      text.map((s) => encodeURIComponent(s)),
      garbage('a%2B+é%zF'),
    ),
    'urlquery.encode_object': fc.dictionary(key, fc.oneof(text, fc.array(text, { maxLength: 3 })), { maxKeys: 3 }),
    'urlquery.decode_object': fc.oneof(
      fc.array(fc.tuple(text, text), { maxLength: 4 }).map((kv) => kv.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')),
      garbage('ab=&;%2x'),
    ),
    'json.marshal': json,
    'json.unmarshal': fc.oneof(
      json.map((v) => JSON.stringify(v)),
      garbage('{}[]":,1a tn'),
    ),
    'json.is_valid': fc.oneof(
      json.map((v) => JSON.stringify(v)),
      garbage('{}[]":,1a tn'),
      fc.integer(),
    ),
  }
  for (const name of ENCODING_BUILTINS) {
    fc.assert(
      fc.property(operand[name] ?? text, (a) => {
        // keys named like Object.prototype members ("toString") trip the host's
        // plain-object accumulator (a TypeError, not a built-in error): not OPA's behaviour
        if (
          name === 'urlquery.decode_object' &&
          typeof a === 'string' &&
          /(^|&)(toString|constructor|valueOf|hasOwnProperty|__proto__|isPrototypeOf|propertyIsEnumerable|toLocaleString|__[a-zA-Z]+__)(=|&|$)/.test(a)
        )
          return
        const want = outcome(() => encodingImpls[name]!(a))
        // Bytes that are not UTF-8: Go (and the module) replace each invalid
        // byte, Node's decoder each maximal invalid sequence.
        if (typeof want.value === 'string' && want.value.includes('\ufffd')) return
        const got = outcome(() => ev.stock({ a }, `fam/encoding/${ruleOf(name)}`))
        if (!isDeepStrictEqual(got, want)) {
          throw new Error(`${name}(${JSON.stringify(a)}): module ${JSON.stringify(got)}, host ${JSON.stringify(want)}`)
        }
      }),
      { numRuns: 300 },
    )
    t.pass(name)
  }
})

t.test('units: stock SDK without host built-ins = meshgate host implementation', async (t) => {
  const ev = await bundle(t)
  const amount = fc
    .tuple(
      fc.constantFrom('', '-', '+'),
      fc.nat({ max: 99999 }).map(String),
      fc.option(
        fc.nat({ max: 999 }).map((f) => '.' + f),
        { nil: '' },
      ),
      fc.option(
        fc.integer({ min: -4, max: 6 }).map((e) => 'e' + e),
        { nil: '' },
      ),
    )
    .map((p) => p.join(''))
  const unit = fc.constantFrom('', 'k', 'K', 'm', 'M', 'Mi', 'mi', 'G', 'Gi', 'GiB', 'gb', 'T', 'P', 'E', 'Ki', 'KIB', 'kb', 'b', 'x', 'i')
  const text = fc.oneof(
    fc.tuple(amount, unit).map(([a, u]) => a + u),
    fc.string({ maxLength: 6 }),
  )
  for (const name of ['units.parse', 'units.parse_bytes']) {
    fc.assert(
      fc.property(text, (a) => {
        const want = outcome(() => unitsImpls[name]!(a))
        // beyond 2^53 the host's JS number rounds; the module keeps every digit (pinned below)
        if (typeof want.value === 'number' && Math.abs(want.value) > 2 ** 53) return
        const got = outcome(() => ev.stock({ a }, `fam/encoding/${ruleOf(name)}`))
        if (!isDeepStrictEqual(got, want)) throw new Error(`${name}(${JSON.stringify(a)}): module ${JSON.stringify(got)}, host ${JSON.stringify(want)}`)
      }),
      { numRuns: 500 },
    )
    t.pass(name)
  }
  // exact digits past 2^53: test/wasm/runtime/units.test.ts (the SDK parses results into f64s)
})

t.test('digests: stock SDK without host built-ins = meshgate host implementation', async (t) => {
  const ev = await bundle(t)
  const text = fc.string({ unit: 'grapheme', maxLength: 40 })
  for (const [name, k] of CRYPTO_BUILTINS) {
    const args =
      name === 'crypto.hmac.equal'
        ? fc.oneof(
            fc.tuple(text, text),
            text.map((x) => [x, x] as [string, string]),
          )
        : fc.tuple(text, text)
    fc.assert(
      fc.property(args, ([a, b]) => {
        const want = outcome(() => cryptoImpls[name]!(...[a, b].slice(0, k)))
        const got = outcome(() => ev.stock({ a, b }, `fam/encoding/${ruleOf(name)}`))
        if (!isDeepStrictEqual(got, want))
          throw new Error(`${name}(${JSON.stringify(a)}, ${JSON.stringify(b)}): module ${JSON.stringify(got)}, host ${JSON.stringify(want)}`)
      }),
      { numRuns: 100 },
    )
    t.pass(name)
  }
})

t.test('objects, arrays, semver, CIDRs and globs: stock SDK without host built-ins = meshgate host implementation', async (t) => {
  const ev = await bundle(t)
  const key = fc.constantFrom('a', 'b', 'c', 'd')
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.integer(),
      fc.string({ maxLength: 3 }),
      fc.boolean(),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(key, tie('value'), { maxKeys: 3 }),
    ),
  }))
  const object = fc.dictionary(key, value, { maxKeys: 4 })
  const ident = fc.oneof(fc.nat({ max: 12 }).map(String), fc.constantFrom('alpha', 'beta', 'rc', 'x-1', '0a', '01', ''))
  const version = fc
    .tuple(
      fc.nat({ max: 3 }),
      fc.nat({ max: 11 }),
      fc.nat({ max: 3 }),
      fc.option(fc.array(ident, { minLength: 1, maxLength: 3 }), { nil: undefined }),
      fc.option(fc.constantFrom('build.1', 'x'), { nil: undefined }),
    )
    .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre ? '-' + pre.join('.') : ''}${build ? '+' + build : ''}`)
  // addresses near one another, so that containment goes both ways; now and then malformed
  const octet = fc.oneof(fc.constantFrom(0, 10, 192, 255), fc.nat({ max: 255 }))
  const v4 = fc.tuple(fc.constant(10), fc.constantFrom(0, 1, 128), octet, octet).map((o) => o.join('.'))
  const group = fc.oneof(
    fc.constantFrom('0', 'db8', 'ffff', '2001', '1'),
    fc.nat({ max: 0xffff }).map((g) => g.toString(16)),
  )
  const v6 = fc.oneof(
    fc.array(group, { minLength: 8, maxLength: 8 }).map((g) => g.join(':')),
    fc.tuple(fc.array(group, { maxLength: 3 }), fc.array(group, { maxLength: 3 })).map(([a, b]) => `${a.join(':')}::${b.join(':')}`),
    v4.map((x) => `::ffff:${x}`),
  )
  const ip = fc.oneof(v4, v6, fc.constantFrom('10.0.0.256', '010.0.0.1', '1::2::3', 'x'))
  const cidr = fc.oneof(
    fc.tuple(v4, fc.integer({ min: 0, max: 33 })).map(([a, n]) => `${a}/${n}`),
    fc.tuple(v6, fc.integer({ min: 0, max: 129 })).map(([a, n]) => `${a}/${n}`),
    ip,
  )
  const operands: Record<string, fc.Arbitrary<unknown[]>> = {
    'object.union': fc.tuple(fc.oneof(object, value), object),
    'object.union_n': fc.tuple(fc.oneof(fc.array(object, { maxLength: 3 }), fc.array(value, { maxLength: 2 }))),
    'object.filter': fc.tuple(object, fc.oneof(fc.array(key, { maxLength: 3 }), object, fc.integer())),
    'object.remove': fc.tuple(object, fc.oneof(fc.array(key, { maxLength: 3 }), object)),
    'array.reverse': fc.tuple(fc.oneof(fc.array(value, { maxLength: 4 }), object)),
    'array.flatten': fc.tuple(fc.array(value, { maxLength: 4 })),
    'semver.compare': fc.tuple(version, version),
    'semver.is_valid': fc.tuple(fc.oneof(version, fc.string({ maxLength: 8 }), fc.integer())),
    'net.cidr_contains': fc.tuple(cidr, fc.oneof(cidr, ip)),
    'net.cidr_intersects': fc.tuple(cidr, cidr),
    'net.cidr_is_valid': fc.tuple(fc.oneof(cidr, ip, fc.string({ maxLength: 10 }))),
    'glob.match': fc.tuple(
      fc.string({ unit: fc.constantFrom('a', 'b', '.', ':', '*', '**', '?', '[a-b]', '[!a]', '{a,b.}', '{', '}', ',', '\\*', 'é'), maxLength: 6 }),
      fc.oneof(fc.constant(null), fc.constant([]), fc.constant(['.']), fc.constant([':', '.'])),
      fc.string({ unit: fc.constantFrom('a', 'b', '.', ':', 'é', '*'), maxLength: 8 }),
    ),
    'glob.quote_meta': fc.tuple(fc.string({ unit: fc.constantFrom('a', '*', '?', '\\', '[', ']', '{', '}', 'é'), maxLength: 8 })),
  }
  const impls: Record<string, (...a: unknown[]) => unknown> = { ...objectImpls, ...semverImpls, ...netImpls, ...globImpls }
  for (const [name] of OBJECT_BUILTINS) {
    fc.assert(
      fc.property(operands[name]!, ([a, b, c]) => {
        const want = outcome(() => impls[name]!(a, b, c))
        const got = outcome(() => ev.stock({ a, b, c }, `fam/encoding/${ruleOf(name)}`))
        if (canon(got) !== canon(want)) throw new Error(`${name}(${JSON.stringify([a, b, c])}): module ${JSON.stringify(got)}, host ${JSON.stringify(want)}`)
      }),
      { numRuns: 300 },
    )
    t.pass(name)
  }
})

t.test('the worked example mesh (policies/) needs no host built-in', async (t) => {
  // It calls sprintf, concat and lower, which were host imports before issue 12.
  const { readdirSync, statSync } = await import('node:fs')
  const root = join(import.meta.dirname, '..', '..', 'policies')
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]))
  const modules = walk(root)
    .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
    .map((f) => ({ path: f, source: readFileSync(f, 'utf8') }))
  const packages = [...new Set(modules.map((m) => /^package\s+(\S+)/m.exec(m.source)![1]!))]
  t.ok(packages.length >= 9)
  const r = await compile({ modules, entrypoints: packages.map((p) => p.replaceAll('.', '/')) })
  t.same(r.builtins, [])
})
