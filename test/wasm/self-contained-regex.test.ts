// Self-contained modules (issue 12), the regex family: a bundle that
// `policy build` writes for a policy calling every regex built-in loads in
// the stock @open-policy-agent/opa-wasm SDK with no host built-ins at all,
// and answers what meshgate's host implementation (re2js) answers over
// generated patterns and subjects; an invalid pattern aborts the strict
// build's evaluation with OPA's message. Beside self-contained.test.ts.

import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { readBundle } from '../../src/bundle/index.js'
import { compile, CompileError } from '../../src/compiler.js'
import { impls } from '../../src/builtins/regex.js'
import { policy, workspace } from '../cli/fixtures/run-policy.js'

const REGEX_REGO = [
  'package fam.regex',
  '',
  'match_out := regex.match(input.p, input.s)',
  'is_valid_out := regex.is_valid(input.p)',
  'find_n_out := regex.find_n(input.p, input.s, input.n)',
  'submatch_out := regex.find_all_string_submatch_n(input.p, input.s, input.n)',
  'split_out := regex.split(input.p, input.s)',
  'replace_out := regex.replace(input.s, input.p, input.r)',
  'template_out := regex.template_match(input.t, input.s, "{", "}")',
  'globs_out := regex.globs_match(input.p, input.q)',
  '',
  '# a typical admission check: images from the approved registry only',
  'deny contains msg if {',
  '  some c in input.containers',
  '  not regex.match(`^registry\\.example\\.com/[a-z0-9-]+(/[a-z0-9-]+)*:[\\w.-]+$`, c.image)',
  '  msg := sprintf("container %q: image %q is not from the approved registry", [c.name, c.image])',
  '}',
  '',
].join('\n')

const V0_REGO = ['package fam.legacy', '', 're_match_out = x { x := re_match(input.p, input.s) }', ''].join('\n')

const RULES = ['match_out', 'is_valid_out', 'find_n_out', 'submatch_out', 'split_out', 'replace_out', 'template_out', 'globs_out', 'deny']

type Eval = (input: unknown, ep: string) => unknown

/** `policy build` of `files` with `entrypoints`; the stock SDK, given no built-ins, evaluates it. */
async function build(t: Tap.Test, files: Record<string, string>, entrypoints: string[], extra: string[] = []): Promise<Eval> {
  const dir = workspace(t, files)
  const r = policy(['build', '-t', 'wasm', ...extra, ...entrypoints.flatMap((e) => ['-e', e]), '-o', 'out.tar.gz', 'src'], dir)
  if (r.code !== 0) throw new Error(`policy build failed: ${r.stderr}`)
  const b = readBundle(readFileSync(join(dir, 'out.tar.gz')), 'out.tar.gz')
  // no host built-ins: any host call would throw "not implemented"
  const stock = await loadPolicy(b.wasm.get('/policy.wasm')!)
  return (input, ep) => {
    const rs = stock.evaluate(input as never, ep)
    return rs.length ? rs[0].result : undefined
  }
}

declare namespace Tap {
  type Test = Parameters<Parameters<typeof t.test>[1]>[0]
}

/** A value, or the message of the error (the strict build's abort, the host's built-in error). */
const outcome = (f: () => unknown): { value: unknown } | { error: string } => {
  try {
    return { value: f() }
  } catch (e) {
    return { error: String(e instanceof Error ? e.message : e) }
  }
}

let built: Promise<Eval> | undefined
const bundle = (t: Tap.Test) =>
  (built ??= build(
    t,
    { 'src/fam/regex.rego': REGEX_REGO },
    RULES.map((r) => `fam/regex/${r}`),
  ))
t.setTimeout(180_000)

t.test('the module imports no host built-in for the regex family', async (t) => {
  const r = await compile({ modules: [{ path: 'regex.rego', source: REGEX_REGO }], entrypoints: RULES.map((r) => `fam/regex/${r}`) })
  t.same(r.builtins, [], 'no opa_builtin import: nothing for an SDK to provide')
})

t.test('regex built-ins: stock SDK without host built-ins = meshgate host implementation', async (t) => {
  const ev = await bundle(t)
  t.same(
    ev(
      {
        containers: [
          { name: 'web', image: 'registry.example.com/team/web:1.2' },
          { name: 'db', image: 'docker.io/postgres:16' },
        ],
      },
      'fam/regex/deny',
    ),
    ['container "db": image "docker.io/postgres:16" is not from the approved registry'],
  )
  t.equal(ev({ p: '(a|ab)(c|bcd)', s: 'abcd' }, 'fam/regex/match_out'), true)
  t.same(ev({ p: 'a*', s: 'baaac', n: -1 }, 'fam/regex/find_n_out'), ['', 'aaa', ''])
  t.equal(ev({ p: 'a(x*)b', s: '-ab-axxb-', r: '${1}W' }, 'fam/regex/replace_out'), '-W-xxW-')

  const units = ['a', 'b', 'k', 'K', 'é', '日', ' ', '-', '\n', '1', '_']
  const subject = fc.string({ unit: fc.constantFrom(...units), maxLength: 10 })
  const atom = fc.constantFrom('a', 'b', 'k', 'é', '.', '[ab]', '[^a]', '\\w', '\\d', '\\s', '\\pL', '\\b', '^', '$', '(a|b)', '(?:ab)', '(?P<x>a+)', '(?i:k)')
  const piece = fc.tuple(atom, fc.constantFrom('', '', '*', '+', '?', '*?', '{1,2}')).map(([a, r]) => a + r)
  const valid = fc.array(piece, { minLength: 1, maxLength: 4 }).map((ps) => ps.join(''))
  const garbage = fc.string({ unit: fc.constantFrom(...'()[]{}*+?|\\a:^'.split('')), maxLength: 6 })
  // class syntax alone: POSIX names, first-place "]", ranges (re2js once read "[[:]" unlike Go)
  const classes = fc.string({ unit: fc.constantFrom('[', ']', ':', '^', '-', 'a', '\\', '[:alpha:]', '[:]'), maxLength: 6 })
  const pattern = fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: garbage }, { weight: 1, arbitrary: classes })
  const n = fc.integer({ min: -1, max: 3 })
  const repl = fc.string({ unit: fc.constantFrom('$', '1', '{', '}', 'x', '-'), maxLength: 5 })
  const tpl = fc
    .array(
      fc.oneof(
        fc.constantFrom('urn:', 'a', '.', ':'),
        valid.map((p) => `{${p}}`),
      ),
      { maxLength: 3 },
    )
    .map((xs) => xs.join(''))
  const calls: [string, string, fc.Arbitrary<Record<string, unknown>>, (i: Record<string, any>) => unknown][] = [
    ['regex.match', 'match_out', fc.record({ p: pattern, s: subject }), (i) => impls['regex.match']!(i.p, i.s)],
    ['regex.is_valid', 'is_valid_out', fc.record({ p: pattern }), (i) => impls['regex.is_valid']!(i.p)],
    ['regex.find_n', 'find_n_out', fc.record({ p: pattern, s: subject, n }), (i) => impls['regex.find_n']!(i.p, i.s, i.n)],
    [
      'regex.find_all_string_submatch_n',
      'submatch_out',
      fc.record({ p: pattern, s: subject, n }),
      (i) => impls['regex.find_all_string_submatch_n']!(i.p, i.s, i.n),
    ],
    ['regex.split', 'split_out', fc.record({ p: pattern, s: subject }), (i) => impls['regex.split']!(i.p, i.s)],
    ['regex.replace', 'replace_out', fc.record({ s: subject, p: pattern, r: repl }), (i) => impls['regex.replace']!(i.s, i.p, i.r)],
    ['regex.template_match', 'template_out', fc.record({ t: tpl, s: subject }), (i) => impls['regex.template_match']!(i.t, i.s, '{', '}')],
  ]
  const glob = fc.oneof(
    fc.array(fc.constantFrom('a', 'b*', '.', '[ab]+', '[^a]', '\\d?', 'é'), { maxLength: 4 }).map((xs) => xs.join('')),
    fc.string({ unit: fc.constantFrom(...'ab.[]^*+|\\'.split('')), maxLength: 5 }),
  )
  calls.push(['regex.globs_match', 'globs_out', fc.record({ p: glob, q: glob }), (i) => impls['regex.globs_match']!(i.p, i.q)])
  for (const [name, rule, input, want] of calls) {
    fc.assert(
      fc.property(input, (i) => {
        const host = outcome(() => want(i))
        const got = outcome(() => ev(i, `fam/regex/${rule}`))
        // a strict build aborts where the host throws; the message carries the call's location first
        const same =
          'error' in host
            ? 'error' in got &&
              (host.error.includes('trailing backslash') || got.error.endsWith(`eval_builtin_error: ${host.error.replace(/[^\x20-\x7e]/gu, '?')}`))
            : JSON.stringify(got) === JSON.stringify(host)
        if (!same) throw new Error(`${name}(${JSON.stringify(i)}): module ${JSON.stringify(got)}, host ${JSON.stringify(host)}`)
      }),
      { numRuns: 250 },
    )
    t.pass(name)
  }
})

t.test('an invalid pattern aborts a strict evaluation with OPA text and the call location', async (t) => {
  const ev = await bundle(t)
  const r = outcome(() => ev({ p: 'x[', s: 'x' }, 'fam/regex/match_out'))
  t.same(r, { error: 'src/fam/regex.rego:3:14: eval_builtin_error: regex.match: error parsing regexp: missing closing ]: `[`' })
  // without strict built-in errors the call is undefined, as in OPA
  const lax = await compile({ modules: [{ path: 'regex.rego', source: REGEX_REGO }], entrypoints: ['fam/regex/match_out'] })
  const p = await loadPolicy(lax.wasm)
  t.same(p.evaluate({ p: 'x[', s: 'x' }, 'fam/regex/match_out'), [])
})

t.test('re_match: Rego v0 only, in the module', async (t) => {
  const ev = await build(t, { 'src/fam/legacy.rego': V0_REGO }, ['fam/legacy/re_match_out'], ['--v0-compatible'])
  t.equal(ev({ p: '^a+$', s: 'aaa' }, 'fam/legacy/re_match_out'), true)
  t.equal(ev({ p: '^a+$', s: 'aab' }, 'fam/legacy/re_match_out'), false)
  let err: unknown
  try {
    await compile({ modules: [{ path: 'v1.rego', source: 'package v1\n\nx := re_match("a", "a")\n' }], entrypoints: ['v1/x'] })
  } catch (e) {
    err = e
  }
  t.ok(err instanceof CompileError, 'Rego v1 has no re_match, as in OPA')
})
