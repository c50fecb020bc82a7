// Unification (`a = b`, patterns on the left of `:=`, function arguments,
// `some … in` keys and values): a term with unbound variables in pattern
// positions binds them from a value; anything else is planned and compared.

import type { Term } from '../rego/ast.js'
import type { Local } from './ir.js'
import { loc } from './emitter.js'
import type { BodyPlanner, Scope } from './body.js'

const isWild = (n: string) => n.startsWith('$wild') || n === '_'

/** Does the term bind variables when unified (unbound vars in pattern positions)? */
export function hasUnboundPattern(bp: BodyPlanner, t: Term, scope: Scope): boolean {
  switch (t.type) {
    case 'var':
      return bp.resolve(t.name, scope).kind === 'unbound'
    case 'array':
      return t.items.some((i) => hasUnboundPattern(bp, i, scope))
    case 'object':
      return t.items.some(([, v]) => hasUnboundPattern(bp, v, scope))
    default:
      return false
  }
}

/** Can the term be evaluated (unbound vars only where refs generate them)? */
export function canEval(bp: BodyPlanner, t: Term, scope: Scope): boolean {
  switch (t.type) {
    case 'var':
      return bp.resolve(t.name, scope).kind !== 'unbound'
    case 'ref':
      return (
        (t.head.type !== 'var' || bp.resolve(t.head.name, scope).kind !== 'unbound') &&
        (t.head.type === 'var' || canEval(bp, t.head, scope)) &&
        t.path.every((p) => p.type === 'var' || p.type === 'array' || p.type === 'object' || canEval(bp, p, scope))
      )
    case 'array':
    case 'set':
      return t.items.every((i) => canEval(bp, i, scope))
    case 'object':
      return t.items.every(([k, v]) => canEval(bp, k, scope) && canEval(bp, v, scope))
    case 'call':
      return t.args.every((a) => canEval(bp, a, scope))
    case 'templatestring':
      return t.parts.every((p) => typeof p === 'string' || canEval(bp, p, scope))
    default:
      return true
  }
}

export function unify(bp: BodyPlanner, a: Term, b: Term, scope: Scope): void {
  if (hasUnboundPattern(bp, a, scope) && canEval(bp, b, scope)) return unifyLocal(bp, a, bp.planTerm(b, scope), scope)
  if (hasUnboundPattern(bp, b, scope) && canEval(bp, a, scope)) return unifyLocal(bp, b, bp.planTerm(a, scope), scope)
  if (a.type === 'array' && b.type === 'array') {
    if (a.items.length !== b.items.length) {
      bp.fail()
      return
    }
    const pairs = a.items.map((x, i) => [x, b.items[i]!] as const)
    let left = [...pairs]
    while (left.length) {
      const i = left.findIndex(
        ([x, y]) =>
          (hasUnboundPattern(bp, x, scope) && canEval(bp, y, scope)) ||
          (hasUnboundPattern(bp, y, scope) && canEval(bp, x, scope)) ||
          (canEval(bp, x, scope) && canEval(bp, y, scope)),
      )
      const [x, y] = left[Math.max(0, i)]!
      left = left.filter((_, j) => j !== Math.max(0, i))
      unify(bp, x, y, scope)
    }
    return
  }
  if (a.type === 'object' && b.type === 'object' && !canEval(bp, a, scope) && !canEval(bp, b, scope)) {
    if (a.items.length !== b.items.length) {
      bp.fail()
      return
    }
    for (const [k, v] of a.items) {
      const other = b.items.find(([k2]) => JSON.stringify(stripSpan(k2)) === JSON.stringify(stripSpan(k)))
      if (!other) {
        bp.fail()
        return
      }
      unify(bp, v, other[1], scope)
    }
    return
  }
  const va = bp.planTerm(a, scope)
  const vb = bp.planTerm(b, scope)
  bp.emit({ op: 'equal', a: loc(va), b: loc(vb) })
}

/** Unify a term with a value already in a local. */
export function unifyLocal(bp: BodyPlanner, t: Term, v: Local, scope: Scope): void {
  switch (t.type) {
    case 'var': {
      const r = bp.resolve(t.name, scope)
      if (r.kind === 'unbound') {
        if (!isWild(t.name)) scope.vars.set(t.name, v)
        return
      }
      break
    }
    case 'array': {
      if (!hasUnboundPattern(bp, t, scope)) break
      bp.emit({ op: 'isarray', local: v })
      bp.emit({ op: 'lenis', local: v, len: t.items.length })
      t.items.forEach((item, i) => {
        const idx = bp.constLocal(bp.prog.constOf({ type: 'number', raw: String(i), span: t.span }))
        unifyLocal(bp, item, bp.dot(v, idx), scope)
      })
      return
    }
    case 'object': {
      if (!hasUnboundPattern(bp, t, scope)) break
      bp.emit({ op: 'isobject', local: v })
      bp.emit({ op: 'lenis', local: v, len: t.items.length })
      for (const [k, val] of t.items) {
        const kl = bp.planTerm(k, scope)
        unifyLocal(bp, val, bp.dot(v, kl), scope)
      }
      return
    }
    default:
      break
  }
  const tv = bp.planTerm(t, scope)
  bp.emit({ op: 'equal', a: loc(tv), b: loc(v) })
}

function stripSpan(t: unknown): unknown {
  if (Array.isArray(t)) return t.map(stripSpan)
  if (t && typeof t === 'object') {
    const o: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(t)) if (k !== 'span') o[k] = stripSpan(v)
    return o
  }
  return t
}
