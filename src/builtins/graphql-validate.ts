// Validation for graphql.parse, parse_and_verify, is_valid and
// schema_is_valid. OPA validates with gqlparser's validator, whose rules are
// ports of graphql-js's and keep their messages, so the rules here are
// graphql-js's own. Documents given as ASTs (OPA's JSON shape) are printed
// back to GraphQL text for graphql-js to read.

import {
  Kind,
  buildASTSchema,
  parse as gqlParse,
  specifiedRules,
  GraphQLError,
  type ASTVisitor,
  type ValidationContext,
  type ValidationRule,
  validate,
  validateSchema,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql'
import { VALUE_KIND, type JsonObject } from './graphql-ast.js'

function printValue(v: any): string {
  switch (v?.Kind) {
    case VALUE_KIND.Variable:
      return `$${v.Raw}`
    case VALUE_KIND.String:
    case VALUE_KIND.Block:
      return JSON.stringify(String(v.Raw))
    case VALUE_KIND.List:
      return `[${(v.Children ?? []).map((c: any) => printValue(c.Value)).join(', ')}]`
    case VALUE_KIND.Object:
      return `{${(v.Children ?? []).map((c: any) => `${c.Name}: ${printValue(c.Value)}`).join(', ')}}`
    default:
      return String(v?.Raw ?? 'null')
  }
}

function printType(t: any): string {
  const base = t?.Elem !== undefined && t?.Elem !== null ? `[${printType(t.Elem)}]` : String(t?.NamedType ?? '')
  return t?.NonNull === true ? `${base}!` : base
}

const list = (x: any): any[] => (Array.isArray(x) ? x : [])
const printArgs = (args: any): string =>
  list(args).length === 0
    ? ''
    : `(${list(args)
        .map((a: any) => `${a.Name}: ${printValue(a.Value)}`)
        .join(', ')})`
const printDirectives = (ds: any): string =>
  list(ds)
    .map((d: any) => ` @${d.Name}${printArgs(d.Arguments)}`)
    .join('')
const printVarDefs = (vs: any): string =>
  list(vs).length === 0
    ? ''
    : `(${list(vs)
        .map(
          (v: any) => `$${v.Variable}: ${printType(v.Type)}${v.DefaultValue != null ? ` = ${printValue(v.DefaultValue)}` : ''}${printDirectives(v.Directives)}`,
        )
        .join(', ')})`

function printSelections(sel: any): string {
  if (list(sel).length === 0) return ''
  return ` { ${list(sel)
    .map((s: any) => {
      if (s.Alias === undefined && s.SelectionSet === undefined) return `...${s.Name}${printDirectives(s.Directives)}`
      if (s.Alias === undefined)
        return `...${s.TypeCondition ? ` on ${s.TypeCondition}` : ''}${printDirectives(s.Directives)}${printSelections(s.SelectionSet)}`
      return `${s.Alias !== s.Name ? `${s.Alias}: ` : ''}${s.Name}${printArgs(s.Arguments)}${printDirectives(s.Directives)}${printSelections(s.SelectionSet)}`
    })
    .join(' ')} }`
}

function printQuery(doc: any): string {
  const ops = list(doc?.Operations).map(
    (o: any) =>
      `${o.Operation ?? 'query'} ${o.Name ?? ''}${printVarDefs(o.VariableDefinitions)}${printDirectives(o.Directives)}${printSelections(o.SelectionSet)}`,
  )
  const frags = list(doc?.Fragments).map(
    (f: any) =>
      `fragment ${f.Name}${printVarDefs(f.VariableDefinition)} on ${f.TypeCondition}${printDirectives(f.Directives)}${printSelections(f.SelectionSet)}`,
  )
  return [...ops, ...frags].join('\n')
}

function printInputValue(f: any): string {
  return `${f.Name}: ${printType(f.Type)}${f.DefaultValue != null ? ` = ${printValue(f.DefaultValue)}` : ''}${printDirectives(f.Directives)}`
}

function printDefinition(d: any, prefix: string): string {
  const kw =
    ({ SCALAR: 'scalar', OBJECT: 'type', INTERFACE: 'interface', UNION: 'union', ENUM: 'enum', INPUT_OBJECT: 'input' } as Record<string, string>)[d.Kind] ??
    'type'
  let out = `${prefix}${kw} ${d.Name}`
  if (list(d.Interfaces).length > 0) out += ` implements ${list(d.Interfaces).join(' & ')}`
  out += printDirectives(d.Directives)
  if (d.Kind === 'UNION' && list(d.Types).length > 0) out += ` = ${list(d.Types).join(' | ')}`
  if (d.Kind === 'ENUM' && list(d.EnumValues).length > 0)
    out += ` { ${list(d.EnumValues)
      .map((v: any) => `${v.Name}${printDirectives(v.Directives)}`)
      .join(' ')} }`
  if ((d.Kind === 'OBJECT' || d.Kind === 'INTERFACE') && list(d.Fields).length > 0) {
    out += ` { ${list(d.Fields)
      .map(
        (f: any) =>
          `${f.Name}${list(f.Arguments).length > 0 ? `(${list(f.Arguments).map(printInputValue).join(', ')})` : ''}: ${printType(f.Type)}${printDirectives(f.Directives)}`,
      )
      .join(' ')} }`
  }
  if (d.Kind === 'INPUT_OBJECT' && list(d.Fields).length > 0) out += ` { ${list(d.Fields).map(printInputValue).join(' ')} }`
  return out
}

/**
 * Schema text for graphql-js. gqlparser accepts extensions of types that are
 * never defined (it creates the type), which graphql-js rejects, so the first
 * extension of an undefined type is printed as its definition.
 */
function printSchema(doc: any): string {
  const out: string[] = []
  const defined = new Set(list(doc?.Definitions).map((d: any) => d.Name))
  for (const d of list(doc?.Definitions)) out.push(printDefinition(d, ''))
  for (const d of list(doc?.Extensions)) {
    out.push(printDefinition(d, defined.has(d.Name) ? 'extend ' : ''))
    defined.add(d.Name)
  }
  const schemaBody = (s: any, prefix: string) =>
    `${prefix}schema${printDirectives(s.Directives)}${
      list(s.OperationTypes).length > 0
        ? ` { ${list(s.OperationTypes)
            .map((o: any) => `${o.Operation}: ${o.Type}`)
            .join(' ')} }`
        : ''
    }`
  for (const s of list(doc?.Schema)) out.push(schemaBody(s, ''))
  for (const s of list(doc?.SchemaExtension)) out.push(schemaBody(s, 'extend '))
  for (const d of list(doc?.Directives)) {
    out.push(
      `directive @${d.Name}${list(d.Arguments).length > 0 ? `(${list(d.Arguments).map(printInputValue).join(', ')})` : ''}${d.IsRepeatable === true ? ' repeatable' : ''} on ${list(d.Locations).join(' | ')}`,
    )
  }
  return out.join('\n')
}

/** A validation problem with the position OPA prints after the message. */
export class GqlProblem extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message)
  }
}

function gqlErrorProblem(err: GraphQLError): GqlProblem {
  const loc = err.locations?.[0]
  return new GqlProblem(err.message.replace(/\.$/, ''), loc?.line, loc?.column)
}

/** Parses printed text; a failure means the AST given was not one gqlparser could produce. */
function reparse(text: string): DocumentNode {
  try {
    return gqlParse(text, { allowLegacyFragmentVariables: true })
  } catch (e) {
    throw new GqlProblem((e as GraphQLError).message.replace(/^Syntax Error: /, ''))
  }
}

/** A query given as an AST, as a graphql-js document; an empty AST has no definitions. */
export const queryFromAst = (ast: JsonObject): DocumentNode =>
  Object.keys(ast).length === 0 ? { kind: Kind.DOCUMENT, definitions: [] } : reparse(printQuery(ast))

/** Builds a graphql-js schema from OPA's schema AST; gqlparser does not insist on a Query type. */
export function buildSchema(ast: JsonObject): GraphQLSchema {
  const doc = reparse(printSchema(ast))
  let built: GraphQLSchema
  try {
    built = buildASTSchema(doc, { assumeValid: true })
  } catch (e) {
    throw new GqlProblem((e as Error).message.replace(/\.$/, ''))
  }
  const [problem] = validateSchema(built).filter((e) => !/Query root type must be provided/.test(e.message))
  if (problem) throw gqlErrorProblem(problem)
  return built
}

/**
 * gqlparser's KnownRootType: an operation whose root type the schema lacks
 * is an error (graphql-js 16 has no such rule, and gqlparser, unlike
 * graphql-js, accepts a schema without a Query type). It is checked as each
 * operation is entered, before the rules that look inside it.
 */
function knownRootType(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (!context.getSchema().getRootType(node.operation))
        context.reportError(new GraphQLError(`Schema does not support operation type "${node.operation}"`, { nodes: node }))
    },
  }
}

const RULES: readonly ValidationRule[] = [knownRootType, ...specifiedRules]

/** Throws the first rule violation of `query` against `schema`. */
export function verifyQuery(schema: GraphQLSchema, query: DocumentNode): void {
  if (query.definitions.length === 0) return
  const [error] = validate(schema, query, RULES)
  if (error) throw gqlErrorProblem(error)
}
