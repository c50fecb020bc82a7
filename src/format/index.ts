// Public surface of format/: Rego source → canonical source, the job of
// `opa fmt` (a stage beside check/: it reads rego/'s AST and comments and
// writes text). The layout rules follow OPA's formatter (v1/format/format.go)
// so that a file `opa fmt` already formatted comes out byte for byte the
// same; the result is parsed again and compared with the input's AST, so a
// formatting that would change what the policy means is refused, never
// written.

import { CompileError, MeshgateError } from '../errors/index.js'
import { parseModule, tokenize, type Import, type Module } from '../rego/index.js'
import { Ctx, type FormatChoices } from './context.js'
import { writeModule } from './module.js'
import { meaningKey } from './same-meaning.js'
import { Writer, type FmtComment } from './writer.js'

export { meaningKey, sameMeaning } from './same-meaning.js'
export { unifiedDiff } from './diff.js'

export interface FormatOptions {
  /** Rego syntax of the source (and of the output); 1 unless given. */
  regoVersion?: 0 | 1
}

const BASE_KEYWORDS = ['as', 'default', 'else', 'false', 'import', 'not', 'null', 'package', 'some', 'true', 'with']
const FUTURE_KEYWORDS = ['contains', 'every', 'if', 'in']

/**
 * Format one module. Throws CompileError (rego_parse_error with
 * file:row:col) when the source does not parse, and MeshgateError
 * (internal_error) if the result would not mean what the source meant.
 */
export function formatSource(path: string, text: string, opts: FormatOptions = {}, print: (mod: Module) => string = formatModule): string {
  const regoVersion = opts.regoVersion ?? 1
  let mod = parseModule(path, text, { regoVersion })
  const meaning = meaningKey(mod)
  // `print` is the formatter proper; a parameter so that a test can hand in
  // a wrong one and see the check below refuse its output.
  //
  // The layout rules follow the source's line breaks, and a few of them
  // (inherited from OPA: a comment between two operands of one expression)
  // move a comment so that the next run places it differently. Running
  // again on the output until it no longer changes keeps `fmt(fmt(x)) ==
  // fmt(x)`; on a formatted file the first run already changes nothing.
  let current = text
  for (let run = 0; run < MAX_RUNS; run++) {
    const out = print(mod)
    try {
      mod = parseModule(path, out, { regoVersion })
    } catch (e) {
      if (!(e instanceof CompileError)) throw e
      throw formatBug(path, `the formatted text does not parse: ${e.errors[0]?.message ?? ''}`)
    }
    if (meaningKey(mod) !== meaning) throw formatBug(path, 'the formatted module differs from the source')
    if (out === current) break
    current = out
  }
  return current
}

const MAX_RUNS = 4

function formatBug(path: string, message: string): MeshgateError {
  return new MeshgateError('internal_error', `cannot format \`${path}\`: ${message}`, undefined, 'the file is left as it is; please report this with the file')
}

/** Format a parsed module (its `text` holds the source the spans point into). */
export function formatModule(mod: Module): string {
  const opts = choices(mod)
  const comments: FmtComment[] = []
  const ctx0 = new Ctx(new Writer([]), mod.text, opts)
  for (const c of tokenize(mod.text).comments) {
    comments.push({ row: ctx0.row(c.start), text: `#${c.text}`.trimEnd() })
  }
  const ctx = new Ctx(new Writer(comments), mod.text, opts)
  writeModule(ctx, mod, importsToWrite(mod))
  return ctx.w.text().replace(/\n+$/, '\n')
}

function isPath(i: Import, root: string): boolean {
  return i.path.head.type === 'var' && i.path.head.name === root
}

/** `import rego.v1` implies every future keyword: OPA drops `future.keywords` imports beside it. */
function importsToWrite(mod: Module): Import[] {
  if (!mod.imports.some((i) => isPath(i, 'rego'))) return mod.imports
  return mod.imports.filter((i) => !isPath(i, 'future'))
}

function choices(mod: Module): FormatChoices {
  const v1 = mod.regoVersion === 1
  let ifs = v1
  let contains = v1
  const keywords = new Set(v1 ? [...BASE_KEYWORDS, ...FUTURE_KEYWORDS] : BASE_KEYWORDS)
  for (const imp of mod.imports) {
    const parts = imp.path.path.map((p) => (p.type === 'string' ? p.value : ''))
    if (isPath(imp, 'rego') || (isPath(imp, 'future') && parts.length === 1)) {
      ifs = true
      contains = true
      if (isPath(imp, 'future')) FUTURE_KEYWORDS.forEach((k) => keywords.add(k))
    } else if (isPath(imp, 'future') && parts[1] !== undefined) {
      keywords.add(parts[1])
      if (parts[1] === 'if') ifs = true
      if (parts[1] === 'contains') contains = true
    }
  }
  const refHeads = mod.rules.some((r) => r.head.ref.length > 2 || (r.head.ref.length === 2 && r.head.kind === 'set'))
  return { regoV1: v1, ifs, contains, refHeads, keywords }
}
