// graphql-js documents (from graphql-syntax.ts) in the JSON shape OPA hands a
// policy: gqlparser's ast.QueryDocument and ast.SchemaDocument marshalled by
// Go, so Go field names, and omitempty lists present only when non-empty.
// Positions are not part of the JSON.

import { Kind, type ConstDirectiveNode, type DirectiveNode, type DocumentNode, type SelectionNode, type TypeNode, type ValueNode } from 'graphql'
import type {
  ArgumentNode,
  DirectiveDefinitionNode,
  EnumValueDefinitionNode,
  FieldDefinitionNode,
  FragmentDefinitionNode,
  InputValueDefinitionNode,
  NamedTypeNode,
  OperationDefinitionNode,
  SchemaDefinitionNode,
  SchemaExtensionNode,
  StringValueNode,
  TypeDefinitionNode,
  TypeExtensionNode,
  VariableDefinitionNode,
} from 'graphql'

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
export type JsonObject = { [k: string]: Json }

/** gqlparser's ast.ValueKind numbering. */
export const VALUE_KIND = { Variable: 0, Int: 1, Float: 2, String: 3, Block: 4, Boolean: 5, Null: 6, Enum: 7, List: 8, Object: 9 } as const

/** Sets `key` to `list` when it is non-empty, as Go's omitempty does. */
function put(obj: JsonObject, key: string, list: readonly Json[] | undefined): JsonObject {
  if (list !== undefined && list.length > 0) obj[key] = [...list]
  return obj
}

const names = (nodes: readonly NamedTypeNode[] | undefined): string[] => (nodes ?? []).map((n) => n.name.value)
const description = (d: StringValueNode | undefined): string => d?.value ?? ''

function value(v: ValueNode): JsonObject {
  const node = (kind: number, raw: string, children?: Json[]): JsonObject => put({ ExpectedTypeHasDefault: false, Kind: kind, Raw: raw }, 'Children', children)
  switch (v.kind) {
    case Kind.VARIABLE:
      return node(VALUE_KIND.Variable, v.name.value)
    case Kind.INT:
      return node(VALUE_KIND.Int, v.value)
    case Kind.FLOAT:
      return node(VALUE_KIND.Float, v.value)
    case Kind.STRING:
      return node(v.block === true ? VALUE_KIND.Block : VALUE_KIND.String, v.value)
    case Kind.BOOLEAN:
      return node(VALUE_KIND.Boolean, String(v.value))
    case Kind.NULL:
      return node(VALUE_KIND.Null, 'null')
    case Kind.ENUM:
      return node(VALUE_KIND.Enum, v.value)
    case Kind.LIST:
      return node(
        VALUE_KIND.List,
        '',
        v.values.map((c) => ({ Name: '', Value: value(c) })),
      )
    case Kind.OBJECT:
      return node(
        VALUE_KIND.Object,
        '',
        v.fields.map((f) => ({ Name: f.name.value, Value: value(f.value) })),
      )
  }
}

function type(t: TypeNode): JsonObject {
  if (t.kind === Kind.NON_NULL_TYPE) return { ...type(t.type), NonNull: true }
  if (t.kind === Kind.LIST_TYPE) return { Elem: type(t.type), NamedType: '', NonNull: false }
  return { NamedType: t.name.value, NonNull: false }
}

const argument = (a: ArgumentNode): JsonObject => ({ Name: a.name.value, Value: value(a.value) })

function directives(ds: readonly (DirectiveNode | ConstDirectiveNode)[] | undefined): JsonObject[] {
  return (ds ?? []).map((d) => put({ Location: '', Name: d.name.value }, 'Arguments', d.arguments?.map(argument)))
}

// --- executable documents ---

function variableDefinition(v: VariableDefinitionNode): JsonObject {
  const def: JsonObject = { Variable: v.variable.name.value, Used: false, Type: type(v.type) }
  if (v.defaultValue) def.DefaultValue = value(v.defaultValue)
  return put(def, 'Directives', directives(v.directives))
}

function selection(s: SelectionNode): JsonObject {
  switch (s.kind) {
    case Kind.FIELD: {
      const field: JsonObject = { Alias: (s.alias ?? s.name).value, Name: s.name.value }
      put(field, 'Arguments', s.arguments?.map(argument))
      put(field, 'Directives', directives(s.directives))
      return put(field, 'SelectionSet', s.selectionSet?.selections.map(selection))
    }
    case Kind.FRAGMENT_SPREAD:
      return put({ Name: s.name.value }, 'Directives', directives(s.directives))
    case Kind.INLINE_FRAGMENT: {
      const inline = put({ TypeCondition: s.typeCondition?.name.value ?? '' }, 'Directives', directives(s.directives))
      return put(inline, 'SelectionSet', s.selectionSet.selections.map(selection))
    }
  }
}

function operation(o: OperationDefinitionNode): JsonObject {
  const op: JsonObject = { Name: o.name?.value ?? '', Operation: o.operation }
  put(op, 'VariableDefinitions', o.variableDefinitions?.map(variableDefinition))
  put(op, 'Directives', directives(o.directives))
  return put(op, 'SelectionSet', o.selectionSet.selections.map(selection))
}

function fragment(f: FragmentDefinitionNode): JsonObject {
  // gqlparser's FragmentDefinition names its list VariableDefinition.
  const def = put({ Name: f.name.value }, 'VariableDefinition', f.variableDefinitions?.map(variableDefinition))
  def.TypeCondition = f.typeCondition.name.value
  put(def, 'Directives', directives(f.directives))
  return put(def, 'SelectionSet', f.selectionSet.selections.map(selection))
}

/** A document parsed in 'query' mode as gqlparser's QueryDocument. */
export function queryDocument(doc: DocumentNode): JsonObject {
  const operations: JsonObject[] = []
  const fragments: JsonObject[] = []
  for (const d of doc.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) operations.push(operation(d))
    else if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.push(fragment(d))
  }
  return put(put({}, 'Operations', operations), 'Fragments', fragments)
}

// --- schema documents ---

function inputValue(v: InputValueDefinitionNode): JsonObject {
  const def: JsonObject = { Description: description(v.description), Name: v.name.value, Type: type(v.type) }
  if (v.defaultValue) def.DefaultValue = value(v.defaultValue)
  return put(def, 'Directives', directives(v.directives))
}

function fieldDefinition(f: FieldDefinitionNode): JsonObject {
  const def = put({ Description: description(f.description), Name: f.name.value }, 'Arguments', f.arguments?.map(inputValue))
  def.Type = type(f.type)
  return put(def, 'Directives', directives(f.directives))
}

function enumValue(v: EnumValueDefinitionNode): JsonObject {
  return put({ Description: description(v.description), Name: v.name.value }, 'Directives', directives(v.directives))
}

const DEFINITION_KIND: Record<string, string> = {
  [Kind.SCALAR_TYPE_DEFINITION]: 'SCALAR',
  [Kind.SCALAR_TYPE_EXTENSION]: 'SCALAR',
  [Kind.OBJECT_TYPE_DEFINITION]: 'OBJECT',
  [Kind.OBJECT_TYPE_EXTENSION]: 'OBJECT',
  [Kind.INTERFACE_TYPE_DEFINITION]: 'INTERFACE',
  [Kind.INTERFACE_TYPE_EXTENSION]: 'INTERFACE',
  [Kind.UNION_TYPE_DEFINITION]: 'UNION',
  [Kind.UNION_TYPE_EXTENSION]: 'UNION',
  [Kind.ENUM_TYPE_DEFINITION]: 'ENUM',
  [Kind.ENUM_TYPE_EXTENSION]: 'ENUM',
  [Kind.INPUT_OBJECT_TYPE_DEFINITION]: 'INPUT_OBJECT',
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: 'INPUT_OBJECT',
}

function typeDefinition(d: TypeDefinitionNode | TypeExtensionNode): JsonObject {
  const desc = 'description' in d ? description(d.description) : ''
  const def: JsonObject = { BuiltIn: false, Description: desc, Kind: DEFINITION_KIND[d.kind] ?? '', Name: d.name.value }
  if ('interfaces' in d) put(def, 'Interfaces', names(d.interfaces))
  put(def, 'Directives', directives(d.directives))
  switch (d.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION:
      return put(def, 'Fields', d.fields?.map(fieldDefinition))
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_EXTENSION:
      return put(def, 'Fields', d.fields?.map(inputValue))
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_EXTENSION:
      return put(def, 'EnumValues', d.values?.map(enumValue))
    case Kind.UNION_TYPE_DEFINITION:
    case Kind.UNION_TYPE_EXTENSION:
      return put(def, 'Types', names(d.types))
    default:
      return def
  }
}

function schemaDefinition(s: SchemaDefinitionNode | SchemaExtensionNode): JsonObject {
  const def = put({ Description: 'description' in s ? description(s.description) : '' }, 'Directives', directives(s.directives))
  return put(
    def,
    'OperationTypes',
    s.operationTypes?.map((o) => ({ Operation: o.operation, Type: o.type.name.value })),
  )
}

function directiveDefinition(d: DirectiveDefinitionNode): JsonObject {
  const def = put({ Description: description(d.description), Name: d.name.value, IsRepeatable: d.repeatable }, 'Arguments', d.arguments?.map(inputValue))
  def.Locations = d.locations.map((l) => l.value)
  return def
}

/** A document parsed in 'schema' mode as gqlparser's SchemaDocument. */
export function schemaDocument(doc: DocumentNode): JsonObject {
  const out: Record<'Schema' | 'SchemaExtension' | 'Directives' | 'Definitions' | 'Extensions', JsonObject[]> = {
    Schema: [],
    SchemaExtension: [],
    Directives: [],
    Definitions: [],
    Extensions: [],
  }
  for (const d of doc.definitions) {
    switch (d.kind) {
      case Kind.SCHEMA_DEFINITION:
        out.Schema.push(schemaDefinition(d))
        break
      case Kind.SCHEMA_EXTENSION:
        out.SchemaExtension.push(schemaDefinition(d))
        break
      case Kind.DIRECTIVE_DEFINITION:
        out.Directives.push(directiveDefinition(d))
        break
      default:
        if (d.kind in DEFINITION_KIND)
          (d.kind.endsWith('Extension') ? out.Extensions : out.Definitions).push(typeDefinition(d as TypeDefinitionNode | TypeExtensionNode))
    }
  }
  const json: JsonObject = {}
  for (const [k, v] of Object.entries(out)) put(json, k, v)
  return json
}
