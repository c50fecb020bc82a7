// compile() output run by the official SDK (@open-policy-agent/opa-wasm):
// each rule kind's result, undefined as [], conflicts and built-in errors,
// custom built-ins from a capabilities file, v0 policies and print().

import t from 'tap'
import { load, thrown } from './fixtures/load.js'

const rules = `package app

default allow := false

allow if input.user.role == "admin"

names contains u.name if {
	some u in input.users
	u.active
}

by_id[u.id] := u.name if some u in input.users

tier(n) := "gold" if {
	n >= 100
} else := "silver" if {
	n >= 10
} else := "bronze"

tiers := [tier(n) | some n in input.points]

limits.read.max := 10

sum_points := sum(input.points)

first_admin := x if {
	some x in input.users
	x.role == "admin"
	not x.disabled
}

all_active if {
	every u in input.users {
		u.active
	}
}

undef_rule if input.nothing == 1
`
const input = {
  user: { role: 'admin' },
  users: [
    { id: 'a', name: 'ann', active: true, role: 'admin' },
    { id: 'b', name: 'bob', active: false },
  ],
  points: [5, 50, 500],
}

t.test("every rule kind gives OPA's result set", async (t) => {
  const eps = ['app/allow', 'app/names', 'app/by_id', 'app/tiers', 'app/limits', 'app/sum_points', 'app/first_admin', 'app/all_active', 'app/undef_rule']
  const { policy, result } = await load(rules, eps)
  t.same(Object.keys(result.entrypoints), eps)
  const ev = (ep: string, i: unknown = input) => policy.evaluate(i, ep)
  t.same(ev('app/allow'), [{ result: true }], 'complete rule')
  t.same(ev('app/allow', { user: { role: 'dev' } }), [{ result: false }], 'default value')
  t.same(ev('app/names'), [{ result: ['ann'] }], 'partial set')
  t.same(ev('app/by_id'), [{ result: { a: 'ann', b: 'bob' } }], 'partial object')
  t.same(ev('app/tiers'), [{ result: ['bronze', 'silver', 'gold'] }], 'function with else chain')
  t.same(ev('app/limits'), [{ result: { read: { max: 10 } } }], 'ref head')
  t.same(ev('app/sum_points'), [{ result: 555 }])
  t.same(ev('app/first_admin'), [{ result: input.users[0] }], 'some-in with not')
  t.same(ev('app/all_active'), [], 'every: one inactive user makes it undefined')
  t.same(ev('app/all_active', { users: [{ active: true }] }), [{ result: true }])
  t.same(ev('app/undef_rule'), [], 'undefined is the empty result set')
})

t.test("a package entrypoint returns the package's virtual document merged with data", async (t) => {
  const { policy } = await load('package app\n\np := 1\n\nq contains x if some x in input.xs\n', ['app'])
  policy.setData({ app: { base: true }, other: 1 })
  t.same(policy.evaluate({ xs: [2] }, 'app'), [{ result: { base: true, p: 1, q: [2] } }])
})

t.test('setData is what data refs read, and input `with` mocks apply', async (t) => {
  const { policy } = await load(
    `package app

allowed if input.user in data.admins

mocked if allowed with input.user as "root"

mocked_data if allowed with data.admins as ["eve"]
`,
    ['app/allowed', 'app/mocked', 'app/mocked_data'],
  )
  policy.setData({ admins: ['root'] })
  t.same(policy.evaluate({ user: 'root' }, 'app/allowed'), [{ result: true }])
  t.same(policy.evaluate({ user: 'eve' }, 'app/allowed'), [])
  t.same(policy.evaluate({ user: 'eve' }, 'app/mocked'), [{ result: true }])
  t.same(policy.evaluate({ user: 'eve' }, 'app/mocked_data'), [{ result: true }])
  t.same(policy.evaluate({ user: 'eve' }, 'app/allowed'), [], 'mocks do not leak into the next evaluation')
})

t.test('conflicts make evaluate throw `file:row:col: eval_conflict_error: …`', async (t) => {
  const { policy } = await load(
    {
      'c.rego': `package app

p := 1 if input.a

p := 2 if input.b

f(x) := 1 if x > 0

f(x) := 2 if x > 1

g := f(input.n)

o[k] := v if {
	some k, v in input.pairs
}
`,
    },
    ['app/p', 'app/g', 'app/o'],
  )
  t.same(policy.evaluate({ a: true }, 'app/p'), [{ result: 1 }], 'one value: no conflict')
  t.equal(
    thrown(() => policy.evaluate({ a: true, b: true }, 'app/p')),
    'c.rego:5:1: eval_conflict_error: complete rules must not produce multiple outputs',
  )
  t.same(policy.evaluate({ n: 1 }, 'app/g'), [{ result: 1 }])
  t.match(
    thrown(() => policy.evaluate({ n: 2 }, 'app/g')),
    /^c\.rego:\d+:1: eval_conflict_error: functions must not produce multiple outputs for same inputs$/,
  )
  t.same(policy.evaluate({ pairs: { a: 1 } }, 'app/o'), [{ result: { a: 1 } }])
  t.equal(
    thrown(() => policy.evaluate({ pairs: [['a', 1]] }, 'app/o')),
    undefined,
    'array indexes as keys do not clash',
  )
  t.same(policy.evaluate({ n: 0 }, 'app/g'), [], 'the instance is usable after a conflict')
})

t.test('built-in errors: undefined by default, thrown with strictBuiltinErrors', async (t) => {
  // to_number runs in the module, io.jwt.decode on the host
  const src = 'package app\n\nn := to_number(input.s)\n\nd := io.jwt.decode(input.s)\n\nok := true\n'
  const lax = await load(src, ['app/n', 'app/d', 'app/ok'])
  t.same(lax.policy.evaluate({ s: 'abc' }, 'app/n'), [], 'the expression is undefined')
  t.same(lax.policy.evaluate({ s: 'abc' }, 'app/d'), [])
  t.same(lax.policy.evaluate({ s: '12' }, 'app/n'), [{ result: 12 }])
  const strict = await load(src, ['app/n', 'app/d', 'app/ok'], { strictBuiltinErrors: true })
  t.ok(strict.result.hostBuiltins?.['io.jwt.decode'], 'strict versions of the host built-ins are returned')
  t.notOk(strict.result.hostBuiltins?.['to_number'], 'none for a built-in the module computes')
  t.match(
    thrown(() => strict.policy.evaluate({ s: 'abc' }, 'app/n')),
    /eval_builtin_error: to_number/,
  )
  t.match(
    thrown(() => strict.policy.evaluate({ s: 'abc' }, 'app/d')),
    /eval_builtin_error: .*period separators/,
  )
  t.same(strict.policy.evaluate({ s: '12' }, 'app/n'), [{ result: 12 }])
  t.same(strict.policy.evaluate({ s: 'abc' }, 'app/ok'), [{ result: true }], 'only evaluations that call the failing built-in throw')
})

t.test('division by zero is undefined (non-strict) and an error in strict mode', async (t) => {
  const { policy } = await load('package app\n\nq := input.a / input.b\n', ['app/q'])
  t.same(policy.evaluate({ a: 1, b: 0 }, 'app/q'), [])
  t.same(policy.evaluate({ a: 1, b: 4 }, 'app/q'), [{ result: 0.25 }])
  const strict = await load('package app\n\nq := input.a / input.b\n', ['app/q'], { strictBuiltinErrors: true })
  t.match(
    thrown(() => strict.policy.evaluate({ a: 1, b: 0 }, 'app/q')),
    /^\S+:3:6: eval_builtin_error: div: invalid argument\(s\)/,
  )
  t.same(strict.policy.evaluate({ a: 1, b: 4 }, 'app/q'), [{ result: 0.25 }])
})

t.test('custom built-ins from an OPA capabilities file run as host functions given at load', async (t) => {
  const capabilities = {
    builtins: [
      { name: 'acme.risk', decl: { type: 'function', args: [{ type: 'string' }, { type: 'number' }], result: { type: 'number' } } },
      { name: 'acme.tags', decl: { type: 'function', args: [{ type: 'any' }], result: { type: 'set', of: { type: 'string' } } } },
    ],
  }
  const src = 'package app\n\nrisk := acme.risk(input.user, 3)\n\nsensitive if "pii" in acme.tags(input)\n'
  const calls: unknown[][] = []
  const { policy, result } = await load(
    src,
    ['app/risk', 'app/sensitive'],
    { capabilities: JSON.stringify(capabilities) },
    {
      'acme.risk': (u: string, n: number) => {
        calls.push([u, n])
        return u.length * n
      },
      'acme.tags': () => ['pii', 'pii', 'x'],
    },
  )
  t.same(result.builtins.sort(), ['acme.risk', 'acme.tags'])
  t.same(policy.evaluate({ user: 'ann' }, 'app/risk'), [{ result: 9 }])
  t.same(calls, [['ann', 3]], 'arguments arrive as JSON values')
  t.same(policy.evaluate({}, 'app/sensitive'), [{ result: true }], 'a set result is usable with `in`')
})

t.test('v0 policies compile with regoVersion: 0', async (t) => {
  const { policy } = await load(
    `package app

default allow = false

allow {
	input.role == "admin"
}

grants[g] {
	g := input.grants[_]
}

owner[k] = v {
	v := input.owners[k]
}
`,
    ['app/allow', 'app/grants', 'app/owner'],
    { regoVersion: 0 },
  )
  t.same(policy.evaluate({ role: 'admin' }, 'app/allow'), [{ result: true }])
  t.same(policy.evaluate({ role: 'x' }, 'app/allow'), [{ result: false }])
  t.same(policy.evaluate({ grants: ['b', 'a', 'b'] }, 'app/grants'), [{ result: ['a', 'b'] }], 'v0 `p[x]` without `contains` is a partial set')
  t.same(policy.evaluate({ owners: { d: 'ann' } }, 'app/owner'), [{ result: { d: 'ann' } }])
})

t.test('print() output reaches console.log through opa_println', async (t) => {
  const { policy } = await load('package app\n\np if {\n\tprint("user", input.user, 1)\n}\n', ['app/p'])
  const logged: unknown[][] = []
  const orig = console.log
  console.log = (...a: unknown[]) => {
    logged.push(a)
  }
  try {
    t.same(policy.evaluate({ user: 'ann' }, 'app/p'), [{ result: true }])
  } finally {
    console.log = orig
  }
  t.same(logged, [['user ann 1']])
})

t.test('SDK-shadowed built-ins are ours, with Go semantics', async (t) => {
  const { policy } = await load('package app\n\ns := sprintf("%v-%05.1f-%x", [input.a, 3.14159, 255])\n', ['app/s'])
  t.same(policy.evaluate({ a: [1, 'b'] }, 'app/s'), [{ result: '[1, "b"]-003.1-ff' }])
})
