// Renderers for errors: CLI text (`file:row:col: code: message` + source line
// and caret), JSON, and OPA's HTTP envelope.

import { kindOf } from './catalog.js'
import type { ErrorDetail } from './meshgate-error.js'

export type SourceLookup = (file: string) => string | undefined

export function renderText(e: ErrorDetail, lookup?: SourceLookup): string {
  const where = e.location ? `${e.location.file}:${e.location.row}:${e.location.col}: ` : ''
  let out = `${where}${e.code}: ${e.message}`
  const src = e.location ? lookup?.(e.location.file) : undefined
  if (src !== undefined && e.location) {
    const line = src.split('\n')[e.location.row - 1]
    if (line !== undefined) {
      // Keep the line's own tabs under the caret so it lines up in a terminal.
      const pad = [...line]
        .slice(0, Math.max(0, e.location.col - 1))
        .map((c) => (c === '\t' ? '\t' : ' '))
        .join('')
      out += `\n\t${line}\n\t${pad}^`
    }
  }
  return out
}

/** OPA's error envelope: `{ code, message, errors? }`. */
export function httpEnvelope(e: ErrorDetail & { errors?: ErrorDetail[] }): { status: number; body: Record<string, unknown> } {
  const body: Record<string, unknown> = { code: e.code, message: e.message }
  if (e.errors && e.errors.length) body.errors = e.errors
  return { status: kindOf(e.code).status, body }
}
