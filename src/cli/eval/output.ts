// What `policy eval` prints (cli stage, last step). `json` is the shape of
// `opa eval --format json`: `{"result": [{"expressions": [{value, text,
// location}], "bindings": {…}}]}`, and `{}` when the query is undefined.
// `pretty` follows `opa eval --format pretty`: `undefined`; the value alone
// for one expression without variables; otherwise a table with a column per
// variable (and per expression whose value is not simply `true`), a row per
// solution.

export interface EvalResult {
  expressions: { value: unknown; text: string; location: { row: number; col: number } }[]
  bindings?: Record<string, unknown>
}

export function formatJson(results: EvalResult[]): string {
  return `${JSON.stringify(results.length ? { result: results } : {}, null, 2)}\n`
}

export function formatPretty(results: EvalResult[]): string {
  if (results.length === 0) return 'undefined\n'
  const first = results[0]!
  if (results.length === 1 && !first.bindings && first.expressions.length === 1) {
    return `${JSON.stringify(first.expressions[0]!.value, null, 2)}\n`
  }
  const vars = Object.keys(first.bindings ?? {})
  const shown = first.expressions.map((_, i) => i).filter((i) => results.some((r) => r.expressions[i]!.value !== true))
  const header = [...vars, ...shown.map((i) => first.expressions[i]!.text)]
  if (header.length === 0) return 'true\n'
  const rows = results.map((r) => [...vars.map((v) => JSON.stringify(r.bindings?.[v])), ...shown.map((i) => JSON.stringify(r.expressions[i]!.value))])
  return table(header, rows)
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  return `${[rule, line(header), rule, ...rows.map(line), rule].join('\n')}\n`
}
