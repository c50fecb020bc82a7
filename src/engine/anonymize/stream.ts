// A streaming Transform for record bodies: NDJSON (one object per line) or a
// JSON array of objects, detected from the first non-blank character and
// answered in the same form. Memory is bounded by the largest single record
// (`maxRecordBytes`), not by the body: the array form is split into elements
// by a small scanner that tracks strings and nesting depth, and each element
// is parsed on its own.

import { Transform, type TransformCallback } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { MeshgateError } from '../../errors/index.js'
import { applyPlan, compilePlan, type CompiledPlan } from './apply.js'
import type { AnonymizationPlan } from './combine.js'
import type { AnonymizeKeys } from './field-transforms.js'

export type RecordFormat = 'ndjson' | 'json-array'

export interface AnonymizeStreamOptions extends AnonymizeKeys {
  /** Forces a format; by default it is detected (`[` starts an array). */
  format?: RecordFormat
  /** Largest record accepted, in UTF-16 code units of its text; default 1 MiB. */
  maxRecordBytes?: number
}

const enum S { Start, AfterOpen, BeforeElement, InElement, End }

export class AnonymizeStream extends Transform {
  /** The detected (or forced) format; set once the first record is seen. */
  format: RecordFormat | undefined
  /** Records read and records written (after row filters). */
  recordsIn = 0
  recordsOut = 0
  private readonly plan: CompiledPlan
  private readonly max: number
  private readonly decoder = new StringDecoder('utf8')
  private pending = ''
  private state = S.Start
  private depth = 0
  private inString = false
  private escape = false
  private line = 1
  private wroteOpen = false

  constructor(plan: AnonymizationPlan, options: AnonymizeStreamOptions = {}) {
    super()
    this.plan = compilePlan(plan, options)
    this.max = options.maxRecordBytes ?? 1 << 20
    this.format = options.format
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk)
    try {
      const out = this.consume(text)
      if (out) this.push(out)
      cb()
    } catch (e) {
      cb(e as Error)
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      let out = this.consume(this.decoder.end())
      if (this.format === 'ndjson' || this.format === undefined) {
        if (this.pending.trim() !== '') out += this.record(this.pending)
        this.pending = ''
      } else {
        if (this.state !== S.End) throw this.fail('the JSON array is not closed')
        out += this.wroteOpen ? ']' : '[]'
      }
      if (out) this.push(out)
      cb()
    } catch (e) {
      cb(e as Error)
    }
  }

  private consume(text: string): string {
    if (text === '') return ''
    if (this.format === undefined) {
      const m = /\S/.exec(this.pending + text)
      if (!m) { this.pending += text; return '' }
      this.format = m[0] === '[' ? 'json-array' : 'ndjson'
    }
    return this.format === 'ndjson' ? this.ndjson(text) : this.array(text)
  }

  private ndjson(text: string): string {
    let out = ''
    let buf = this.pending + text
    let nl: number
    let from = 0
    while ((nl = buf.indexOf('\n', from)) !== -1) {
      const line = buf.slice(from, nl)
      if (line.trim() !== '') out += this.record(line)
      this.line++
      from = nl + 1
    }
    buf = buf.slice(from)
    if (buf.length > this.max) throw this.fail(`record is larger than ${this.max} bytes`)
    this.pending = buf
    return out
  }

  private array(text: string): string {
    let out = ''
    // The pending part of an element was scanned already: resume after it.
    const s = this.state === S.InElement ? this.pending + text : text
    let i = this.state === S.InElement ? this.pending.length : 0
    let start = 0
    this.pending = ''
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c === 10) this.line++
      if (this.state === S.InElement) {
        if (this.inString) {
          if (this.escape) this.escape = false
          else if (c === 92) this.escape = true
          else if (c === 34) this.inString = false
          continue
        }
        if (c === 34) this.inString = true
        else if (c === 123 || c === 91) this.depth++
        else if (c === 125 || c === 93) {
          if (this.depth > 0) this.depth--
          else if (c === 93) { // the array's own `]`
            out += this.element(s.slice(start, i))
            this.state = S.End
          } else throw this.fail(`record ${this.recordsIn + 1} is not valid JSON`)
        } else if (c === 44 && this.depth === 0) {
          out += this.element(s.slice(start, i))
          this.state = S.BeforeElement
        }
        continue
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue
      switch (this.state) {
        case S.Start:
          if (c !== 91) throw this.fail('expected a JSON array')
          this.state = S.AfterOpen
          break
        case S.AfterOpen:
        case S.BeforeElement:
          if (c === 93) {
            if (this.state === S.BeforeElement) throw this.fail('a JSON array element is missing after a comma')
            this.state = S.End
            break
          }
          start = i
          this.state = S.InElement
          this.depth = 0
          i-- // rescan this character as part of the element
          break
        default:
          throw this.fail('unexpected text after the JSON array')
      }
    }
    if (this.state === S.InElement) {
      this.pending = s.slice(start)
      if (this.pending.length > this.max) throw this.fail(`record is larger than ${this.max} bytes`)
    }
    return out
  }

  private element(text: string): string {
    if (text.length > this.max) throw this.fail(`record is larger than ${this.max} bytes`)
    const r = this.record(text)
    if (r === '') return ''
    const sep = this.wroteOpen ? ',' : '['
    this.wroteOpen = true
    return sep + r
  }

  /** Parses, applies and serializes one record; '' when a row filter withholds it. */
  private record(text: string): string {
    this.recordsIn++
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (e) {
      throw this.fail(`record ${this.recordsIn} is not valid JSON`, (e as Error).message)
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.fail(`record ${this.recordsIn} is not a JSON object`)
    }
    const out = applyPlan(this.plan, value as Record<string, unknown>)
    if (out === undefined) return ''
    this.recordsOut++
    const json = JSON.stringify(out)
    return this.format === 'ndjson' ? json + '\n' : json
  }

  private fail(message: string, cause?: string): MeshgateError {
    return new MeshgateError('anonymize_input_error', message, undefined, {
      record: this.recordsIn, line: this.line, format: this.format, ...(cause ? { cause } : {}),
    })
  }
}

/** A Transform from a JSON array or NDJSON body to the same form, with the plan applied. */
export function createAnonymizeStream(plan: AnonymizationPlan, options: AnonymizeStreamOptions = {}): AnonymizeStream {
  return new AnonymizeStream(plan, options)
}
