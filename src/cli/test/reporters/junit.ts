// `policy test --format junit`: JUnit XML for CI dashboards. One
// <testsuite> per package (or fixture file's product), one <testcase> per
// test with `classname` = package, `file` and `line`; failures and errors
// carry their explanation as text, print output goes to <system-out>,
// `todo_` tests are <skipped/>. Times are seconds. Each case of a
// parameterized test is a <testcase> of its own, named `test_x/<case>` (the
// way Go names subtests); the test's duration goes to its first case.

import { leafCases, totals, where, type Outcome } from './outcome.js'

export function formatJunit(outcomes: Outcome[]): string {
  const suites = new Map<string, Outcome[]>()
  for (const o of outcomes.flatMap(asCases)) suites.set(o.pkg, [...(suites.get(o.pkg) ?? []), o])
  const all = totals(outcomes)
  const out = ['<?xml version="1.0" encoding="UTF-8"?>']
  out.push(`<testsuites name="policy test" ${counts(all)} time="${seconds(sum(outcomes))}">`)
  for (const [pkg, list] of suites) {
    out.push(`  <testsuite name="${esc(pkg)}" ${counts(totals(list))} time="${seconds(sum(list))}">`)
    for (const o of list) {
      const attrs = `name="${esc(o.name)}" classname="${esc(pkg)}" file="${esc(o.location.file)}" line="${o.location.row}" time="${seconds(o.durationNs)}"`
      const inner: string[] = []
      const text = [where(o.location), ...(o.error ? [`error: ${o.error}`] : []), ...o.messages].join('\n')
      if (o.status === 'fail') inner.push(`      <failure message="test failed" type="fail">${esc(text)}</failure>`)
      if (o.status === 'error') inner.push(`      <error message="${esc(o.error ?? 'evaluation error')}" type="error">${esc(text)}</error>`)
      if (o.status === 'skip') inner.push('      <skipped message="todo"/>')
      if (o.output) inner.push(`      <system-out>${esc(o.output)}</system-out>`)
      out.push(inner.length ? `    <testcase ${attrs}>\n${inner.join('\n')}\n    </testcase>` : `    <testcase ${attrs}/>`)
    }
    out.push('  </testsuite>')
  }
  out.push('</testsuites>')
  return `${out.join('\n')}\n`
}

/** A parameterized test with cases becomes one outcome per leaf case. */
function asCases(o: Outcome): Outcome[] {
  const leaves = o.status === 'pass' || o.status === 'fail' ? leafCases(o.subResults ?? []) : []
  if (leaves.length === 0) return [o]
  return leaves.map((l, i) => ({
    ...o,
    id: `${o.id}/${l.path.join('/')}`,
    name: `${o.name}/${l.path.join('/')}`,
    status: l.fail ? 'fail' : 'pass',
    durationNs: i === 0 ? o.durationNs : 0,
    messages: l.fail ? [...o.messages, ...l.messages] : [],
    output: i === 0 ? o.output : '',
    subResults: [],
  }))
}

function counts(t: ReturnType<typeof totals>): string {
  return `tests="${t.total}" failures="${t.fail}" errors="${t.error}" skipped="${t.skip}"`
}

const sum = (list: Outcome[]) => list.reduce((n, o) => n + o.durationNs, 0)
const seconds = (ns: number) => (ns / 1e9).toFixed(6)

/** XML text and attribute escaping; characters XML 1.0 forbids are dropped. */
function esc(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  )
}
