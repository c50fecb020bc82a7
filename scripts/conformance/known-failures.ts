// The known-failures list (conformance/known-failures.json): conformance
// cases that do not pass yet, each with the reason, by category or by note
// (OPA's wasm `exceptions.yaml`, acorn's test262 whitelist). A failure not on
// the list is a regression; an entry whose cases all pass is stale and should
// be removed, so the list only shrinks.

import { readFileSync, writeFileSync } from 'node:fs'

export interface KnownFailures {
  /** category → reason: every case of the category may fail. */
  categories: Record<string, string>
  /** note → reason: every case with this note may fail. */
  cases: Record<string, string>
}

export function readKnownFailures(file: string): KnownFailures {
  let raw: Partial<KnownFailures>
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<KnownFailures>
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { categories: {}, cases: {} }
    throw new Error(`${file}: ${(e as Error).message}`)
  }
  return { categories: raw.categories ?? {}, cases: raw.cases ?? {} }
}

export function writeKnownFailures(file: string, k: KnownFailures): void {
  const sorted = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  writeFileSync(file, `${JSON.stringify({ categories: sorted(k.categories), cases: sorted(k.cases) }, null, 2)}\n`)
}

/** The reason a failing case is allowed to fail, or undefined when it is a new failure. */
export function knownReason(k: KnownFailures, category: string, note: string): string | undefined {
  return k.cases[note] ?? k.categories[category]
}

export interface CaseResult {
  category: string
  note: string
  pass: boolean
}

/**
 * Entries that no longer hold back anything: a listed note or category whose
 * cases (among those run) all pass, or that names nothing that was run while
 * the whole suite ran.
 */
export function staleEntries(k: KnownFailures, results: CaseResult[], fullRun: boolean): { categories: string[]; cases: string[] } {
  const byNote = new Map<string, boolean[]>(),
    byCategory = new Map<string, boolean[]>()
  for (const r of results) {
    if (!byNote.has(r.note)) byNote.set(r.note, [])
    byNote.get(r.note)!.push(r.pass)
    if (!byCategory.has(r.category)) byCategory.set(r.category, [])
    byCategory.get(r.category)!.push(r.pass)
  }
  const stale = (m: Map<string, boolean[]>, key: string) => {
    const runs = m.get(key)
    return runs ? runs.every(Boolean) : fullRun
  }
  return {
    categories: Object.keys(k.categories).filter((c) => stale(byCategory, c)),
    cases: Object.keys(k.cases).filter((n) => stale(byNote, n)),
  }
}
