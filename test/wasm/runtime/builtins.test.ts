// Native built-ins (mg_*): OPA semantics for each, and undefined (0) for
// arguments of the wrong type.

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const c = (name: string, ...args: string[]) => rt.call(name, ...args)

t.test('minus on sets is difference; plus only numbers', async (t) => {
  t.equal(c('mg_minus', '{1,2,3}', '{2,4}'), '{1,3}')
  t.equal(c('mg_minus', '{1}', '[1]'), undefined)
  t.equal(c('mg_plus', '{1}', '{2}'), undefined)
  t.equal(c('mg_minus', '5', '7'), '-2')
})

t.test('count', async (t) => {
  t.equal(c('mg_count', '"héllo ✓"'), '7', 'code points')
  t.equal(c('mg_count', '""'), '0')
  t.equal(c('mg_count', '[1,2,3]'), '3')
  t.equal(c('mg_count', '{"a":1}'), '1')
  t.equal(c('mg_count', '{1,2}'), '2')
  t.equal(c('mg_count', '1'), undefined)
  t.equal(c('mg_count', 'null'), undefined)
})

t.test('sum, product, max, min, sort', async (t) => {
  t.equal(c('mg_sum', '[1,2,3.5]'), '6.5')
  t.equal(c('mg_sum', '{1,2,3}'), '6')
  t.equal(c('mg_sum', '[]'), '0')
  t.equal(c('mg_sum', '[1,"a"]'), undefined)
  t.equal(c('mg_sum', '{"a":1}'), undefined)
  t.equal(c('mg_product', '[2,3,4]'), '24')
  t.equal(c('mg_product', 'set()'), '1')
  t.equal(c('mg_product', '[2,null]'), undefined)
  t.equal(c('mg_max', '[1,5,3]'), '5')
  t.equal(c('mg_max', '{1,"a",[0]}'), '[0]', 'any types, OPA order')
  t.equal(c('mg_max', '[]'), undefined)
  t.equal(c('mg_min', '[4,2,8]'), '2')
  t.equal(c('mg_min', '{"b","a"}'), '"a"')
  t.equal(c('mg_min', '"abc"'), undefined)
  t.equal(c('mg_sort', '[3,"a",1,null,{},[1],true,2.5]'), '[null,true,1,2.5,3,"a",[1],{}]')
  t.equal(c('mg_sort', '{3,1,2}'), '[1,2,3]')
  t.equal(c('mg_sort', '[]'), '[]')
  t.equal(c('mg_sort', '{"a":1}'), undefined)
  const big = `[${Array.from({ length: 500 }, (_, i) => (i * 7919) % 500).join(',')}]`
  t.equal(c('mg_sort', big), `[${Array.from({ length: 500 }, (_, i) => i).join(',')}]`)
})

t.test('comparison built-ins return booleans', async (t) => {
  t.equal(c('mg_eq', '[1,{"a":2}]', '[1.0,{"a":2}]'), 'true')
  t.equal(c('mg_eq', '1', '"1"'), 'false')
  t.equal(c('mg_neq', '1', '"1"'), 'true')
  t.equal(c('mg_neq', '{1}', '{1}'), 'false')
  t.equal(c('mg_lt', '1', '2'), 'true')
  t.equal(c('mg_lt', '2', '2'), 'false')
  t.equal(c('mg_lte', '2', '2'), 'true')
  t.equal(c('mg_gt', '"b"', '"a"'), 'true')
  t.equal(c('mg_gt', '1', '"a"'), 'false', 'numbers sort before strings')
  t.equal(c('mg_gte', '[1]', '[1]'), 'true')
  t.equal(rt.ex.mg_eq(0, rt.parse('1')), 0)
})

t.test('membership', async (t) => {
  t.equal(c('mg_member2', '2', '[1,2,3]'), 'true')
  t.equal(c('mg_member2', '2.0', '{1,2}'), 'true')
  t.equal(c('mg_member2', '1', '{"a":1}'), 'true', 'object values')
  t.equal(c('mg_member2', '"a"', '{"a":1}'), 'false', 'not keys')
  t.equal(c('mg_member2', '"a"', '"abc"'), 'false', 'scalars contain nothing')
  t.equal(c('mg_member3', '1', '"b"', '["a","b"]'), 'true')
  t.equal(c('mg_member3', '0', '"b"', '["a","b"]'), 'false')
  t.equal(c('mg_member3', '5', '"b"', '["a","b"]'), 'false')
  t.equal(c('mg_member3', '"k"', '1', '{"k":1}'), 'true')
  t.equal(c('mg_member3', '"k"', '2', '{"k":1}'), 'false')
  t.equal(c('mg_member3', '"x"', '1', '{"k":1}'), 'false')
  t.equal(c('mg_member3', '3', '3', '{3}'), 'true')
  t.equal(c('mg_member3', '3', '4', '{3}'), 'false')
  t.equal(c('mg_member3', '0', '"a"', '"abc"'), 'false')
})

t.test('strings', async (t) => {
  t.equal(c('mg_startswith', '"hello"', '"he"'), 'true')
  t.equal(c('mg_startswith', '"hello"', '"lo"'), 'false')
  t.equal(c('mg_startswith', '"he"', '"hello"'), 'false')
  t.equal(c('mg_startswith', '"x"', '""'), 'true')
  t.equal(c('mg_endswith', '"hello"', '"llo"'), 'true')
  t.equal(c('mg_endswith', '"hello"', '"he"'), 'false')
  t.equal(c('mg_contains', '"hello"', '"ell"'), 'true')
  t.equal(c('mg_contains', '"hello"', '"elo"'), 'false')
  t.equal(c('mg_contains', '"héllo"', '"él"'), 'true')
  for (const f of ['mg_startswith', 'mg_endswith', 'mg_contains']) {
    t.equal(c(f, '1', '"a"'), undefined, f)
    t.equal(c(f, '"a"', '["a"]'), undefined, f)
  }
  t.equal(c('mg_template_str', '"plain"'), '"plain"')
  // Rego's printed form: `, ` and `: ` separators, as OPA's template strings print
  t.equal(c('mg_template_str', '{2,1}'), '"{1, 2}"')
  t.equal(c('mg_template_str', '{"a":[1,null]}'), '"{\\"a\\": [1, null]}"')
  t.equal(c('mg_template_str', '2.5'), '"2.5"')
  t.equal(c('mg_str_join', '["a","é","c"]'), '"aéc"')
  t.equal(c('mg_str_join', '[]'), '""')
  t.equal(c('mg_str_join', '["a",1]'), undefined)
  t.equal(c('mg_str_join', '"a"'), undefined)
})

t.test('object.get and object.keys', async (t) => {
  t.equal(c('mg_object_get', '{"a":1}', '"a"', '0'), '1')
  t.equal(c('mg_object_get', '{"a":1}', '"b"', '0'), '0')
  t.equal(c('mg_object_get', '{"a":{"b":[5,6]}}', '["a","b",1]', '0'), '6', 'array path')
  t.equal(c('mg_object_get', '{"a":{"b":1}}', '["a","x"]', '"d"'), '"d"')
  t.equal(c('mg_object_get', '{"a":1}', '[]', '0'), '{"a":1}', 'empty path is the object')
  t.equal(c('mg_object_get', '{[1]:2}', '[1]', '0'), '0', 'an array key is a path')
  t.equal(c('mg_object_get', '[1]', '0', '0'), undefined, 'not an object')
  t.equal(c('mg_object_keys', '{"b":1,"a":2}'), '{"a","b"}')
  t.equal(c('mg_object_keys', '{}'), 'set()')
  t.equal(c('mg_object_keys', '[1]'), undefined)
})

t.test('set operators, union and intersection', async (t) => {
  t.equal(c('mg_and', '{1,2,3}', '{2,3,4}'), '{2,3}')
  t.equal(c('mg_or', '{1,2}', '{2,3}'), '{1,2,3}')
  t.equal(c('mg_and', '{1}', '[1]'), undefined)
  t.equal(c('mg_or', '[1]', '{1}'), undefined)
  t.equal(c('mg_union', '{{1,2},{2,3},set()}'), '{1,2,3}')
  t.equal(c('mg_union', 'set()'), 'set()')
  t.equal(c('mg_union', '{{1},[2]}'), undefined)
  t.equal(c('mg_union', '[{1}]'), undefined)
  t.equal(c('mg_intersection', '{{1,2,3},{2,3},{3,2,9}}'), '{2,3}')
  t.equal(c('mg_intersection', '{{1,2}}'), '{1,2}')
  t.equal(c('mg_intersection', 'set()'), 'set()')
  t.equal(c('mg_intersection', '{1}'), undefined)
})

t.test('array.concat and array.slice', async (t) => {
  t.equal(c('mg_array_concat', '[1,2]', '[3]'), '[1,2,3]')
  t.equal(c('mg_array_concat', '[]', '[]'), '[]')
  t.equal(c('mg_array_concat', '[1]', '{2}'), undefined)
  t.equal(c('mg_array_slice', '[1,2,3,4]', '1', '3'), '[2,3]')
  t.equal(c('mg_array_slice', '[1,2,3,4]', '-5', '2'), '[1,2]', 'start clamps to 0')
  t.equal(c('mg_array_slice', '[1,2,3,4]', '2', '99'), '[3,4]', 'stop clamps to len')
  t.equal(c('mg_array_slice', '[1,2,3,4]', '3', '1'), '[]')
  t.equal(c('mg_array_slice', '[1,2]', '0.5', '1'), undefined, 'integer bounds')
  t.equal(c('mg_array_slice', '[1,2]', '"0"', '1'), undefined)
  t.equal(c('mg_array_slice', '"ab"', '0', '1'), undefined)
})

t.test('type_name and is_*', async (t) => {
  const cases: Array<[string, string]> = [
    ['null', 'null'],
    ['true', 'boolean'],
    ['1.5', 'number'],
    ['"s"', 'string'],
    ['[]', 'array'],
    ['{}', 'object'],
    ['set()', 'set'],
  ]
  for (const [v, name] of cases) t.equal(c('mg_type_name', v), `"${name}"`, name)
  const fns: Record<string, string> = {
    mg_is_null: 'null',
    mg_is_boolean: 'boolean',
    mg_is_number: 'number',
    mg_is_string: 'string',
    mg_is_array: 'array',
    mg_is_object: 'object',
    mg_is_set: 'set',
  }
  for (const [fn, name] of Object.entries(fns)) {
    for (const [v, vname] of cases) t.equal(c(fn, v), String(name === vname), `${fn}(${v})`)
    t.equal(rt.ex[fn](0), 0, `${fn}(undefined)`)
  }
  t.equal(rt.ex.mg_type_name(0), 0)
  t.equal(rt.ex.mg_type(rt.parse('"x"')), 4)
  t.equal(rt.ex.mg_type(0), 0)
})

t.test('constructors and truthiness', async (t) => {
  const ex = rt.ex
  t.equal(rt.dump(ex.mg_null()), 'null')
  t.equal(rt.dump(ex.mg_bool(1)), 'true')
  t.equal(ex.mg_is_true(ex.mg_bool(7)), 1)
  t.equal(ex.mg_is_true(ex.mg_bool(0)), 0)
  t.equal(ex.mg_is_true(rt.parse('1')), 0)
  t.equal(rt.dump(ex.mg_int(42n)), '42')
  t.equal(rt.dump(ex.mg_float(0.5)), '0.5')
  t.equal(rt.dump(ex.mg_float(3)), '3')
  t.equal(rt.dump(rt.str('a"b')), '"a\\"b"')
  t.equal(rt.dump(ex.mg_obj()), '{}')
  t.equal(rt.vdump(ex.mg_set()), 'set()')
})
