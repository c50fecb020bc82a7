// How the CLI shows a failure (cli stage): every error as
// `file:row:col: code: message`, the source line and a caret under the
// column (errors/render.ts); the exit code is the highest the error catalog
// gives any of them. Unknown exceptions are bugs: a generic line, the stack only
// with MESHGATE_DEBUG=1, exit code of `internal_error`.

import { CompileError, MeshgateError, kindOf, renderText, type ErrorDetail } from '../errors/index.js'

export type OutputFormat = 'text' | 'json'

/** The errors inside any thrown value, as the public `{ code, message, location }` list. */
export function errorDetails(err: unknown): ErrorDetail[] {
  if (err instanceof CompileError && err.errors.length) return err.errors.map(plainDetail)
  if (err instanceof MeshgateError) return [plainDetail(err)]
  const message = err instanceof Error ? err.message : String(err)
  return [{ code: 'internal_error', message: `unexpected failure: ${message.split('\n')[0]}` }]
}

/** Writes the errors to `out` and returns the process exit code. */
export function reportError(err: unknown, out: NodeJS.WritableStream, opts: { format?: OutputFormat; sources?: ReadonlyMap<string, string> } = {}): number {
  const errors = errorDetails(err)
  if (process.env.MESHGATE_DEBUG && err instanceof Error && errors[0]?.code === 'internal_error') {
    out.write(`${err.stack}\n`)
  }
  if (opts.format === 'json') {
    out.write(`${JSON.stringify({ errors }, null, 2)}\n`)
  } else {
    const lookup = (file: string) => opts.sources?.get(file)
    for (const e of errors) {
      out.write(`${renderText(e, lookup)}\n`)
      if (typeof e.details === 'string') out.write(`\t${e.details}\n`)
    }
    if (errors.length > 1) out.write(`${errors.length} errors\n`)
  }
  return exitCodeOf(errors)
}

export function exitCodeOf(errors: ErrorDetail[]): number {
  const code = Math.max(...errors.map((e) => kindOf(e.code).exit))
  return code > 0 ? code : 1
}

function plainDetail(e: ErrorDetail): ErrorDetail {
  const out: ErrorDetail = { code: e.code, message: e.message }
  if (e.location) out.location = { file: e.location.file, row: e.location.row, col: e.location.col }
  if (e.details !== undefined) out.details = e.details
  return out
}
