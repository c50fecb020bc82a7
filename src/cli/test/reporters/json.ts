// `policy test --format json`: the shape of `opa test --format json`, so
// tools that read OPA's report read ours: an array of
// { location: {file,row,col}, package, name, duration (ns), fail?, skip?,
// error?, output? }. `output` is base64, as OPA's Go []byte field is
// marshalled; `explanation` is meshgate's own addition (failure lines).

import type { Outcome } from './outcome.js'

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
    return r
  })
  return `${JSON.stringify(list, null, 2)}\n`
}
