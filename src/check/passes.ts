// The checker as an ordered table of named passes (OPA's compiler stages in
// v1/ast/compile.go run the same way: a list of named steps over one
// compiler state). Each pass is a pure function of the program checked so
// far and returns what it adds; checkProgram runs them in order and hands
// plan/ a CheckedProgram. A new check is a new row.
//
// OPA's order, and where each of its stages lives here:
//   resolve refs, rule tree, rule conflicts  → passes below
//   rewrite/reorder for safety (checkSafety) → safety.ts: reorder(), run by
//     plan/ on each body as it plans it, because which names are bound there
//     (function arguments, `some`, the enclosing body of a comprehension or
//     `every`, `with`) is the planner's scope
//   type and arity checks on calls, recursion, `:=` redeclaration → plan/
//     reports them where it resolves each call (under the `with` mocks in
//     force) and each rule it reaches; moving them here means resolving
//     calls twice, so they stay with the one resolver until that resolver
//     moves here too.

import type { ErrorDetail } from '../errors/index.js'
import type { Module } from '../rego/ast.js'
import { resolveNames, type Names } from './names.js'
import { buildRuleTree, type RuleGroup, type TreeNode } from './rule-tree.js'

/** The checked program plan/ consumes: the modules and what the passes derived from them. */
export interface CheckedProgram {
  readonly modules: readonly Module[]
  readonly root: TreeNode
  readonly groups: readonly RuleGroup[]
  readonly names: Names
  /** Every error the passes found, in the order they ran. */
  readonly errors: readonly ErrorDetail[]
}

type Derived = Omit<CheckedProgram, 'modules' | 'errors'>

export interface CheckPass {
  readonly name: string
  /** Why it runs where it does. */
  readonly why: string
  /** A pure function of the modules and what earlier passes derived. */
  run(modules: readonly Module[], before: Readonly<Partial<Derived>>): { adds: Partial<Derived>; errors?: ErrorDetail[] }
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
]

export function checkProgram(modules: readonly Module[]): CheckedProgram {
  const errors: ErrorDetail[] = []
  let derived: Partial<Derived> = {}
  for (const pass of CHECK_PASSES) {
    const out = pass.run(modules, derived)
    derived = { ...derived, ...out.adds }
    if (out.errors) errors.push(...out.errors)
  }
  const { root, groups, names } = derived
  if (!root || !groups || !names) throw new Error('check: a pass that derives the rule tree or the names is missing from CHECK_PASSES')
  return { modules, root, groups, names, errors }
}
