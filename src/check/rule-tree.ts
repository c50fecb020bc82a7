// The rule tree: every rule of every module placed at its full path under
// `data`, grouped as OPA groups rules (all definitions of one path form one
// virtual document), and the conflicts between rules it reveals (OPA's
// `setRuleTree` and `checkRuleConflicts` stages). The planner walks it to
// resolve `data.…` refs.

import type { Module, Rule, Term } from '../rego/ast.js'
import type { ErrorDetail } from '../errors/index.js'
import { locate } from '../source/index.js'

export interface RuleDef {
  rule: Rule
  module: Module
  /** Ref-head operands after the group path (partial object keys); [] otherwise. */
  keys: Term[]
}

export interface RuleGroup {
  id: number
  path: string[]
  kind: 'complete' | 'set' | 'object' | 'function'
  defs: RuleDef[]
  default?: RuleDef
  arity: number
  /** `p[q] contains r`: an object (by the ref's variable keys) whose leaves are sets. */
  leafSet?: boolean
}

export interface TreeNode {
  path: string[]
  children: Map<string, TreeNode>
  group?: RuleGroup
}

/** The fixed (string) prefix of a rule head ref and the operands after it. */
export function splitHeadRef(rule: Rule): { names: string[]; keys: Term[] } {
  const names: string[] = []
  const keys: Term[] = []
  rule.head.ref.forEach((t, i) => {
    if (keys.length === 0 && i === 0 && t.type === 'var') names.push(t.name)
    else if (keys.length === 0 && t.type === 'string') names.push(t.value)
    else keys.push(t)
  })
  return { names, keys }
}

export interface RuleTree {
  root: TreeNode
  groups: RuleGroup[]
  errors: ErrorDetail[]
}

export function buildRuleTree(modules: readonly Module[]): RuleTree {
  const errors: ErrorDetail[] = []
  const root: TreeNode = { path: [], children: new Map() }
  const groups: RuleGroup[] = []
  const nodeAt = (path: string[]): TreeNode => {
    let n = root
    for (const p of path) {
      let c = n.children.get(p)
      if (!c) n.children.set(p, (c = { path: [...n.path, p], children: new Map() }))
      n = c
    }
    return n
  }
  for (const m of modules) {
    nodeAt(m.package) // packages exist even without rules (data.pkg is {})
    for (const rule of m.rules) {
      const { names, keys: refKeys } = splitHeadRef(rule)
      let keys = refKeys
      // `f() := v` is a complete rule (OPA: a zero-argument "function" is a
      // rule at path f, part of its package's document; `f` and `f()` both
      // read it, see open-policy-agent/opa#6315).
      let kind: RuleGroup['kind'] = rule.head.kind === 'function' && (rule.head.args?.length ?? 0) === 0 ? 'complete' : rule.head.kind
      if (kind === 'object' && keys.length === 0 && rule.head.key) keys = [rule.head.key]
      // `p[q] contains r`: the object p, keyed by q, of sets of r.
      const leafSet = kind === 'set' && keys.length > 0
      if (leafSet) kind = 'object'
      if (kind === 'complete' && keys.length > 0) kind = 'object'
      const path = [...m.package, ...names]
      const node = nodeAt(path)
      const arity = kind === 'function' ? (rule.head.args?.length ?? 0) : 0
      let g = node.group
      if (!g) {
        g = { id: groups.length, path, kind, defs: [], arity, ...(leafSet ? { leafSet } : {}) }
        node.group = g
        groups.push(g)
      } else if (g.kind !== kind || (kind === 'function' && g.arity !== arity)) {
        const loc = locate(m, rule.head.span.start)
        errors.push({
          code: 'rego_type_error',
          message:
            kind === 'function' && g.kind === 'function'
              ? `function ${path.join('.')} has arity ${arity}, conflicting with another definition of arity ${g.arity}`
              : `conflicting rules data.${path.join('.')} found`,
          location: loc,
        })
        continue
      }
      const def: RuleDef = { rule, module: m, keys }
      if (rule.default) {
        if (g.default) {
          errors.push({ code: 'rego_type_error', message: `multiple default rules data.${path.join('.')} found`, location: locate(m, rule.span.start) })
        }
        g.default = def
      } else g.defs.push(def)
    }
  }
  // A rule may not have rules below it (OPA: "rule data.a conflicts with data.a.b").
  const walk = (n: TreeNode) => {
    if (n.group && n.children.size > 0 && n.group.kind !== 'object') {
      const d = n.group.defs[0] ?? n.group.default
      if (d)
        errors.push({
          code: 'rego_type_error',
          message: `rule data.${n.path.join('.')} conflicts with rules below it`,
          location: locate(d.module, d.rule.span.start),
        })
    }
    n.children.forEach(walk)
  }
  walk(root)
  return { root, groups, errors }
}

export function findNode(root: TreeNode, path: string[]): TreeNode | undefined {
  let n: TreeNode | undefined = root
  for (const p of path) {
    n = n.children.get(p)
    if (!n) return undefined
  }
  return n
}
