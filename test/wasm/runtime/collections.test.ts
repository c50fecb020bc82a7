// Runtime objects, sets and arrays: OPA's order for iteration and dumps,
// O(1) lookups on large objects, comparison, merge/upsert and the SDK's
// add/remove path.

import t from 'tap'
import { loadRuntime } from './fixtures/harness.js'

const rt = await loadRuntime()
const ex = rt.ex

t.test('objects and sets iterate in OPA order', async (t) => {
  const s = rt.vparse('{"b", 3, null, [1], {"k": 1}, {2}, false, true, "a", 1.5, [0, 9], {}}')
  const keys: string[] = []
  for (let i = 0; i < ex.mg_len(s); i++) keys.push(rt.vdump(ex.mg_key_at(s, i)))
  t.same(keys, ['null', 'false', 'true', '1.5', '3', '"a"', '"b"', '[0,9]', '[1]', '{}', '{"k":1}', '{2}'])
  t.equal(ex.mg_val_at(s, 0), ex.mg_key_at(s, 0), 'set values are the elements')
  const o = rt.parse('{"b":2,"a":1,"ab":3,"":0,"B":4}')
  const ks: string[] = [],
    vs: string[] = []
  for (let i = 0; i < ex.mg_len(o); i++) {
    ks.push(rt.dump(ex.mg_key_at(o, i)))
    vs.push(rt.dump(ex.mg_val_at(o, i)))
  }
  t.same(ks, ['""', '"B"', '"a"', '"ab"', '"b"'], 'strings bytewise')
  t.same(vs, ['0', '4', '1', '3', '2'])
  t.equal(ex.mg_key_at(o, 5), 0, 'out of range')
  t.equal(ex.mg_key_at(o, -1), 0)
})

t.test('arrays: key_at is the index, len, get', async (t) => {
  const a = rt.parse('["x","y"]')
  t.equal(ex.mg_len(a), 2)
  t.equal(rt.dump(ex.mg_key_at(a, 1)), '1')
  t.equal(rt.dump(ex.mg_val_at(a, 1)), '"y"')
  t.equal(ex.mg_val_at(a, 2), 0)
  t.equal(ex.mg_get(a, rt.parse('2')), 0)
  t.equal(ex.mg_get(a, rt.parse('-1')), 0)
  t.equal(ex.mg_get(a, rt.parse('"0"')), 0)
  t.equal(ex.mg_len(rt.parse('"abc"')), -1, 'scalars have no length')
  t.equal(ex.mg_len(0), -1)
  const b = ex.mg_arr(0)
  for (let i = 0; i < 100; i++) ex.mg_arr_push(b, ex.mg_int(BigInt(i)))
  t.equal(ex.mg_len(b), 100)
  t.equal(rt.dump(ex.mg_val_at(b, 99)), '99')
})

t.test('mg_get on objects and sets, with non-string keys', async (t) => {
  const o = rt.vparse('{"a": 1, 2: "two", [1]: "arr", {"x"}: "set", null: "n"}')
  const get = (k: string) => {
    const r = ex.mg_get(o, rt.vparse(k))
    return r ? rt.vdump(r) : undefined
  }
  t.equal(get('"a"'), '1')
  t.equal(get('2'), '"two"')
  t.equal(get('2.0'), '"two"')
  t.equal(get('[1]'), '"arr"')
  t.equal(get('{"x"}'), '"set"')
  t.equal(get('null'), '"n"')
  t.equal(get('"b"'), undefined)
  const s = rt.vparse('{1, "a"}')
  const k = rt.vparse('"a"')
  t.equal(ex.mg_get(s, k), k, 'set member returns the key')
  t.equal(ex.mg_get(s, rt.vparse('2')), 0)
  t.equal(ex.mg_get(rt.parse('1'), k), 0, 'scalars have no members')
  t.equal(rt.dump(o), '{"2":"two","[\\"x\\"]":"set","[1]":"arr","a":1,"null":"n"}', 'JSON keys ordered by their text')
})

t.test('insert replaces; insert_checked reports conflicts', async (t) => {
  const o = ex.mg_obj()
  const k = rt.str('k')
  ex.mg_obj_insert(o, k, rt.parse('1'))
  ex.mg_obj_insert(o, rt.str('k'), rt.parse('2'))
  t.equal(rt.dump(o), '{"k":2}')
  t.equal(ex.mg_obj_insert_checked(o, rt.str('k'), rt.parse('2.0')), 0, 'same value')
  t.equal(ex.mg_obj_insert_checked(o, rt.str('k'), rt.parse('3')), 1, 'conflict')
  t.equal(ex.mg_obj_insert_checked(o, rt.str('j'), rt.parse('3')), 0)
  t.equal(rt.dump(o), '{"j":3,"k":2}')
  const s = ex.mg_set()
  for (const x of ['2', '1', '2', '"a"', '1.0']) ex.mg_set_add(s, rt.parse(x))
  t.equal(rt.vdump(s), '{1,2,"a"}')
  t.equal(rt.vdump(ex.mg_to_set(rt.parse('[3,1,3]'))), '{1,3}')
  t.equal(ex.mg_to_set(s), s)
  t.equal(ex.mg_to_set(rt.parse('1')), 0)
})

t.test('inserting after iterating keeps order and lookups right', async (t) => {
  const o = ex.mg_obj()
  for (let i = 0; i < 40; i += 2) ex.mg_obj_insert(o, rt.str(`k${String(i).padStart(2, '0')}`), ex.mg_int(BigInt(i)))
  t.equal(rt.dump(ex.mg_key_at(o, 0)), '"k00"')
  for (let i = 1; i < 40; i += 2) ex.mg_obj_insert(o, rt.str(`k${String(i).padStart(2, '0')}`), ex.mg_int(BigInt(i)))
  const ks: string[] = []
  for (let i = 0; i < ex.mg_len(o); i++) ks.push(rt.dump(ex.mg_val_at(o, i)))
  t.same(
    ks,
    Array.from({ length: 40 }, (_, i) => String(i)),
  )
  for (let i = 0; i < 40; i++) t.equal(rt.dump(ex.mg_get(o, rt.str(`k${String(i).padStart(2, '0')}`))), String(i))
})

// Whether this scales linearly is a benchmark (`npm run bench -- --only objects`),
// not a test: no test asserts on elapsed time.
t.test('10k-key objects parse, look up and iterate in order', async (t) => {
  const build = (n: number) => {
    const doc: Record<string, number> = {}
    for (let i = 0; i < n; i++) doc[`key-${(i * 7919) % n}`] = i
    const json = JSON.stringify(doc)
    const keys = Array.from({ length: n }, (_, i) => rt.str(`key-${i}`))
    const [p, len] = rt.bytes(json)
    return { doc, keys, p, len }
  }
  const run = (n: number) => {
    const { doc, keys, p, len } = build(n)
    const o = ex.opa_json_parse(p, len)
    let found = 0
    for (const k of keys) if (ex.mg_get(o, k) !== 0) found++
    let ordered = true
    for (let i = 1; i < ex.mg_len(o); i++) if (ex.mg_compare(ex.mg_key_at(o, i - 1), ex.mg_key_at(o, i)) >= 0) ordered = false
    const out = ex.opa_json_dump(o)
    return { found, ordered, out: rt.cstr(out), doc }
  }
  const small = run(2500)
  t.equal(small.found, 2500)
  const big = run(10000)
  t.equal(big.found, 10000)
  t.ok(big.ordered, 'keys iterate sorted')
  t.same(JSON.parse(big.out), big.doc)
  const s = ex.mg_set()
  for (let i = 0; i < 10000; i++) ex.mg_set_add(s, ex.mg_int(BigInt((i * 7919) % 10000)))
  t.equal(ex.mg_len(s), 10000)
  t.equal(rt.dump(ex.mg_key_at(s, 9999)), '9999')
})

t.test('equality and comparison of composites', async (t) => {
  const eq = (a: string, b: string) => ex.mg_equal(rt.vparse(a), rt.vparse(b))
  const cmp = (a: string, b: string) => ex.mg_compare(rt.vparse(a), rt.vparse(b))
  t.equal(eq('{"a":[1,{2}],"b":null}', '{"b":null,"a":[1.0,{2}]}'), 1)
  t.equal(eq('{"a":1}', '{"a":2}'), 0)
  t.equal(eq('{"a":1}', '{"b":1}'), 0)
  t.equal(eq('{1,2}', '{2,1}'), 1)
  t.equal(eq('[1,2]', '[2,1]'), 0)
  t.equal(eq('[1]', '{1}'), 0)
  t.equal(ex.mg_equal(0, 0), 1)
  t.equal(ex.mg_equal(rt.parse('1'), 0), 0)
  t.equal(cmp('null', 'false'), -1)
  t.equal(cmp('true', 'false'), 1)
  t.equal(cmp('true', '0'), -1)
  t.equal(cmp('100', '"1"'), -1)
  t.equal(cmp('"a"', '"ab"'), -1)
  t.equal(cmp('"é"', '"z"'), 1, 'bytewise UTF-8')
  t.equal(cmp('[1,2]', '[1,2,0]'), -1)
  t.equal(cmp('[2]', '[1,5]'), 1)
  t.equal(cmp('[]', '{}'), -1)
  t.equal(cmp('{"a":2}', '{"b":1}'), -1, 'objects: keys first')
  t.equal(cmp('{"a":2}', '{"a":1}'), 1, 'then values')
  t.equal(cmp('{"a":1}', '{"a":1,"b":0}'), -1, 'then size')
  t.equal(cmp('{}', 'set()'), -1)
  t.equal(cmp('{1,3}', '{1,2,3}'), 1)
  t.equal(cmp('{1,2}', '{1,2}'), 0)
})

t.test('merge and upsert', async (t) => {
  const m = (a: string, b: string) => rt.vdump(ex.mg_obj_merge(rt.vparse(a), rt.vparse(b)))
  t.equal(m('{"a":{"x":1,"y":{"p":1}},"b":1}', '{"a":{"y":{"q":2},"z":3},"b":2,"c":3}'), '{"a":{"x":1,"y":{"p":1,"q":2},"z":3},"b":2,"c":3}')
  t.equal(m('{"a":{"x":1}}', '{"a":5}'), '{"a":5}')
  t.equal(ex.mg_obj_merge(rt.vparse('{}'), rt.vparse('[]')), 0)
  const root = rt.vparse('{"a":{"b":1,"c":2},"d":3}')
  const up = ex.mg_upsert(root, rt.vparse('["a","b"]'), rt.vparse('9'))
  t.equal(rt.vdump(up), '{"a":{"b":9,"c":2},"d":3}')
  t.equal(rt.vdump(root), '{"a":{"b":1,"c":2},"d":3}', 'the original is unchanged')
  t.equal(rt.vdump(ex.mg_upsert(0, rt.vparse('["x","y"]'), rt.vparse('true'))), '{"x":{"y":true}}')
  t.equal(rt.vdump(ex.mg_upsert(rt.vparse('{"x":1}'), rt.vparse('["x","y"]'), rt.vparse('true'))), '{"x":{"y":true}}')
  t.equal(rt.vdump(ex.mg_upsert(root, rt.vparse('[]'), rt.vparse('7'))), '7')
})

t.test('opa_value_add_path / remove_path with OPA error codes', async (t) => {
  const base = rt.parse('{"a":{"b":1},"s":"x"}')
  t.equal(ex.opa_value_add_path(base, rt.parse('["a","c"]'), rt.parse('2')), 0)
  t.equal(ex.opa_value_add_path(base, rt.parse('["n","m","o"]'), rt.parse('true')), 0)
  t.equal(rt.dump(base), '{"a":{"b":1,"c":2},"n":{"m":{"o":true}},"s":"x"}')
  t.equal(ex.opa_value_add_path(base, rt.parse('"a"'), rt.parse('1')), 2, 'path not an array')
  t.equal(ex.opa_value_add_path(base, rt.parse('[]'), rt.parse('1')), 3, 'empty path')
  t.equal(ex.opa_value_add_path(base, rt.parse('["s","t"]'), rt.parse('1')), 3, 'through a string')
  t.equal(ex.opa_value_remove_path(base, rt.parse('["a","b"]')), 0)
  t.equal(ex.opa_value_remove_path(base, rt.parse('["n"]')), 0)
  t.equal(rt.dump(base), '{"a":{"c":2},"s":"x"}')
  t.equal(ex.opa_value_remove_path(base, rt.parse('["zz","y"]')), 3)
  t.equal(ex.opa_value_remove_path(base, rt.parse('1')), 2)
})
