// Variable analysis for safety: which variables an expression needs bound
// before it can run, and which it binds; reorder() orders one body with it as
// OPA's safety stage does (`x = y; y = 1` runs `y = 1` first) and lists every
// variable no order binds. The safety pass (body-order.ts) calls it on each
// body with the names bound where that body starts.
//
// Pure functions of their arguments: what a name means in the body (a rule,
// an import, a function, a call's output argument) comes in a SafetyContext
// the pass builds for that body's scope from the resolve-names and
// resolve-calls passes' tables, and the walk's own state (the enclosing
// body's names, lenient closures) travels in a Walk.

import type { CallTerm, Expr, Term, VarTerm } from '../rego/ast.js'
import { collectAllVars, newUse, type VarUse } from './vars.js'

/** How a name that is not a local resolves: rules, imports, input/data. */
export type IsGlobal = (name: string) => boolean

/** What the names of one body mean in its scope. */
export interface SafetyContext {
  /** A name that is not bound here but resolves to a rule, an import, `input` or `data`. */
  isGlobal: IsGlobal
  /** Index of a call's output argument (`count(x, n)` → 1), undefined when it has none. */
  outputArg(t: CallTerm): number | undefined
  /** Whether a name is a built-in or a function (`with f as count`: not a variable). */
  isFunctionName(name: string): boolean
}

/**
 * The state of one reordering walk. `outer`: names mentioned anywhere in the
 * enclosing body (a comprehension needs those of them that are bound
 * outside). `lenient`: when no expression is ready, a comprehension whose
 * outer variables are not bound yet treats them as its own (OPA: a closure
 * only captures variables the enclosing body has bound).
 */
interface Walk {
  readonly outer?: Set<string> | undefined
  readonly lenient: boolean
}

const NO_WALK: Walk = { lenient: false }

const isWild = (name: string) => name.startsWith('$wild') || name === '_'

/**
 * Walk a term. In generator position (ref operands, patterns) an unbound
 * variable is bound by the term; elsewhere it is needed.
 */
export function termVars(t: Term, bound: Set<string>, isGlobal: IsGlobal, use: VarUse, gen = false, w: Walk = NO_WALK): void {
  switch (t.type) {
    case 'var':
      if (bound.has(t.name) || (!isWild(t.name) && isGlobal(t.name))) return
      if (gen) use.gen.add(t.name)
      else if (!use.need.has(t.name)) use.need.set(t.name, t)
      return
    case 'ref':
      termVars(t.head, bound, isGlobal, use, false, w)
      for (const op of t.path) {
        if (op.type === 'var' || op.type === 'array' || op.type === 'object') termVars(op, bound, isGlobal, use, true, w)
        else termVars(op, bound, isGlobal, use, false, w)
      }
      return
    case 'array':
    case 'set':
      for (const i of t.items) termVars(i, bound, isGlobal, use, gen, w)
      return
    case 'object':
      for (const [k, v] of t.items) {
        termVars(k, bound, isGlobal, use, false, w)
        termVars(v, bound, isGlobal, use, gen, w)
      }
      return
    case 'call':
      for (const a of t.args) termVars(a, bound, isGlobal, use, false, w)
      return
    case 'templatestring':
      for (const p of t.parts) if (typeof p !== 'string') termVars(p, bound, isGlobal, use, false, w)
      return
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      closureNeeds(t, bound, isGlobal, use, w)
      return
    default:
      return
  }
}

/**
 * A comprehension needs the outer variables it mentions; its own body binds
 * the rest. "Outer" is decided by the caller's `bound` set plus names the
 * enclosing body binds (approximated by isGlobal returning false and the
 * variable being bound later): we only require names already known outside.
 */
function closureNeeds(t: Term, bound: Set<string>, isGlobal: IsGlobal, use: VarUse, w: Walk): void {
  const outer = w.outer
  if (!outer || w.lenient) return
  const inner = newUse()
  collectAllVars(t, inner)
  for (const [name, v] of inner.need) if (outer.has(name) && !bound.has(name) && !isGlobal(name)) use.need.set(name, v)
}

/** Variables a pattern binds (vars, array items, object values), and what it needs. */
export function patternVars(t: Term, bound: Set<string>, isGlobal: IsGlobal, use: VarUse, w: Walk = NO_WALK): void {
  switch (t.type) {
    case 'var':
      if (!bound.has(t.name) && (isWild(t.name) || !isGlobal(t.name))) use.gen.add(t.name)
      return
    case 'array':
      for (const i of t.items) patternVars(i, bound, isGlobal, use, w)
      return
    case 'object':
      for (const [k, v] of t.items) {
        termVars(k, bound, isGlobal, use, false, w)
        patternVars(v, bound, isGlobal, use, w)
      }
      return
    default:
      termVars(t, bound, isGlobal, use, false, w)
  }
}

function ready(use: VarUse): boolean {
  for (const n of use.need.keys()) if (!use.gen.has(n)) return false
  return true
}

/** Needs and binds of one expression given the bound names. */
function exprUse(e: Expr, bound: Set<string>, cx: SafetyContext, outer: Set<string>, walk: Walk): VarUse {
  const isGlobal = cx.isGlobal
  const use = newUse()
  if (e.negated) {
    // Variables a negation shares with the rest of the body must be bound
    // first; the others are local to it.
    const all = newUse()
    collectAllVars({ ...e, negated: false } as Expr, all)
    for (const [n, v] of all.need) if (outer.has(n) && !bound.has(n) && !isGlobal(n) && !isWild(n)) use.need.set(n, v)
    return use
  }
  for (const w of e.with) {
    // `with f as count`: a function name is not a variable
    if (w.value.type === 'var' && cx.isFunctionName(w.value.name)) continue
    termVars(w.value, bound, isGlobal, use, false, walk)
  }
  switch (e.kind) {
    case 'term': {
      const t = e.term
      if (t.type === 'call' && cx.outputArg(t) !== undefined) {
        t.args.slice(0, -1).forEach((a) => termVars(a, bound, isGlobal, use, false, walk))
        patternVars(t.args[t.args.length - 1]!, bound, isGlobal, use, walk)
      } else termVars(t, bound, isGlobal, use, false, walk)
      return use
    }
    case 'assign': {
      termVars(e.right, bound, isGlobal, use, false, walk)
      const lhs = newUse()
      patternVars(e.left, new Set(), () => false, lhs, walk)
      lhs.gen.forEach((g) => use.gen.add(g))
      return use
    }
    case 'unify': {
      for (const [p, v] of [
        [e.left, e.right],
        [e.right, e.left],
      ] as const) {
        const u = newUse()
        patternVars(p, bound, isGlobal, u, walk)
        termVars(v, bound, isGlobal, u, false, walk)
        if (ready(u)) return u
      }
      if (e.left.type === 'array' && e.right.type === 'array' && e.left.items.length === e.right.items.length) {
        const b = new Set(bound)
        const u = newUse()
        const pairs = e.left.items.map(
          (l, i) => ({ kind: 'unify', left: l, right: (e.right as { items: Term[] }).items[i]!, negated: false, with: [], span: e.span }) as Expr,
        )
        let progress = true
        const left = [...pairs]
        while (left.length && progress) {
          progress = false
          for (let i = 0; i < left.length; i++) {
            const pu = exprUse(left[i]!, b, cx, outer, walk)
            if (ready(pu)) {
              pu.gen.forEach((g) => {
                b.add(g)
                u.gen.add(g)
              })
              left.splice(i, 1)
              progress = true
              break
            }
          }
        }
        for (const p of left) {
          const pu = exprUse(p, b, cx, outer, walk)
          pu.need.forEach((v, n) => u.need.set(n, v))
        }
        return u
      }
      if (e.left.type === 'object' && e.right.type === 'object' && e.left.items.length === e.right.items.length) {
        const key = (t: Term) => JSON.stringify(t, (k, v) => (k === 'span' ? undefined : v))
        const right = new Map(e.right.items.map(([k, v]) => [key(k), v]))
        const pairs = e.left.items.filter(([k]) => right.has(key(k))).map(([k, v]) => [v, right.get(key(k))!] as [Term, Term])
        if (pairs.length === e.left.items.length) {
          const arrays: Expr = {
            ...e,
            left: { type: 'array', items: pairs.map((p) => p[0]), span: e.span },
            right: { type: 'array', items: pairs.map((p) => p[1]), span: e.span },
          }
          return exprUse(arrays, bound, cx, outer, walk)
        }
      }
      termVars(e.left, bound, isGlobal, use, false, walk)
      termVars(e.right, bound, isGlobal, use, false, walk)
      return use
    }
    case 'some':
      return use
    case 'somein':
      termVars(e.domain, bound, isGlobal, use, false, walk)
      if (e.key) patternVars(e.key, bound, () => false, use, walk)
      patternVars(e.value, bound, () => false, use, walk)
      return use
    case 'every': {
      termVars(e.domain, bound, isGlobal, use, false, walk)
      const inner = newUse()
      e.body.exprs.forEach((x) => collectAllVars(x, inner))
      // The every's own key and value are bound by it, whatever the
      // enclosing body calls `x` elsewhere (`every x in xs { … }` then
      // `[x | some x in ys]`): they are never needed from outside.
      const own = newUse()
      if (e.key) collectAllVars(e.key, own)
      collectAllVars(e.value, own)
      for (const [n, v] of inner.need) if (!own.need.has(n) && outer.has(n) && !bound.has(n) && !isGlobal(n) && !isWild(n)) use.need.set(n, v)
      return use
    }
  }
}

export interface Ordered {
  exprs: Expr[]
  unsafe: VarTerm[]
}

/** OPA's reordering: keep source order, but move an expression later until what it needs is bound. */
export function reorder(exprs: Expr[], bound: Set<string>, cx: SafetyContext, outer: Set<string>): Ordered {
  // A variable declared with `:=` is a new variable from that expression on:
  // a comprehension before it has its own variable of that name (OPA's
  // local-variable rewriting).
  const assignedAt = new Map<string, number>()
  exprs.forEach((e, i) => {
    if (e.kind !== 'assign') return
    const u = newUse()
    collectAllVars(e.left, u)
    for (const n of u.need.keys()) if (!assignedAt.has(n)) assignedAt.set(n, i)
  })
  const outerAt = new Map<Expr, Set<string>>()
  exprs.forEach((e, i) => outerAt.set(e, new Set([...outer].filter((n) => !((assignedAt.get(n) ?? -1) > i)))))
  const useOf = (e: Expr, b: Set<string>, lenient = false) => exprUse(e, b, cx, outer, { outer: outerAt.get(e)!, lenient })
  {
    const b = new Set(bound)
    const left = [...exprs]
    const out: Expr[] = []
    while (left.length) {
      let picked = -1
      let use: VarUse | undefined
      for (let i = 0; i < left.length; i++) {
        const u = useOf(left[i]!, b)
        if (ready(u)) {
          picked = i
          use = u
          break
        }
      }
      if (picked < 0) {
        for (let i = 0; i < left.length; i++) {
          const u = useOf(left[i]!, b, true)
          if (ready(u)) {
            picked = i
            use = u
            break
          }
        }
      }
      if (picked < 0) {
        const unsafe: VarTerm[] = []
        for (const e of left) {
          const u = useOf(e, b)
          for (const [n, v] of u.need)
            if (!u.gen.has(n) && !b.has(n)) {
              unsafe.push(v)
              b.add(n)
            }
        }
        return { exprs: [...out, ...left], unsafe }
      }
      const e = left.splice(picked, 1)[0]!
      out.push(e)
      use!.gen.forEach((g) => b.add(g))
    }
    return { exprs: out, unsafe: [] }
  }
}
