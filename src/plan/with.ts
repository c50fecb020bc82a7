// `with`: plans an expression under replaced input, data or functions. The
// replacements are applied to the globals (input, data) or recorded as mocks
// (functions, and data the rules read) for the expression's re-planning;
// its solutions are collected with the globals replaced, then the globals are
// restored and the rest of the body runs once per solution (OPA's `with`).

import type { Expr, RefTerm } from '../rego/ast.js'
import type { Block, Stmt } from './ir.js'
import { lookupBuiltin } from '../builtins/catalog.js'
import { findNode } from '../check/index.js'
import { loc, type BodyPlanner, type Scope } from './body.js'
import type { Mock, Program } from './planner.js'

export function planWith(prog: Program, bp: BodyPlanner, e: Expr, scope: Scope, then: () => void): void {
  const saveInput = bp.local(),
    saveData = bp.local(),
    saveEpoch = bp.local()
  const newMocks: Mock[] = []
  const apply: Stmt[] = []
  for (const w of e.with) {
    const target = w.target
    const head = target.head.type === 'var' ? target.head.name : ''
    const path = target.path.map((p) => (p.type === 'string' ? p.value : undefined))
    if (path.some((p) => p === undefined)) {
      prog.error('rego_compile_error', 'with keyword target must be a reference with constant string operands', scope.module, w.span.start)
      continue
    }
    const strPath = path as string[]
    const at = bp.origin(scope.module, w.span.start)
    if (head === 'input' && !bp.resolve('input', scope).kind.startsWith('local')) {
      const v = bp.planTerm(w.value, scope)
      if (strPath.length === 0) apply.push({ op: 'setglobal', name: 'g_input', source: loc(v), at })
      else {
        const p = bp.constLocal(prog.constJSON(strPath))
        const t = bp.local()
        apply.push({ op: 'upsert', doc: { kind: 'global', name: 'g_input' }, path: p, value: v, target: t, at })
        apply.push({ op: 'setglobal', name: 'g_input', source: loc(t), at })
      }
      continue
    }
    const name = prog.refName(target, scope, bp)
    const isData = name.startsWith('data.')
    const dataPath = isData ? name.slice(5).split('.') : []
    const node = isData ? findNode(prog.root, dataPath) : undefined
    const isFunc = isData ? node?.group?.kind === 'function' : lookupBuiltin(name) !== undefined || prog.customBuiltins?.has(name)
    if (isFunc) {
      // A function replaced by another function, or by a value.
      const wv = w.value
      let fnName: string | undefined
      if (wv.type === 'var' || wv.type === 'ref') {
        const ref: RefTerm = wv.type === 'var' ? { type: 'ref', head: wv, path: [], span: wv.span } : wv
        const n = prog.refName(ref, scope, bp)
        const nn = n.startsWith('data.') ? findNode(prog.root, n.slice(5).split('.')) : undefined
        if (
          nn?.group?.kind === 'function' ||
          (!n.startsWith('data.') && lookupBuiltin(n) && bp.resolve((ref.head as { name: string }).name, scope).kind === 'unbound')
        )
          fnName = n
      }
      if (fnName) newMocks.push({ kind: 'func', name, fn: fnName })
      else {
        const v = bp.planTerm(wv, scope)
        const slot = prog.newSlot()
        apply.push({ op: 'setglobal', name: slot, source: loc(v), at })
        newMocks.push({ kind: 'func', name, slot })
      }
      continue
    }
    if (!isData) {
      prog.error('rego_compile_error', `with keyword target must reference existing input, data, or a function`, scope.module, w.span.start)
      continue
    }
    const v = bp.planTerm(w.value, scope)
    const slot = prog.newSlot()
    apply.push({ op: 'setglobal', name: slot, source: loc(v), at })
    newMocks.push({ kind: 'data', path: dataPath, slot })
    const p = bp.constLocal(prog.constJSON(dataPath))
    const t = bp.local()
    apply.push({ op: 'upsert', doc: { kind: 'global', name: 'g_data' }, path: p, value: v, target: t, at })
    apply.push({ op: 'setglobal', name: 'g_data', source: loc(t), at })
  }
  bp.emit({ op: 'assign', source: { kind: 'global', name: 'g_input' }, target: saveInput })
  bp.emit({ op: 'assign', source: { kind: 'global', name: 'g_data' }, target: saveData })
  bp.emit({ op: 'assign', source: { kind: 'global', name: 'g_epoch' }, target: saveEpoch })
  const restore: Stmt[] = [
    { op: 'setglobal', name: 'g_input', source: loc(saveInput) },
    { op: 'setglobal', name: 'g_data', source: loc(saveData) },
    { op: 'setglobal', name: 'g_epoch', source: loc(saveEpoch) },
  ]
  const sol = bp.make('array')
  for (const s of [...apply, { op: 'newepoch' } as const]) bp.emit(s)
  const inner = scope.child()
  const block: Block = { stmts: [] }
  bp.emit({ op: 'blocks', blocks: [block] })
  let outputs: string[] = []
  bp.withMocks(newMocks, () =>
    bp.into(block.stmts, () =>
      bp.planExpr({ ...e, with: [] }, inner, () => {
        outputs = [...inner.vars.keys()].filter((n) => scope.vars.get(n) !== inner.vars.get(n))
        const tuple = bp.make('array', outputs.length)
        for (const n of outputs) bp.emit({ op: 'arrayappend', array: tuple, value: loc(inner.vars.get(n)!) })
        bp.emit({ op: 'arrayappend', array: sol, value: loc(tuple) })
      }),
    ),
  )
  for (const s of restore) bp.emit(s)
  const { value: tv } = bp.scan(sol)
  outputs.forEach((n, i) => {
    const idx = bp.constLocal(prog.constJSON(i))
    scope.vars.set(n, bp.dot(tv, idx))
    scope.declared.add(n)
  })
  if (outputs.length === 0) {
    // One solution is enough: leave the scan after the continuation ran once.
    const label = prog.label()
    bp.enter({ op: 'labeled', label, body: { stmts: [] } })
    then()
    bp.emit({ op: 'break', label })
    return
  }
  then()
}
