// Variable occurrences: every variable a term or an expression mentions,
// comprehension bodies included, in the order they occur (first occurrence
// kept, for error locations). The safety pass, the walk's scopes and plan/'s
// declarations (`:=`, `some … in` patterns) all count variables this way.

import type { Expr, Term, VarTerm } from '../rego/ast.js'

/** Variables an expression needs bound (first occurrence of each) and those it binds. */
export interface VarUse {
  need: Map<string, VarTerm>
  gen: Set<string>
}

export function newUse(): VarUse {
  return { need: new Map(), gen: new Set() }
}

/** Every variable occurrence (first occurrence kept), comprehensions included. */
export function collectAllVars(t: Term | Expr, use: VarUse): void {
  const visit = (x: Term): void => {
    switch (x.type) {
      case 'var':
        if (!use.need.has(x.name)) use.need.set(x.name, x)
        return
      case 'ref':
        visit(x.head)
        x.path.forEach(visit)
        return
      case 'array':
      case 'set':
        x.items.forEach(visit)
        return
      case 'object':
        x.items.forEach(([k, v]) => {
          visit(k)
          visit(v)
        })
        return
      case 'call':
        x.args.forEach(visit)
        return
      case 'templatestring':
        x.parts.forEach((p) => typeof p !== 'string' && visit(p))
        return
      case 'arraycomp':
      case 'setcomp':
        visit(x.term)
        x.body.exprs.forEach((e) => collectAllVars(e, use))
        return
      case 'objectcomp':
        visit(x.key)
        visit(x.value)
        x.body.exprs.forEach((e) => collectAllVars(e, use))
        return
      default:
        return
    }
  }
  if ('kind' in t) {
    const e = t as Expr
    switch (e.kind) {
      case 'term':
        visit(e.term)
        break
      case 'unify':
      case 'assign':
        visit(e.left)
        visit(e.right)
        break
      case 'some':
        e.vars.forEach(visit)
        break
      case 'somein':
        if (e.key) visit(e.key)
        visit(e.value)
        visit(e.domain)
        break
      case 'every':
        if (e.key) visit(e.key)
        visit(e.value)
        visit(e.domain)
        e.body.exprs.forEach((x) => collectAllVars(x, use))
        break
    }
    for (const w of e.with) {
      visit(w.value)
    }
  } else visit(t as Term)
}

/** The variable names in a term (patterns, `:=` left-hand sides), in order. */
export function varsOf(t: Term): string[] {
  const u = newUse()
  collectAllVars(t, u)
  return [...u.need.keys()]
}
