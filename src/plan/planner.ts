// Plans a whole checked program (check/'s CheckedProgram): one function per
// rule group (specialised per set of `with` mocks), one per virtual-document
// node that is read as a value, constants, host built-in ids and entrypoints.
// Program owns what is shared across functions (constants, the function
// table, call resolution, mocks); a group's function is planned by
// rule-group.ts, bodies and terms by body.ts, `with` by with.ts.

import type { ErrorCode, ErrorDetail } from '../errors/index.js'
import type { CallTerm, Module, RefTerm, Term, Rule } from '../rego/ast.js'
import { lookupBuiltin, hostTableName } from '../builtins/catalog.js'
import type { TypeSpec } from '../builtins/types.js'
import type { Block, Const, Func, Plan } from './ir.js'
import { BodyPlanner, Scope, loc } from './body.js'
import { planGroup } from './rule-group.js'
import { findNode, importOf, isRuleName, type CheckedProgram, type Names, type RuleGroup, type TreeNode } from '../check/index.js'
import { locate } from '../source/index.js'

export type Mock =
  | { kind: 'data'; path: string[]; slot: string }
  | { kind: 'func'; name: string; fn?: string; slot?: string }

export type CallTarget =
  | { kind: 'error' }
  | { kind: 'value'; slot: string }
  | { kind: 'const'; index: number }
  | { kind: 'func'; func: string }
  | { kind: 'builtin'; name: string; strict: boolean }
  | { kind: 'host'; id: number; toSet: boolean; cached: boolean; sets: boolean }
  | { kind: 'print' }

/** In-module built-ins whose undefined result is not an error (max([]) is undefined in OPA). */
const UNDEFINED_NOT_ERROR = new Set(['max', 'min', 'object.get'])


export interface PlanOptions {
  entrypoints: string[]
  /** extra built-ins from an OPA capabilities file: compiled to host calls */
  customBuiltins?: Map<string, { arity: number; resultSet: boolean }>
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
  readonly consts: Const[] = []
  private readonly constKeys = new Map<string, number>()
  readonly funcs: Func[] = []
  readonly globals = new Set<string>(['g_input', 'g_data', 'g_epoch', 'g_epoch_ctr', 'g_eval_id'])
  readonly hosts = new Map<string, { id: number; arity: number; name: string }>()
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

  constructor(checked: CheckedProgram, readonly opts: PlanOptions) {
    this.errors = [...checked.errors]
    this.modules = checked.modules
    this.root = checked.root
    this.groups = checked.groups
    this.names = checked.names
  }

  error(code: ErrorCode, message: string, m: Module, offset: number): void {
    this.errors.push({ code, message, location: locate(m, offset) })
  }

  label(): number { return this.labels++ }

  importOf(m: Module, name: string): RefTerm | undefined { return importOf(this.names, m, name) }

  isRuleName(m: Module, name: string): boolean { return isRuleName(this.names, m, name) }

  // ---- constants ---------------------------------------------------------

  private intern(c: Const): number {
    const key = JSON.stringify(c)
    let i = this.constKeys.get(key)
    if (i === undefined) { i = this.consts.length; this.consts.push(c); this.constKeys.set(key, i) }
    return i
  }

  constOf(t: Term): number {
    switch (t.type) {
      case 'null': return this.intern({ kind: 'null' })
      case 'boolean': return this.intern({ kind: 'bool', value: t.value })
      case 'number': return this.intern({ kind: 'number', raw: t.raw })
      case 'string': return this.intern({ kind: 'string', value: t.value })
      default: {
        const c = this.constOfComposite(t)
        if (c === undefined) throw new Error('not a constant')
        return c
      }
    }
  }

  constOfComposite(t: Term): number | undefined {
    switch (t.type) {
      case 'null': case 'boolean': case 'number': case 'string': return this.constOf(t)
      case 'array': case 'set': {
        const items: number[] = []
        for (const i of t.items) { const c = this.constOfComposite(i); if (c === undefined) return undefined; items.push(c) }
        return this.intern({ kind: t.type, items })
      }
      case 'object': {
        const items: [number, number][] = []
        for (const [k, v] of t.items) {
          const ck = this.constOfComposite(k), cv = this.constOfComposite(v)
          if (ck === undefined || cv === undefined) return undefined
          items.push([ck, cv])
        }
        return this.intern({ kind: 'object', items })
      }
      default: return undefined
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

  mockKey(mocks: Mock[]): string {
    return mocks.length ? '__' + mocks.map((m) => (m.kind === 'data' ? `d${m.path.join('.')}=${m.slot}` : `f${m.name}=${m.fn ?? m.slot}`)).join(',') : ''
  }

  dataMock(mocks: Mock[], path: string[]): string | undefined {
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

  private funcName(prefix: string, path: string[], mocks: Mock[]): string {
    const base = `${prefix}${path.map((p) => p.replace(/[^A-Za-z0-9_]/g, '_')).join('.')}`
    return `${base}${mocks.length ? `__m${this.funcs.length}` : ''}`
  }

  groupFunc(g: RuleGroup, mocks: Mock[], m: Module, offset: number): string {
    const key = `${g.id}${this.mockKey(mocks)}`
    const have = this.groupFuncs.get(key)
    if (have) {
      if (this.inProgress.includes(key)) {
        const cycle = this.inProgress.slice(this.inProgress.indexOf(key)).map((k) => `data.${this.groups[Number(k.split('__')[0])]!.path.join('.')}`)
        this.error('rego_recursion_error', `rule data.${g.path.join('.')} is recursive: ${[...cycle, `data.${g.path.join('.')}`].join(' -> ')}`, m, offset)
      }
      return have
    }
    const name = this.funcName(g.kind === 'function' ? 'f_' : 'r_', g.path, mocks) + `#${g.id}`
    this.groupFuncs.set(key, name)
    this.inProgress.push(key)
    try {
      this.funcs.push(planGroup(this, g, mocks, name))
    } finally {
      this.inProgress.pop()
    }
    return name
  }

  vdocFunc(node: TreeNode, mocks: Mock[]): string {
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
    this.funcs.push({ name, params: [], nlocals: bp.nlocals, body, comment: `virtual document data.${node.path.join('.')}` })
    return name
  }

  baseFunc(path: string[]): string {
    const name = this.funcName('b_', path, []) + `#${this.funcs.length}`
    const body: Block = { stmts: [] }
    const bp = new BodyPlanner(this, [], body)
    const v = bp.baseDoc(path)
    bp.emit({ op: 'return', source: loc(v) })
    this.funcs.push({ name, params: [], nlocals: bp.nlocals, body, comment: `base document data.${path.join('.')}` })
    return name
  }

  // ---- calls -------------------------------------------------------------

  /** The name a call refers to: `data.pkg.f` for rules, the built-in name otherwise. */
  callName(t: Extract<Term, { type: 'call' }>, scope: Scope, bp: BodyPlanner): string {
    return this.refName(t.func, scope, bp)
  }

  refName(ref: RefTerm, scope: Scope, bp: BodyPlanner): string {
    const parts = ref.path.map((p) => (p.type === 'string' ? p.value : '?'))
    if (ref.head.type !== 'var') return '?'
    const h = ref.head.name
    const r = bp.resolve(h, scope)
    switch (r.kind) {
      case 'rule': return `data.${[...r.path, ...parts].join('.')}`
      case 'data': return `data.${parts.join('.')}`
      case 'import': {
        const ip = r.ref.path.map((p) => (p.type === 'string' ? p.value : '?'))
        const head = r.ref.head.type === 'var' ? r.ref.head.name : '?'
        return [head, ...ip, ...parts].join('.')
      }
      default: return [h, ...parts].join('.')
    }
  }

  /**
   * Whether a bare name in `scope` means a function: a function rule (as
   * the resolver finds it) or a catalogued built-in that no local, import
   * or rule shadows — what planWith accepts as a replacement function.
   */
  isFunctionRef(name: string, scope: Scope, bp: BodyPlanner): boolean {
    const r = bp.resolve(name, scope)
    if (r.kind === 'unbound' || r.kind === 'local') return lookupBuiltin(name) !== undefined
    const span = { start: 0, end: 0 }
    const full = this.refName({ type: 'ref', head: { type: 'var', name, span }, path: [], span }, scope, bp)
    return full.startsWith('data.') && findNode(this.root, full.slice(5).split('.'))?.group?.kind === 'function'
  }

  outputArgIndex(t: CallTerm, scope: Scope, bp: BodyPlanner): number | undefined {
    const name = this.callName(t, scope, bp)
    const arity = this.arityOf(name)
    return arity !== undefined && arity >= 0 && t.args.length === arity + 1 ? arity : undefined
  }

  private arityOf(name: string): number | undefined {
    if (name.startsWith('data.')) {
      const n = findNode(this.root, name.slice(5).split('.'))
      return n?.group?.kind === 'function' ? n.group.arity : undefined
    }
    const b = lookupBuiltin(name)
    if (b) return b.result === undefined && b.name !== 'print' ? -1 : b.args.length
    return this.opts.customBuiltins?.get(name)?.arity
  }

  /**
   * OPA's type checker, for what is known at compile time: a literal
   * argument whose type the built-in can never accept is a rego_type_error.
   */
  private checkArgTypes(name: string, want: TypeSpec[], args: Term[], scope: Scope): void {
    args.forEach((a, i) => {
      const have = literalType(a)
      const spec = want[i]
      if (!have || !spec || acceptsType(spec, have)) return
      this.error('rego_type_error', `${name}: invalid argument(s): operand ${i + 1} must be ${typeText(spec)} but got ${have}`, scope.module, a.span.start)
    })
  }

  /** What a call to `t` with `nargs` input arguments runs, under `mocks`. */
  resolveCall(t: Extract<Term, { type: 'call' }>, scope: Scope, bp: BodyPlanner, nargs: number, nameOverride?: string, mocks: Mock[] = bp.mocks): CallTarget {
    const name = nameOverride ?? this.callName(t, scope, bp)
    for (let i = mocks.length - 1; i >= 0; i--) {
      const m = mocks[i]!
      if (m.kind !== 'func' || m.name !== name) continue
      if (m.slot) return { kind: 'value', slot: m.slot }
      // The replacement runs without function mocks (OPA: a mock never calls
      // another mock), so a mock may call the function it replaces.
      return this.resolveCall(t, scope, bp, nargs, m.fn, mocks.filter((x) => x.kind === 'data'))
    }
    const given = nargs
    if (name.startsWith('data.')) {
      const n = findNode(this.root, name.slice(5).split('.'))
      if (!n?.group || n.group.kind !== 'function') {
        this.error('rego_type_error', `undefined function ${name}`, scope.module, t.span.start)
        return { kind: 'error' }
      }
      if (n.group.arity !== given) {
        this.error('rego_type_error', `function ${name} has arity ${n.group.arity}, got ${given} arguments`, scope.module, t.span.start)
        return { kind: 'error' }
      }
      return { kind: 'func', func: this.groupFunc(n.group, mocks, scope.module, t.span.start) }
    }
    const custom = this.opts.customBuiltins?.get(name)
    // OPA v1 removed the deprecated built-ins (cast_array, set_diff, re_match …): v0 modules only
    // (a v0 module with `import rego.v1` follows v1's rules, as in OPA).
    const v1 = scope.module.regoVersion === 1 || scope.module.imports.some((i) => i.path.head.type === 'var' && i.path.head.name === 'rego')
    const b = ((found) => (found?.deprecated && v1 ? undefined : found))(lookupBuiltin(name))
    if (!b && !custom) {
      this.error('rego_type_error', `undefined function ${name}`, scope.module, t.span.start)
      return { kind: 'error' }
    }
    const arity = b ? b.args.length : custom!.arity
    if (b?.name !== 'print' && arity !== given) {
      this.error('rego_type_error', `${name}: arity mismatch: expected ${arity} arguments, got ${given}`, scope.module, t.span.start)
      return { kind: 'error' }
    }
    if (b) this.checkArgTypes(name, b.args, t.args.slice(0, nargs), scope)
    if (b?.inModule) return { kind: 'builtin', name, strict: !!this.opts.strict && !UNDEFINED_NOT_ERROR.has(name) }
    switch (name) {
      case 'print': return { kind: 'print' }
      case 'trace': return { kind: 'const', index: this.intern({ kind: 'bool', value: true }) }
      case 'opa.runtime': return { kind: 'const', index: this.intern({ kind: 'object', items: [] }) }
      case 'rego.metadata.rule': return { kind: 'const', index: this.constJSON(metadataOf(scope.rule)) }
      case 'rego.metadata.chain': return { kind: 'const', index: this.constJSON(this.chainOf(scope)) }
    }
    const table = hostTableName(name)
    let h = this.hosts.get(table)
    if (!h) this.hosts.set(table, (h = { id: this.hosts.size, arity, name }))
    if (arity > 4) {
      this.error('compile_unsupported_error', `built-in ${name} takes ${arity} arguments; host calls support at most 4`, scope.module, t.span.start)
    }
    const res = b?.result ?? (custom?.resultSet ? 'set' : 'any')
    const toSet = res === 'set' || (typeof res === 'object' && 'set' in res)
    if (b?.nondeterministic) { this.globals.add(`g_nd_${h.id}`); this.globals.add(`g_nde_${h.id}`) }
    return { kind: 'host', id: h.id, toSet, cached: !!b?.nondeterministic, sets: !!b?.setAware }
  }

  /**
   * rego.metadata.chain(): the rule's own annotations, the document-scoped
   * ones of its path, then package and subpackages annotations outwards, as
   * OPA lists them (paths without the leading `data`).
   */
  private chainOf(scope: Scope): unknown[] {
    const out: unknown[] = []
    const r = scope.rule
    const pkg = scope.module.package
    if (r) {
      const path = [...pkg, ...r.head.ref.map((t) => (t.type === 'var' ? t.name : t.type === 'string' ? t.value : '?'))].filter((x) => x !== '?')
      const own = r.annotations && r.annotations.scope !== 'document' ? metadataOf(r) : undefined
      out.push(own ? { annotations: own, path } : { path })
      const node = findNode(this.root, path)
      for (const d of [...(node?.group?.defs ?? []), ...(node?.group?.default ? [node.group.default] : [])]) {
        if (d.rule.annotations?.scope === 'document') out.push({ annotations: metadataOf(d.rule), path })
      }
    }
    for (let depth = pkg.length; depth >= 0; depth--) {
      const prefix = pkg.slice(0, depth)
      for (const m of this.modules) {
        if (m.package.join('.') !== prefix.join('.')) continue
        for (const a of m.annotations) {
          if (a.scope === 'package' && depth === pkg.length) out.push({ annotations: cleanAnnotations(a), path: prefix })
          if (a.scope === 'subpackages') out.push({ annotations: cleanAnnotations(a), path: prefix })
        }
      }
    }
    return out
  }
}

/** Annotations as rego.metadata returns them: authors and organizations normalised as OPA does. */
type LiteralType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set'

function literalType(t: Term): LiteralType | undefined {
  switch (t.type) {
    case 'null': case 'boolean': case 'number': case 'string': case 'array': case 'object': case 'set': return t.type
    default: return undefined
  }
}

function acceptsType(spec: TypeSpec, have: LiteralType): boolean {
  if (typeof spec === 'string') return spec === 'any' || spec === have
  if ('anyOf' in spec) return spec.anyOf.some((s) => acceptsType(s, have))
  if ('array' in spec) return have === 'array'
  if ('set' in spec) return have === 'set'
  return have === 'object'
}

function typeText(spec: TypeSpec): string {
  if (typeof spec === 'string') return spec
  if ('anyOf' in spec) return `one of {${spec.anyOf.map(typeText).join(', ')}}`
  return 'array' in spec ? 'array' : 'set' in spec ? 'set' : 'object'
}

function cleanAnnotations(a: object): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(a)) {
    if (k === 'span' || v === undefined) continue
    if (k === 'authors' && Array.isArray(v)) {
      out[k] = v.map((x) => {
        if (typeof x !== 'string') return x
        const m = /^(.*?)\s*<([^>]*)>\s*$/.exec(x)
        return m ? (m[1] ? { name: m[1], email: m[2] } : { email: m[2] }) : { name: x }
      })
    } else out[k] = v
  }
  return out
}

function metadataOf(r: Rule | undefined): Record<string, unknown> {
  return r?.annotations ? cleanAnnotations(r.annotations) : {}
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
        prog.errors.push({ code: 'compile_entrypoint_error', message: `entrypoint ${JSON.stringify(ep)} is a function, not a rule or package`, location: locate(d.module, d.rule.span.start) })
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
      prog.funcs.push({ name: func, params: [], nlocals: bp.nlocals, body, comment: `entrypoint ${ep}` })
    } else {
      prog.errors.push({ code: 'compile_entrypoint_error', message: `entrypoint ${JSON.stringify(ep)} does not name a rule or package of the compiled modules` })
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
  const hostBuiltins = [...prog.hosts].map(([name, h]) => ({ name, id: h.id, arity: h.arity }))
  const coverable = opts.coverage ? Object.fromEntries([...prog.coverable].map(([f, rows]) => [f, [...rows].sort((a, b) => a - b)])) : undefined
  return {
    plan: { funcs: prog.funcs, consts: prog.consts, entrypoints, hostBuiltins, globals: [...prog.globals], ...(coverable ? { coverable } : {}) },
    errors: prog.errors,
  }
}

