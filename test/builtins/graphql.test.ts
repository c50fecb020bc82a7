// graphql.* host built-ins: gqlparser-shaped ASTs, gqlparser's error text, validation.

import t from 'tap'
import { impls } from '../../src/builtins/graphql.js'

const errorOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (e) {
    return (e as Error).message
  }
  return undefined
}

const schema = `
  type Query { employeeByID(id: String!): Employee }
  type Employee { id: String! salary: Int! }
`

t.test('parse_query gives the AST in OPA JSON shape', async (t) => {
  t.same(impls['graphql.parse_query']('query Q($id: [ID!]!) { a: f(x: [1, "s"], o: {k: $id}) @skip(if: true) { ... on T { g } ...F } }'), {
    Operations: [
      {
        Name: 'Q',
        Operation: 'query',
        VariableDefinitions: [{ Variable: 'id', Used: false, Type: { Elem: { NamedType: 'ID', NonNull: true }, NamedType: '', NonNull: true } }],
        SelectionSet: [
          {
            Alias: 'a',
            Name: 'f',
            Arguments: [
              {
                Name: 'x',
                Value: {
                  ExpectedTypeHasDefault: false,
                  Kind: 8,
                  Raw: '',
                  Children: [
                    { Name: '', Value: { ExpectedTypeHasDefault: false, Kind: 1, Raw: '1' } },
                    { Name: '', Value: { ExpectedTypeHasDefault: false, Kind: 3, Raw: 's' } },
                  ],
                },
              },
              {
                Name: 'o',
                Value: {
                  ExpectedTypeHasDefault: false,
                  Kind: 9,
                  Raw: '',
                  Children: [{ Name: 'k', Value: { ExpectedTypeHasDefault: false, Kind: 0, Raw: 'id' } }],
                },
              },
            ],
            Directives: [{ Location: '', Name: 'skip', Arguments: [{ Name: 'if', Value: { ExpectedTypeHasDefault: false, Kind: 5, Raw: 'true' } }] }],
            SelectionSet: [{ TypeCondition: 'T', SelectionSet: [{ Alias: 'g', Name: 'g' }] }, { Name: 'F' }],
          },
        ],
      },
    ],
  })
  t.same(impls['graphql.parse_query'](''), {})
})

t.test('syntax errors carry gqlparser text and the row:col', async (t) => {
  t.equal(
    errorOf(() => impls['graphql.parse_query']('{')),
    'graphql.parse_query: Expected Name, found <EOF> in GraphQL string at location 1:2',
  )
  t.equal(
    errorOf(() => impls['graphql.parse_query']('{ ...MissingOn }\nfragment MissingOn Type')),
    'graphql.parse_query: Expected "on", found Name "Type" in GraphQL string at location 2:20',
  )
  t.equal(
    errorOf(() => impls['graphql.parse_schema']('type Hello {}')),
    'graphql.parse_schema: expected at least one definition, found } in GraphQL string at location 1:13',
  )
  t.equal(
    errorOf(() => impls['graphql.parse_schema']('"""\r')),
    'graphql.parse_schema: Unexpected <Invalid> in GraphQL string at location 2:1',
  )
})

t.test('parse_schema handles descriptions, extensions and directives', async (t) => {
  t.same(
    impls['graphql.parse_schema'](
      '"""\n  Doc\n  """\ntype A implements & B & C { f(a: Int = 1): [S!] }\nextend union U = X\ndirective @d repeatable on FIELD | QUERY',
    ),
    {
      Directives: [{ Description: '', Name: 'd', IsRepeatable: true, Locations: ['FIELD', 'QUERY'] }],
      Definitions: [
        {
          BuiltIn: false,
          Description: 'Doc',
          Kind: 'OBJECT',
          Name: 'A',
          Interfaces: ['B', 'C'],
          Fields: [
            {
              Description: '',
              Name: 'f',
              Arguments: [
                { Description: '', Name: 'a', Type: { NamedType: 'Int', NonNull: false }, DefaultValue: { ExpectedTypeHasDefault: false, Kind: 1, Raw: '1' } },
              ],
              Type: { Elem: { NamedType: 'S', NonNull: true }, NamedType: '', NonNull: false },
            },
          ],
        },
      ],
      Extensions: [{ BuiltIn: false, Description: '', Kind: 'UNION', Name: 'U', Types: ['X'] }],
    },
  )
  t.match(
    errorOf(() => impls['graphql.parse_schema']('extend type Hello')),
    /Unexpected <EOF> in GraphQL string at location 1:18$/,
  )
})

t.test('validation against a schema, from text or from ASTs', async (t) => {
  t.equal(impls['graphql.is_valid']('{ employeeByID(id: "a") { salary } }', schema), true)
  t.equal(impls['graphql.is_valid']('{ employeeByID { salary } }', schema), false)
  t.equal(impls['graphql.is_valid']('{ nope }', schema), false)
  const q = impls['graphql.parse_query']('{ employeeByID(id: "a") { salary } }')
  const s = impls['graphql.parse_schema'](schema)
  t.equal(impls['graphql.is_valid'](q, s), true)
  t.same(impls['graphql.parse'](q, s), [q, s])
  t.same(impls['graphql.parse_and_verify']('{ employeeByID { id } }', schema), [false, {}, {}])
  t.equal(
    errorOf(() => impls['graphql.parse']('{\n  employeeByID { id }\n}', schema)),
    'graphql.parse: Field "employeeByID" argument "id" of type "String!" is required, but it was not provided in GraphQL string at location 2:3',
  )
  // gqlparser accepts extending a type that is never defined.
  t.equal(impls['graphql.is_valid']('{ entity { id } }', 'extend type Query { entity: User }\nextend type User { id: ID! }'), true)
  t.equal(impls['graphql.schema_is_valid'](schema), true)
  t.equal(impls['graphql.schema_is_valid']('type Query { a: Missing }'), false)
})
