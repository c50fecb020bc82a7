// GraphQL documents parsed the way OPA's graphql.* built-ins parse them.
// OPA uses vektah/gqlparser, whose grammar and error wording differ from
// graphql-js's in a few places; this file runs graphql-js's parser with those
// productions adjusted (GqlparserGrammar) and reports the first syntax error as
// gqlparser does: its message, and its line and column counted in code points.
// graphql-ast.ts turns the resulting document into gqlparser's JSON shape.
//
// The Parser class is graphql-js's extension point for grammar variants
// ("exported only to assist people in implementing their own parsers"); it
// is internal API, versioned with graphql-js 16, so a graphql upgrade has to
// pass test/builtins/graphql-syntax.test.ts.

import { GraphQLError, Kind, TokenKind, type DocumentNode, type Token } from 'graphql'
import { Parser } from 'graphql/language/parser.js'
import { SourcePositions, asGqlparserLexes, goQuote, lexableEnd, skipIgnored, type Position } from './graphql-lexemes.js'
import type {
  ArgumentNode,
  ConstArgumentNode,
  ConstDirectiveNode,
  DefinitionNode,
  InputObjectTypeExtensionNode,
  InterfaceTypeExtensionNode,
  NameNode,
  OperationTypeNode,
  SchemaDefinitionNode,
  ValueNode,
  VariableDefinitionNode,
} from 'graphql'

/** A syntax error as gqlparser reports it; `line` and `col` are 1-based, col in code points. */
export class GqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message)
  }
}

/** Which of gqlparser's entry points: ParseQuery or ParseSchema. */
export type DocumentMode = 'query' | 'schema'

const VALUE_KINDS = new Set<string>([TokenKind.NAME, TokenKind.INT, TokenKind.FLOAT, TokenKind.STRING, TokenKind.BLOCK_STRING])
const OPERATION_TYPES = new Set(['query', 'mutation', 'subscription'])
const TYPE_KEYWORDS = new Set(['scalar', 'type', 'interface', 'union', 'enum', 'input'])

/**
 * graphql-js's parser with gqlparser's grammar. Each override notes the
 * gqlparser behaviour it reproduces; everything else is graphql-js's.
 */
class GqlparserGrammar extends Parser {
  constructor(
    private readonly src: string,
    private readonly mode: DocumentMode,
    /** Set when the source was cut before a token gqlparser lexes as <Invalid>: where that token is. */
    private readonly invalidAt?: Position,
  ) {
    super(src, { allowLegacyFragmentVariables: true })
  }

  // --- errors in gqlparser's words ---

  private describeKind(kind: TokenKind): string {
    return kind === TokenKind.EOF && this.invalidAt ? '<Invalid>' : kind
  }

  private describe(t: Token): string {
    if (VALUE_KINDS.has(t.kind) && t.value !== '') return `${t.kind} ${goQuote(t.value)}`
    return this.describeKind(t.kind)
  }

  private errorAt(t: Token, message: string): GqlSyntaxError {
    const at = t.kind === TokenKind.EOF && this.invalidAt ? this.invalidAt : new SourcePositions(this.src).token(t)
    return new GqlSyntaxError(message, at.line, at.col)
  }

  override unexpected(atToken?: Token | null): GraphQLError {
    const t = atToken ?? this._lexer.token
    // graphql-js's callers `throw` what this returns.
    return this.errorAt(t, `Unexpected ${this.describe(t)}`) as unknown as GraphQLError
  }

  override expectToken(kind: TokenKind): Token {
    const t = this._lexer.token
    if (t.kind !== kind) throw this.errorAt(t, `Expected ${kind}, found ${this.describeKind(t.kind)}`)
    return super.expectToken(kind)
  }

  override expectKeyword(value: string): void {
    const t = this._lexer.token
    if (t.kind !== TokenKind.NAME || t.value !== value) throw this.errorAt(t, `Expected ${goQuote(value)}, found ${this.describe(t)}`)
    super.expectKeyword(value)
  }

  // gqlparser recognises an inline fragment's `on` and a type's `implements`
  // by the token's value, whatever its kind (a string "on" will do);
  // `repeatable` it recognises only as a name, as graphql-js does.
  override expectOptionalKeyword(value: string): boolean {
    const t = this._lexer.token
    if ((value !== 'on' && value !== 'implements') || t.value !== value) return super.expectOptionalKeyword(value)
    this.advanceLexer()
    return true
  }

  // gqlparser's `some`: a delimited list that is present must hold at least
  // one item. graphql-js's many/optionalMany would report the closing token
  // as an unexpected item instead.
  override optionalMany<T>(openKind: TokenKind, parseFn: () => T, closeKind: TokenKind): T[] {
    if (!this.peek(openKind)) return []
    return this.many(openKind, parseFn, closeKind)
  }

  override many<T>(openKind: TokenKind, parseFn: () => T, closeKind: TokenKind): T[] {
    this.expectToken(openKind)
    const t = this._lexer.token
    if (t.kind === closeKind) throw this.errorAt(t, `expected at least one definition, found ${this.describeKind(t.kind)}`)
    const nodes: T[] = []
    do nodes.push(parseFn.call(this))
    while (!this.expectOptionalToken(closeKind))
    return nodes
  }

  /** gqlparser's `many`: zero or more items; `()` is an empty list. */
  private zeroOrMore<T>(openKind: TokenKind, parseFn: () => T, closeKind: TokenKind): T[] {
    if (!this.expectOptionalToken(openKind)) return []
    const nodes: T[] = []
    while (!this.expectOptionalToken(closeKind)) nodes.push(parseFn.call(this))
    return nodes
  }

  // --- documents ---

  // gqlparser accepts a document with no definitions.
  override parseDocument(): DocumentNode {
    const start = this._lexer.token
    this.expectToken(TokenKind.SOF)
    const definitions: DefinitionNode[] = []
    while (!this.expectOptionalToken(TokenKind.EOF)) definitions.push(this.parseDefinition())
    return this.node<DocumentNode>(start, { kind: Kind.DOCUMENT, definitions })
  }

  // ParseQuery reads only operations and fragments, ParseSchema only type
  // system definitions; neither takes descriptions on anything else, and a
  // description before `extend` is reported at the description.
  override parseDefinition(): DefinitionNode {
    const t = this._lexer.token
    if (this.mode === 'query') {
      if (t.kind === TokenKind.BRACE_L || (t.kind === TokenKind.NAME && OPERATION_TYPES.has(t.value))) return this.parseOperationDefinition()
      if (t.kind === TokenKind.NAME && t.value === 'fragment') return this.parseFragmentDefinition()
      throw this.unexpected(t)
    }
    const described = this.peekDescription()
    const keyword = described ? this._lexer.lookahead() : t
    if (keyword.kind === TokenKind.NAME) {
      if (TYPE_KEYWORDS.has(keyword.value) || keyword.value === 'schema' || keyword.value === 'directive') return super.parseDefinition()
      if (keyword.value === 'extend') {
        if (described) throw this.unexpected(t)
        return this.parseTypeSystemExtension()
      }
    }
    throw this.unexpected(keyword)
  }

  // gqlparser reads the operation type by value, whatever the token's kind.
  override parseOperationType(): OperationTypeNode {
    const t = this._lexer.token
    this.advanceLexer()
    if (OPERATION_TYPES.has(t.value)) return t.value as OperationTypeNode
    throw this.unexpected(t)
  }

  // A schema definition's operation types are optional in gqlparser.
  override parseSchemaDefinition(): SchemaDefinitionNode {
    const start = this._lexer.token
    const description = this.parseDescription()
    this.expectKeyword('schema')
    const directives = this.parseConstDirectives()
    const operationTypes = this.optionalMany(TokenKind.BRACE_L, this.parseOperationTypeDefinition, TokenKind.BRACE_R)
    return this.node<SchemaDefinitionNode>(start, { kind: Kind.SCHEMA_DEFINITION, description, directives, operationTypes })
  }

  // --- operations ---

  // Empty `()` is no variables, and a variable takes no description and
  // directives whose arguments may be variables.
  override parseVariableDefinitions(): VariableDefinitionNode[] {
    return this.zeroOrMore(TokenKind.PAREN_L, this.parseVariableDefinition, TokenKind.PAREN_R)
  }

  override parseVariableDefinition(): VariableDefinitionNode {
    const start = this._lexer.token
    const variable = this.parseVariable()
    this.expectToken(TokenKind.COLON)
    const type = this.parseTypeReference()
    const defaultValue = this.expectOptionalToken(TokenKind.EQUALS) ? this.parseConstValueLiteral() : undefined
    const directives = this.parseDirectives(false) as ConstDirectiveNode[]
    return this.node<VariableDefinitionNode>(start, { kind: Kind.VARIABLE_DEFINITION, variable, type, defaultValue, directives })
  }

  // Empty `()` is no arguments.
  override parseArguments(isConst: true): ConstArgumentNode[]
  override parseArguments(isConst: boolean): ArgumentNode[]
  override parseArguments(isConst: boolean): ArgumentNode[] {
    return this.zeroOrMore(TokenKind.PAREN_L, isConst ? this.parseConstArgument : this.parseArgument, TokenKind.PAREN_R)
  }

  // A variable in a constant value is an unexpected `$`.
  override parseValueLiteral(isConst: true): never
  override parseValueLiteral(isConst: boolean): ValueNode
  override parseValueLiteral(isConst: boolean): ValueNode {
    if (isConst && this.peek(TokenKind.DOLLAR)) throw this.unexpected()
    return super.parseValueLiteral(isConst)
  }

  // --- type system ---

  // true, false and null are plain names for enum values in gqlparser.
  override parseEnumValueName(): NameNode {
    return this.parseName()
  }

  // gqlparser's interface extensions take no `implements`.
  override parseInterfaceTypeExtension(): InterfaceTypeExtensionNode {
    const start = this._lexer.token
    this.expectKeyword('extend')
    this.expectKeyword('interface')
    const name = this.parseName()
    const directives = this.parseConstDirectives()
    const fields = this.parseFieldsDefinition()
    if (directives.length === 0 && fields.length === 0) throw this.unexpected()
    return this.node<InterfaceTypeExtensionNode>(start, { kind: Kind.INTERFACE_TYPE_EXTENSION, name, interfaces: [], directives, fields })
  }

  // gqlparser reads an input extension's directives as non-constant.
  override parseInputObjectTypeExtension(): InputObjectTypeExtensionNode {
    const start = this._lexer.token
    this.expectKeyword('extend')
    this.expectKeyword('input')
    const name = this.parseName()
    const directives = this.parseDirectives(false) as ConstDirectiveNode[]
    const fields = this.parseInputFieldsDefinition()
    if (directives.length === 0 && fields.length === 0) throw this.unexpected()
    return this.node<InputObjectTypeExtensionNode>(start, { kind: Kind.INPUT_OBJECT_TYPE_EXTENSION, name, directives, fields })
  }
}

const COMPLETE_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/

/**
 * Parses `src` as gqlparser's ParseQuery or ParseSchema would, into a
 * graphql-js document; throws the first error as a GqlSyntaxError.
 */
export function parseDocument(text: string, mode: DocumentMode): DocumentNode {
  const src = asGqlparserLexes(text)
  try {
    return new GqlparserGrammar(src, mode).parseDocument()
  } catch (e) {
    if (!(e instanceof GraphQLError)) throw e
    // Only graphql-js's lexer still throws GraphQLErrors. gqlparser lexes a
    // bad token as <Invalid> placed where lexing stopped, and its parser then
    // rejects that token wherever it stands. Cutting the source before the
    // token and reading the end of input as <Invalid> gives that error, or an
    // earlier one.
    const offset = e.positions?.[0] ?? src.length
    let cut = lexableEnd(src)
    // A number followed by `.` or a name start: graphql-js rejects the
    // number, gqlparser reads it and lexes on from that character (a lone `.`
    // is then its <Invalid>; a name or `...` is a token to gqlparser, the one
    // divergence left, recorded in the tests).
    const badToken = skipIgnored(src, cut)
    if (COMPLETE_NUMBER.test(src.slice(badToken, offset)) && /[._A-Za-z]/.test(src.charAt(offset))) cut = offset
    const at = new SourcePositions(src).at(offset)
    // gqlparser reports a bad escape one column after its backslash.
    const escape = src.charAt(badToken) === '"' && src.charAt(offset) === '\\'
    const invalidAt = { line: at.line, col: escape ? at.col + 1 : at.col }
    new GqlparserGrammar(src.slice(0, cut), mode, invalidAt).parseDocument()
    throw new GqlSyntaxError('Unexpected <Invalid>', invalidAt.line, invalidAt.col)
  }
}
