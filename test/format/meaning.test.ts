// The formatter never changes what a module means, and formatting twice
// changes nothing the second time: on every .rego file in this repository,
// and on generated modules (fast-check) with random layout, comments and
// nesting. The check in formatSource refuses a formatting that would change
// the AST.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import { formatModule, formatSource, meaningKey } from '../../src/format/index.js'
import { MeshgateError } from '../../src/errors/index.js'
import { parseModule } from '../../src/rego/index.js'
import { equalAsts } from './equal-asts.js'

const repo = new URL('../../', import.meta.url).pathname

function regoFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || name === 'node_modules' || name === 'dist') continue
    const full = join(dir, name)
    if (statSync(full).isDirectory()) regoFiles(full, out)
    else if (name.endsWith('.rego')) out.push(full)
  }
  return out
}

/** The Rego version a repository file is written in: v1 unless it only parses as v0. */
function versionOf(path: string, text: string): 0 | 1 {
  try {
    parseModule(path, text, { regoVersion: 1 })
    return 1
  } catch {
    return 0
  }
}

t.test('every .rego file in the repository: same AST after formatting, and a fixed point', async (t) => {
  const files = [...regoFiles(join(repo, 'policies')), ...regoFiles(join(repo, 'test'))]
  t.ok(files.length >= 30, `found ${files.length} files`)
  for (const f of files) {
    const src = readFileSync(f, 'utf8')
    let regoVersion: 0 | 1
    try {
      regoVersion = versionOf(f, src)
      parseModule(f, src, { regoVersion })
    } catch {
      continue // parse-error fixtures: nothing to format
    }
    const once = formatSource(f, src, { regoVersion })
    t.ok(equalAsts(parseModule(f, src, { regoVersion }), parseModule(f, once, { regoVersion })), `${f}: same AST`)
    t.equal(formatSource(f, once, { regoVersion }), once, `${f}: formatting twice changes nothing`)
  }
})

t.test('a formatting that changes the meaning is refused, not returned', async (t) => {
  const src = 'package p\n\nx := a - (b + c) if {\n\ta := 1\n\tb := 2\n\tc := 3\n}\n'
  // A printer that drops the parentheses, as a precedence-blind one would.
  const dropParens = (mod: Parameters<typeof formatModule>[0]) => formatModule(mod).replace('(b + c)', 'b + c')
  const refusal = (print: typeof formatModule): MeshgateError | undefined => {
    try {
      formatSource('p.rego', src, {}, print)
      return undefined
    } catch (e) {
      return e as MeshgateError
    }
  }
  const dropped = refusal(dropParens)
  t.ok(dropped instanceof MeshgateError, 'refused')
  t.equal(dropped?.code, 'internal_error')
  t.match(dropped?.message, /cannot format `p\.rego`: the formatted module differs from the source/)
  const unparsable = (mod: Parameters<typeof formatModule>[0]) => formatModule(mod).replace('if {', 'if {{')
  t.match(refusal(unparsable)?.message, /the formatted text does not parse/)
  t.equal(formatSource('p.rego', src), src, 'the real printer keeps the parentheses')
})

t.test('meaningKey tells apart what the formatter must not confuse', async (t) => {
  const key = (s: string) => meaningKey(parseModule('p.rego', `package p\n\n${s}\n`))
  t.not(key('x := a - (b + c)'), key('x := a - b + c'))
  t.not(key('x := "a\\tb"'), key('x := "a b"'))
  t.not(key('x := 1.50'), key('x := 1.5'), 'numbers as written')
  t.equal(key('p := true if input.x'), key('p if input.x'), 'an implied true value')
  t.equal(key('p = 1'), key('p := 1'), '= and := in a v1 head')
  t.equal(key('import data.b\nimport data.a\n\np := 1'), key('import data.a\nimport data.b\n\np := 1'), 'imports are a set')
})

// ---- generated modules ---------------------------------------------------------

const ws = fc.constantFrom(' ', ' ', '  ', '\t')
/** A separator that may break the line (and may carry a trailing comment). */
const brk = fc.constantFrom(' ', '\n', '\n\t', '\n\n', ' # note\n')
const name = fc.constantFrom('a', 'b', 'x', 'y', 'item', '_')
const number = fc.constantFrom('0', '1', '-2', '1.50', '1e3', '2.5E-3', '12345678901234567890')
const str = fc.array(fc.constantFrom('a', 'b', ' ', '\\t', '\\"', '\\\\', '\\u00e9', '\\/', 'é', '-'), { maxLength: 6 }).map((p) => `"${p.join('')}"`)
const raw = fc.array(fc.constantFrom('a', '\\', ' ', '\n', '"'), { maxLength: 5 }).map((p) => `\`${p.join('')}\``)
const scalar = fc.oneof(name, number, str, raw, fc.constantFrom('true', 'false', 'null'))
const ref = fc
  .tuple(
    fc.constantFrom('input', 'data.x', 'a'),
    fc.array(
      fc.oneof(
        fc.constantFrom('.b', '.not', '["c-d"]', '["e"]', '["package"]', '[0]', '[_]'),
        name.map((n) => `[${n}]`),
      ),
      { maxLength: 3 },
    ),
  )
  .map(([h, p]) => h + p.join(''))

const { term } = fc.letrec<{ term: string; composite: string }>((tie) => ({
  term: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    ref,
    tie('composite'),
    fc
      .tuple(tie('term'), fc.constantFrom('+', '-', '*', '/', '%', '&', '|', '==', '!=', '<', '>='), tie('term'), fc.boolean())
      .map(([a, op, b, paren]) => (paren ? `(${a} ${op} ${b})` : `${a} ${op} ${b}`)),
    fc
      .tuple(fc.constantFrom('count', 'f', 'data.lib.g'), fc.array(tie('term'), { maxLength: 3 }), brk)
      .map(([f, args, sep]) => `${f}(${args.join(`,${sep}`)})`),
  ),
  composite: fc.oneof(
    fc.tuple(fc.array(tie('term'), { maxLength: 4 }), brk, brk).map(([xs, s1, s2]) => `[${s1.trim() ? '' : s1}${xs.join(`,${s2}`)}]`),
    fc.tuple(fc.array(tie('term'), { minLength: 1, maxLength: 3 }), brk).map(([xs, s]) => `{${xs.join(`,${s}`)}}`),
    fc
      .tuple(fc.array(fc.tuple(fc.oneof(str, number), tie('term')), { maxLength: 3 }), brk)
      .map(([kv, s]) => `{${kv.map(([k, v]) => `${k}: ${v}`).join(`,${s}`)}}`),
    fc.tuple(name, ref, brk).map(([n, r, s]) => `[${n} |${s}some ${n} in ${r}]`),
    fc.tuple(name, ref, brk).map(([n, r, s]) => `{${n}: 1 |${s}some ${n} in ${r}}`),
    fc.tuple(tie('term'), fc.constantFrom('a', '\\{', ' ')).map(([x, lit]) => `$"${lit}{${x}}${lit}"`),
    fc.tuple(fc.constantFrom('f', 'count'), tie('term'), fc.constantFrom('.b', '[0]')).map(([f, x, p]) => `${f}(${x})${p}`),
  ),
}))

const expr = fc.oneof(
  term,
  fc.tuple(term, fc.constantFrom('==', '=', '!=', '<')).chain(([a, op]) => term.map((b) => `${a} ${op} ${b}`)),
  fc
    .tuple(
      name.filter((n) => n !== '_'),
      term,
    )
    .map(([n, v]) => `${n}_v := ${v}`),
  term.map((x) => `not ${x}`),
  fc.tuple(name, ref).map(([n, r]) => `some ${n} in ${r}`),
  fc.tuple(name, name, ref).map(([k, v, r]) => `some ${k}, ${v} in ${r}`),
  fc.tuple(ref, term, brk).map(([r, body, s]) => `every e in ${r} {${s}${body}${s.trim() ? '\n' : ' '}}`),
  fc.tuple(term, term, brk).map(([x, v, s]) => `${x}${s.includes('#') ? ' ' : s}with input as ${v}`),
  fc.tuple(term, term, term, brk).map(([x, v, u, s]) => `${x} with input as ${v}${s.includes('#') ? ' ' : s}with data.d as ${u}`),
  fc.tuple(name, name, ref, term, brk).map(([k, v, r, b, s]) => `every ${k}, ${v} in ${r} {${s}${b}\n}`),
)

const body = fc
  .tuple(fc.array(expr, { minLength: 1, maxLength: 4 }), fc.array(fc.constantFrom('\n\t', '\n  ', '; ', '\n\n\t', ' # c\n\t'), { minLength: 4, maxLength: 4 }))
  .map(([es, seps]) => es.map((e, i) => (i === 0 ? e : `${seps[i]}${e}`)).join(''))

const rule = fc.oneof(
  fc.tuple(name, body).map(([n, b]) => `r_${n} if {\n\t${b}\n}`),
  fc.tuple(name, term).map(([n, v]) => `c_${n} ${'='} ${v}`),
  fc.tuple(name, term, body).map(([n, v, b]) => `v_${n} := ${v} if {${b}}`),
  fc.tuple(name, term, body).map(([n, k, b]) => `s_${n} contains ${k} if {\n${b}\n}`),
  fc.tuple(name, body, term).map(([n, b, e]) => `f_${n}(x) := 1 if {\n\t${b}\n} else := ${e}`),
  fc.tuple(name, expr, body, fc.constantFrom(' ', '\n', '\n\n', ' # e\n')).map(([n, e, b, s]) => `g_${n} := 1 if ${e}${s}else := 2 if {\n${b}\n}${s}else := 3`),
  fc.tuple(name, fc.array(name, { minLength: 1, maxLength: 3 }), brk, term).map(([n, args, s, v]) => `h_${n}(${args.join(`,${s}`)}) := ${v}`),
  fc.tuple(name, term, brk).map(([n, k, s]) => `m_${n}[${k}] := 1 if {${s}true\n}`),
  fc.tuple(name, expr).map(([n, e]) => `o_${n} if ${e}`),
  fc.tuple(name, scalar).map(([n, v]) => `default d_${n} := ${v}`),
)

const module = fc
  .tuple(
    fc.array(
      fc.constantFrom(
        'import data.z',
        'import input.u as u',
        'import data.a',
        'import rego.v1',
        'import future.keywords.in',
        'import data.a.b as ab # i',
        '\nimport data.c',
      ),
      { maxLength: 4 },
    ),
    fc.array(fc.tuple(rule, fc.constantFrom('\n', '\n\n', '\n\n\n', ' # end\n', '\n# between\n')), { minLength: 1, maxLength: 5 }),
    ws,
  )
  .map(([imps, rules]) => `package gen\n\n${[...new Set(imps)].join('\n')}\n\n${rules.map(([r, s]) => r + s).join('')}`)

function parses(src: string): boolean {
  try {
    parseModule('gen.rego', src)
    return true
  } catch {
    return false
  }
}

t.test('generated modules: same AST, and formatting twice changes nothing', async (t) => {
  let checked = 0
  fc.assert(
    fc.property(module, (src) => {
      fc.pre(parses(src))
      checked++
      const once = formatSource('gen.rego', src)
      if (!equalAsts(parseModule('gen.rego', src), parseModule('gen.rego', once))) return false
      return formatSource('gen.rego', once) === once
    }),
    { numRuns: Number(process.env.FMT_RUNS ?? 300) },
  )
  t.ok(checked >= 100, `${checked} generated modules parsed and were checked`)
})
