// to_number, numbers.range(_step), bits.*, any/all, walk and
// graph.reachable in the module (builtins-numeric.ts, builtins-aggregates.ts,
// builtins-graph.ts). Edge cases reproduce behaviour of OPA's
// topdown/casts.go (strconv.ParseFloat syntax, the text kept as the
// number), numbers.go, bits.go (big.Int), aggregates.go, walk.go and
// graphs.go, see https://github.com/open-policy-agent/opa/tree/main/v1/topdown.

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const c = (name: string, ...args: string[]) => rt.call(name, ...args)
const toNumber = (s: string) => c('mg_to_number', JSON.stringify(s))

t.test('to_number', async (t) => {
  t.equal(c('mg_to_number', 'null'), '0')
  t.equal(c('mg_to_number', 'true'), '1')
  t.equal(c('mg_to_number', 'false'), '0')
  t.equal(c('mg_to_number', '12.5'), '12.5')
  t.equal(toNumber('42'), '42')
  t.equal(toNumber('-3.25e2'), '-3.25e2', 'the text is kept, as OPA keeps ast.Number(s)')
  t.equal(toNumber('123456789012345678901234567890'), '123456789012345678901234567890', 'integers of any size exact')
  t.equal(toNumber('+7'), '7')
  t.equal(toNumber('.5'), '0.5')
  t.equal(toNumber('5.'), '5')
  t.equal(toNumber('007'), '7')
  t.equal(toNumber('1_000.5'), '1000.5', 'underscores between digits')
  t.equal(toNumber('0x1p-2'), '0.25', 'hex floats with an exponent')
  t.equal(toNumber('0x1.8p1'), '3')
  for (const bad of ['', ' 1', '1 ', 'abc', '1e', '1_', '_1', '1__0', '1._5', '.', '+', '0x1F', '0xp1', '1e400', 'inf', '-Infinity', 'NaN', '+nan', '1,0'])
    t.equal(toNumber(bad), undefined, JSON.stringify(bad))
  t.equal(c('mg_to_number', '[1]'), undefined)
})

t.test('numbers.range and numbers.range_step', async (t) => {
  t.equal(c('mg_numbers_range', '1', '4'), '[1,2,3,4]')
  t.equal(c('mg_numbers_range', '3', '-2'), '[3,2,1,0,-1,-2]', 'descending')
  t.equal(c('mg_numbers_range', '5', '5'), '[5]')
  t.equal(c('mg_numbers_range', '9007199254740993', '9007199254740995'), '[9007199254740993,9007199254740994,9007199254740995]', 'exact past 2^53')
  t.equal(c('mg_numbers_range', '1.5', '4'), undefined, 'integers only')
  t.equal(c('mg_numbers_range', '"1"', '4'), undefined)
  t.equal(c('mg_numbers_range', '0', '20000000'), undefined, 'more than 10^7 elements is an error, as on the host')
  t.equal(c('mg_numbers_range_step', '0', '10', '3'), '[0,3,6,9]')
  t.equal(c('mg_numbers_range_step', '10', '0', '4'), '[10,6,2]')
  t.equal(c('mg_numbers_range_step', '0', '10', '99999999999999999999'), '[0]', 'a step past int64')
  t.equal(c('mg_numbers_range_step', '0', '10', '-99999999999999999999'), undefined)
  t.equal(c('mg_numbers_range_step', '0', '10', '0'), undefined, 'the step must be positive')
  t.equal(c('mg_numbers_range_step', '0', '10', '-1'), undefined)
})

t.test('bits.*: big.Int semantics over exact integers', async (t) => {
  t.equal(c('mg_bits_and', '12', '10'), '8')
  t.equal(c('mg_bits_or', '12', '10'), '14')
  t.equal(c('mg_bits_xor', '12', '10'), '6')
  t.equal(c('mg_bits_and', '-1', '255'), '255', "two's complement")
  t.equal(c('mg_bits_negate', '5'), '-6')
  t.equal(c('mg_bits_lsh', '5', '3'), '40')
  t.equal(c('mg_bits_lsh', '1', '100'), '1267650600228229401496703205376', 'past int64 kept exact')
  t.equal(c('mg_bits_lsh', '-3', '64'), '-55340232221128654848')
  t.equal(c('mg_bits_lsh', '1', '62'), '4611686018427387904')
  t.equal(c('mg_bits_lsh', '1', '63'), '9223372036854775808')
  t.equal(c('mg_bits_lsh', '9007199254740993', '1'), '18014398509481986')
  t.equal(c('mg_bits_rsh', '-5', '1'), '-3', 'rounds toward negative infinity')
  t.equal(c('mg_bits_rsh', '5', '70'), '0')
  t.equal(c('mg_bits_rsh', '-5', '70'), '-1')
  t.equal(c('mg_bits_lsh', '1', '-1'), undefined, 'negative shifts are errors')
  t.equal(c('mg_bits_and', '1.5', '1'), undefined, 'integers only')
  t.equal(c('mg_bits_or', '1', '"1"'), undefined)
})

t.test('any and all', async (t) => {
  t.equal(c('mg_any', '[false, true]'), 'true')
  t.equal(c('mg_any', '[1, "true"]'), 'false', 'only the boolean true counts')
  t.equal(c('mg_any', '[]'), 'false')
  t.equal(c('mg_all', '{true}'), 'true')
  t.equal(c('mg_all', '[true, 1]'), 'false')
  t.equal(c('mg_all', 'set()'), 'true')
  t.equal(c('mg_any', '{"a": true}'), undefined, 'arrays and sets only')
})

t.test('walk: every [path, value], pre-order, keys and members sorted', async (t) => {
  t.equal(c('mg_walk', '{"b":[1,{2}],"a":null}'), '[[[],{"a":null,"b":[1,{2}]}],[["a"],null],[["b"],[1,{2}]],[["b",0],1],[["b",1],{2}],[["b",1,2],2]]')
  t.equal(c('mg_walk', '7'), '[[[],7]]')
  t.equal(c('mg_walk', '{1:"x"}'), '[[[],{1:"x"}],[[1],"x"]]', 'non-string keys in the path as they are')
})

t.test('graph.reachable', async (t) => {
  const g = '{"a":["b"],"b":{"c"},"c":[],"d":["a"],"e":"not edges"}'
  t.equal(c('mg_graph_reachable', g, '["a"]'), '{"a","b","c"}')
  t.equal(c('mg_graph_reachable', g, '{"d","x"}'), '{"a","b","c","d"}', 'unknown initial nodes are skipped')
  t.equal(c('mg_graph_reachable', g, '["e"]'), '{"e"}', 'edges that are no collection lead nowhere')
  t.equal(c('mg_graph_reachable', '{"a":["a","b"],"b":["a"]}', '["b"]'), '{"a","b"}', 'cycles')
  t.equal(c('mg_graph_reachable', '{1:[2],2:[]}', '[1]'), '{1,2}', 'nodes of any type')
  t.equal(c('mg_graph_reachable', '[]', '["a"]'), undefined)
  t.equal(c('mg_graph_reachable', g, '"a"'), undefined)
})

t.test('to_number at the edge of float64', async (t) => {
  t.equal(toNumber('-1.7976931348623155e+308'), '-1.7976931348623155e+308')
  t.equal(toNumber('1.7976931348623157e308'), '1.7976931348623157e308', 'the largest float64')
  t.equal(toNumber('17976931348623158e292'), '17976931348623158e292', 'below the largest float64 plus half an ulp')
  t.equal(toNumber('17976931348623159e292'), undefined, 'past it: ErrRange')
  t.equal(toNumber('0.000017977e313'), undefined)
  t.equal(toNumber('1e-400'), '1e-400', 'underflow is no error (OPA keeps the text)')
})

t.test("graph.reachable_paths: OPA's traversal", async (t) => {
  const paths = (g: string, i: string) => c('mg_graph_reachable_paths', g, i)
  t.equal(paths('{"a":["b","c"],"b":["c"],"c":[]}', '["a"]'), '{["a","b","c"],["a","c"]}')
  t.equal(paths('{"a":{"b"},"b":{"c"},"c":{"a"}}', '{"a"}'), '{["a","b","c"]}', 'a cycle ends where it closes')
  t.equal(paths('{"a":["b"],"b":["z"]}', '["a"]'), '{["a","b"]}', 'a neighbour outside the graph ends the path before it')
  t.equal(paths('{"a":[]}', '["a","q"]'), '{["a"]}', 'a node without edges is a path; unknown initial nodes none')
  t.equal(paths('{"a":["b"],"b":["b"]}', '["a"]'), '{["a","b","b"]}', 'a self-loop is walked once (OPA marks the node after the check)')
  // the visited set is shared by sibling branches: e was reached through c,
  // so the branch through d stops before it
  t.equal(paths('{"a":["b"],"b":["c","d"],"c":["e"],"d":["e"],"e":["f"],"f":[]}', '["a"]'), '{["a","b","c","e","f"],["a","b","d"]}')
  t.equal(paths('{"a":"x"}', '["a"]'), '{["a"]}', 'edges that are no collection: none')
  t.equal(paths('[]', '["a"]'), undefined)
  t.equal(paths('{}', '"a"'), undefined)
})
