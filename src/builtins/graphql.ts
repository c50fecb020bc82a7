// graphql.* host built-ins. OPA parses GraphQL with gqlparser and hands the
// policy gqlparser's AST as JSON (Go field names, empty fields pruned), and
// reports gqlparser's parse messages. So parsing here is a small parser that
// follows gqlparser's grammar walk and error wording; validation is delegated
// to graphql-js, whose rule messages match gqlparser's for the common rules.

import { buildASTSchema, parse as gqlParse, specifiedRules, validate, validateSchema, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql'
import { BuiltinError, type HostImpl } from './types.js'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type JsonObject = { [k: string]: Json }

// ---------------------------------------------------------------------------
// Lexer: positions are 1-based line and column counted in code points, as
// gqlparser counts runes.

type Kind =
  | '<Invalid>'
  | '<EOF>'
  | '!'
  | '$'
  | '&'
  | '('
  | ')'
  | '...'
  | ':'
  | '='
  | '@'
  | '['
  | ']'
  | '{'
  | '}'
  | '|'
  | 'Name'
  | 'Int'
  | 'Float'
  | 'String'
  | 'BlockString'

interface Token {
  kind: Kind
  value: string
  line: number
  col: number
}

class GqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message)
  }
}

const PUNCT: Record<string, Kind> = {
  '!': '!',
  $: '$',
  '&': '&',
  '(': '(',
  ')': ')',
  ':': ':',
  '=': '=',
  '@': '@',
  '[': '[',
  ']': ']',
  '{': '{',
  '}': '}',
  '|': '|',
}

class Lexer {
  private pos = 0 // UTF-16 index
  private runes = 0 // code points consumed
  private line = 1
  private lineStart = 0 // rune offset of the current line's start
  constructor(private readonly src: string) {}

  private tok(kind: Kind, value: string, startRunes: number): Token {
    return { kind, value, line: this.line, col: startRunes - this.lineStart + 1 }
  }

  // gqlparser reports a lexing problem as an <Invalid> token placed at the
  // point where lexing stopped; the parser then says "Unexpected <Invalid>".
  private invalid(): Token {
    return { kind: '<Invalid>', value: '', line: this.line, col: this.runes - this.lineStart + 1 }
  }

  private advance(units = 1): void {
    this.pos += units
    this.runes += 1
  }

  private newline(): void {
    this.line++
    this.lineStart = this.runes
  }

  private skipIgnored(): void {
    const s = this.src
    while (this.pos < s.length) {
      const c = s[this.pos]
      if (c === ' ' || c === '\t' || c === ',' || c === '\ufeff') this.advance()
      else if (c === '\n') {
        this.advance()
        this.newline()
      } else if (c === '\r') {
        this.advance()
        this.newline()
        if (s[this.pos] === '\n') this.advance()
      } else if (c === '#') {
        while (this.pos < s.length && s[this.pos] !== '\n' && s[this.pos] !== '\r') this.advance(this.unitWidth())
      } else return
    }
  }

  private unitWidth(): number {
    const cp = this.src.codePointAt(this.pos) ?? 0
    return cp > 0xffff ? 2 : 1
  }

  next(): Token {
    this.skipIgnored()
    const s = this.src
    const start = this.runes
    if (this.pos >= s.length) return this.tok('<EOF>', '', start)
    const c = s.charAt(this.pos)
    const punct = PUNCT[c]
    if (punct !== undefined) {
      this.advance()
      return this.tok(punct, '', start)
    }
    if (c === '.') {
      if (s.startsWith('...', this.pos)) {
        this.pos += 3
        this.runes += 3
        return this.tok('...', '', start)
      }
      return this.invalid()
    }
    if (/[_A-Za-z]/.test(c)) {
      const from = this.pos
      while (this.pos < s.length && /[_0-9A-Za-z]/.test(s.charAt(this.pos))) this.advance()
      return this.tok('Name', s.slice(from, this.pos), start)
    }
    if (c === '-' || (c >= '0' && c <= '9')) return this.number(start)
    if (c === '"') return s.startsWith('"""', this.pos) ? this.blockString() : this.string()
    return this.invalid()
  }

  private digits(): number {
    let n = 0
    // charAt gives '' at the end, which is not a digit.
    while (this.src.charAt(this.pos) >= '0' && this.src.charAt(this.pos) <= '9') {
      this.advance()
      n++
    }
    return n
  }

  private number(start: number): Token {
    const s = this.src
    const from = this.pos
    let float = false
    if (s[this.pos] === '-') this.advance()
    if (s[this.pos] === '0') {
      this.advance()
      if (this.digits() > 0) return this.invalid()
    } else if (this.digits() === 0) return this.invalid()
    if (s[this.pos] === '.') {
      float = true
      this.advance()
      if (this.digits() === 0) return this.invalid()
    }
    if (s[this.pos] === 'e' || s[this.pos] === 'E') {
      float = true
      this.advance()
      if (s[this.pos] === '+' || s[this.pos] === '-') this.advance()
      if (this.digits() === 0) return this.invalid()
    }
    return this.tok(float ? 'Float' : 'Int', s.slice(from, this.pos), start)
  }

  private string(): Token {
    const s = this.src
    this.advance() // opening quote; the token's column is just after it
    const start = this.runes
    let out = ''
    while (this.pos < s.length) {
      const c = s.charAt(this.pos)
      if (c === '\n' || c === '\r') break
      if (c < ' ' && c !== '\t') return this.invalid()
      if (c === '"') {
        const t = this.tok('String', out, start)
        this.advance()
        return t
      }
      if (c === '\\') {
        const e = s[this.pos + 1]
        if (e === 'u') {
          const hex = s.slice(this.pos + 2, this.pos + 6)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return this.invalid()
          out += String.fromCharCode(parseInt(hex, 16))
          this.pos += 6
          this.runes += 6
          continue
        }
        const map: Record<string, string> = { '"': '"', '/': '/', '\\': '\\', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
        const escaped = e === undefined ? undefined : map[e]
        if (escaped === undefined) return this.invalid()
        out += escaped
        this.pos += 2
        this.runes += 2
        continue
      }
      const w = this.unitWidth()
      out += s.slice(this.pos, this.pos + w)
      this.advance(w)
    }
    return this.invalid()
  }

  private blockString(): Token {
    const s = this.src
    this.pos += 3
    this.runes += 3
    const start = this.runes
    const startLine = this.line
    const startLineStart = this.lineStart
    let raw = ''
    while (this.pos < s.length) {
      const c = s.charAt(this.pos)
      if (s.startsWith('"""', this.pos)) {
        const t: Token = { kind: 'BlockString', value: blockStringValue(raw), line: startLine, col: start - startLineStart + 1 }
        this.pos += 3
        this.runes += 3
        return t
      }
      if (c < ' ' && c !== '\t' && c !== '\n' && c !== '\r') return this.invalid()
      if (s.startsWith('\\"""', this.pos)) {
        raw += '"""'
        this.pos += 4
        this.runes += 4
        continue
      }
      if (c === '\r') {
        if (s[this.pos + 1] === '\n') this.advance()
        raw += '\n'
        this.advance()
        this.newline()
        continue
      }
      const w = this.unitWidth()
      raw += s.slice(this.pos, this.pos + w)
      this.advance(w)
      if (c === '\n') this.newline()
    }
    return this.invalid()
  }
}

// The spec's BlockStringValue: drop the common indentation of all lines but
// the first, then leading and trailing blank lines.
function blockStringValue(raw: string): string {
  let lines = raw.split('\n')
  let common: number | undefined
  for (const line of lines.slice(1)) {
    const indent = line.length - line.replace(/^[ \t]+/, '').length
    if (indent < line.length && (common === undefined || indent < common)) common = indent
  }
  const indent = common
  if (indent !== undefined) lines = lines.map((l, i) => (i === 0 ? l : l.slice(indent)))
  const blank = (l: string | undefined) => l !== undefined && /^[ \t]*$/.test(l)
  while (blank(lines[0])) lines.shift()
  while (blank(lines.at(-1))) lines.pop()
  return lines.join('\n')
}

function tokenText(t: Token): string {
  return t.value !== '' ? `${t.kind} ${JSON.stringify(t.value)}` : t.kind
}

// ---------------------------------------------------------------------------
// Parser: the productions and checks follow gqlparser's, so that the first
// error reported (OPA reports only one) is the same. Nodes are built directly
// in OPA's JSON shape: optional lists are present only when non-empty.

const DIRECTIVE_LOCATIONS = new Set([
  'QUERY',
  'MUTATION',
  'SUBSCRIPTION',
  'FIELD',
  'FRAGMENT_DEFINITION',
  'FRAGMENT_SPREAD',
  'INLINE_FRAGMENT',
  'VARIABLE_DEFINITION',
  'SCHEMA',
  'SCALAR',
  'OBJECT',
  'FIELD_DEFINITION',
  'ARGUMENT_DEFINITION',
  'INTERFACE',
  'UNION',
  'ENUM',
  'ENUM_VALUE',
  'INPUT_OBJECT',
  'INPUT_FIELD_DEFINITION',
])

/** gqlparser's ast.ValueKind numbering. */
const VALUE_KIND = { Variable: 0, Int: 1, Float: 2, String: 3, Block: 4, Boolean: 5, Null: 6, Enum: 7, List: 8, Object: 9 } as const

function put(obj: JsonObject, key: string, list: Json[]): void {
  if (list.length > 0) obj[key] = list
}

class Parser {
  private readonly lexer: Lexer
  private peeked: Token | undefined
  private prev: Token | undefined
  constructor(src: string) {
    this.lexer = new Lexer(src)
  }

  peek(): Token {
    return (this.peeked ??= this.lexer.next())
  }
  next(): Token {
    const t = this.peek()
    this.peeked = undefined
    this.prev = t
    return t
  }

  fail(t: Token, message: string): never {
    throw new GqlSyntaxError(message, t.line, t.col)
  }
  unexpected(t: Token = this.peek()): never {
    this.fail(t, `Unexpected ${tokenText(t)}`)
  }

  expect(kind: Kind): Token {
    const t = this.peek()
    if (t.kind === kind) return this.next()
    this.fail(t, `Expected ${kind}, found ${t.kind}`)
  }

  expectKeyword(word: string): Token {
    const t = this.peek()
    if (t.kind === 'Name' && t.value === word) return this.next()
    this.fail(t, `Expected ${JSON.stringify(word)}, found ${tokenText(t)}`)
  }

  skip(kind: Kind): boolean {
    if (this.peek().kind !== kind) return false
    this.next()
    return true
  }

  /** Zero or more items between delimiters; absent delimiters mean none. */
  many<T>(open: Kind, close: Kind, item: () => T): T[] {
    const out: T[] = []
    if (!this.skip(open)) return out
    while (this.peek().kind !== close) out.push(item())
    this.next()
    return out
  }

  /** One or more items between delimiters. */
  some<T>(open: Kind, close: Kind, item: () => T): T[] {
    const out: T[] = []
    if (!this.skip(open)) return out
    while (this.peek().kind !== close) out.push(item())
    if (out.length === 0) this.fail(this.peek(), `expected at least one definition, found ${this.peek().kind}`)
    this.next()
    return out
  }

  name(): string {
    return this.expect('Name').value
  }

  // --- executable documents ---

  queryDocument(): JsonObject {
    const operations: Json[] = []
    const fragments: Json[] = []
    while (this.peek().kind !== '<EOF>') {
      const t = this.peek()
      if (t.kind === 'Name' && (t.value === 'query' || t.value === 'mutation' || t.value === 'subscription')) operations.push(this.operation())
      else if (t.kind === 'Name' && t.value === 'fragment') fragments.push(this.fragmentDefinition())
      else if (t.kind === '{') operations.push(this.operation())
      else this.unexpected()
    }
    const doc: JsonObject = {}
    put(doc, 'Operations', operations)
    put(doc, 'Fragments', fragments)
    return doc
  }

  operation(): JsonObject {
    if (this.peek().kind === '{') {
      const op: JsonObject = { Name: '', Operation: 'query' }
      put(op, 'SelectionSet', this.requiredSelectionSet())
      return op
    }
    const op: JsonObject = { Operation: this.operationType(), Name: '' }
    if (this.peek().kind === 'Name') op.Name = this.next().value
    put(op, 'VariableDefinitions', this.variableDefinitions())
    put(op, 'Directives', this.directives(false))
    put(op, 'SelectionSet', this.requiredSelectionSet())
    return op
  }

  operationType(): string {
    const t = this.next()
    if (t.value === 'query' || t.value === 'mutation' || t.value === 'subscription') return t.value
    this.unexpected(t)
  }

  variableDefinitions(): Json[] {
    return this.many('(', ')', () => {
      this.expect('$')
      const def: JsonObject = { Variable: this.name(), Used: false }
      this.expect(':')
      def.Type = this.typeReference()
      if (this.skip('=')) def.DefaultValue = this.value(true)
      put(def, 'Directives', this.directives(false))
      return def
    })
  }

  requiredSelectionSet(): Json[] {
    const t = this.peek()
    if (t.kind !== '{') this.fail(t, `Expected {, found ${t.kind}`)
    return this.some('{', '}', () => this.selection())
  }

  selection(): JsonObject {
    if (this.peek().kind === '...') return this.fragment()
    const alias = this.name()
    const field: JsonObject = { Alias: alias, Name: this.skip(':') ? this.name() : alias }
    put(field, 'Arguments', this.arguments(false))
    put(field, 'Directives', this.directives(false))
    if (this.peek().kind === '{')
      put(
        field,
        'SelectionSet',
        this.some('{', '}', () => this.selection()),
      )
    return field
  }

  arguments(isConst: boolean): Json[] {
    return this.many('(', ')', () => {
      const arg: JsonObject = { Name: this.name() }
      this.expect(':')
      arg.Value = this.value(isConst)
      return arg
    })
  }

  fragment(): JsonObject {
    this.expect('...')
    const t = this.peek()
    if (t.kind === 'Name' && t.value !== 'on') {
      const spread: JsonObject = { Name: this.fragmentName() }
      put(spread, 'Directives', this.directives(false))
      return spread
    }
    const inline: JsonObject = { TypeCondition: '' }
    if (this.peek().value === 'on') {
      this.next()
      inline.TypeCondition = this.name()
    }
    put(inline, 'Directives', this.directives(false))
    put(inline, 'SelectionSet', this.requiredSelectionSet())
    return inline
  }

  fragmentDefinition(): JsonObject {
    this.expectKeyword('fragment')
    const def: JsonObject = { Name: this.fragmentName() }
    put(def, 'VariableDefinition', this.variableDefinitions())
    this.expectKeyword('on')
    def.TypeCondition = this.name()
    put(def, 'Directives', this.directives(false))
    put(def, 'SelectionSet', this.requiredSelectionSet())
    return def
  }

  fragmentName(): string {
    if (this.peek().value === 'on') this.unexpected()
    return this.name()
  }

  value(isConst: boolean): JsonObject {
    const t = this.peek()
    const node = (kind: number, raw: string, children?: Json[]): JsonObject => {
      const v: JsonObject = { ExpectedTypeHasDefault: false, Kind: kind, Raw: raw }
      if (children !== undefined) put(v, 'Children', children)
      return v
    }
    switch (t.kind) {
      case '[':
        return node(
          VALUE_KIND.List,
          '',
          this.many('[', ']', () => ({ Name: '', Value: this.value(isConst) })),
        )
      case '{':
        return node(
          VALUE_KIND.Object,
          '',
          this.many('{', '}', () => {
            const name = this.name()
            this.expect(':')
            return { Name: name, Value: this.value(isConst) }
          }),
        )
      case '$':
        if (isConst) this.unexpected()
        this.next()
        return node(VALUE_KIND.Variable, this.name())
      case 'Int':
        this.next()
        return node(VALUE_KIND.Int, t.value)
      case 'Float':
        this.next()
        return node(VALUE_KIND.Float, t.value)
      case 'String':
        this.next()
        return node(VALUE_KIND.String, t.value)
      case 'BlockString':
        this.next()
        return node(VALUE_KIND.Block, t.value)
      case 'Name': {
        this.next()
        const kind = t.value === 'true' || t.value === 'false' ? VALUE_KIND.Boolean : t.value === 'null' ? VALUE_KIND.Null : VALUE_KIND.Enum
        return node(kind, t.value)
      }
      default:
        this.unexpected()
    }
  }

  directives(isConst: boolean): Json[] {
    const out: Json[] = []
    while (this.peek().kind === '@') {
      this.next()
      const d: JsonObject = { Location: '', Name: this.name() }
      put(d, 'Arguments', this.arguments(isConst))
      out.push(d)
    }
    return out
  }

  typeReference(): JsonObject {
    let t: JsonObject
    if (this.skip('[')) {
      const elem = this.typeReference()
      this.expect(']')
      t = { Elem: elem, NamedType: '' }
    } else t = { NamedType: this.name() }
    t.NonNull = this.skip('!')
    return t
  }

  // --- schema documents ---

  schemaDocument(): JsonObject {
    const doc: Record<'Schema' | 'SchemaExtension' | 'Directives' | 'Definitions' | 'Extensions', Json[]> = {
      Schema: [],
      SchemaExtension: [],
      Directives: [],
      Definitions: [],
      Extensions: [],
    }
    while (this.peek().kind !== '<EOF>') {
      let description = ''
      if (this.peek().kind === 'String' || this.peek().kind === 'BlockString') description = this.next().value
      const t = this.peek()
      if (t.kind !== 'Name') this.unexpected()
      switch (t.value) {
        case 'scalar':
        case 'type':
        case 'interface':
        case 'union':
        case 'enum':
        case 'input':
          doc.Definitions.push(this.typeDefinition(description, false))
          break
        case 'schema':
          this.next()
          doc.Schema.push(this.schemaDefinition(description, false))
          break
        case 'directive':
          doc.Directives.push(this.directiveDefinition(description))
          break
        case 'extend':
          if (description !== '' && this.prev !== undefined) this.unexpected(this.prev)
          this.next()
          if (this.peek().value === 'schema') {
            this.next()
            doc.SchemaExtension.push(this.schemaDefinition('', true))
          } else if (['scalar', 'type', 'interface', 'union', 'enum', 'input'].includes(this.peek().value)) {
            doc.Extensions.push(this.typeDefinition('', true))
          } else this.unexpected()
          break
        default:
          this.unexpected()
      }
    }
    const out: JsonObject = {}
    for (const [k, v] of Object.entries(doc)) put(out, k, v)
    return out
  }

  schemaDefinition(description: string, extension: boolean): JsonObject {
    const def: JsonObject = { Description: description }
    const directives = this.directives(true)
    put(def, 'Directives', directives)
    const ops = this.some('{', '}', () => {
      const op: JsonObject = { Operation: this.operationType() }
      this.expect(':')
      op.Type = this.name()
      return op
    })
    put(def, 'OperationTypes', ops)
    if (extension && directives.length === 0 && ops.length === 0) this.unexpected()
    return def
  }

  typeDefinition(description: string, extension: boolean): JsonObject {
    const keyword = this.next().value
    const kind = { scalar: 'SCALAR', type: 'OBJECT', interface: 'INTERFACE', union: 'UNION', enum: 'ENUM', input: 'INPUT_OBJECT' }[keyword] as string
    const def: JsonObject = { BuiltIn: false, Description: description, Kind: kind, Name: this.name() }
    let parts = 0
    const add = (key: string, list: Json[]) => {
      put(def, key, list)
      parts += list.length
    }
    // gqlparser lets interfaces implement interfaces in definitions only.
    if (keyword === 'type' || (keyword === 'interface' && !extension)) add('Interfaces', this.implementsInterfaces())
    add('Directives', this.directives(!(extension && keyword === 'input')))
    switch (keyword) {
      case 'type':
      case 'interface':
        add(
          'Fields',
          this.some('{', '}', () => this.fieldDefinition()),
        )
        break
      case 'input':
        add(
          'Fields',
          this.some('{', '}', () => this.inputValueDefinition()),
        )
        break
      case 'enum':
        add(
          'EnumValues',
          this.some('{', '}', () => this.enumValueDefinition()),
        )
        break
      case 'union':
        add('Types', this.unionMembers())
        break
    }
    if (extension && parts === 0) this.unexpected()
    return def
  }

  implementsInterfaces(): Json[] {
    const types: Json[] = []
    if (this.peek().value !== 'implements') return types
    this.next()
    this.skip('&')
    types.push(this.name())
    while (this.skip('&')) types.push(this.name())
    return types
  }

  unionMembers(): Json[] {
    const types: Json[] = []
    if (!this.skip('=')) return types
    this.skip('|')
    types.push(this.name())
    while (this.skip('|')) types.push(this.name())
    return types
  }

  description(): string {
    const k = this.peek().kind
    return k === 'String' || k === 'BlockString' ? this.next().value : ''
  }

  fieldDefinition(): JsonObject {
    const def: JsonObject = { Description: this.description(), Name: this.name() }
    put(
      def,
      'Arguments',
      this.some('(', ')', () => this.inputValueDefinition()),
    )
    this.expect(':')
    def.Type = this.typeReference()
    put(def, 'Directives', this.directives(true))
    return def
  }

  inputValueDefinition(): JsonObject {
    const def: JsonObject = { Description: this.description(), Name: this.name() }
    this.expect(':')
    def.Type = this.typeReference()
    if (this.skip('=')) def.DefaultValue = this.value(true)
    put(def, 'Directives', this.directives(true))
    return def
  }

  enumValueDefinition(): JsonObject {
    const def: JsonObject = { Description: this.description(), Name: this.name() }
    put(def, 'Directives', this.directives(true))
    return def
  }

  directiveDefinition(description: string): JsonObject {
    this.expectKeyword('directive')
    this.expect('@')
    const def: JsonObject = { Description: description, Name: this.name(), IsRepeatable: false }
    put(
      def,
      'Arguments',
      this.some('(', ')', () => this.inputValueDefinition()),
    )
    const t = this.peek()
    if (t.kind === 'Name' && t.value === 'repeatable') {
      def.IsRepeatable = true
      this.next()
    }
    this.expectKeyword('on')
    this.skip('|')
    const locations: Json[] = [this.directiveLocation()]
    while (this.skip('|')) locations.push(this.directiveLocation())
    def.Locations = locations
    return def
  }

  directiveLocation(): string {
    const t = this.expect('Name')
    if (!DIRECTIVE_LOCATIONS.has(t.value)) this.unexpected(t)
    return t.value
  }
}

// ---------------------------------------------------------------------------
// Printing OPA-shaped ASTs back to GraphQL text, so that AST arguments can be
// validated by graphql-js like string arguments.

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

// ---------------------------------------------------------------------------
// The built-ins.

/** A GraphQL problem with the position OPA prints after the message. */
class GqlProblem extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message)
  }
}

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

export function parseQuery(src: string): JsonObject {
  return new Parser(src).queryDocument()
}
export function parseSchema(src: string): JsonObject {
  return new Parser(src).schemaDocument()
}

interface Loaded {
  ast: JsonObject
  text: string
}

function loadQuery(name: string, q: unknown): Loaded {
  if (typeof q === 'string') return { ast: parseQuery(q), text: q }
  if (q !== null && typeof q === 'object' && !Array.isArray(q)) return { ast: q as JsonObject, text: printQuery(q) }
  throw new BuiltinError(name, 'operand 1 must be one of {object, string}', 'eval_type_error')
}

function loadSchemaDoc(name: string, s: unknown, operand = 2): Loaded {
  if (typeof s === 'string') return { ast: parseSchema(s), text: s }
  if (s !== null && typeof s === 'object' && !Array.isArray(s)) return { ast: s as JsonObject, text: '' }
  throw new BuiltinError(name, `operand ${operand} must be one of {object, string}`, 'eval_type_error')
}

function gqlErrorProblem(err: GraphQLError): GqlProblem {
  const loc = err.locations?.[0]
  return new GqlProblem(err.message.replace(/\.$/, ''), loc?.line, loc?.column)
}

/** Builds a graphql-js schema; gqlparser does not insist on a Query type. */
function buildSchema(schema: Loaded): GraphQLSchema {
  let doc: DocumentNode
  try {
    doc = gqlParse(printSchema(schema.ast))
  } catch (e) {
    throw new GqlProblem((e as GraphQLError).message.replace(/^Syntax Error: /, ''))
  }
  let built: GraphQLSchema
  try {
    built = buildASTSchema(doc, { assumeValid: true })
  } catch (e) {
    throw new GqlProblem((e as Error).message.replace(/\.$/, ''))
  }
  const problems = validateSchema(built).filter((e) => !/Query root type must be provided/.test(e.message))
  const [problem] = problems
  if (problem) throw gqlErrorProblem(problem)
  return built
}

function verifyQuery(schema: GraphQLSchema, query: Loaded): void {
  const hasDefinitions = Object.keys(query.ast).length > 0
  if (!hasDefinitions) return
  let doc: DocumentNode
  try {
    doc = gqlParse(query.text, { allowLegacyFragmentVariables: true })
  } catch (e) {
    throw new GqlProblem((e as GraphQLError).message.replace(/^Syntax Error: /, ''))
  }
  const errors = validate(schema, doc, specifiedRules)
  const [error] = errors
  if (error) throw gqlErrorProblem(error)
}

/** Parses and validates; throws a GqlProblem/GqlSyntaxError or BuiltinError. */
function parseAndValidate(name: string, q: unknown, s: unknown): [JsonObject, JsonObject] {
  const query = loadQuery(name, q)
  const schema = loadSchemaDoc(name, s)
  verifyQuery(buildSchema(schema), query)
  return [query.ast, schema.ast]
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
      buildSchema(loadSchemaDoc('graphql.schema_is_valid', s, 1))
      return true
    } catch (e) {
      if (e instanceof BuiltinError) throw e
      return false
    }
  },
}
