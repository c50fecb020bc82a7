// Validation for the graphql.* built-ins (src/builtins/graphql-validate.ts):
// one case per rule of gqlparser's validator (validator/rules/*.go, as forked
// into OPA), each expecting gqlparser's message, which graphql.parse reports
// with "in GraphQL string at location row:col". The messages are written
// from gqlparser's templates, suggestions included.

import t from 'tap'
import { impls } from '../../src/builtins/graphql.js'

const schema = `
type Query { a(x: Int!, e: Color, i: In): Int  o: Obj  s: String }
type Subscription { a: Int b: Int }
type Obj { f: Int g: String }
type Other { h: Int }
enum Color { RED GREEN }
input In { k: Int! m: String }
directive @dir(r: Int!) on FIELD
`

/** [gqlparser rule, query, gqlparser's message] */
const RULES: [string, string, string][] = [
  ['FieldsOnCorrectType', '{ nope }', 'Cannot query field "nope" on type "Query".'],
  ['FragmentsOnCompositeTypes', '{ ... on Int { a } }', 'Fragment cannot condition on non composite type "Int".'],
  ['FragmentsOnCompositeTypes', '{ ...F } fragment F on Int { a }', 'Fragment "F" cannot condition on non composite type "Int".'],
  ['KnownArgumentNames', '{ a(x: 1, y: 2) }', 'Unknown argument "y" on field "Query.a". Did you mean "e", "i", or "x"?'],
  ['KnownArgumentNames', '{ a(x: 1) @dir(r: 1, q: 2) }', 'Unknown argument "q" on directive "@dir". Did you mean "r"?'],
  ['KnownDirectives', '{ a(x: 1) @nope }', 'Unknown directive "@nope".'],
  ['KnownDirectives', 'query @dir(r: 1) { s }', 'Directive "@dir" may not be used on QUERY.'],
  ['KnownFragmentNames', '{ ...F }', 'Unknown fragment "F".'],
  ['KnownRootType', 'mutation { a }', 'Schema does not support operation type "mutation"'],
  ['KnownTypeNames', 'query ($v: Nope) { s }', 'Unknown type "Nope".'],
  ['LoneAnonymousOperation', '{ s } { s }', 'This anonymous operation must be the only defined operation.'],
  ['NoFragmentCycles', '{ o { ...F } } fragment F on Obj { ...F }', 'Cannot spread fragment "F" within itself.'],
  ['NoUndefinedVariables', 'query Q { a(x: $v) }', 'Variable "$v" is not defined by operation "Q".'],
  ['NoUnusedFragments', '{ s } fragment F on Obj { f }', 'Fragment "F" is never used.'],
  ['NoUnusedVariables', 'query Q($v: Int) { s }', 'Variable "$v" is never used in operation "Q".'],
  [
    'OverlappingFieldsCanBeMerged',
    '{ o { f: g f } }',
    'Fields "f" conflict because "g" and "f" are different fields. Use different aliases on the fields to fetch both if this was intentional.',
  ],
  ['PossibleFragmentSpreads', '{ o { ... on Other { h } } }', 'Fragment cannot be spread here as objects of type "Obj" can never be of type "Other".'],
  ['ProvidedRequiredArguments', '{ a }', 'Field "a" argument "x" of type "Int!" is required, but it was not provided.'],
  ['ProvidedRequiredArguments', '{ s @dir }', 'Directive "@dir" argument "r" of type "Int!" is required, but it was not provided.'],
  ['ScalarLeafs', '{ s { x } }', 'Field "s" must not have a selection since type "String" has no subfields.'],
  ['ScalarLeafs', '{ o }', 'Field "o" of type "Obj" must have a selection of subfields. Did you mean "o { ... }"?'],
  ['SingleFieldSubscriptions', 'subscription S { a b }', 'Subscription "S" must select only one top level field.'],
  ['UniqueArgumentNames', '{ a(x: 1, x: 2) }', 'There can be only one argument named "x".'],
  ['UniqueDirectivesPerLocation', '{ s @skip(if: true) @skip(if: true) }', 'The directive "@skip" can only be used once at this location.'],
  ['UniqueFragmentNames', '{ o { ...F } } fragment F on Obj { f } fragment F on Obj { f }', 'There can be only one fragment named "F".'],
  ['UniqueInputFieldNames', '{ a(x: 1, i: {k: 1, k: 2}) }', 'There can be only one input field named "k".'],
  ['UniqueOperationNames', 'query Q { s } query Q { s }', 'There can be only one operation named "Q".'],
  ['UniqueVariableNames', 'query Q($v: Int, $v: Int) { a(x: $v) }', 'There can be only one variable named "$v".'],
  ['ValuesOfCorrectType', '{ a(x: "s") }', 'Int cannot represent non-integer value: "s"'],
  ['ValuesOfCorrectType', '{ a(x: 1, e: BLUE) }', 'Value "BLUE" does not exist in "Color" enum.'],
  ['ValuesOfCorrectType', '{ a(x: 1, i: {m: "s"}) }', 'Field "In.k" of required type "Int!" was not provided.'],
  ['ValuesOfCorrectType', '{ a(x: 1, i: {k: 1, z: 1}) }', 'Field "z" is not defined by type "In". Did you mean "k" or "m"?'],
  ['VariablesAreInputTypes', 'query Q($v: Obj) { s }', 'Variable "$v" cannot be non-input type "Obj".'],
  ['VariablesInAllowedPosition', 'query Q($v: Int) { a(x: $v) }', 'Variable "$v" of type "Int" used in position expecting type "Int!".'],
]

const messageOf = (q: string, s: string): string => {
  try {
    impls['graphql.parse']!(q, s)
    return '(valid)'
  } catch (e) {
    return (e as Error).message
  }
}

t.test('each rule of gqlparser’s validator, in its words', async (t) => {
  for (const [rule, query, message] of RULES) {
    // graphql.parse drops the final period and appends the location.
    t.match(
      messageOf(query, schema),
      new RegExp(`^graphql\\.parse: ${message.replace(/\.$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in GraphQL string at location \\d+:\\d+$`),
      rule,
    )
  }
})

t.test('an operation type the schema lacks, where graphql-js 16 has no rule', async (t) => {
  t.equal(messageOf('mutation {\n  a\n}', schema), 'graphql.parse: Schema does not support operation type "mutation" in GraphQL string at location 1:1')
  // gqlparser accepts a schema without a Query type, but no query against it.
  t.equal(impls['graphql.schema_is_valid']!('type Mutation { m: Int }'), true)
  t.equal(impls['graphql.is_valid']!('mutation { m }', 'type Mutation { m: Int }'), true)
  t.equal(impls['graphql.is_valid']!('{ m }', 'type Mutation { m: Int }'), false)
})
