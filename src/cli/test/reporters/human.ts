// The default `policy test` output, modelled on `opa test`: with `-v`
// every test by file with its status and duration; failures with their
// location, source line, failing expression and values, and print output;
// then the counts. A run where everything passes prints only the counts.
// A parameterized test lists its cases below it, indented by depth as
// `opa test` does: the failed ones under FAILURES (each with why), every one
// with -v.

import { eachCase, humanDuration, totals, where, type Outcome } from './outcome.js'

const RULE = '-'.repeat(80)

export interface HumanOptions {
  verbose: boolean
  /** Source text by file, for the line under a failure's location. */
  source: (file: string) => string | undefined
}

export function formatHuman(outcomes: Outcome[], opts: HumanOptions): string {
  const out: string[] = []
  const failed = outcomes.filter((o) => o.status === 'fail' || o.status === 'error')
  if (failed.length) {
    out.push('FAILURES', RULE)
    for (const o of failed) {
      out.push(`${o.id}: ${label(o)} (${humanDuration(o.durationNs)})`)
      out.push(`  at ${where(o.location)}`)
      const line = opts.source(o.location.file)?.split('\n')[o.location.row - 1]
      if (line !== undefined && line.trim()) out.push(`    ${line.trim()}`)
      if (o.error) out.push(`  error: ${o.error}`)
      for (const m of o.messages) out.push(`  ${m}`)
      for (const { sub, depth } of eachCase(o.subResults ?? [])) {
        if (!sub.fail) continue
        const indent = '  '.repeat(depth + 1)
        out.push(`${indent}${sub.name}: FAIL`)
        for (const m of sub.messages) out.push(`${indent}  ${m}`)
      }
      if (o.output) {
        out.push('  print output:')
        for (const l of o.output.replace(/\n$/, '').split('\n')) out.push(`    ${l}`)
      }
      out.push('')
    }
  }
  if (opts.verbose) {
    out.push('SUMMARY', RULE)
    let file: string | undefined
    for (const o of outcomes) {
      if (o.location.file !== file) {
        if (file !== undefined) out.push('')
        file = o.location.file
        out.push(`${file}:`)
      }
      out.push(`${o.id}: ${label(o)} (${humanDuration(o.durationNs)})`)
      for (const { sub, depth } of eachCase(o.subResults ?? [])) out.push(`${'  '.repeat(depth + 1)}${sub.name}: ${sub.fail ? 'FAIL' : 'PASS'}`)
      if (o.output && o.status === 'pass') for (const l of o.output.replace(/\n$/, '').split('\n')) out.push(`  ${l}`)
    }
    out.push(RULE)
  } else if (failed.length) {
    out.push(RULE)
  }
  const t = totals(outcomes)
  if (t.pass) out.push(`PASS: ${t.pass}/${t.total}`)
  if (t.fail) out.push(`FAIL: ${t.fail}/${t.total}`)
  if (t.error) out.push(`ERROR: ${t.error}/${t.total}`)
  if (t.skip) out.push(`SKIPPED: ${t.skip}/${t.total}`)
  return `${out.join('\n')}\n`
}

function label(o: Outcome): string {
  return { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIPPED' }[o.status]
}
