// The safety pass (OPA's checkSafety stage, which reorders each body and
// reports rego_unsafe_var_error): walks every rule the way plan/ plans it —
// the same bodies, expressions and terms, in the same order, with the same
// scopes — tracking only which names are bound at each point, and orders
// each body with safety.ts's reorder() given the names bound where the body
// starts. Its result, the BodyOrder, is what plan/ plans each body in; plan/
// never reorders. The walk has to follow plan/'s order within an expression
// too: a comprehension sees the variables its enclosing expression bound
// before it (`input.xs[i] == [y | y := i]`), and those decide its own order.
//
// A name in a body means what plan/'s resolver says (body.ts): a bound
// local, a declared but unbound local (`some`, `:=`, patterns), `input`,
// `data`, an import, a rule of the package, or an unbound variable; calls
// mean what the resolve-calls pass found, under the `with` mocks in force.

import type { ErrorDetail } from '../errors/index.js'
import type { Body, CallTerm, Expr, Module, RefTerm, Rule, Term, VarTerm } from '../rego/ast.js'
import { lookupBuiltin } from '../builtins/catalog.js'
import { locate } from '../source/index.js'
import { calledGroup, type CallTable, type CustomBuiltins } from './calls.js'
import { importOf, isRuleName, type Names } from './names.js'
import { hoistedTerms } from './negation.js'
import { findNode, type RuleDef, type RuleGroup, type TreeNode } from './rule-tree.js'
import { reorder, type SafetyContext } from './safety.js'
import { collectAllVars, newUse, varsOf } from './vars.js'

/** A body in the order plan/ plans it. */
export interface OrderedBody {
  readonly exprs: readonly Expr[]
  /** The names bound where the body starts, the order was computed for (plan/ checks it holds). */
  readonly bound: ReadonlySet<string>
}

/** Every body plan/ plans (rules, else branches, comprehensions, `every`), by its node. */
export type BodyOrder = ReadonlyMap<Body, OrderedBody>

const isWild = (n: string) => n.startsWith('$wild') || n === '_'

type Resolved = { kind: 'local' | 'unbound' | 'input' | 'data' } | { kind: 'rule'; path: string[] } | { kind: 'import'; ref: RefTerm }

/**
 * A scope as plan/'s Scope keeps it, less the locals' values: each bound
 * name maps to the binding it has (a number, new for every binding, so
 * `with` can tell which names the expression under it rebound).
 */
class Scope {
  constructor(
    readonly module: Module,
    readonly vars: Map<string, number> = new Map(),
    readonly declared: Set<string> = new Set(),
    readonly hoisted: Set<Term> = new Set(),
  ) {}
  child(): Scope {
    return new Scope(this.module, new Map(this.vars), new Set(this.declared), new Set(this.hoisted))
  }
}

/** A function mock of a `with` in force: replaced by another function (`fn`) or by a value. */
interface FuncMock {
  readonly name: string
  readonly fn?: string
}

/** What a call plans of its arguments: all in the caller's scope, each in a scope of its own (print), or none. */
type ArgPlanning = 'scope' | 'each-own' | 'none'

/** The order of every body of `groups`, and each variable no order can bind. */
export function orderBodies(
  groups: readonly RuleGroup[],
  root: TreeNode,
  names: Names,
  calls: CallTable,
  custom: CustomBuiltins | undefined,
): { order: BodyOrder; errors: ErrorDetail[] } {
  const w = new BodyWalk(root, names, calls, custom)
  for (const g of groups) w.group(g)
  return { order: w.order, errors: w.errors }
}

class BodyWalk {
  readonly order = new Map<Body, OrderedBody>()
  readonly errors: ErrorDetail[] = []
  private readonly reported = new Set<string>()
  private bindings = 0
  private mocks: readonly FuncMock[] = []

  constructor(
    private readonly root: TreeNode,
    private readonly names: Names,
    private readonly calls: CallTable,
    private readonly custom: CustomBuiltins | undefined,
  ) {}

  // ---- rules (plan/'s rule-group.ts) ----------------------------------------

  group(g: RuleGroup): void {
    for (const def of g.defs) this.def(g, def)
    if (g.default?.rule.head.value) this.term(g.default.rule.head.value, new Scope(g.default.module))
  }

  private def(g: RuleGroup, def: RuleDef): void {
    const scope = new Scope(def.module)
    const rule = def.rule
    // Function arguments that are patterns bind before the body; the others
    // are unified at each solution.
    const lateArgs: Term[] = []
    if (g.kind === 'function') {
      const args = rule.head.args ?? []
      for (const a of args) if (isPattern(a)) this.declare(a, scope)
      for (const a of args) {
        if (isPattern(a)) this.unifyBound(a, scope)
        else lateArgs.push(a)
      }
    }
    const solution = (s: Scope) => lateArgs.forEach((a) => this.unifyBound(a, s))
    const headTerms = (r: Rule): Term[] => [r.head.value, r.head.key, ...def.keys, ...(rule.head.args ?? [])].filter((x): x is Term => !!x)
    const value = (r: Rule, s: Scope) => r.head.value && this.term(r.head.value, s)
    if (g.kind === 'set') {
      this.body(rule.body, scope, (s) => (solution(s), this.term(rule.head.key ?? rule.head.value!, s)), headTerms(rule))
      return
    }
    if (g.kind === 'object') {
      const keys = (s: Scope) => {
        solution(s)
        value(rule, s)
        for (const k of def.keys) this.term(k, s)
        if (g.leafSet) this.term(rule.head.key!, s)
      }
      this.body(rule.body, scope, keys, headTerms(rule))
      return
    }
    if (!rule.else) {
      this.body(rule.body, scope, (s) => (solution(s), value(rule, s)), headTerms(rule))
      return
    }
    // An else chain: each branch in a scope of its own below the definition's.
    for (let r: Rule | undefined = rule; r; r = r.else) {
      const branch = r
      this.body(branch.body, scope.child(), (s) => (solution(s), value(branch, s)), headTerms(branch))
    }
  }

  // ---- bodies and expressions (plan/'s body.ts) ------------------------------

  private body(body: Body, scope: Scope, then: (s: Scope) => void, extraOuter: Term[] = []): void {
    for (const e of body.exprs)
      if (e.kind === 'some')
        for (const v of e.vars) {
          scope.declared.add(v.name)
          scope.vars.delete(v.name)
        }
    // Names counted as shared with the rest of the body (for negations and
    // `every`): those in two or more places, the head's, and the bound ones.
    const counts = new Map<string, number>()
    for (const e of body.exprs) {
      const u = newUse()
      collectAllVars(e, u)
      u.need.forEach((_, n) => counts.set(n, (counts.get(n) ?? 0) + 1))
    }
    for (const t of extraOuter) {
      const u = newUse()
      collectAllVars(t, u)
      u.need.forEach((_, n) => counts.set(n, (counts.get(n) ?? 0) + 2))
    }
    const shared = new Set([...counts].filter(([, c]) => c > 1).map(([n]) => n))
    for (const n of scope.vars.keys()) shared.add(n)
    const bound = new Set(scope.vars.keys())
    const ordered = reorder(body.exprs, new Set(bound), this.safetyContext(scope), shared)
    // plan/ plans each body once per set of `with` mocks, in the same scope.
    if (!this.order.has(body)) this.order.set(body, { exprs: ordered.exprs, bound })
    for (const v of ordered.unsafe) this.unsafe(scope, v)
    this.seq(ordered.exprs, 0, scope, then)
  }

  private seq(exprs: Expr[], i: number, scope: Scope, then: (s: Scope) => void): void {
    if (i === exprs.length) return then(scope)
    this.expr(exprs[i]!, scope, () => this.seq(exprs, i + 1, scope, then))
  }

  private expr(e: Expr, scope: Scope, then: () => void): void {
    if (e.with.length) return this.with(e, scope, then)
    if (e.negated) {
      // The terms OPA evaluates before the negation are planned in the
      // enclosing scope, and what they bind stays bound after it.
      const isRef = (n: string) => {
        const k = this.resolve(n, scope).kind
        return k !== 'local' && k !== 'unbound'
      }
      for (const t of hoistedTerms(e, isRef)) {
        this.term(t, scope)
        scope.hoisted.add(t)
      }
      this.expr({ ...e, negated: false }, scope.child(), () => undefined)
      return then()
    }
    switch (e.kind) {
      case 'term':
        this.condition(e.term, scope)
        return then()
      case 'unify':
        this.unify(e.left, e.right, scope)
        return then()
      case 'assign':
        for (const n of varsOf(e.left)) {
          scope.vars.delete(n)
          scope.declared.add(n)
        }
        this.term(e.right, scope)
        this.unifyBound(e.left, scope)
        return then()
      case 'some':
        return then()
      case 'somein':
        this.term(e.domain, scope)
        for (const t of [e.key, e.value]) if (t) this.declare(t, scope)
        if (e.key) this.unifyBound(e.key, scope)
        this.unifyBound(e.value, scope)
        return then()
      case 'every': {
        this.term(e.domain, scope)
        const inner = scope.child()
        for (const v of [e.key, e.value]) {
          if (!v) continue
          inner.declared.add(v.name)
          inner.vars.delete(v.name)
          this.unifyBound(v, inner)
        }
        this.body(e.body, inner.child(), () => undefined)
        return then()
      }
    }
  }

  /** plan/'s with.ts: the values, then the expression in a child scope under the mocks; what it bound stays bound. */
  private with(e: Expr, scope: Scope, then: () => void): void {
    const mocks: FuncMock[] = []
    for (const w of e.with) {
      const target = w.target
      // A target with a non-constant operand is plan/'s compile error; its value is not planned.
      if (target.path.some((p) => p.type !== 'string')) continue
      const head = target.head.type === 'var' ? target.head.name : ''
      if (head === 'input' && this.resolve('input', scope).kind !== 'local') {
        this.term(w.value, scope)
        continue
      }
      const name = this.refName(target, scope)
      const isData = name.startsWith('data.')
      const isFunc = isData
        ? findNode(this.root, name.slice(5).split('.'))?.group?.kind === 'function'
        : lookupBuiltin(name) !== undefined || !!this.custom?.has(name)
      if (isFunc) {
        const fn = this.replacementFunction(w.value, scope)
        if (fn !== undefined) mocks.push({ name, fn })
        else {
          this.term(w.value, scope)
          mocks.push({ name })
        }
        continue
      }
      if (isData) this.term(w.value, scope)
    }
    const inner = scope.child()
    let outputs: string[] = []
    const saved = this.mocks
    this.mocks = [...saved, ...mocks]
    try {
      this.expr({ ...e, with: [] }, inner, () => {
        outputs = [...inner.vars.keys()].filter((n) => scope.vars.get(n) !== inner.vars.get(n))
      })
    } finally {
      this.mocks = saved
    }
    for (const n of outputs) {
      scope.vars.set(n, this.bind())
      scope.declared.add(n)
    }
    then()
  }

  /** The function a `with` value names (a function rule, or a built-in no local or rule shadows), if it names one. */
  private replacementFunction(v: Term, scope: Scope): string | undefined {
    if (v.type !== 'var' && v.type !== 'ref') return undefined
    const ref: RefTerm = v.type === 'var' ? { type: 'ref', head: v, path: [], span: v.span } : v
    const n = this.refName(ref, scope)
    if (n.startsWith('data.')) return findNode(this.root, n.slice(5).split('.'))?.group?.kind === 'function' ? n : undefined
    const head = ref.head.type === 'var' ? ref.head.name : ''
    return lookupBuiltin(n) && this.resolve(head, scope).kind === 'unbound' ? n : undefined
  }

  private condition(t: Term, scope: Scope): void {
    if (t.type === 'call') {
      const r = this.calls.get(t)
      if (r?.outputArg !== undefined) {
        this.call(t, scope, t.args.slice(0, -1))
        this.unifyBound(t.args[t.args.length - 1]!, scope)
        return
      }
      if (r?.name === 'equal' && t.args.length === 2 && !this.mocks.some((m) => m.name === 'equal')) {
        this.term(t.args[0]!, scope)
        this.term(t.args[1]!, scope)
        return
      }
    }
    this.term(t, scope)
  }

  // ---- terms ----------------------------------------------------------------

  private term(t: Term, scope: Scope): void {
    if (scope.hoisted.has(t)) return
    switch (t.type) {
      case 'var': {
        const r = this.resolve(t.name, scope)
        if (r.kind === 'import') this.term(r.ref, scope)
        else if (r.kind === 'unbound') this.unsafe(scope, t)
        return
      }
      case 'ref':
        return this.ref(t, scope)
      case 'array':
      case 'set':
        if (!isConstant(t)) t.items.forEach((i) => this.term(i, scope))
        return
      case 'object':
        if (!isConstant(t))
          for (const [k, v] of t.items) {
            this.term(k, scope)
            this.term(v, scope)
          }
        return
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp': {
        const heads = t.type === 'objectcomp' ? [t.key, t.value] : [t.term]
        this.body(t.body, scope.child(), (s) => heads.forEach((h) => this.term(h, s)), heads)
        return
      }
      case 'call':
        return this.call(t, scope, t.args)
      case 'templatestring':
        t.parts.forEach((p, i) => {
          if (typeof p === 'string') return
          const inner = scope.child()
          const withs = t.partWith?.[i]
          if (withs?.length) {
            // plan/ plans `$tmplN = hole with …` (a fresh variable).
            const tmp: VarTerm = { type: 'var', name: `$tmpl${this.bind()}`, span: t.span }
            this.expr({ kind: 'unify', left: tmp, right: p, with: withs, negated: false, span: t.span }, inner, () => undefined)
          } else this.term(p, inner)
        })
        return
      default:
        return
    }
  }

  private ref(t: RefTerm, scope: Scope): void {
    const h = t.head
    if (h.type !== 'var') {
      this.term(h, scope)
      return this.ops(t.path, scope)
    }
    const r = this.resolve(h.name, scope)
    switch (r.kind) {
      case 'data':
        return this.dataRef(t.path, scope)
      case 'input':
      case 'local':
        return this.ops(t.path, scope)
      case 'rule':
        return this.dataRef([...r.path.map((value): Term => ({ type: 'string', value, span: h.span })), ...t.path], scope)
      case 'import':
        return this.ref({ ...r.ref, path: [...r.ref.path, ...t.path], span: t.span }, scope)
      case 'unbound':
        return this.unsafe(scope, h)
    }
  }

  /** Ref operands: a ground one is evaluated, any other is a pattern a scan binds. */
  private ops(ops: Term[], scope: Scope): void {
    for (const op of ops) {
      if (this.isGround(op, scope)) this.term(op, scope)
      else this.unifyBound(op, scope)
    }
  }

  private isGround(t: Term, scope: Scope): boolean {
    if (t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objectcomp') return true
    return varsOf(t).every((n) => this.resolve(n, scope).kind !== 'unbound')
  }

  /** `data.<ops>`: the constant operands walk the rule tree; the rest are ref operands of what they reach. */
  private dataRef(ops: Term[], scope: Scope): void {
    let node = this.root
    let i = 0
    while (i < ops.length && !node.group) {
      const op = ops[i]!
      if (op.type === 'number' || op.type === 'boolean' || op.type === 'null') return this.ops(ops.slice(i + 1), scope)
      if (op.type !== 'string') break
      const child = node.children.get(op.value)
      if (!child) return this.ops(ops.slice(i + 1), scope)
      node = child
      i++
    }
    // A function read as a value is plan/'s type error; its operands are not planned.
    if (node.group?.kind === 'function') return
    this.ops(ops.slice(i), scope)
  }

  private call(t: CallTerm, scope: Scope, args: Term[]): void {
    const name = this.calls.get(t)?.name
    const planning = name === undefined ? 'none' : this.argPlanning(name, args.length, this.mocks)
    if (planning === 'scope') args.forEach((a) => this.term(a, scope))
    else if (planning === 'each-own') args.forEach((a) => this.term(a, scope.child()))
  }

  /** plan/'s call.ts resolveCall, as far as it decides how the arguments are planned. */
  private argPlanning(name: string, nargs: number, mocks: readonly FuncMock[]): ArgPlanning {
    for (let i = mocks.length - 1; i >= 0; i--) {
      const m = mocks[i]!
      if (m.name !== name) continue
      // A replacement function runs without function mocks.
      return m.fn === undefined ? 'scope' : this.argPlanning(m.fn, nargs, [])
    }
    const group = calledGroup(this.root, name, nargs)
    // `f()` of a rule that is no function reads the rule: no arguments.
    if (group && group.kind !== 'function') return 'none'
    if (group && group.arity === nargs) return 'scope'
    const b = lookupBuiltin(name)
    const arity = b ? b.args.length : this.custom?.get(name)?.arity
    // A call check/'s call checks reported: plan/ plans nothing of it.
    if (group || arity === undefined || (b?.name !== 'print' && arity !== nargs)) return 'none'
    return !b?.inModule && name === 'print' ? 'each-own' : 'scope'
  }

  // ---- unification (plan/'s unify.ts) ---------------------------------------

  private hasUnboundPattern(t: Term, scope: Scope): boolean {
    switch (t.type) {
      case 'var':
        return this.resolve(t.name, scope).kind === 'unbound'
      case 'array':
        return t.items.some((i) => this.hasUnboundPattern(i, scope))
      case 'object':
        return t.items.some(([, v]) => this.hasUnboundPattern(v, scope))
      default:
        return false
    }
  }

  private canEval(t: Term, scope: Scope): boolean {
    switch (t.type) {
      case 'var':
        return this.resolve(t.name, scope).kind !== 'unbound'
      case 'ref':
        return (
          (t.head.type !== 'var' || this.resolve(t.head.name, scope).kind !== 'unbound') &&
          (t.head.type === 'var' || this.canEval(t.head, scope)) &&
          t.path.every((p) => p.type === 'var' || p.type === 'array' || p.type === 'object' || this.canEval(p, scope))
        )
      case 'array':
      case 'set':
        return t.items.every((i) => this.canEval(i, scope))
      case 'object':
        return t.items.every(([k, v]) => this.canEval(k, scope) && this.canEval(v, scope))
      case 'call':
        return t.args.every((a) => this.canEval(a, scope))
      case 'templatestring':
        return t.parts.every((p) => typeof p === 'string' || this.canEval(p, scope))
      default:
        return true
    }
  }

  private unify(a: Term, b: Term, scope: Scope): void {
    for (const [pattern, value] of [
      [a, b],
      [b, a],
    ] as const) {
      if (this.hasUnboundPattern(pattern, scope) && this.canEval(value, scope)) {
        this.term(value, scope)
        return this.unifyBound(pattern, scope)
      }
    }
    if (a.type === 'array' && b.type === 'array') {
      if (a.items.length !== b.items.length) return
      let left = a.items.map((x, i) => [x, b.items[i]!] as const)
      while (left.length) {
        const i = left.findIndex(
          ([x, y]) =>
            (this.hasUnboundPattern(x, scope) && this.canEval(y, scope)) ||
            (this.hasUnboundPattern(y, scope) && this.canEval(x, scope)) ||
            (this.canEval(x, scope) && this.canEval(y, scope)),
        )
        const [x, y] = left[Math.max(0, i)]!
        left = left.filter((_, j) => j !== Math.max(0, i))
        this.unify(x, y, scope)
      }
      return
    }
    if (a.type === 'object' && b.type === 'object' && !this.canEval(a, scope) && !this.canEval(b, scope)) {
      if (a.items.length !== b.items.length) return
      const key = (t: Term) => JSON.stringify(t, (k, v) => (k === 'span' ? undefined : v))
      for (const [k, v] of a.items) {
        const other = b.items.find(([k2]) => key(k2) === key(k))
        if (!other) return
        this.unify(v, other[1], scope)
      }
      return
    }
    this.term(a, scope)
    this.term(b, scope)
  }

  /** Unify a term with a value already computed (plan/'s unifyLocal): unbound variables in pattern positions bind. */
  private unifyBound(t: Term, scope: Scope): void {
    switch (t.type) {
      case 'var':
        if (this.resolve(t.name, scope).kind === 'unbound') {
          if (!isWild(t.name)) scope.vars.set(t.name, this.bind())
          return
        }
        break
      case 'array':
        if (!this.hasUnboundPattern(t, scope)) break
        t.items.forEach((i) => this.unifyBound(i, scope))
        return
      case 'object':
        if (!this.hasUnboundPattern(t, scope)) break
        for (const [k, v] of t.items) {
          this.term(k, scope)
          this.unifyBound(v, scope)
        }
        return
      default:
        break
    }
    this.term(t, scope)
  }

  // ---- names ----------------------------------------------------------------

  /** plan/'s resolver (body.ts). */
  private resolve(name: string, scope: Scope): Resolved {
    if (scope.vars.has(name)) return { kind: 'local' }
    if (isWild(name) || scope.declared.has(name)) return { kind: 'unbound' }
    if (name === 'input') return { kind: 'input' }
    if (name === 'data') return { kind: 'data' }
    const imp = importOf(this.names, scope.module, name)
    if (imp) return { kind: 'import', ref: imp }
    if (isRuleName(this.names, scope.module, name)) return { kind: 'rule', path: [...scope.module.package, name] }
    return { kind: 'unbound' }
  }

  /** The name a ref means in `scope` (plan/'s refName): `data.…`, an import's path, or as written. */
  private refName(ref: RefTerm, scope: Scope): string {
    const parts = ref.path.map((p) => (p.type === 'string' ? p.value : '?'))
    if (ref.head.type !== 'var') return '?'
    const h = ref.head.name
    const r = this.resolve(h, scope)
    switch (r.kind) {
      case 'rule':
        return `data.${[...r.path, ...parts].join('.')}`
      case 'data':
        return `data.${parts.join('.')}`
      case 'import': {
        const ip = r.ref.path.map((p) => (p.type === 'string' ? p.value : '?'))
        const head = r.ref.head.type === 'var' ? r.ref.head.name : '?'
        return [head, ...ip, ...parts].join('.')
      }
      default:
        return [h, ...parts].join('.')
    }
  }

  private safetyContext(scope: Scope): SafetyContext {
    return {
      isGlobal: (n) => scope.vars.has(n) || this.resolve(n, scope).kind !== 'unbound',
      outputArg: (t) => this.calls.get(t)?.outputArg,
      // `with f as g`: a function rule, or a built-in nothing shadows, is no variable.
      isFunctionName: (n) => {
        const k = this.resolve(n, scope).kind
        if (k === 'unbound' || k === 'local') return lookupBuiltin(n) !== undefined
        const span = { start: 0, end: 0 }
        const full = this.refName({ type: 'ref', head: { type: 'var', name: n, span }, path: [], span }, scope)
        return full.startsWith('data.') && findNode(this.root, full.slice(5).split('.'))?.group?.kind === 'function'
      },
    }
  }

  private declare(t: Term, scope: Scope): void {
    for (const n of varsOf(t)) {
      scope.declared.add(n)
      scope.vars.delete(n)
    }
  }

  private bind(): number {
    return this.bindings++
  }

  private unsafe(scope: Scope, v: VarTerm): void {
    const name = isWild(v.name) ? '_' : v.name
    // A variable reorder() reported is met again where the body is walked.
    const key = `${scope.module.path}:${v.span.start}:${name}`
    if (this.reported.has(key)) return
    this.reported.add(key)
    this.errors.push({ code: 'rego_unsafe_var_error', message: `var ${name} is unsafe`, location: locate(scope.module, v.span.start) })
  }
}

const isPattern = (t: Term): boolean =>
  t.type === 'var' ||
  t.type === 'null' ||
  t.type === 'boolean' ||
  t.type === 'number' ||
  t.type === 'string' ||
  (t.type === 'array' && t.items.every(isPattern)) ||
  (t.type === 'object' && t.items.every(([, v]) => isPattern(v)))

/** A term plan/ makes a constant (scalars, and composites of them). */
function isConstant(t: Term): boolean {
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true
    case 'array':
    case 'set':
      return t.items.every(isConstant)
    case 'object':
      return t.items.every(([k, v]) => isConstant(k) && isConstant(v))
    default:
      return false
  }
}
