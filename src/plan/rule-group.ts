// Plans one rule group as one plan function: the accumulator its kind
// needs (nothing, a set, an object), each definition's body with its else
// chain, conflicts checked at run time, the rule index for groups with many
// definitions testing one input value, rules below an object's path, and the
// default. Program.groupFunc calls planGroup once per group and set of mocks;
// bodies and terms are BodyPlanner's (body.ts).

import type { Rule, Term } from '../rego/ast.js'
import type { Block, Func, Local } from './ir.js'
import { BodyPlanner, Scope, loc } from './body.js'
import { findNode, type RuleGroup, type RuleDef } from '../check/index.js'
import type { Program, Mock } from './planner.js'

export function planGroup(prog: Program, g: RuleGroup, mocks: readonly Mock[], name: string): Func {
  const body: Block = { stmts: [] }
  // The group's own statements (memo, accumulator, index, merge) come from its first definition.
  const first = g.defs[0] ?? g.default
  const bp = new BodyPlanner(prog, mocks, body, first ? { source: first.module, offset: first.rule.span.start } : undefined)
  const params: Local[] = []
  if (g.kind === 'function') for (let i = 0; i < g.arity; i++) params.push(bp.local())
  if (prog.opts.steps) bp.emit({ op: 'step' })
  const memo = g.kind !== 'function'
  if (memo) {
    prog.memoGlobals(name)
    bp.emit({ op: 'memoget', name })
  }
  let res: Local
  if (g.kind === 'set') res = bp.make('set')
  else if (g.kind === 'object') res = bp.make('object')
  else {
    res = bp.local()
    bp.emit({ op: 'assign', source: { kind: 'i32', value: 0 }, target: res })
  }

  const index = g.kind === 'function' ? undefined : ruleIndex(prog, g)
  const indexed = new Set(index ? [...index.byValue.values()].flat() : [])
  g.defs.forEach((def, i) => {
    if (indexed.has(i)) return
    const b: Block = { stmts: [] }
    bp.emit({ op: 'blocks', blocks: [b] })
    bp.into(b.stmts, () => planDef(prog, bp, g, def, params, res))
  })
  if (index) {
    // Only the definitions whose condition on the indexed input value can
    // hold run: look the value up in a constant object of value → [def].
    // Each indexed definition is its own function taking and returning the
    // accumulated value: one huge function would zero thousands of locals on
    // every call and defeat the engine's optimising tier.
    const cases = index.defs.map((i) => {
      const fname = `${name}$d${i}`
      const fbody: Block = { stmts: [] }
      const dbp = new BodyPlanner(prog, mocks, fbody, bp.origin(g.defs[i]!.module, g.defs[i]!.rule.span.start))
      const acc = dbp.local()
      const inner: Block = { stmts: [] }
      dbp.emit({ op: 'blocks', blocks: [inner] })
      dbp.into(inner.stmts, () => planDef(prog, dbp, g, g.defs[i]!, [], acc))
      dbp.emit({ op: 'return', source: loc(acc) })
      prog.addFunc({ name: fname, params: [acc], nlocals: dbp.nlocals, body: fbody, comment: `definition ${i} of data.${g.path.join('.')}` })
      return {
        stmts: [{ op: 'call', func: fname, args: [loc(res)], target: res, check: false, at: bp.origin(g.defs[i]!.module, g.defs[i]!.rule.span.start) }],
      } as Block
    })
    const position = new Map(index.defs.map((d, j) => [d, j]))
    const table = prog.constJSONEntries([...index.byValue].map(([c, defs]) => [c, prog.constJSON(defs.map((d) => position.get(d)!))]))
    const lookup: Block = { stmts: [] }
    bp.emit({ op: 'blocks', blocks: [lookup] })
    bp.into(lookup.stmts, () => {
      let v = bp.local()
      bp.emit({ op: 'assign', source: { kind: 'global', name: 'g_input' }, target: v })
      bp.emit({ op: 'isdefined', local: v })
      for (const p of index.path) v = bp.dot(v, bp.constLocal(prog.constJSON(p)))
      const sel = bp.dot(bp.constLocal(table), v)
      const k = bp.local(),
        d = bp.local()
      const body: Block = { stmts: [] }
      bp.emit({ op: 'scan', source: sel, key: k, value: d, body })
      bp.into(body.stmts, () => {
        const n = bp.local()
        bp.emit({ op: 'caseindex', source: d, target: n })
        bp.emit({ op: 'switch', index: n, cases })
      })
    })
  }
  if (g.kind === 'object') {
    // `p[k] := v` and `p.foo := w` both define parts of data.p: rules below
    // the object's path are keys of it.
    const node = findNode(prog.root, g.path)
    for (const [childName, child] of node?.children ?? []) {
      if (child.group?.kind === 'function') continue
      const b: Block = { stmts: [] }
      bp.emit({ op: 'blocks', blocks: [b] })
      bp.into(b.stmts, () => {
        const d = child.group?.defs[0] ?? child.group?.default
        const fn = child.group ? prog.groupFunc(child.group, mocks, d!.module, d!.rule.span.start) : prog.vdocFunc(child, mocks)
        const v = bp.local()
        bp.emit({ op: 'call', func: fn, args: [], target: v, check: true })
        const k = bp.constLocal(prog.constJSON(childName))
        const m = d?.module ?? g.defs[0]!.module
        // Where the object's own keys meet a rule below it, sets unite and
        // objects join key by key; other clashes are conflicts (as in OPA).
        const existing = bp.dot(res, k, false)
        const done = bp.local()
        bp.emit({ op: 'flag', local: done, value: 0 })
        const b2: Block = { stmts: [] }
        bp.emit({ op: 'blocks', blocks: [b2] })
        bp.into(b2.stmts, () => {
          bp.emit({ op: 'isdefined', local: existing })
          bp.emit({ op: 'flagis', local: done, value: 0 })
          const depth = Math.max(0, ...g.defs.map((x) => x.keys.length)) - 1
          const u = bp.local()
          bp.emit({ op: 'uniondocs', a: existing, b: v, depth, target: u })
          bp.emit({ op: 'objectinsert', object: res, key: k, value: u })
          bp.emit({ op: 'flag', local: done, value: 1 })
        })
        const b3: Block = { stmts: [{ op: 'flagis', local: done, value: 0 }] }
        bp.emit({ op: 'blocks', blocks: [b3] })
        bp.into(b3.stmts, () => bp.insertChecked(res, k, v, m, (d ?? g.defs[0]!).rule.span.start, 'object keys must be unique'))
      })
    }
  }
  if (g.default) {
    const d = g.default.rule
    const value = d.head.value ?? { type: 'boolean', value: true, span: d.span }
    const fallback: Block = { stmts: [{ op: 'isundefined', local: res }] }
    bp.emit({ op: 'blocks', blocks: [fallback] })
    bp.into(fallback.stmts, () => {
      const v = bp.planTerm(value, new Scope(g.default!.module, new Map(), new Set(), d))
      bp.emit({ op: 'assign', source: loc(v), target: res })
    })
  }
  if (memo) bp.emit({ op: 'memoset', name, source: loc(res) })
  bp.emit({ op: 'return', source: loc(res) })
  return { name, params, nlocals: bp.nlocals, body, comment: `${g.kind} data.${g.path.join('.')}` }
}

/** A definition's top-level `input.a.b == <scalar>` conditions, as (path, constant) pairs. */
function indexConditions(prog: Program, def: RuleDef): { path: string[]; value: number }[] {
  const out: { path: string[]; value: number }[] = []
  const inputRef = (t: Term): string[] | undefined => {
    if (t.type !== 'ref' || t.head.type !== 'var' || t.head.name !== 'input') return undefined
    if (prog.importOf(def.module, 'input')) return undefined
    const path: string[] = []
    for (const p of t.path) {
      if (p.type !== 'string') return undefined
      path.push(p.value)
    }
    return path
  }
  const scalar = (t: Term) => t.type === 'string' || t.type === 'number' || t.type === 'boolean' || t.type === 'null'
  for (const e of def.rule.body.exprs) {
    if (e.negated || e.with.length) continue
    let a: Term | undefined, b: Term | undefined
    if (e.kind === 'unify') {
      a = e.left
      b = e.right
    } else if (
      e.kind === 'term' &&
      e.term.type === 'call' &&
      e.term.args.length === 2 &&
      e.term.func.head.type === 'var' &&
      e.term.func.head.name === 'equal' &&
      e.term.func.path.length === 0
    ) {
      a = e.term.args[0]
      b = e.term.args[1]
    }
    if (!a || !b) continue
    const [r, c] = inputRef(a) && scalar(b) ? [a, b] : inputRef(b) && scalar(a) ? [b, a] : [undefined, undefined]
    if (!r || !c) continue
    out.push({ path: inputRef(r)!, value: prog.constOf(c) })
  }
  return out
}

/** Definitions are indexed only when there are enough of them to pay off. */
const INDEX_MIN_DEFS = 4

/**
 * OPA's evaluator indexes rules on their constant-valued conditions; OPA's
 * wasm does not. Pick the input path most definitions test for equality
 * with a constant; definitions without such a condition stay unindexed.
 */
function ruleIndex(prog: Program, g: RuleGroup): { path: string[]; byValue: Map<number, number[]>; defs: number[] } | undefined {
  if (g.defs.length < INDEX_MIN_DEFS) return undefined
  const conds = g.defs.map((d) => (d.rule.else ? [] : indexConditions(prog, d)))
  const counts = new Map<string, number>()
  for (const cs of conds) for (const k of new Set(cs.map((c) => JSON.stringify(c.path)))) counts.set(k, (counts.get(k) ?? 0) + 1)
  let best: string | undefined
  for (const [k, n] of counts) if (n >= INDEX_MIN_DEFS && (!best || n > counts.get(best)!)) best = k
  if (!best) return undefined
  const path = JSON.parse(best) as string[]
  const byValue = new Map<number, number[]>()
  const defs: number[] = []
  conds.forEach((cs, i) => {
    const c = cs.find((x) => JSON.stringify(x.path) === best)
    if (!c) return
    defs.push(i)
    let list = byValue.get(c.value)
    if (!list) byValue.set(c.value, (list = []))
    list.push(i)
  })
  return { path, byValue, defs }
}

function planDef(prog: Program, bp: BodyPlanner, g: RuleGroup, def: RuleDef, params: Local[], res: Local): void {
  bp.located(def.module, def.rule.span.start, () => planDefAt(prog, bp, g, def, params, res))
}

function planDefAt(prog: Program, bp: BodyPlanner, g: RuleGroup, def: RuleDef, params: Local[], res: Local): void {
  const scope = new Scope(def.module, new Map(), new Set(), def.rule)
  const rule = def.rule
  // Function arguments that are patterns bind before the body; others
  // (template strings, calls) can only be evaluated after it.
  const lateArgs: [Term, Local][] = []
  if (g.kind === 'function') {
    const isPattern = (t: Term): boolean =>
      t.type === 'var' ||
      t.type === 'null' ||
      t.type === 'boolean' ||
      t.type === 'number' ||
      t.type === 'string' ||
      (t.type === 'array' && t.items.every(isPattern)) ||
      (t.type === 'object' && t.items.every(([, v]) => isPattern(v)))
    rule.head.args?.forEach((a) => {
      if (isPattern(a)) bp.declarePattern(a, scope)
    })
    rule.head.args?.forEach((a, i) => {
      if (isPattern(a)) bp.unifyLocal(a, params[i]!, scope)
      else lateArgs.push([a, params[i]!])
    })
  }
  // At every solution of the definition's bodies (not of bodies nested in
  // them): bind the late arguments, and mark the head line covered.
  const headKey = prog.coverKey(def.module, rule.head.span.start)
  const solution = (s: Scope) => {
    for (const [a, p] of lateArgs) bp.unifyLocal(a, p, s)
    if (headKey !== undefined) bp.emit({ op: 'cover', key: headKey })
  }
  planDefChain(prog, bp, g, def, res, scope, solution)
}

function planDefChain(prog: Program, bp: BodyPlanner, g: RuleGroup, def: RuleDef, res: Local, scope: Scope, solution: (s: Scope) => void): void {
  const rule = def.rule
  const chain: Rule[] = []
  for (let r: Rule | undefined = rule; r; r = r.else) chain.push(r)
  const valueOf = (r: Rule, s: Scope): Local =>
    r.head.value ? bp.planTerm(r.head.value, s) : bp.constLocal(prog.constOf({ type: 'boolean', value: true, span: r.span }))
  const origin = bp.origin(def.module, rule.head.span.start)
  // What a solution adds to the value comes from the rule's head, not from
  // the last expression of its body.
  const atHead = (r: Rule, f: (s: Scope) => void) => (s: Scope) => bp.located(def.module, r.head.span.start, () => f(s))

  if (g.kind === 'set') {
    bp.planBody(
      rule.body,
      scope,
      atHead(rule, (s) => {
        solution(s)
        const k = bp.planTerm(rule.head.key ?? rule.head.value!, s)
        bp.emit({ op: 'setadd', set: res, value: k })
      }),
    )
    return
  }
  if (g.kind === 'object') {
    bp.planBody(
      rule.body,
      scope,
      atHead(rule, (s) => {
        solution(s)
        const v = valueOf(rule, s)
        let target = res
        def.keys.forEach((kt, i) => {
          const k = bp.planTerm(kt, s)
          const last = i === def.keys.length - 1
          if (last && !g.leafSet) {
            bp.insertChecked(target, k, v, def.module, rule.head.span.start, 'object keys must be unique')
            return
          }
          const child = bp.dot(target, k, false)
          const fresh: Block = { stmts: [] }
          bp.emit({ op: 'blocks', blocks: [fresh] })
          bp.into(fresh.stmts, () => {
            bp.emit({ op: 'isundefined', local: child })
            const o = bp.make(last ? 'set' : 'object')
            bp.emit({ op: 'objectinsert', object: target, key: k, value: o })
            bp.emit({ op: 'assign', source: loc(o), target: child })
          })
          target = child
        })
        // the leaf is a set: add this solution's element
        if (g.leafSet) bp.emit({ op: 'setadd', set: target, value: bp.planTerm(rule.head.key!, s) })
      }),
    )
    return
  }
  // complete rules and functions: one value, conflicts abort at run time
  const conflict = g.kind === 'function' ? 'functions must not produce multiple outputs for same inputs' : 'complete rules must not produce multiple outputs'
  const merge = (v: Local, into: Local = res) => {
    bp.emit({
      op: 'blocks',
      blocks: [
        {
          stmts: [
            { op: 'isundefined', local: into },
            { op: 'assign', source: loc(v), target: into },
          ],
        },
      ],
    })
    const nl = prog.label()
    bp.emit({
      op: 'blocks',
      blocks: [
        {
          stmts: [
            {
              op: 'not',
              label: nl,
              body: {
                stmts: [
                  { op: 'equal', a: loc(into), b: loc(v) },
                  { op: 'break', label: nl },
                ],
              },
            },
            { op: 'abort', message: `eval_conflict_error: ${conflict}`, at: origin },
          ],
        },
      ],
    })
  }
  if (chain.length === 1) {
    const constant = !rule.head.value || prog.constOfComposite(rule.head.value) !== undefined
    const label = prog.label()
    const lb: Block = { stmts: [] }
    bp.emit({ op: 'labeled', label, body: lb })
    bp.into(lb.stmts, () =>
      bp.planBody(
        rule.body,
        scope,
        atHead(rule, (s) => {
          solution(s)
          merge(valueOf(rule, s))
          // A constant value cannot conflict with itself: stop at the first solution.
          if (constant) bp.emit({ op: 'break', label })
        }),
      ),
    )
    return
  }
  // else chains: the first branch with any solution gives the value; all of
  // that branch's solutions must agree, and the chain's value must agree
  // with the group's other definitions.
  const dv = bp.local()
  bp.emit({ op: 'assign', source: { kind: 'i32', value: 0 }, target: dv })
  const label = prog.label()
  const blocks: Block[] = chain.map(() => ({ stmts: [] }))
  bp.emit({ op: 'labeled', label, body: { stmts: [{ op: 'blocks', blocks }] } })
  chain.forEach((r, i) => {
    bp.into(blocks[i]!.stmts, () => {
      const body: Block = { stmts: [] }
      bp.emit({ op: 'blocks', blocks: [body] })
      bp.into(body.stmts, () =>
        bp.planBody(
          r.body,
          scope.child(),
          atHead(r, (s) => {
            solution(s)
            merge(valueOf(r, s), dv)
          }),
        ),
      )
      bp.emit({ op: 'isdefined', local: dv })
      bp.emit({ op: 'break', label })
    })
  })
  const after: Block = { stmts: [{ op: 'isdefined', local: dv }] }
  bp.emit({ op: 'blocks', blocks: [after] })
  bp.into(after.stmts, () => merge(dv))
}
