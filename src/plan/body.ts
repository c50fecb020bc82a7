// Plans rule bodies, expressions and terms into plan statements, through
// an Emitter (emitter.ts: locals and where statements go). The rest of a
// body is always planned inside the innermost scan (continuation passing
// through `then`), so failure is a break out of the innermost block and
// iteration is backtracking, as in OPA's planner. Calls are call.ts's,
// unification unify.ts's, `with` with.ts's.

import type { Body, CallTerm, Expr, Module, RefTerm, Term, VarTerm, Rule } from '../rego/ast.js'
import type { Block, Local, Origin } from './ir.js'
import { hoistedTerms, varsOf, type TreeNode } from '../check/index.js'
import type { Program, Mock } from './planner.js'
import { Emitter, loc } from './emitter.js'
import { planCall } from './call.js'
import { unify, unifyLocal } from './unify.js'
import { planWith } from './with.js'

export { loc }

export class Scope {
  constructor(
    readonly module: Module,
    readonly vars: Map<string, Local> = new Map(),
    /** names declared local in this body (`some`, `:=`), shadowing rules and imports */
    readonly declared: Set<string> = new Set(),
    readonly rule?: Rule,
    /** Terms of a negated expression already evaluated before the negation (check/'s hoistedTerms). */
    readonly hoisted: Map<Term, Local> = new Map(),
  ) {}
  child(): Scope {
    return new Scope(this.module, new Map(this.vars), new Set(this.declared), this.rule, new Map(this.hoisted))
  }
}

type Resolved =
  | { kind: 'local'; local: Local }
  | { kind: 'unbound' }
  | { kind: 'input' }
  | { kind: 'data' }
  | { kind: 'rule'; path: string[] }
  | { kind: 'import'; ref: RefTerm }

const isWild = (n: string) => n.startsWith('$wild') || n === '_'

export class BodyPlanner extends Emitter {
  private currentMocks: readonly Mock[]

  constructor(
    readonly prog: Program,
    mocks: readonly Mock[],
    root: Block,
    origin?: Origin,
  ) {
    super(root, origin)
    this.currentMocks = mocks
  }

  /** The `with` mocks in force where planning is. */
  get mocks(): readonly Mock[] {
    return this.currentMocks
  }

  /** Plan `f` with `more` mocks in force (an expression under `with`). */
  withMocks<T>(more: readonly Mock[], f: () => T): T {
    const save = this.currentMocks
    this.currentMocks = [...save, ...more]
    try {
      return f()
    } finally {
      this.currentMocks = save
    }
  }

  // ---- names -------------------------------------------------------------

  resolve(name: string, scope: Scope): Resolved {
    const l = scope.vars.get(name)
    if (l !== undefined) return { kind: 'local', local: l }
    if (isWild(name) || scope.declared.has(name)) return { kind: 'unbound' }
    if (name === 'input') return { kind: 'input' }
    if (name === 'data') return { kind: 'data' }
    const imp = this.prog.importOf(scope.module, name)
    if (imp) return { kind: 'import', ref: imp }
    if (this.prog.isRuleName(scope.module, name)) return { kind: 'rule', path: [...scope.module.package, name] }
    return { kind: 'unbound' }
  }

  // ---- bodies ------------------------------------------------------------

  /** Plan `body`, calling `then` at every solution with the scope of bindings. */
  planBody(body: Body, scope: Scope, then: (s: Scope) => void): void {
    for (const e of body.exprs) {
      if (e.kind === 'some')
        for (const v of e.vars) {
          scope.declared.add(v.name)
          scope.vars.delete(v.name)
        }
    }
    // check/'s safety pass ordered the body for the names bound where it
    // starts; plan/ binds the same names, in the same order (the pass walks
    // the rules as this planner plans them).
    const ordered = this.prog.order.get(body)
    if (!ordered || ordered.bound.size !== scope.vars.size || [...scope.vars.keys()].some((n) => !ordered.bound.has(n)))
      this.prog.broken('a body is planned with names bound that check/ did not order it for', scope.module, body.span.start)
    this.planSeq(ordered?.exprs ?? body.exprs, 0, scope, then)
  }

  /** A variable nothing binds: check/'s safety pass reported it (rego_unsafe_var_error). */
  unsafe(scope: Scope, v: VarTerm): void {
    this.prog.broken(`var ${isWild(v.name) ? '_' : v.name} is unsafe, and check/ did not report it`, scope.module, v.span.start)
  }

  planSeq(exprs: readonly Expr[], i: number, scope: Scope, then: (s: Scope) => void): void {
    if (i === exprs.length) return then(scope)
    this.planExpr(exprs[i]!, scope, () => this.planSeq(exprs, i + 1, scope, then))
  }

  planExpr(e: Expr, scope: Scope, then: () => void): void {
    this.located(scope.module, e.span.start, () => this.planExprAt(e, scope, then))
  }

  private planExprAt(e: Expr, scope: Scope, then: () => void): void {
    const cover = this.prog.coverKey(scope.module, e.span.start)
    if (cover !== undefined && e.span.end > e.span.start) this.emit({ op: 'cover', key: cover })
    if (e.with.length) return planWith(this.prog, this, e, scope, then)
    if (e.negated) {
      // As OPA's compiler rewrites it, nested calls and the refs in call
      // arguments and ref operands are evaluated before the negation: when
      // one is undefined the body fails (`not f(input.missing)` is undefined).
      const isRef = (n: string) => {
        const k = this.resolve(n, scope).kind
        return k !== 'local' && k !== 'unbound'
      }
      for (const t of hoistedTerms(e, isRef)) scope.hoisted.set(t, this.planTerm(t, scope))
      const label = this.prog.label()
      const body: Block = { stmts: [] }
      this.emit({ op: 'not', label, body })
      const inner = scope.child()
      this.into(body.stmts, () => this.planExpr({ ...e, negated: false }, inner, () => this.emit({ op: 'break', label })))
      return then()
    }
    switch (e.kind) {
      case 'term':
        this.planCondition(e.term, scope)
        return then()
      case 'unify':
        this.unify(e.left, e.right, scope)
        return then()
      case 'assign': {
        // A second `:=` of a name in one body is check/'s redeclaration error.
        for (const n of varsOf(e.left)) {
          scope.vars.delete(n)
          scope.declared.add(n)
        }
        const v = this.planTerm(e.right, scope)
        this.unifyLocal(e.left, v, scope)
        return then()
      }
      case 'some':
        return then()
      case 'somein': {
        const dom = this.planTerm(e.domain, scope)
        const { key: k, value: v } = this.scan(dom)
        for (const t of [e.key, e.value]) if (t) this.declarePattern(t, scope)
        if (e.key) this.unifyLocal(e.key, k, scope)
        this.unifyLocal(e.value, v, scope)
        return then()
      }
      case 'every': {
        const dom = this.planTerm(e.domain, scope)
        // `every` over a non-collection is false, not vacuously true.
        this.emit({ op: 'iscoll', local: dom })
        const flag = this.local()
        this.emit({ op: 'flag', local: flag, value: 0 })
        const outerLabel = this.prog.label()
        const lb: Block = { stmts: [] }
        this.emit({ op: 'labeled', label: outerLabel, body: lb })
        this.into(lb.stmts, () => {
          const { key: k, value: v } = this.scan(dom)
          const inner = scope.child()
          if (e.key) {
            inner.declared.add(e.key.name)
            inner.vars.delete(e.key.name)
            this.unifyLocal(e.key, k, inner)
          }
          inner.declared.add(e.value.name)
          inner.vars.delete(e.value.name)
          this.unifyLocal(e.value, v, inner)
          const nl = this.prog.label()
          const nb: Block = { stmts: [] }
          this.emit({ op: 'not', label: nl, body: nb })
          this.into(nb.stmts, () => this.planBody(e.body, inner.child(), () => this.emit({ op: 'break', label: nl })))
          this.emit({ op: 'flag', local: flag, value: 1 })
          this.emit({ op: 'break', label: outerLabel })
        })
        this.emit({ op: 'flagis', local: flag, value: 0 })
        return then()
      }
    }
  }

  declarePattern(t: Term, scope: Scope): void {
    for (const n of varsOf(t)) {
      scope.declared.add(n)
      scope.vars.delete(n)
    }
  }

  /** An expression used as a condition: defined and not false. */
  planCondition(t: Term, scope: Scope): void {
    if (t.type === 'call') {
      const name = this.prog.callName(t)
      const out = this.prog.outputArgIndex(t)
      if (out !== undefined) {
        const r = this.planCall(t, scope, t.args.slice(0, -1))
        this.unifyLocal(t.args[t.args.length - 1]!, r, scope)
        return
      }
      if (name === 'equal' && t.args.length === 2 && !this.mocked('equal')) {
        const a = this.planTerm(t.args[0]!, scope),
          b = this.planTerm(t.args[1]!, scope)
        this.emit({ op: 'equal', a: { kind: 'local', local: a }, b: { kind: 'local', local: b } })
        return
      }
    }
    const v = this.planTerm(t, scope)
    this.emit({ op: 'notfalse', local: v })
  }

  mocked(name: string): boolean {
    return this.mocks.some((m) => m.kind === 'func' && m.name === name)
  }

  // ---- terms -------------------------------------------------------------

  /** Evaluate a term into a local; undefined fails the enclosing block. */
  planTerm(t: Term, scope: Scope): Local {
    return this.located(scope.module, t.span.start, () => this.planTermAt(t, scope))
  }

  private planTermAt(t: Term, scope: Scope): Local {
    const before = scope.hoisted.get(t)
    if (before !== undefined) return before
    switch (t.type) {
      case 'null':
      case 'boolean':
      case 'number':
      case 'string':
        return this.constLocal(this.prog.constOf(t))
      case 'var': {
        const r = this.resolve(t.name, scope)
        switch (r.kind) {
          case 'local':
            return r.local
          case 'input':
            return this.inputLocal()
          case 'data':
            return this.planDataRef([], scope)
          case 'rule':
            return this.planDataRef(
              r.path.map((s) => str(s, t)),
              scope,
            )
          case 'import':
            return this.planTerm(r.ref, scope)
          case 'unbound': {
            this.unsafe(scope, t)
            return this.constLocal(this.prog.constOf({ type: 'null', span: t.span }))
          }
        }
        break
      }
      case 'ref':
        return this.planRef(t, scope)
      case 'array':
      case 'set':
      case 'object': {
        const c = this.prog.constOfComposite(t)
        if (c !== undefined) return this.constLocal(c)
        if (t.type === 'array') {
          const a = this.make('array', t.items.length)
          for (const i of t.items) {
            const v = this.planTerm(i, scope)
            this.emit({ op: 'arrayappend', array: a, value: loc(v) })
          }
          return a
        }
        if (t.type === 'set') {
          const s = this.make('set')
          for (const i of t.items) {
            const v = this.planTerm(i, scope)
            this.emit({ op: 'setadd', set: s, value: v })
          }
          return s
        }
        const o = this.make('object')
        for (const [k, v] of t.items) {
          const kl = this.planTerm(k, scope),
            vl = this.planTerm(v, scope)
          this.insertChecked(o, kl, vl, scope.module, k.span.start, 'object keys must be unique')
        }
        return o
      }
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp': {
        const res = this.make(t.type === 'arraycomp' ? 'array' : t.type === 'setcomp' ? 'set' : 'object')
        const b: Block = { stmts: [] }
        this.emit({ op: 'blocks', blocks: [b] })
        const inner = scope.child()
        // The head's statements come from the comprehension, not from the last expression of its body.
        this.into(b.stmts, () =>
          this.planBody(t.body, inner, (s) =>
            this.located(scope.module, t.span.start, () => {
              if (t.type === 'objectcomp') {
                const k = this.planTerm(t.key, s),
                  v = this.planTerm(t.value, s)
                this.insertChecked(res, k, v, scope.module, t.key.span.start, 'object keys must be unique')
              } else {
                const v = this.planTerm(t.term, s)
                this.emit(t.type === 'arraycomp' ? { op: 'arrayappend', array: res, value: loc(v) } : { op: 'setadd', set: res, value: v })
              }
            }),
          ),
        )
        return res
      }
      case 'call':
        return this.planCall(t, scope, t.args)
      case 'templatestring': {
        const parts = this.make('array', t.parts.length)
        for (const p of t.parts) {
          let v: Local
          if (typeof p === 'string') v = this.constLocal(this.prog.constOf({ type: 'string', value: p, span: t.span }))
          else {
            // An undefined hole prints as `<undefined>` (OPA's behaviour).
            const hole = this.constLocal(this.prog.constOf({ type: 'string', value: '<undefined>', span: t.span }))
            const hb: Block = { stmts: [] }
            this.emit({ op: 'blocks', blocks: [hb] })
            const withs = t.partWith?.[t.parts.indexOf(p)]
            this.into(hb.stmts, () => {
              const inner = scope.child()
              let hv: Local
              if (withs?.length) {
                // `{expr with …}` inside a template: plan `$tN = expr with …`.
                const tmp: VarTerm = { type: 'var', name: `$tmpl${this.local()}`, span: t.span }
                this.planExpr({ kind: 'unify', left: tmp, right: p, with: withs, negated: false, span: t.span }, inner, () => undefined)
                hv = inner.vars.get(tmp.name) ?? this.constZero()
                this.emit({ op: 'isdefined', local: hv })
              } else hv = this.planTerm(p, inner)
              this.emit({ op: 'assign', source: loc(this.toText(hv)), target: hole })
            })
            v = hole
          }
          this.emit({ op: 'arrayappend', array: parts, value: loc(v) })
        }
        return this.concat(parts, true)
      }
    }
    throw new Error(`unreachable term ${(t as Term).type}`)
  }

  inputLocal(): Local {
    const l = this.local()
    this.emit({ op: 'assign', source: { kind: 'global', name: 'g_input' }, target: l })
    this.emit({ op: 'isdefined', local: l })
    return l
  }

  planRef(t: RefTerm, scope: Scope): Local {
    const h = t.head
    if (h.type === 'var') {
      const r = this.resolve(h.name, scope)
      switch (r.kind) {
        case 'data':
          return this.planDataRef(t.path, scope)
        case 'input':
          return this.applyOps(this.inputLocal(), t.path, scope)
        case 'local':
          return this.applyOps(r.local, t.path, scope)
        case 'rule':
          return this.planDataRef([...r.path.map((s) => str(s, h)), ...t.path], scope)
        case 'import':
          return this.planRef({ ...r.ref, path: [...r.ref.path, ...t.path], span: t.span }, scope)
        case 'unbound':
          this.unsafe(scope, h)
          return this.constLocal(this.prog.constOf({ type: 'null', span: h.span }))
      }
    }
    return this.applyOps(this.planTerm(h, scope), t.path, scope)
  }

  isGround(t: Term, scope: Scope): boolean {
    for (const n of varsOf(t)) {
      if (this.resolve(n, scope).kind === 'unbound') {
        // a var inside a nested comprehension body may be local to it
        if (t.type === 'arraycomp' || t.type === 'setcomp' || t.type === 'objectcomp') continue
        return false
      }
    }
    return true
  }

  applyOps(cur: Local, ops: Term[], scope: Scope): Local {
    for (const op of ops) {
      if (this.isGround(op, scope)) {
        const k = this.planTerm(op, scope)
        cur = this.dot(cur, k)
      } else {
        const { key, value } = this.scan(cur)
        this.unifyLocal(op, key, scope)
        cur = value
      }
    }
    return cur
  }

  /** `data.<ops>`: walk the rule tree as far as the constant operands go. */
  planDataRef(ops: Term[], scope: Scope): Local {
    let node: TreeNode = this.prog.root
    let i = 0
    while (i < ops.length && !node.group) {
      const op = ops[i]!
      if (op.type === 'number' || op.type === 'boolean' || op.type === 'null') {
        // Rule names are strings: a scalar of another type can only select
        // base data, where OPA's store keys a number by its text (data.x[2]
        // reads key "2").
        const key: Term = op.type === 'number' ? { type: 'string', value: op.raw, span: op.span } : op
        return this.applyOps(this.baseDoc(node.path), [key, ...ops.slice(i + 1)], scope)
      }
      if (op.type !== 'string') break
      const path = [...node.path, op.value]
      const mock = this.prog.dataMock(this.mocks, path)
      if (mock !== undefined) {
        const l = this.local()
        this.emit({ op: 'assign', source: { kind: 'global', name: mock }, target: l })
        this.emit({ op: 'isdefined', local: l })
        return this.applyOps(l, ops.slice(i + 1), scope)
      }
      const child = node.children.get(op.value)
      if (!child) {
        return this.applyOps(this.baseDoc(node.path), ops.slice(i), scope)
      }
      node = child
      i++
    }
    let v: Local
    if (node.group) {
      if (node.group.kind === 'function') {
        this.prog.error('rego_type_error', `function data.${node.path.join('.')} used as a value`, scope.module, ops[0]?.span.start ?? 0)
        return this.constLocal(this.prog.constOf({ type: 'null', span: { start: 0, end: 0 } }))
      }
      const fn = this.prog.groupFunc(node.group, this.mocks, scope.module, ops[0]?.span.start ?? 0)
      v = this.local()
      this.emit({ op: 'call', func: fn, args: [], target: v, check: true })
    } else {
      const fn = this.prog.vdocFunc(node, this.mocks)
      v = this.local()
      this.emit({ op: 'call', func: fn, args: [], target: v, check: true })
    }
    return this.applyOps(v, ops.slice(i), scope)
  }

  /** The base document at a path (plain `data` lookups). */
  baseDoc(path: string[]): Local {
    let cur = this.local()
    this.emit({ op: 'assign', source: { kind: 'global', name: 'g_data' }, target: cur })
    this.emit({ op: 'isdefined', local: cur })
    for (const p of path) {
      const k = this.constLocal(this.prog.constOf({ type: 'string', value: p, span: { start: 0, end: 0 } }))
      cur = this.dot(cur, k)
    }
    return cur
  }

  // ---- calls and unification: call.ts and unify.ts -------------------------

  planCall(t: CallTerm, scope: Scope, args: Term[]): Local {
    return this.located(scope.module, t.span.start, () => planCall(this, t, scope, args))
  }

  unify(a: Term, b: Term, scope: Scope): void {
    unify(this, a, b, scope)
  }

  /** Unify a term with a value already in a local. */
  unifyLocal(t: Term, v: Local, scope: Scope): void {
    unifyLocal(this, t, v, scope)
  }
}

function str(value: string, at: Term): Term {
  return { type: 'string', value, span: at.span }
}
