// What OPA evaluates *outside* a negated expression. OPA's compiler rewrites
// every body before evaluation: nested calls become expressions of their own
// before the one that used them (rewriteExprTerms' expandExpr), then refs in
// call arguments, in ref operands and in composite terms become `__localN__ =
// ref` expressions before it (rewriteDynamicTerms). Neither looks at `not`, so
// in `not f(input.missing)` the argument is evaluated before the negation and
// an undefined argument makes the body fail instead of the negation succeed
// (open-policy-agent/opa#1877, #4743, #8387); `a == b` is the exception, as
// OPA rewrites it to `a = b` first. plan/ evaluates these terms
// before the negation, in this order; check/ warns about them.

import type { ErrorDetail } from '../errors/index.js'
import type { Expr, Term } from '../rego/ast.js'
import { locate } from '../source/index.js'
import { importOf, isRuleName, type Names } from './names.js'
import type { RuleGroup } from './rule-tree.js'
import { walkGroups } from './walk.js'

/** Whether a bare name is a reference (a rule, an import, `input`, `data`) rather than a local. */
export type IsRefName = (name: string) => boolean

/**
 * The terms of negated expression `e` that OPA evaluates before the
 * negation, in evaluation order: nested calls first (inner before outer),
 * then the refs its rewriting binds to variables.
 */
export function hoistedTerms(e: Expr, isRefName: IsRefName): Term[] {
  const out: Term[] = []
  const hoisted = new Set<Term>()
  const hoist = (t: Term) => {
    if (!hoisted.has(t)) {
      hoisted.add(t)
      out.push(t)
    }
  }

  // expandExpr: every call nested in the expression's operands.
  const expand = (t: Term): void => {
    switch (t.type) {
      case 'call':
        t.args.forEach(expand)
        hoist(t)
        return
      case 'ref':
        expand(t.head)
        t.path.forEach(expand)
        return
      case 'array':
      case 'set':
        t.items.forEach(expand)
        return
      case 'object':
        t.items.forEach(([k, v]) => {
          expand(k)
          expand(v)
        })
        return
      default:
        return
    }
  }
  // rewriteDynamics: refs become variables bound before the expression.
  const one = (t: Term): void => {
    if (hoisted.has(t)) return
    switch (t.type) {
      case 'ref':
        t.path.forEach(one)
        hoist(t)
        return
      case 'var':
        if (isRefName(t.name)) hoist(t)
        return
      case 'array':
      case 'set':
        t.items.forEach(one)
        return
      case 'object':
        t.items.forEach(([k, v]) => {
          one(k)
          one(v)
        })
        return
      default:
        return
    }
  }
  const inTerm = (t: Term): void => {
    if (hoisted.has(t)) return
    switch (t.type) {
      case 'ref':
        t.path.forEach(one)
        return
      case 'array':
      case 'set':
      case 'object':
        one(t)
        return
      default:
        return
    }
  }

  switch (e.kind) {
    case 'term':
      if (e.term.type === 'call' && isDoubleEquals(e.term)) {
        // OPA's rewriteEquals turns a body's `a == b` into `a = b` before
        // rewriteDynamics runs, so its operands are treated as unification's:
        // only calls and dynamic parts of refs leave the negation, the refs
        // themselves stay (`not input.x == "a"` is true when input.x is
        // missing; opa#1877, and gatekeeper-library's tests rely on it).
        e.term.args.forEach(expand)
        e.term.args.forEach(inTerm)
      } else if (e.term.type === 'call') {
        e.term.args.forEach(expand)
        e.term.args.forEach(one)
      } else {
        expand(e.term)
        inTerm(e.term)
      }
      break
    case 'unify':
      expand(e.left)
      expand(e.right)
      inTerm(e.left)
      inTerm(e.right)
      break
    default:
      break
  }
  return out
}

/**
 * `policy check`'s warning for the pattern (OPA issue 8387): every term a
 * negated expression evaluates before its `not`. When such a term is
 * undefined the whole body fails, so a `deny if not allowed(input.user)`
 * does not fire when `input.user` is missing.
 */
export function negationWarnings(groups: readonly RuleGroup[], names: Names): ErrorDetail[] {
  const warnings: ErrorDetail[] = []
  walkGroups(groups, {
    expr(e, s) {
      if (!e.negated) return
      const isRef = (n: string) =>
        !s.declared.has(n) &&
        !n.startsWith('$wild') &&
        n !== '_' &&
        (n === 'input' || n === 'data' || importOf(names, s.module, n) !== undefined || isRuleName(names, s.module, n))
      const inner = s.module.text
        .slice(e.span.start, e.span.end)
        .replace(/^not\s+/, '')
        .replace(/\s+with\s[\s\S]*$/, '')
      for (const t of hoistedTerms(e, isRef)) {
        const text = s.module.text.slice(t.span.start, t.span.end)
        warnings.push({
          code: 'rego_negation_undefined_arg',
          message: `\`${text}\` is evaluated before \`not\`: when it is undefined the body fails instead of the negation holding`,
          location: locate(s.module, t.span.start),
          details: `OPA evaluates it before the negation (open-policy-agent/opa#8387); to negate the undefined case too, test the expression in a helper rule: \`ok if ${inner}\`, then \`not ok\``,
        })
      }
    },
  })
  return warnings
}

/** `a == b` (or `equal(a, b)`): the call OPA's rewriteEquals makes a unification. */
function isDoubleEquals(t: Term): boolean {
  return t.type === 'call' && t.args.length === 2 && t.func.path.length === 0 && t.func.head.type === 'var' && t.func.head.name === 'equal'
}
