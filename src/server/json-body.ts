// JSON request bodies (and the Data API's `?input=`): a nesting limit checked
// on the text before it is parsed, then the parse; for the anonymize stream,
// checked on the bytes as they go by to the record parser. Everything downstream of a
// request walks values recursively (the decision cache's JSON.stringify, the
// wasm value model, ajv, the schema walkers), and V8 overflows its stack
// somewhere past a few thousand levels; a single bound at the edge keeps all
// of them safe and turns deep input into a clear 400 instead of a 500.

import { Transform } from 'node:stream'
import { MeshgateError } from '../errors/index.js'

/**
 * Deepest nesting of arrays and objects a JSON body may have, the body's own
 * object counting as 1 (`{"input": {"a": []}}` is 3 deep). Real decision
 * inputs are a handful of levels; 128 leaves room for nested claims, request
 * headers and JSON Schemas while staying far below the depth where any
 * recursive walker in the pipeline fails. docs/http-api.md documents it.
 */
export const MAX_JSON_DEPTH = 128

/**
 * Tracks the nesting of JSON text fed to it in pieces (strings or UTF-8
 * bytes: the characters it looks at are ASCII, which never occur inside a
 * multi-byte UTF-8 sequence). No recursion, no buffering; brackets inside
 * strings (escapes included) do not count. Malformed text is left for the
 * parser to report.
 */
export class NestingScanner {
  private depth = 0
  private inString = false
  private escaped = false

  constructor(readonly max: number = MAX_JSON_DEPTH) {}

  /** False once the text so far has nested deeper than `max`. */
  feed(chunk: string | Uint8Array): boolean {
    const text = typeof chunk === 'string'
    for (let i = 0; i < chunk.length; i++) {
      const c = text ? (chunk as string).charCodeAt(i) : (chunk as Uint8Array)[i]!
      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (c === 0x5c /* \ */) this.escaped = true
        else if (c === 0x22 /* " */) this.inString = false
      } else if (c === 0x22) this.inString = true
      else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        if (++this.depth > this.max) return false
      } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) this.depth--
    }
    return true
  }
}

/** True when the JSON text nests deeper than `max`. */
export function nestedTooDeep(text: string, max: number = MAX_JSON_DEPTH): boolean {
  return !new NestingScanner(max).feed(text)
}

/** Throws `request_invalid` when `text` nests deeper than MAX_JSON_DEPTH; `what` names it (`the request body`). */
export function checkJsonDepth(text: string, what: string): void {
  if (nestedTooDeep(text)) throw tooDeep(what)
}

function tooDeep(what: string): MeshgateError {
  return new MeshgateError('request_invalid', `${what} is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`, undefined, [
    { path: '', message: `nests deeper than ${MAX_JSON_DEPTH}` },
  ])
}

/**
 * A pass-through stream for bodies that are parsed as they arrive (the
 * anonymize stream's records): the same nesting limit, checked on the bytes
 * going by; past it the stream fails with `request_invalid`.
 */
export function nestingGuard(): Transform {
  const scanner = new NestingScanner()
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!scanner.feed(chunk)) return done(tooDeep('the request body'))
      done(null, chunk)
    },
  })
}

type Done = (err: Error | null, body?: unknown) => void
type StringParser<R> = (req: R, body: string, done: Done) => void

/**
 * Wraps a fastify string body parser (fastify's own secure JSON parser, or
 * the Data API's) so the nesting limit is checked before it runs.
 */
export function depthLimited<R>(parse: StringParser<R>): StringParser<R> {
  return (req, body, done) => {
    try {
      checkJsonDepth(body, 'the request body')
    } catch (e) {
      return done(e as Error)
    }
    parse(req, body, done)
  }
}
