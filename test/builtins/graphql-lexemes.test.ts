// gqlparser's lexer as graphql-syntax.ts needs it (src/builtins/graphql-lexemes.ts):
// Go's quoting of token values. Positions and the in-place rewrite are
// covered through the parser in graphql-syntax.test.ts.

import t from 'tap'
import { goQuote } from '../../src/builtins/graphql-lexemes.js'

t.test('token values quoted as Go’s strconv.Quote quotes them', async (t) => {
  t.equal(goQuote('plain é 日 😀'), '"plain é 日 😀"')
  t.equal(goQuote('"\\'), '"\\"\\\\"')
  t.equal(goQuote('\x07\b\f\n\r\t\v'), '"\\a\\b\\f\\n\\r\\t\\v"')
  t.equal(goQuote('\x00\x1b\x7f'), '"\\x00\\x1b\\x7f"')
  t.equal(goQuote('\u00ad\u2028\u{e0001}'), '"\\u00ad\\u2028\\U000e0001"')
})
