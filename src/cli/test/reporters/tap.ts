// `policy test --format tap`: TAP version 14. One test point per Rego test
// or fixture case; skipped (`todo_`) tests carry a SKIP directive; a failure
// has a YAML diagnostic block (indented two spaces, between `---` and `...`)
// with its location, messages, error and print output. A parameterized
// test's cases are a TAP 14 subtest (indented four spaces, before the test
// point it belongs to), one point per case, nested as deep as its head.

import { stringify } from 'yaml'
import { totals, type Outcome, type SubOutcome } from './outcome.js'

export function formatTap(outcomes: Outcome[]): string {
  const out = ['TAP version 14', `1..${outcomes.length}`]
  outcomes.forEach((o, i) => {
    const n = i + 1
    const desc = escape(o.id)
    if (o.status === 'skip') {
      out.push(`ok ${n} - ${desc} # SKIP todo`)
      return
    }
    if (o.subResults?.length && (o.status === 'pass' || o.status === 'fail')) out.push(...subtest(o.id, o.subResults, '    '))
    if (o.status === 'pass') {
      out.push(`ok ${n} - ${desc}`)
      return
    }
    out.push(`not ok ${n} - ${desc}`)
    const diag: Record<string, unknown> = {
      message: o.status === 'error' ? 'evaluation error' : 'test failed',
      severity: o.status === 'error' ? 'error' : 'fail',
      at: { file: o.location.file, line: o.location.row, column: o.location.col },
      duration_ms: Math.round(o.durationNs / 1e3) / 1e3,
    }
    if (o.error) diag.error = o.error
    if (o.messages.length) diag.explanation = o.messages.join('\n')
    if (o.output) diag.output = o.output
    out.push('  ---')
    for (const l of stringify(diag).replace(/\n$/, '').split('\n')) out.push(`  ${l}`)
    out.push('  ...')
  })
  const t = totals(outcomes)
  out.push(`# pass ${t.pass}`, `# fail ${t.fail + t.error}`, `# skip ${t.skip}`)
  return `${out.join('\n')}\n`
}

function subtest(name: string, subs: SubOutcome[], indent: string): string[] {
  const out = [`${indent.slice(4)}# Subtest: ${escape(name)}`, `${indent}1..${subs.length}`]
  subs.forEach((s, i) => {
    if (s.subResults.length) out.push(...subtest(s.name, s.subResults, `${indent}    `))
    out.push(`${indent}${s.fail ? 'not ok' : 'ok'} ${i + 1} - ${escape(s.name)}`)
    if (s.fail && s.messages.length) {
      out.push(`${indent}  ---`)
      for (const l of stringify({ message: 'case failed', severity: 'fail', explanation: s.messages.join('\n') })
        .replace(/\n$/, '')
        .split('\n'))
        out.push(`${indent}  ${l}`)
      out.push(`${indent}  ...`)
    }
  })
  return out
}

/** `#` starts a directive and `\` escapes; both are escaped in descriptions (TAP 14). */
function escape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/#/g, '\\#').replace(/\n/g, ' ')
}
