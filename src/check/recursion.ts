// Recursion (OPA's checkRecursion): the rule graph — an edge from a group to
// every group its rules read (a rule name, a `data.…` ref, an import, a
// call, the virtual document of a package, the rules below an object's
// path, a `with` replacement function) — must have no cycle. A depth-first
// walk in rule-tree order reports each edge that closes a cycle, naming the
// cycle and pointing at the reference that closes it.

import type { ErrorDetail } from '../errors/index.js'
import type { CallTerm, Module, RefTerm, Term, With } from '../rego/ast.js'
import { locate } from '../source/index.js'
import { calledGroup, funcMocks, functionGroup, refName, type CallTable, type CustomBuiltins } from './calls.js'
import { importOf, isRuleName, type Names } from './names.js'
import type { RuleGroup, TreeNode } from './rule-tree.js'
import { walkGroup, walkTerm, type WalkScope, type WalkVisitor } from './walk.js'

interface Edge {
  readonly to: RuleGroup
  readonly module: Module
  readonly offset: number
}

const isWild = (n: string) => n.startsWith('$wild') || n === '_'

/** The paths `with data.… as` replaces in `withs`: reading them reads no rule. */
function dataMocks(withs: readonly With[], s: WalkScope, names: Names): string[][] {
  const out: string[][] = []
  for (const w of withs) {
    const n = refName(w.target, s, names)
    if (n.startsWith('data.')) out.push(n.slice(5).split('.'))
  }
  return out
}

const samePath = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i])

/** Every group the virtual document at `node` reads, each located at its first definition. */
function vdocEdges(node: TreeNode, mocked: string[][], out: Edge[]): void {
  for (const child of node.children.values()) {
    if (child.group?.kind === 'function' || mocked.some((p) => samePath(p, child.path))) continue
    if (child.group) {
      const d = child.group.defs[0] ?? child.group.default
      if (d) out.push({ to: child.group, module: d.module, offset: d.rule.span.start })
    } else vdocEdges(child, mocked, out)
  }
}

/** The edges of one group, in source order. */
function edgesOf(g: RuleGroup, root: TreeNode, names: Names, calls: CallTable, custom: CustomBuiltins | undefined): Edge[] {
  const out: Edge[] = []
  /** `data.<ops>` read at `offset`: the group it reaches, or the virtual document it stops at. */
  const dataRef = (ops: readonly Term[], s: WalkScope, offset: number) => {
    const mocked = dataMocks(s.withs, s, names)
    let node = root
    for (const op of ops) {
      if (node.group) break
      if (op.type !== 'string') {
        if (op.type === 'number' || op.type === 'boolean' || op.type === 'null') return
        break
      }
      const path = [...node.path, op.value]
      if (mocked.some((p) => samePath(p, path))) return
      const child = node.children.get(op.value)
      if (!child) return
      node = child
    }
    if (node.group) {
      if (node.group.kind !== 'function') out.push({ to: node.group, module: s.module, offset })
      return
    }
    vdocEdges(node, mocked, out)
  }
  /** A name that is not local: a rule of the package or an import of data. */
  const named = (name: string, ops: readonly Term[], s: WalkScope, offset: number) => {
    if (isWild(name) || s.declared.has(name) || name === 'input') return
    if (name === 'data') return dataRef(ops, s, offset)
    const imp = importOf(names, s.module, name)
    if (imp) {
      if (imp.head.type === 'var' && imp.head.name === 'data') dataRef([...imp.path, ...ops], s, offset)
      return
    }
    if (isRuleName(names, s.module, name)) {
      const pkg = s.module.package.map((p): Term => ({ type: 'string', value: p, span: { start: offset, end: offset } }))
      dataRef([...pkg, { type: 'string', value: name, span: { start: offset, end: offset } }, ...ops], s, offset)
    }
  }
  const call = (t: CallTerm, s: WalkScope) => {
    const resolved = calls.get(t)
    if (!resolved) return
    const mock = s.withs.length ? funcMocks(s.withs, s, root, names, custom).get(resolved.name) : undefined
    if (mock?.value) return
    const g = calledGroup(root, mock?.fn ?? resolved.name, resolved.outputArg ?? t.args.length)
    if (g) out.push({ to: g, module: s.module, offset: t.span.start })
  }
  const visitor: WalkVisitor = {
    expr(e, s) {
      // A replacement function runs wherever the mock reaches: an edge to it.
      if (!e.with.length) return
      for (const mock of funcMocks(e.with, s, root, names, custom).values()) {
        const r = mock.fn ? functionGroup(root, mock.fn) : undefined
        if (r) out.push({ to: r, module: s.module, offset: mock.at.value.span.start })
      }
    },
    term(t, s) {
      if (t.type === 'call') {
        call(t, s)
        return
      }
      if (t.type === 'var') {
        named(t.name, [], s, t.span.start)
        return
      }
      if (t.type !== 'ref' || t.head.type !== 'var') return
      named(t.head.name, t.path, s, t.span.start)
      for (const op of t.path) walkTerm(op, s, visitor, false)
      return false
    },
  }
  walkGroup(g, visitor)
  if (g.kind === 'object') {
    // Rules below an object's path are keys of it (plan/'s planGroup).
    for (const child of findChildren(root, g.path)) {
      if (child.group?.kind === 'function') continue
      if (child.group) {
        const d = child.group.defs[0] ?? child.group.default
        if (d) out.push({ to: child.group, module: d.module, offset: d.rule.span.start })
      } else vdocEdges(child, [], out)
    }
  }
  return out
}

function findChildren(root: TreeNode, path: readonly string[]): TreeNode[] {
  let n: TreeNode | undefined = root
  for (const p of path) n = n?.children.get(p)
  return n ? [...n.children.values()] : []
}

export function checkRecursion(groups: readonly RuleGroup[], root: TreeNode, names: Names, calls: CallTable, custom?: CustomBuiltins): ErrorDetail[] {
  const errors: ErrorDetail[] = []
  const edges = new Map<RuleGroup, Edge[]>()
  const edgesFor = (g: RuleGroup) => {
    let e = edges.get(g)
    if (!e) edges.set(g, (e = edgesOf(g, root, names, calls, custom)))
    return e
  }
  const done = new Set<RuleGroup>()
  const stack: RuleGroup[] = []
  const visit = (g: RuleGroup) => {
    stack.push(g)
    for (const e of edgesFor(g)) {
      const at = stack.indexOf(e.to)
      if (at >= 0) {
        const cycle = [...stack.slice(at), e.to].map((x) => `data.${x.path.join('.')}`)
        errors.push({
          code: 'rego_recursion_error',
          message: `rule data.${e.to.path.join('.')} is recursive: ${cycle.join(' -> ')}`,
          location: locate(e.module, e.offset),
        })
      } else if (!done.has(e.to)) visit(e.to)
    }
    stack.pop()
    done.add(g)
  }
  for (const g of groups) if (!done.has(g)) visit(g)
  return errors
}
