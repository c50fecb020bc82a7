// `policy test --format json`: the shape of `opa test --format json`, so
// tools that read OPA's report read ours: an array of
// { location: {file,row,col}, package, name, duration (ns), fail?, skip?,
// error?, output?, sub_results? }. `output` is base64, as OPA's Go []byte
// field is marshalled; `sub_results` maps each case of a parameterized test
// to { name, fail?, sub_results? }, as OPA's SubResultMap; `explanation` is
// meshgate's own addition (failure lines).

import type { Outcome, SubOutcome } from './outcome.js'

export function formatJson(outcomes: Outcome[]): string {
  const list = outcomes.map((o) => {
    const r: Record<string, unknown> = {
      location: { file: o.location.file, row: o.location.row, col: o.location.col },
      package: o.pkg,
      name: o.name,
      duration: o.durationNs,
    }
    if (o.status === 'fail') r.fail = true
    if (o.status === 'skip') r.skip = true
    if (o.status === 'error') r.error = { code: 'eval_error', message: o.error ?? 'evaluation failed' }
    if (o.output) r.output = Buffer.from(o.output, 'utf8').toString('base64')
    if (o.messages.length) r.explanation = o.messages
    if (o.subResults?.length) r.sub_results = subResults(o.subResults)
    return r
  })
  return `${JSON.stringify(list, null, 2)}\n`
}

function subResults(subs: SubOutcome[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const s of subs) {
    const r: Record<string, unknown> = { name: s.name }
    if (s.fail) r.fail = true
    if (s.subResults.length) r.sub_results = subResults(s.subResults)
    if (s.messages.length) r.explanation = s.messages
    out[s.name] = r
  }
  return out
}
