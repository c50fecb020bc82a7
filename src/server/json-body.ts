// JSON request bodies (and the Data API's `?input=`): a nesting limit checked
// on the text before it is parsed, then the parse. Everything downstream of a
// request walks values recursively (the decision cache's JSON.stringify, the
// wasm value model, ajv, the schema walkers), and V8 overflows its stack
// somewhere past a few thousand levels; a single bound at the edge keeps all
// of them safe and turns deep input into a clear 400 instead of a 500.

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
 * The depth of the JSON text's nesting when it goes past `max`, else
 * undefined. One pass over the characters, no recursion, no allocation;
 * brackets inside strings (escapes included) do not count. Malformed text
 * is left for the parser to report.
 */
export function depthPastLimit(text: string, max: number = MAX_JSON_DEPTH): number | undefined {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c /* \ */) i++
      else if (c === 0x22 /* " */) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return depth
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--
  }
  return undefined
}

/** Throws `request_invalid` when `text` nests deeper than MAX_JSON_DEPTH; `what` names it (`the request body`). */
export function checkJsonDepth(text: string, what: string): void {
  if (depthPastLimit(text) !== undefined) {
    throw new MeshgateError('request_invalid', `${what} is nested deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`, undefined,
      [{ path: '', message: `nests deeper than ${MAX_JSON_DEPTH}` }])
  }
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
