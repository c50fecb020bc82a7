// Loading the conformance cases (../shared/conformance/cases/<category>/*.json)
// and deciding which apply, by the suite README's rules: the query must be
// `data.<path> = <var>` and the input must be JSON (`input`, or an
// `input_term` that parses as JSON). Everything else is skipped, not counted.

import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export interface RawCase {
  note: string
  query: string
  modules?: string[]
  data?: unknown
  input?: unknown
  input_term?: string
  want_result?: Record<string, unknown>[]
  sort_bindings?: boolean
  want_error_code?: string
  want_error?: string
  strict_error?: boolean
}

export interface ConformanceCase {
  /** Unique id: `<category>/<file>#<index>` (notes are not unique in the suite). */
  id: string
  category: string
  note: string
  raw: RawCase
  /** Undefined when the case is applicable. */
  skip?: string
  /** Slash path of the queried rule, e.g. `test/p`. */
  entrypoint: string
  /** Name of the variable the query binds. */
  variable: string
  /** The input document; undefined when the case has none. */
  input?: unknown
  hasInput: boolean
}

const QUERY = /^\s*data((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*=\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/

export function loadCases(casesDir: string): ConformanceCase[] {
  const out: ConformanceCase[] = []
  for (const category of readdirSync(casesDir).sort()) {
    let files: string[]
    try {
      files = readdirSync(join(casesDir, category))
        .filter((f) => f.endsWith('.json'))
        .sort()
    } catch {
      continue // a stray file beside the category folders
    }
    for (const file of files) {
      const doc = JSON.parse(readFileSync(join(casesDir, category, file), 'utf8')) as { cases?: RawCase[] }
      ;(doc.cases ?? []).forEach((raw, i) => out.push(classify(raw, category, `${category}/${file.replace(/\.json$/, '')}#${i}`)))
    }
  }
  return out
}

export function classify(raw: RawCase, category: string, id: string): ConformanceCase {
  const c: ConformanceCase = { id, category, note: raw.note, raw, entrypoint: '', variable: '', hasInput: false }
  const m = QUERY.exec(raw.query)
  if (!m) {
    c.skip = `query \`${raw.query}\` is not of the form data.<path> = <var>`
    return c
  }
  c.entrypoint = m[1]!.slice(1).split('.').join('/')
  c.variable = m[2]!
  if ('input' in raw) {
    c.input = raw.input
    c.hasInput = true
  } else if (raw.input_term !== undefined) {
    try {
      c.input = JSON.parse(raw.input_term)
      c.hasInput = true
    } catch {
      c.skip = 'input_term is not JSON'
    }
  }
  return c
}
