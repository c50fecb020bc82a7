// A streaming Transform for record bodies: NDJSON (one object per line) or a
// JSON array of objects, detected from the first non-blank character and
// answered in the same form. Memory is bounded by the largest single record
// (`maxRecordBytes`), not by the body, and the work is linear in the body:
//
//   - format detection looks at a bounded prefix (`DETECT_WINDOW`); blanks
//     before the first record are counted, never kept;
//   - each character is examined once: a chunk is scanned from where the
//     previous one stopped, never together with what came before, and an
//     unfinished record is kept as the list of chunk slices it spans, joined
//     once when it ends (appending to a string and rescanning it would make
//     a record that arrives in many small chunks quadratic);
//   - blank lines, and the blanks that start a line, are skipped, not kept;
//   - a record longer than `maxRecordBytes` is an error as soon as it is
//     seen to be, whether it ends in this chunk or not.
//
// The array form is split into elements by a small scanner that tracks
// strings and nesting depth; each element is parsed on its own.
// `scannedChars` and `maxPendingChars` count that work, so tests can check
// the bounds by counting rather than by timing.

import { Transform, type TransformCallback } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { MeshgateError } from '../../errors/index.js'
import { compilePlan, type CompiledPlan } from './apply.js'
import type { AnonymizationPlan } from './combine.js'
import type { AnonymizeKeys } from './field-transforms.js'

export type RecordFormat = 'ndjson' | 'json-array'

export interface AnonymizeStreamOptions extends AnonymizeKeys {
  /** Forces a format; by default it is detected (`[` starts an array). */
  format?: RecordFormat
  /** Largest record accepted, in UTF-16 code units of its text; default 1 MiB. */
  maxRecordBytes?: number
  /**
   * The plan already compiled for these keys (from a `CompiledPlans` cache),
   * so a request does not compile it again; by default it is compiled here.
   */
  compiled?: CompiledPlan
}

/** How far into the body the first record must start when the format is detected. */
export const DETECT_WINDOW = 64 * 1024

const enum S {
  Start,
  AfterOpen,
  BeforeElement,
  InElement,
  End,
}

/** JSON's four whitespace characters: space, \n, \r, \t. */
const isBlank = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9

export class AnonymizeStream extends Transform {
  /** The detected (or forced) format; set once the first record is seen. */
  format: RecordFormat | undefined
  /** Records read and records written (after row filters). */
  recordsIn = 0
  recordsOut = 0
  /** Characters the record splitter has examined: each body character once. */
  scannedChars = 0
  /** The most characters held at once for an unfinished record; at most `maxRecordBytes`. */
  maxPendingChars = 0
  private readonly plan: CompiledPlan
  private readonly max: number
  private readonly decoder = new StringDecoder('utf8')
  /** The unfinished record, as slices of the chunks it spans. */
  private parts: string[] = []
  private pendingChars = 0
  /** Blank characters before the first record, while the format is not known. */
  private leadingBlanks = 0
  private state = S.Start
  private depth = 0
  private inString = false
  private escape = false
  private line = 1
  private wroteOpen = false

  constructor(plan: AnonymizationPlan, options: AnonymizeStreamOptions = {}) {
    super()
    this.plan = options.compiled ?? compilePlan(plan, options)
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
      if (this.format === 'json-array') {
        if (this.state !== S.End) throw this.fail('the JSON array is not closed')
        out += this.wroteOpen ? ']' : '[]'
      } else if (this.pendingChars > 0) {
        out += this.record(this.joinRecord(''))
      }
      if (out) this.push(out)
      cb()
    } catch (e) {
      cb(e as Error)
    }
  }

  private consume(text: string): string {
    if (text === '') return ''
    let from = 0
    if (this.format === undefined) {
      const limit = Math.min(text.length, DETECT_WINDOW - this.leadingBlanks)
      let c = 0
      while (from < limit && isBlank((c = text.charCodeAt(from)))) {
        if (c === 10) this.line++
        from++
      }
      this.scannedChars += from
      this.leadingBlanks += from
      if (from === text.length) return ''
      if (from === limit) throw this.fail(`no record in the first ${DETECT_WINDOW} characters of the body`)
      this.format = text.charCodeAt(from) === 91 ? 'json-array' : 'ndjson'
    }
    return this.format === 'ndjson' ? this.ndjson(text, from) : this.array(text, from)
  }

  private ndjson(text: string, from: number): string {
    let out = ''
    const n = text.length
    let i = from
    while (i < n) {
      if (this.pendingChars === 0) {
        let c = 0
        while (i < n && isBlank((c = text.charCodeAt(i)))) {
          if (c === 10) this.line++
          i++
        }
        if (i === n) break
      }
      const nl = text.indexOf('\n', i)
      const end = nl === -1 ? n : nl
      if (this.pendingChars + (end - i) > this.max) throw this.tooLarge()
      if (nl === -1) {
        this.hold(text.slice(i))
        break
      }
      out += this.record(this.joinRecord(text.slice(i, nl)))
      this.line++
      i = nl + 1
    }
    this.scannedChars += n - from
    return out
  }

  private array(text: string, from: number): string {
    let out = ''
    const n = text.length
    // Where the current element starts in this chunk (0: it began in an earlier one).
    let start = 0
    for (let i = from; i < n; i++) {
      const c = text.charCodeAt(i)
      if (c === 10) this.line++
      if (this.state !== S.InElement) {
        if (isBlank(c)) continue
        switch (this.state) {
          case S.Start:
            if (c !== 91) throw this.fail('expected a JSON array')
            this.state = S.AfterOpen
            continue
          case S.AfterOpen:
          case S.BeforeElement:
            if (c === 93) {
              if (this.state === S.BeforeElement) throw this.fail('a JSON array element is missing after a comma')
              this.state = S.End
              continue
            }
            start = i
            this.state = S.InElement
            this.depth = 0
            break // this character is the element's first: scan it below
          default:
            throw this.fail('unexpected text after the JSON array')
        }
      }
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
        else if (c === 93) {
          // the array's own `]`
          out += this.element(text, start, i)
          this.state = S.End
        } else throw this.fail(`record ${this.recordsIn + 1} is not valid JSON`)
      } else if (c === 44 && this.depth === 0) {
        out += this.element(text, start, i)
        this.state = S.BeforeElement
      }
    }
    if (this.state === S.InElement) this.hold(text.slice(start))
    this.scannedChars += n - from
    return out
  }

  private element(text: string, start: number, end: number): string {
    if (this.pendingChars + (end - start) > this.max) throw this.tooLarge()
    const r = this.record(this.joinRecord(text.slice(start, end)))
    if (r === '') return ''
    const sep = this.wroteOpen ? ',' : '['
    this.wroteOpen = true
    return sep + r
  }

  /** Keeps part of an unfinished record. */
  private hold(s: string): void {
    if (s === '') return
    this.pendingChars += s.length
    if (this.pendingChars > this.max) throw this.tooLarge()
    this.parts.push(s)
    if (this.pendingChars > this.maxPendingChars) this.maxPendingChars = this.pendingChars
  }

  /** The whole text of the record that `last` ends; the pending parts are released. */
  private joinRecord(last: string): string {
    if (this.parts.length === 0) return last
    this.parts.push(last)
    const text = this.parts.join('')
    this.parts = []
    this.pendingChars = 0
    return text
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
    let json: string
    try {
      // The parsed record is ours alone: the plan may write into it.
      const out = this.plan.serialize(value as Record<string, unknown>)
      if (out === undefined) return ''
      json = out
    } catch (e) {
      // JSON.parse takes any nesting, but walking the record and
      // JSON.stringify recurse: a record nested deep enough to exhaust the
      // stack is bad input (400), not a server fault. Nothing of it is sent.
      if (e instanceof RangeError) throw this.fail(`record ${this.recordsIn} is nested too deeply`)
      throw e
    }
    this.recordsOut++
    return this.format === 'ndjson' ? json + '\n' : json
  }

  private tooLarge(): MeshgateError {
    return this.fail(`record ${this.recordsIn + 1} is larger than ${this.max} bytes`)
  }

  private fail(message: string, cause?: string): MeshgateError {
    return new MeshgateError('anonymize_input_error', message, undefined, {
      record: this.recordsIn,
      line: this.line,
      format: this.format,
      ...(cause ? { cause } : {}),
    })
  }
}

/** A Transform from a JSON array or NDJSON body to the same form, with the plan applied. */
export function createAnonymizeStream(plan: AnonymizationPlan, options: AnonymizeStreamOptions = {}): AnonymizeStream {
  return new AnonymizeStream(plan, options)
}
