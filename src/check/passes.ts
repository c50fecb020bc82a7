// The checker as an ordered table of named passes (OPA's compiler stages in
// v1/ast/compile.go run the same way: a list of named steps over one
// compiler state). Each pass is a pure function of the program checked so
// far and returns what it adds; checkProgram runs them in order and hands
// plan/ a CheckedProgram. A new check is a new row.
//
// OPA's order (v1/ast/compile.go), and where each of its stages lives here:
// rule tree and conflicts, name and call resolution, arity and literal types,
// safety and reordering (checkSafety: body-order.ts, with safety.ts's
// reorder), recursion, `:=` redeclaration → the passes below, in that order.

import type { ErrorDetail } from '../errors/index.js'
import type { Module } from '../rego/ast.js'
import { orderBodies, type BodyOrder } from './body-order.js'
import { checkCalls, resolveCalls, type CallTable, type CustomBuiltins } from './calls.js'
import { resolveNames, type Names } from './names.js'
import { checkRecursion } from './recursion.js'
import { negationWarnings } from './negation.js'
import { checkRedeclarations } from './redeclare.js'
import { buildRuleTree, type RuleGroup, type TreeNode } from './rule-tree.js'

/** The checked program plan/ consumes: the modules and what the passes derived from them. */
export interface CheckedProgram {
  readonly modules: readonly Module[]
  readonly root: TreeNode
  readonly groups: readonly RuleGroup[]
  readonly names: Names
  /** What every call of every rule means. */
  readonly calls: CallTable
  /** Every body in the order plan/ plans it (the safety pass's). */
  readonly order: BodyOrder
  /** Built-ins a capabilities file added (host calls). */
  readonly customBuiltins?: CustomBuiltins
  /** Every error the passes found, in the order they ran. */
  readonly errors: readonly ErrorDetail[]
  /** What compiles but likely does not mean what it says (`policy check` prints these). */
  readonly warnings: readonly ErrorDetail[]
}

export interface CheckOptions {
  /** Built-ins from an OPA capabilities file: names calls may use beyond the catalog. */
  readonly customBuiltins?: CustomBuiltins
}

type Derived = Omit<CheckedProgram, 'modules' | 'errors' | 'warnings' | 'customBuiltins'>

export interface CheckPass {
  readonly name: string
  /** Why it runs where it does. */
  readonly why: string
  /** A pure function of the modules, the options and what earlier passes derived. */
  run(
    modules: readonly Module[],
    before: Readonly<Partial<Derived>>,
    opts: CheckOptions,
  ): { adds?: Partial<Derived>; errors?: ErrorDetail[]; warnings?: ErrorDetail[] }
}

/** What a pass needs from an earlier one; a missing one is a mistake in CHECK_PASSES's order. */
function need<K extends keyof Derived>(before: Readonly<Partial<Derived>>, ...keys: K[]): Pick<Derived, K> {
  for (const k of keys) if (before[k] === undefined) throw new Error(`check: a pass needs ${k}, which no earlier pass derives`)
  return before as Pick<Derived, K>
}

/** The passes, in the order they run. */
export const CHECK_PASSES: readonly CheckPass[] = [
  {
    name: 'rule-tree',
    why: 'first, as in OPA: every later step looks rules up by path, and a path defined twice with different kinds, arities or two defaults is an error before anything reads it',
    run: (modules) => {
      const { root, groups, errors } = buildRuleTree(modules)
      return { adds: { root, groups }, errors }
    },
  },
  {
    name: 'resolve-names',
    why: 'after the rule tree (rule names per package are its first segments): the tables the resolver reads to tell a rule, an import and a local apart in every body',
    run: (modules) => ({ adds: { names: resolveNames(modules) } }),
  },
  {
    name: 'resolve-calls',
    why: "after the names: each call is resolved once, to a function rule of the tree or a built-in, with the locals of its scope shadowing rules and imports; safety (a call's output argument) and plan/ read the result",
    run: (_modules, before, opts) => {
      const { groups, root, names } = need(before, 'groups', 'root', 'names')
      return { adds: { calls: resolveCalls(groups, root, names, opts.customBuiltins) } }
    },
  },
  {
    name: 'check-calls',
    why: "after resolution, as OPA's type checker follows its resolver: an undefined function, a wrong number of arguments or a literal argument of a type the built-in never accepts is an error wherever the call sits, reachable or not",
    run: (_modules, before, opts) => {
      const { groups, root, names, calls } = need(before, 'groups', 'root', 'names', 'calls')
      return { errors: checkCalls(groups, root, names, calls, opts.customBuiltins) }
    },
  },
  {
    name: 'safety',
    why: "after the calls are resolved and checked (a call's output argument binds a variable; a call of a rule or an erroneous one plans no arguments), before recursion as in OPA's checkSafety: every body is ordered so each expression runs once what it needs is bound, and a variable nothing can bind is rego_unsafe_var_error; plan/ plans each body in this order",
    run: (_modules, before, opts) => {
      const { groups, root, names, calls } = need(before, 'groups', 'root', 'names', 'calls')
      const { order, errors } = orderBodies(groups, root, names, calls, opts.customBuiltins)
      return { adds: { order }, errors }
    },
  },
  {
    name: 'recursion',
    why: 'after calls are resolved (a call is an edge of the rule graph): a rule that depends on itself is an error before plan/ would plan it into a function calling itself',
    run: (_modules, before, opts) => {
      const { groups, root, names, calls } = need(before, 'groups', 'root', 'names', 'calls')
      return { errors: checkRecursion(groups, root, names, calls, opts.customBuiltins) }
    },
  },
  {
    name: 'redeclarations',
    why: "OPA's local-variable rewriting: a `:=` of a variable already declared with `:=` in the same body is an error; it needs only the groups, and runs last since nothing reads its result",
    run: (_modules, before) => ({ errors: checkRedeclarations(need(before, 'groups').groups) }),
  },
  {
    name: 'negation-warnings',
    why: 'a warning, last since nothing depends on it: in `not f(input.x)` OPA evaluates `input.x` before the negation (plan/ does the same), so an undefined argument fails the body; authors rarely mean that (OPA issue 8387)',
    run: (_modules, before) => {
      const { groups, names } = need(before, 'groups', 'names')
      return { warnings: negationWarnings(groups, names) }
    },
  },
]

export function checkProgram(modules: readonly Module[], opts: CheckOptions = {}): CheckedProgram {
  const errors: ErrorDetail[] = []
  const warnings: ErrorDetail[] = []
  let derived: Partial<Derived> = {}
  for (const pass of CHECK_PASSES) {
    const out = pass.run(modules, derived, opts)
    derived = { ...derived, ...out.adds }
    if (out.errors) errors.push(...out.errors)
    if (out.warnings) warnings.push(...out.warnings)
  }
  const { root, groups, names, calls, order } = need(derived, 'root', 'groups', 'names', 'calls', 'order')
  return { modules, root, groups, names, calls, order, ...(opts.customBuiltins ? { customBuiltins: opts.customBuiltins } : {}), errors, warnings }
}
