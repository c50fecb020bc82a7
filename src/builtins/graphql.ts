// graphql.* host built-ins. OPA parses GraphQL with gqlparser and hands the
// policy gqlparser's AST as JSON, reporting gqlparser's messages with
// "in GraphQL string at location row:col". Parsing is graphql-js's parser
// with gqlparser's grammar and messages (graphql-syntax.ts), converted to
// OPA's JSON (graphql-ast.ts); validation is graphql-js's rules
// (graphql-validate.ts).

import type { DocumentNode } from 'graphql'
import { queryDocument, schemaDocument, type JsonObject } from './graphql-ast.js'
import { GqlSyntaxError, parseDocument } from './graphql-syntax.js'
import { GqlProblem, buildSchema, queryFromAst, verifyQuery } from './graphql-validate.js'
import { BuiltinError, type HostImpl } from './types.js'

function problemText(e: unknown): string {
  if (e instanceof GqlSyntaxError || e instanceof GqlProblem) {
    return e.line !== undefined ? `${e.message} in GraphQL string at location ${e.line}:${e.col}` : e.message
  }
  return e instanceof Error ? e.message : String(e)
}

function fail(name: string, e: unknown): never {
  if (e instanceof BuiltinError) throw e
  throw new BuiltinError(name, problemText(e))
}

/** gqlparser's ParseQuery: the query document in OPA's JSON shape. */
export function parseQuery(src: string): JsonObject {
  return queryDocument(parseDocument(src, 'query'))
}

/** gqlparser's ParseSchema: the schema document in OPA's JSON shape. */
export function parseSchema(src: string): JsonObject {
  return schemaDocument(parseDocument(src, 'schema'))
}

const isObject = (x: unknown): x is JsonObject => x !== null && typeof x === 'object' && !Array.isArray(x)

/** A query operand (text or AST) as OPA's AST and a graphql-js document for validation. */
function loadQuery(name: string, q: unknown): { ast: JsonObject; doc: DocumentNode } {
  if (typeof q === 'string') {
    const doc = parseDocument(q, 'query')
    return { ast: queryDocument(doc), doc }
  }
  if (isObject(q)) return { ast: q, doc: queryFromAst(q) }
  throw new BuiltinError(name, 'operand 1 must be one of {object, string}', 'eval_type_error')
}

function loadSchema(name: string, s: unknown, operand = 2): JsonObject {
  if (typeof s === 'string') return parseSchema(s)
  if (isObject(s)) return s
  throw new BuiltinError(name, `operand ${operand} must be one of {object, string}`, 'eval_type_error')
}

/** Parses and validates; throws a GqlProblem/GqlSyntaxError or BuiltinError. */
function parseAndValidate(name: string, q: unknown, s: unknown): [JsonObject, JsonObject] {
  const query = loadQuery(name, q)
  const schema = loadSchema(name, s)
  verifyQuery(buildSchema(schema), query.doc)
  return [query.ast, schema]
}

export const impls: Record<string, HostImpl> = {
  'graphql.parse_query': (q: unknown) => {
    if (typeof q !== 'string') throw new BuiltinError('graphql.parse_query', 'operand 1 must be string', 'eval_type_error')
    try {
      return parseQuery(q)
    } catch (e) {
      fail('graphql.parse_query', e)
    }
  },
  'graphql.parse_schema': (s: unknown) => {
    if (typeof s !== 'string') throw new BuiltinError('graphql.parse_schema', 'operand 1 must be string', 'eval_type_error')
    try {
      return parseSchema(s)
    } catch (e) {
      fail('graphql.parse_schema', e)
    }
  },
  'graphql.parse': (q: unknown, s: unknown) => {
    try {
      return parseAndValidate('graphql.parse', q, s)
    } catch (e) {
      fail('graphql.parse', e)
    }
  },
  'graphql.parse_and_verify': (q: unknown, s: unknown) => {
    try {
      const [query, schema] = parseAndValidate('graphql.parse_and_verify', q, s)
      return [true, query, schema]
    } catch (e) {
      if (e instanceof BuiltinError) throw e
      return [false, {}, {}]
    }
  },
  'graphql.is_valid': (q: unknown, s: unknown) => {
    try {
      parseAndValidate('graphql.is_valid', q, s)
      return true
    } catch (e) {
      if (e instanceof BuiltinError) throw e
      return false
    }
  },
  'graphql.schema_is_valid': (s: unknown) => {
    try {
      buildSchema(loadSchema('graphql.schema_is_valid', s, 1))
      return true
    } catch (e) {
      if (e instanceof BuiltinError) throw e
      return false
    }
  },
}
