// Plans a whole checked program (check/'s CheckedProgram): one function per
// rule group (specialised per set of `with` mocks), one per virtual-document
// node that is read as a value, constants, host built-in ids and entrypoints.
// Program owns what is shared across functions (constants, the function
// table, host built-in ids, globals, mocks) and changes it only through its
// methods; a group's function is planned by rule-group.ts, bodies and terms
// by body.ts (statements go through emitter.ts), calls by call.ts,
// unification by unify.ts, `with` by with.ts.

import type { ErrorCode, ErrorDetail } from '../errors/index.js'
import type { CallTerm, Module, RefTerm, Term } from '../rego/ast.js'
import type { Block, Const, Func, Plan } from './ir.js'
import { BodyPlanner, Scope, loc } from './body.js'
import { planGroup } from './rule-group.js'
import {
  findNode,
  importOf,
  isRuleName,
  type BodyOrder,
  type CallTable,
  type CheckedProgram,
  type CustomBuiltins,
  type Names,
  type RuleGroup,
  type TreeNode,
} from '../check/index.js'
import { locate } from '../source/index.js'

export type Mock = { kind: 'data'; path: string[]; slot: string } | { kind: 'func'; name: string; fn?: string; slot?: string }

export interface PlanOptions {
  entrypoints: string[]
  /** instrument loops and calls with a step counter (for budgets) */
  steps?: boolean
  /** record the lines of the expressions and rule heads that run (policy test --coverage) */
  coverage?: boolean
  /** built-in errors abort evaluation (OPA's strict-builtin-errors) instead of being undefined */
  strict?: boolean
}

export class Program {
  /** The checks' errors first, then those found while planning. */
  readonly errors: ErrorDetail[]
  readonly modules: readonly Module[]
  readonly root: TreeNode
  readonly groups: readonly RuleGroup[]
  private readonly names: Names
  private readonly calls: CallTable
  readonly order: BodyOrder
  /** Extra built-ins from an OPA capabilities file (check/'s options): compiled to host calls. */
  readonly customBuiltins: CustomBuiltins | undefined
  /** How many errors check/ reported: plan/ meeting a broken invariant after none is an internal error. */
  private readonly checkErrors: number
  readonly consts: Const[] = []
  private readonly constKeys = new Map<string, number>()
  private readonly funcs: Func[] = []
  private readonly globals = new Set<string>(['g_input', 'g_data', 'g_epoch', 'g_epoch_ctr', 'g_eval_id'])
  private readonly hosts = new Map<string, { id: number; arity: number; name: string }>()
  private labels = 0
  private slots = 0
  private readonly groupFuncs = new Map<string, string>()
  private readonly inProgress: string[] = []
  private readonly vdocs = new Map<string, string>()
  readonly coverable = new Map<string, Set<number>>()

  /** The coverage key of a source position; registers the line as coverable. */
  coverKey(m: Module, offset: number): number | undefined {
    if (!this.opts.coverage) return undefined
    const { row } = locate(m, offset)
    let rows = this.coverable.get(m.path)
    if (!rows) this.coverable.set(m.path, (rows = new Set()))
    rows.add(row)
    return this.intern({ kind: 'string', value: `${m.path}:${row}` })
  }

  constructor(
    checked: CheckedProgram,
    readonly opts: PlanOptions,
  ) {
    this.errors = [...checked.errors]
    this.modules = checked.modules
    this.root = checked.root
    this.groups = checked.groups
    this.names = checked.names
    this.calls = checked.calls
    this.order = checked.order
    this.customBuiltins = checked.customBuiltins
    this.checkErrors = checked.errors.length
  }

  error(code: ErrorCode, message: string, m: Module, offset: number): void {
    this.errors.push({ code, message, location: locate(m, offset) })
  }

  /**
   * Something check/ guarantees does not hold (a call it did not resolve, a
   * cycle it did not report). After a check error that is expected (plan/
   * goes on to collect its own errors); otherwise it is a bug, reported as one.
   */
  broken(message: string, m: Module, offset: number): void {
    if (this.checkErrors === 0) this.error('internal_error', message, m, offset)
  }

  label(): number {
    return this.labels++
  }

  /** A planned function joins the plan. */
  addFunc(f: Func): void {
    this.funcs.push(f)
  }

  /** The two globals that memoise a rule group's value per evaluation epoch. */
  memoGlobals(name: string): void {
    this.globals.add(`memo_v_${name}`)
    this.globals.add(`memo_e_${name}`)
  }

  /** The id of host built-in `table` (its name in the module's builtins table), registered on first use. */
  hostId(table: string, name: string, arity: number, nondeterministic: boolean): number {
    let h = this.hosts.get(table)
    if (!h) this.hosts.set(table, (h = { id: this.hosts.size, arity, name }))
    // A nondeterministic built-in's result is cached per evaluation.
    if (nondeterministic) {
      this.globals.add(`g_nd_${h.id}`)
      this.globals.add(`g_nde_${h.id}`)
    }
    return h.id
  }

  /** The plan's functions, constants, host table and globals, once every function is planned. */
  finish(entrypoints: Plan['entrypoints']): Plan {
    const hostBuiltins = [...this.hosts].map(([name, h]) => ({ name, id: h.id, arity: h.arity }))
    const coverable = this.opts.coverage ? Object.fromEntries([...this.coverable].map(([f, rows]) => [f, [...rows].sort((a, b) => a - b)])) : undefined
    return { funcs: this.funcs, consts: this.consts, entrypoints, hostBuiltins, globals: [...this.globals], ...(coverable ? { coverable } : {}) }
  }

  importOf(m: Module, name: string): RefTerm | undefined {
    return importOf(this.names, m, name)
  }

  isRuleName(m: Module, name: string): boolean {
    return isRuleName(this.names, m, name)
  }

  // ---- constants ---------------------------------------------------------

  private intern(c: Const): number {
    const key = JSON.stringify(c)
    let i = this.constKeys.get(key)
    if (i === undefined) {
      i = this.consts.length
      this.consts.push(c)
      this.constKeys.set(key, i)
    }
    return i
  }

  constOf(t: Term): number {
    switch (t.type) {
      case 'null':
        return this.intern({ kind: 'null' })
      case 'boolean':
        return this.intern({ kind: 'bool', value: t.value })
      case 'number':
        return this.intern({ kind: 'number', raw: t.raw })
      case 'string':
        return this.intern({ kind: 'string', value: t.value })
      default: {
        const c = this.constOfComposite(t)
        if (c === undefined) throw new Error('not a constant')
        return c
      }
    }
  }

  constOfComposite(t: Term): number | undefined {
    switch (t.type) {
      case 'null':
      case 'boolean':
      case 'number':
      case 'string':
        return this.constOf(t)
      case 'array':
      case 'set': {
        const items: number[] = []
        for (const i of t.items) {
          const c = this.constOfComposite(i)
          if (c === undefined) return undefined
          items.push(c)
        }
        return this.intern({ kind: t.type, items })
      }
      case 'object': {
        const items: [number, number][] = []
        for (const [k, v] of t.items) {
          const ck = this.constOfComposite(k),
            cv = this.constOfComposite(v)
          if (ck === undefined || cv === undefined) return undefined
          items.push([ck, cv])
        }
        return this.intern({ kind: 'object', items })
      }
      default:
        return undefined
    }
  }

  /** A constant object from already-interned keys and values. */
  constJSONEntries(entries: [number, number][]): number {
    return this.intern({ kind: 'object', items: entries })
  }

  constJSON(value: unknown): number {
    if (value === null || value === undefined) return this.intern({ kind: 'null' })
    if (typeof value === 'boolean') return this.intern({ kind: 'bool', value })
    if (typeof value === 'number') return this.intern({ kind: 'number', raw: String(value) })
    if (typeof value === 'string') return this.intern({ kind: 'string', value })
    if (Array.isArray(value)) return this.intern({ kind: 'array', items: value.map((v) => this.constJSON(v)) })
    return this.intern({ kind: 'object', items: Object.entries(value as object).map(([k, v]) => [this.constJSON(k), this.constJSON(v)] as [number, number]) })
  }

  // ---- mocks -------------------------------------------------------------

  mockKey(mocks: readonly Mock[]): string {
    return mocks.length ? '__' + mocks.map((m) => (m.kind === 'data' ? `d${m.path.join('.')}=${m.slot}` : `f${m.name}=${m.fn ?? m.slot}`)).join(',') : ''
  }

  dataMock(mocks: readonly Mock[], path: string[]): string | undefined {
    for (let i = mocks.length - 1; i >= 0; i--) {
      const m = mocks[i]!
      if (m.kind === 'data' && m.path.length === path.length && m.path.every((p, j) => p === path[j])) return m.slot
    }
    return undefined
  }

  newSlot(): string {
    const s = `g_with${this.slots++}`
    this.globals.add(s)
    return s
  }

  // ---- functions for groups and virtual documents --------------------------

  private funcName(prefix: string, path: string[], mocks: readonly Mock[]): string {
    const base = `${prefix}${path.map((p) => p.replace(/[^A-Za-z0-9_]/g, '_')).join('.')}`
    return `${base}${mocks.length ? `__m${this.funcs.length}` : ''}`
  }

  groupFunc(g: RuleGroup, mocks: readonly Mock[], m: Module, offset: number): string {
    const key = `${g.id}${this.mockKey(mocks)}`
    const have = this.groupFuncs.get(key)
    if (have) {
      // check/'s recursion pass reports every cycle; plan/ only guards it.
      if (this.inProgress.includes(key)) this.broken(`rule data.${g.path.join('.')} is recursive, and check/ did not report it`, m, offset)
      return have
    }
    const name = this.funcName(g.kind === 'function' ? 'f_' : 'r_', g.path, mocks) + `#${g.id}`
    this.groupFuncs.set(key, name)
    this.inProgress.push(key)
    try {
      this.addFunc(planGroup(this, g, mocks, name))
    } finally {
      this.inProgress.pop()
    }
    return name
  }

  vdocFunc(node: TreeNode, mocks: readonly Mock[]): string {
    const key = `${node.path.join('.')}${this.mockKey(mocks)}`
    const have = this.vdocs.get(key)
    if (have) return have
    const name = this.funcName('v_', node.path, mocks) + `#${this.vdocs.size}`
    this.vdocs.set(key, name)
    const body: Block = { stmts: [] }
    const bp = new BodyPlanner(this, mocks, body)
    const res = bp.make('object')
    for (const [childName, child] of [...node.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (child.group?.kind === 'function') continue
      const b: Block = { stmts: [] }
      bp.emit({ op: 'blocks', blocks: [b] })
      bp.into(b.stmts, () => {
        const v = bp.local()
        const mock = this.dataMock(mocks, child.path)
        if (mock) {
          bp.emit({ op: 'assign', source: { kind: 'global', name: mock }, target: v })
          bp.emit({ op: 'isdefined', local: v })
        } else {
          const d = child.group?.defs[0] ?? child.group?.default
          const fn = child.group ? this.groupFunc(child.group, mocks, d!.module, d!.rule.span.start) : this.vdocFunc(child, mocks)
          bp.emit({ op: 'call', func: fn, args: [], target: v, check: true })
        }
        const k = bp.constLocal(this.intern({ kind: 'string', value: childName }))
        bp.emit({ op: 'objectinsert', object: res, key: k, value: v })
      })
    }
    const bb: Block = { stmts: [] }
    bp.emit({ op: 'blocks', blocks: [bb] })
    bp.into(bb.stmts, () => {
      const base = bp.baseDoc(node.path)
      // Where base and virtual documents overlap, the base document wins (OPA).
      const merged = bp.local()
      bp.emit({ op: 'objectmerge', a: res, b: base, target: merged })
      bp.emit({ op: 'assign', source: loc(merged), target: res })
    })
    bp.emit({ op: 'return', source: loc(res) })
    this.addFunc({ name, params: [], nlocals: bp.nlocals, body, comment: `virtual document data.${node.path.join('.')}` })
    return name
  }

  baseFunc(path: string[]): string {
    const name = this.funcName('b_', path, []) + `#${this.funcs.length}`
    const body: Block = { stmts: [] }
    const bp = new BodyPlanner(this, [], body)
    const v = bp.baseDoc(path)
    bp.emit({ op: 'return', source: loc(v) })
    this.addFunc({ name, params: [], nlocals: bp.nlocals, body, comment: `base document data.${path.join('.')}` })
    return name
  }

  // ---- calls -------------------------------------------------------------

  /** The name check/ resolved a call to: `data.pkg.f` for rules, the built-in name otherwise. */
  callName(t: CallTerm): string {
    const r = this.calls.get(t)
    if (!r) throw new Error(`plan: a call at offset ${t.span.start} was not resolved by check/`)
    return r.name
  }

  /** The output argument check/ found for a call used as a condition. */
  outputArgIndex(t: CallTerm): number | undefined {
    return this.calls.get(t)?.outputArg
  }

  refName(ref: RefTerm, scope: Scope, bp: BodyPlanner): string {
    const parts = ref.path.map((p) => (p.type === 'string' ? p.value : '?'))
    if (ref.head.type !== 'var') return '?'
    const h = ref.head.name
    const r = bp.resolve(h, scope)
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
}

// ---- program --------------------------------------------------------------

/** The rule whose value holds `path` (a group on a proper prefix of it), and the rest of the path. */
function ruleAbove(root: TreeNode, path: string[]): { group: RuleGroup; rest: string[] } | undefined {
  let n: TreeNode | undefined = root
  for (let i = 0; i < path.length && n; i++) {
    if (n.group && n.group.kind !== 'function') return { group: n.group, rest: path.slice(i) }
    n = n.children.get(path[i]!)
  }
  return undefined
}

/** Plans a checked program; `errors` are the checks' errors followed by the planner's. */
export function planProgram(checked: CheckedProgram, opts: PlanOptions): { plan: Plan; errors: ErrorDetail[] } {
  const prog = new Program(checked, opts)
  const entrypoints: Plan['entrypoints'] = []
  for (const ep of opts.entrypoints) {
    const path = ep.split('/').filter((p) => p !== '')
    const node = findNode(prog.root, path)
    let func: string
    if (node?.group) {
      if (node.group.kind === 'function') {
        const d = node.group.defs[0]!
        prog.errors.push({
          code: 'compile_entrypoint_error',
          message: `entrypoint ${JSON.stringify(ep)} is a function, not a rule or package`,
          location: locate(d.module, d.rule.span.start),
        })
        continue
      }
      const d = node.group.defs[0] ?? node.group.default!
      func = prog.groupFunc(node.group, [], d.module, d.rule.span.start)
    } else if (node) func = prog.vdocFunc(node, [])
    else if (ruleAbove(prog.root, path)) {
      // A path inside a rule's value (below a ref head's variable part):
      // evaluate the rule and walk into its value.
      const { group, rest } = ruleAbove(prog.root, path)!
      const d = group.defs[0] ?? group.default!
      const gf = prog.groupFunc(group, [], d.module, d.rule.span.start)
      func = `e_${entrypoints.length}`
      const body: Block = { stmts: [] }
      const bp = new BodyPlanner(prog, [], body)
      let v = bp.local()
      bp.emit({ op: 'call', func: gf, args: [], target: v, check: true })
      for (const seg of rest) v = bp.dot(v, bp.constLocal(prog.constJSON(seg)))
      bp.emit({ op: 'return', source: loc(v) })
      prog.addFunc({ name: func, params: [], nlocals: bp.nlocals, body, comment: `entrypoint ${ep}` })
    } else {
      prog.errors.push({
        code: 'compile_entrypoint_error',
        message: `entrypoint ${JSON.stringify(ep)} does not name a rule or package of the compiled modules`,
      })
      continue
    }
    entrypoints.push({ path: ep, func })
  }
  // Plan every rule, reachable or not, so errors anywhere in the modules are
  // reported (as OPA's compiler does), not only those the entrypoints reach.
  for (const g of prog.groups) {
    const d = g.defs[0] ?? g.default
    if (d) prog.groupFunc(g, [], d.module, d.rule.span.start)
  }
  return { plan: prog.finish(entrypoints), errors: prog.errors }
}
