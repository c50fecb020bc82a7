// A lexical walk over every rule the planner will plan (each group's
// definitions, their else chains and the default), in source order, with
// the scope each term sits in: the names declared local there (function
// arguments, `some`, `:=`, `some … in`, `every`), whether an expression is
// a condition, and the `with` modifiers in force. The call, recursion and
// redeclaration passes are visitors of this walk; the scopes it opens are
// the ones plan/ opens (a negation, a comprehension, an `every` body, an
// else branch and an expression under `with` each get a child scope).

import type { Body, Expr, Module, Rule, Term, With } from '../rego/ast.js'
import { varsOf } from './vars.js'
import type { RuleDef, RuleGroup } from './rule-tree.js'

export interface WalkScope {
  readonly module: Module
  readonly rule: Rule
  /** Names declared local in this scope or an enclosing one: they shadow rules and imports. */
  readonly declared: ReadonlySet<string>
  /** The `with` modifiers of the expression being walked and of those enclosing it. */
  readonly withs: readonly With[]
}

export interface WalkVisitor {
  /** A body's scope is opened: `scope` is the body's own (child of its parent). */
  body?(body: Body, scope: WalkScope): void
  /** An expression, before its terms. */
  expr?(e: Expr, scope: WalkScope): void
  /**
   * A term, before its parts; `condition` when it is an expression of its
   * own (where a call may take an output argument). Returning false skips
   * the term's parts.
   */
  term?(t: Term, scope: WalkScope, condition: boolean): boolean | void
  /** A rule's default value and every definition's head and body: `def` is the one being walked. */
  def?(group: RuleGroup, def: RuleDef): void
}

/** Walk every definition of every group, in group order. */
export function walkGroups(groups: readonly RuleGroup[], v: WalkVisitor): void {
  for (const g of groups) walkGroup(g, v)
}

export function walkGroup(g: RuleGroup, v: WalkVisitor): void {
  for (const def of g.defs) {
    v.def?.(g, def)
    walkDef(g, def, v)
  }
  if (g.default) {
    v.def?.(g, g.default)
    const d = g.default.rule
    if (d.head.value) walkTerm(d.head.value, scope(g.default.module, d, new Set(), []), v, false)
  }
}

function scope(module: Module, rule: Rule, declared: ReadonlySet<string>, withs: readonly With[]): WalkScope {
  return { module, rule, declared, withs }
}

const isPattern = (t: Term): boolean =>
  t.type === 'var' ||
  t.type === 'null' ||
  t.type === 'boolean' ||
  t.type === 'number' ||
  t.type === 'string' ||
  (t.type === 'array' && t.items.every(isPattern)) ||
  (t.type === 'object' && t.items.every(([, x]) => isPattern(x)))

function walkDef(g: RuleGroup, def: RuleDef, v: WalkVisitor): void {
  const rule = def.rule
  const declared = new Set<string>()
  // Function arguments that are patterns declare their variables (plan/'s planDefAt).
  if (g.kind === 'function') for (const a of rule.head.args ?? []) if (isPattern(a)) varsOf(a).forEach((n) => declared.add(n))
  const defScope = scope(def.module, rule, declared, [])
  for (const a of rule.head.args ?? []) walkTerm(a, defScope, v, false)
  for (let r: Rule | undefined = rule, first = true; r; r = r.else, first = false) {
    // The first branch plans in the definition's scope, else branches in a child of it.
    const bodyScope = walkBody(r.body, first ? defScope : { ...defScope, rule: r }, v)
    const head = { ...bodyScope, rule: r }
    for (const t of [r.head.value, r.head.key, ...(first ? def.keys : [])]) if (t) walkTerm(t, head, v, false)
  }
}

/** Walk a body in a new scope below `parent`; returns that scope (its heads are planned there). */
export function walkBody(body: Body, parent: WalkScope, v: WalkVisitor): WalkScope {
  const declared = new Set(parent.declared)
  for (const e of body.exprs) {
    if (e.kind === 'some') e.vars.forEach((x) => declared.add(x.name))
    if (e.kind === 'assign') varsOf(e.left).forEach((n) => declared.add(n))
    if (e.kind === 'somein') for (const t of [e.key, e.value]) if (t) varsOf(t).forEach((n) => declared.add(n))
  }
  const s: WalkScope = { ...parent, declared }
  v.body?.(body, s)
  for (const e of body.exprs) walkExpr(e, s, v)
  return s
}

function walkExpr(e: Expr, s: WalkScope, v: WalkVisitor): void {
  for (const w of e.with) walkTerm(w.value, s, v, false)
  const inner: WalkScope = e.with.length ? { ...s, withs: [...s.withs, ...e.with] } : s
  v.expr?.(e, inner)
  switch (e.kind) {
    case 'term':
      walkTerm(e.term, inner, v, true)
      return
    case 'unify':
    case 'assign':
      walkTerm(e.left, inner, v, false)
      walkTerm(e.right, inner, v, false)
      return
    case 'some':
      return
    case 'somein':
      walkTerm(e.domain, inner, v, false)
      for (const t of [e.key, e.value]) if (t) walkTerm(t, inner, v, false)
      return
    case 'every': {
      walkTerm(e.domain, inner, v, false)
      const declared = new Set(inner.declared)
      if (e.key) declared.add(e.key.name)
      declared.add(e.value.name)
      walkBody(e.body, { ...inner, declared }, v)
      return
    }
  }
}

export function walkTerm(t: Term, s: WalkScope, v: WalkVisitor, condition: boolean): void {
  if (v.term?.(t, s, condition) === false) return
  switch (t.type) {
    case 'ref':
      walkTerm(t.head, s, v, false)
      t.path.forEach((p) => walkTerm(p, s, v, false))
      return
    case 'array':
    case 'set':
      t.items.forEach((i) => walkTerm(i, s, v, false))
      return
    case 'object':
      t.items.forEach(([k, x]) => {
        walkTerm(k, s, v, false)
        walkTerm(x, s, v, false)
      })
      return
    case 'call':
      t.args.forEach((a) => walkTerm(a, s, v, false))
      return
    case 'templatestring':
      t.parts.forEach((p, i) => {
        if (typeof p === 'string') return
        const withs = t.partWith?.[i] ?? []
        for (const w of withs) walkTerm(w.value, s, v, false)
        walkTerm(p, withs.length ? { ...s, withs: [...s.withs, ...withs] } : s, v, false)
      })
      return
    case 'arraycomp':
    case 'setcomp': {
      const inner = walkBody(t.body, s, v)
      walkTerm(t.term, inner, v, false)
      return
    }
    case 'objectcomp': {
      const inner = walkBody(t.body, s, v)
      walkTerm(t.key, inner, v, false)
      walkTerm(t.value, inner, v, false)
      return
    }
    default:
      return
  }
}
