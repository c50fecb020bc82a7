// Rego's text form of values (OPA's Term.String()) and Go's strconv.Quote.

import t from 'tap'
import { goQuote, numberText, regoString } from '../../src/builtins/rego-text.js'
import { RegoSet } from '../../src/builtins/types.js'

t.test('composite values print as Rego text, object keys sorted', async (t) => {
  t.equal(regoString({ k: { n: 1.5 } }), '{"k": {"n": 1.5}}')
  t.equal(regoString({ b: [1, null], a: true }), '{"a": true, "b": [1, null]}')
  t.equal(regoString(RegoSet.of2(['x', 2])), '{"x", 2}')
  t.equal(regoString(new RegoSet()), 'set()')
})

t.test('strings are quoted as Go quotes them; big integers have no exponent', async (t) => {
  t.equal(goQuote('a"b\n\x07\u00ad'), '"a\\"b\\n\\a\\u00ad"')
  t.equal(goQuote("it's", "'"), "'it\\'s'")
  t.equal(numberText(2 ** 70), '1180591620717411303424')
  t.equal(numberText(0.5), '0.5')
})
