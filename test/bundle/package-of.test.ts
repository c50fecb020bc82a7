// packageOf reads a source's package clause from its first lines when they
// settle it (issue 13: a bundle may carry megabytes of Rego after the clause),
// and must answer exactly as lexing the whole text does: the same package or
// the same error, whatever falls on the boundary of the first lines.

import t from 'tap'
import fc from 'fast-check'
import { packageOf } from '../../src/bundle/index.js'
import { tokenize } from '../../src/rego/index.js'

/** The reference: the whole text lexed (the clause's rules as packageOf documents them). */
function reference(source: string): string[] | 'error' {
  const { tokens } = tokenize(source)
  if (tokens[0]?.kind !== 'ident' || tokens[0].value !== 'package' || tokens[1]?.kind !== 'ident') return 'error'
  const segs = [tokens[1].value]
  let i = 2
  for (;;) {
    const tok = tokens[i]
    if (!tok || tok.kind === 'eof' || tok.nl) break
    if (tok.kind === '.' && tokens[i + 1]?.kind === 'ident' && !tokens[i + 1]!.ws) {
      segs.push(tokens[i + 1]!.value)
      i += 2
    } else if (tok.kind === '[' && tokens[i + 1]?.kind === 'string' && tokens[i + 2]?.kind === ']') {
      segs.push(tokens[i + 1]!.value)
      i += 3
    } else return 'error'
  }
  return segs[0] === 'data' && segs.length > 1 ? segs.slice(1) : segs
}

function ours(source: string): string[] | 'error' {
  try {
    return packageOf('x.rego', source)
  } catch (e) {
    t.equal((e as { code?: string }).code, 'bundle_format_error')
    return 'error'
  }
}

t.test('a large source: the package from its first lines, the rest unread', async (t) => {
  const rules = Array.from({ length: 20_000 }, (_, i) => `allow if input.x == ${i}\n`).join('')
  t.same(packageOf('big.rego', `# a header\npackage domains.orders.access\n\n${rules}`), ['domains', 'orders', 'access'])
  t.same(packageOf('big.rego', `package data.global["log"]\n${rules}`), ['global', 'log'])
  t.throws(() => packageOf('big.rego', `allow if true\n${rules}`), { code: 'bundle_format_error' })
})

t.test('the same answer as lexing the whole text, whatever lies around the boundary', async (t) => {
  // Comment lines, then a clause, then lines that may be raw strings spanning the boundary; lengths pushing the clause across 4 KiB.
  const line = fc.oneof(
    fc.constantFrom('', '# comment', '#', '   ', 'x := `raw', 'string`', 'allow if true', '"str', 'package a', '.b', '["c"]', ' . b'),
    fc.string({ maxLength: 40 }),
  )
  const clause = fc.oneof(
    fc.constantFrom('package a.b', 'package data.a', 'package data', 'package a["b c"].d', 'package a . b', 'package a.\nb', 'package `a`', 'packagex a'),
    fc.string({ maxLength: 20 }).map((s) => `package ${s}`),
  )
  const source = fc
    .tuple(fc.integer({ min: 0, max: 4200 }), fc.array(line, { maxLength: 6 }), clause, fc.array(line, { maxLength: 8 }), fc.integer({ min: 0, max: 5000 }))
    .map(([pad, before, c, after, tail]) => [`#${'-'.repeat(pad)}`, ...before, c, ...after, 'p := 1\n'.repeat(tail / 7)].join('\n'))
  fc.assert(
    fc.property(source, (s) => {
      t.same(ours(s), reference(s))
    }),
    { numRuns: 400 },
  )
})
