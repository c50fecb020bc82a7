// `file:row:col` of an offset in a parsed module, computed when an error or
// a plan statement needs it (offsets while parsing, rows when reporting).

import type { Location } from '../errors/index.js'
import { SourceFile } from './source-file.js'

/** What locate needs of a module: its path and text (rego's Module has both). */
export interface Located {
  readonly path: string
  readonly text: string
}

// A memo of a pure function keyed by module identity, not shared state: a
// module's line table depends only on its (immutable) text, entries die with
// their module (WeakMap), and two compiles can only ever read the same answer.
const sources = new WeakMap<Located, SourceFile>()

export function sourceOf(m: Located): SourceFile {
  let s = sources.get(m)
  if (!s) sources.set(m, (s = new SourceFile(m.path, m.text)))
  return s
}

export function locate(m: Located, offset: number): Location {
  return sourceOf(m).location(offset)
}
