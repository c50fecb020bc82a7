// The one error type. Compile stages collect many of these and throw a single
// CompileError at the API boundary (habit: collect, de-duplicate, cap).

import { kindOf, type ErrorCode } from './catalog.js'

export interface Location {
  file: string
  row: number
  col: number
}

export interface ErrorDetail {
  code: ErrorCode
  message: string
  location?: Location
  details?: unknown
}

export class MeshgateError extends Error implements ErrorDetail {
  readonly code: ErrorCode
  readonly location?: Location
  readonly details?: unknown
  constructor(code: ErrorCode, message: string, location?: Location, details?: unknown) {
    super(message)
    this.name = 'MeshgateError'
    this.code = code
    if (location) this.location = location
    if (details !== undefined) this.details = details
  }
  get status(): number {
    return kindOf(this.code).status
  }
  get exitCode(): number {
    return kindOf(this.code).exit
  }
  toJSON(): ErrorDetail {
    const out: ErrorDetail = { code: this.code, message: this.message }
    if (this.location) out.location = this.location
    if (this.details !== undefined) out.details = this.details
    return out
  }
}

/** Several errors from one compile, sorted by location; `errors` is the public list. */
export class CompileError extends MeshgateError {
  readonly errors: ErrorDetail[]
  constructor(errors: ErrorDetail[]) {
    const sorted = sortErrors(dedupe(errors)).slice(0, MAX_ERRORS)
    const first = sorted[0] ?? { code: 'internal_error', message: 'compile failed' }
    super(first.code, sorted.length === 1 ? first.message : `${sorted.length} errors occurred`, first.location)
    this.name = 'CompileError'
    this.errors = sorted
  }
}

/** OPA caps reported errors at 10 by default; we report more but still cap. */
export const MAX_ERRORS = 100

function dedupe(errors: ErrorDetail[]): ErrorDetail[] {
  const seen = new Set<string>()
  return errors.filter((e) => {
    const k = `${e.code}|${e.message}|${e.location?.file}:${e.location?.row}:${e.location?.col}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

function sortErrors(errors: ErrorDetail[]): ErrorDetail[] {
  return [...errors].sort((a, b) => {
    const fa = a.location?.file ?? '',
      fb = b.location?.file ?? ''
    if (fa !== fb) return fa < fb ? -1 : 1
    return (a.location?.row ?? 0) - (b.location?.row ?? 0) || (a.location?.col ?? 0) - (b.location?.col ?? 0)
  })
}
