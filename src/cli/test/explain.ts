// Why a test failed (cli stage, after a run with failures): which expression
// of the test's body was the first that no solution satisfied, and the values
// of its operands under the bindings of the expressions before it (what
// `opa test` shows with `--var-values`).
//
// The compiled module has no tracer, so the question is asked in Rego: for a
// failing test with body `e1; …; en`, probe rules `e1; …; ek` (k = 1…n) and
// value rules `e1; …; ek-1; v := <operand of ek> <ek's with>` are appended to
// the test's own module (so its imports resolve, and appending never moves a
// location), compiled once for all failing tests, and evaluated. The first
// undefined probe names the failing expression. Any compile trouble with the
// probes only costs the explanation, never the run.

import { loadPolicy } from '@open-policy-agent/opa-wasm'
import type { Expr, Module, Term } from '../../rego/index.js'
import { locate } from '../../source/index.js'
import type { TestResult } from './runner.js'

export interface ExplainContext {
  /** Every module's text as compiled for the run (after discovery's renames). */
  sources: { path: string; source: string }[]
  data: Record<string, unknown>
  regoVersion: 0 | 1
  compile: (modules: { path: string; source: string }[], entrypoints: string[]) => Promise<{ wasm: Uint8Array; entrypoints: Record<string, number>; hostBuiltins: Record<string, (...args: any[]) => unknown> }>
}

/** Explanations for at most this many failing tests per run. */
const MAX_EXPLAINED = 25
const MAX_VALUE_CHARS = 240

interface Plan {
  result: TestResult
  pkg: string[]
  probes: string[]
  /** Per expression: [operand text, rule name][] */
  values: [string, string][][]
}

export async function explainFailures(failed: TestResult[], ctx: ExplainContext): Promise<void> {
  const plans: Plan[] = []
  const appended = new Map<string, string[]>()
  failed.slice(0, MAX_EXPLAINED).forEach((result, t) => {
    const { module: m, rule } = result.test
    const exprs = rule.body.exprs
    // A body-less test (`test_x := false`) has one synthetic expression: nothing to probe.
    if (exprs.length === 0 || (exprs.length === 1 && exprs[0]!.span.start === rule.head.span.start)) return
    const text = (e: { span: { start: number; end: number } }) => m.text.slice(e.span.start, e.span.end)
    const rules: string[] = []
    const plan: Plan = { result, pkg: m.package, probes: [], values: [] }
    exprs.forEach((e, k) => {
      const prefix = exprs.slice(0, k).map(text)
      const probe = `__mg_probe_${t}_${k}`
      rules.push(ruleText(probe, false, [...prefix, text(e)], m.regoVersion))
      plan.probes.push(probe)
      const withText = e.with.map(text).join(' ')
      const vals: [string, string][] = []
      operands(e, exprs.slice(0, k), m).forEach((operand, j) => {
        const name = `__mg_val_${t}_${k}_${j}`
        rules.push(ruleText(name, true, [...prefix, `__mg_v := (${operand}) ${withText}`], m.regoVersion))
        vals.push([operand, name])
      })
      plan.values.push(vals)
    })
    plans.push(plan)
    appended.set(m.path, [...(appended.get(m.path) ?? []), ...rules])
  })
  if (plans.length === 0) return
  const modules = ctx.sources.map((s) => {
    const extra = appended.get(s.path)
    return extra ? { path: s.path, source: `${s.source}\n\n${extra.join('\n\n')}\n` } : s
  })
  const entry = (p: Plan, name: string) => [...p.pkg, name].join('/')
  const probeEntrypoints = plans.flatMap((p) => p.probes.map((n) => entry(p, n)))
  const valueEntrypoints = plans.flatMap((p) => p.values.flat().map(([, n]) => entry(p, n)))
  // Value rules may be unsafe (an operand bound only by the failing
  // expression itself); then explain with the probes alone.
  const compiled = await ctx.compile(modules, [...probeEntrypoints, ...valueEntrypoints]).catch(() =>
    ctx.compile(modules, probeEntrypoints).catch(() => undefined))
  if (!compiled) return
  const policy = await loadPolicy(compiled.wasm, undefined, compiled.hostBuiltins)
  policy.setData(ctx.data)
  const run = (ep: string): { defined: boolean; values: unknown[] } | undefined => {
    const id = compiled.entrypoints[ep]
    if (id === undefined) return undefined
    const original = console.log
    console.log = () => {}
    try {
      const rs = policy.evaluate({}, id) as { result: unknown }[]
      return rs.length ? { defined: true, values: Array.isArray(rs[0]!.result) ? rs[0]!.result as unknown[] : [rs[0]!.result] } : { defined: false, values: [] }
    } catch {
      return undefined
    } finally {
      console.log = original
    }
  }
  for (const p of plans) {
    const { module: m, rule } = p.result.test
    const k = p.probes.findIndex((name) => run(entry(p, name))?.defined === false)
    if (k < 0) {
      if (p.probes.every((name) => run(entry(p, name))?.defined)) {
        p.result.explanation = [`every expression of the body holds, but the test's value is ${show(p.result.value ?? false)}`]
      }
      continue
    }
    const e = rule.body.exprs[k]!
    const at = locate(m, e.span.start)
    const lines = [`failed at ${m.path}:${at.row}:${at.col}:`, ...m.text.slice(e.span.start, e.span.end).split('\n').map((l) => `  ${l.trim()}`)]
    for (const [operand, name] of p.values[k] ?? []) {
      const r = run(entry(p, name))
      if (!r) continue
      const v = r.values.length === 0 ? 'undefined' : r.values.length === 1 ? show(r.values[0]) : `${show(r.values[0])} (and ${r.values.length - 1} more)`
      lines.push(`  ${operand} = ${v}`)
    }
    p.result.explanation = lines
  }
}

function ruleText(name: string, isSet: boolean, body: string[], regoVersion: 0 | 1): string {
  const head = isSet ? (regoVersion === 1 ? `${name} contains __mg_v if` : `${name}[__mg_v]`) : regoVersion === 1 ? `${name} if` : name
  return `${head} {\n\t${body.join('\n\t')}\n}`
}

/**
 * What is worth showing for a failing expression: each non-literal operand
 * of a comparison or call, the term of a bare (or negated) expression, the
 * domain of `some … in` and `every`, and the variables it shares with the
 * expressions before it.
 */
function operands(e: Expr, before: Expr[], m: Module): string[] {
  const text = (t: Term) => m.text.slice(t.span.start, t.span.end)
  const out: Term[] = []
  switch (e.kind) {
    case 'term':
      if (e.term.type === 'call') out.push(...e.term.args)
      else out.push(e.term)
      break
    case 'unify': out.push(e.left, e.right); break
    case 'assign': out.push(e.right); break
    case 'somein': case 'every': out.push(e.domain); break
    case 'some': break
  }
  const bound = new Set<string>()
  for (const b of before) declaredVars(b, bound)
  const used = new Set<string>()
  collectVars(e, used)
  const texts = out.filter((t) => !isLiteral(t)).map(text)
  for (const v of used) if (bound.has(v) && !texts.includes(v)) texts.push(v)
  return [...new Set(texts)]
}

function isLiteral(t: Term): boolean {
  return t.type === 'null' || t.type === 'boolean' || t.type === 'number' || t.type === 'string' ||
    (t.type === 'var' && t.name.startsWith('$'))
}

/** Variables an expression may bind: `x := …`, `x = …`, `some x`, `some k, v in …`. */
function declaredVars(e: Expr, into: Set<string>): void {
  const all = new Set<string>()
  switch (e.kind) {
    case 'assign': collectVars({ ...e, kind: 'term', term: e.left } as Expr, all); break
    case 'unify': collectVars(e, all); break
    case 'some': e.vars.forEach((v) => all.add(v.name)); break
    case 'somein': collectVars({ ...e, kind: 'term', term: e.value } as Expr, all); if (e.key) collectVars({ ...e, kind: 'term', term: e.key } as Expr, all); break
    default: break
  }
  for (const v of all) into.add(v)
}

/** Names of the local variables an expression mentions (not `input`, `data`, wildcards). */
function collectVars(e: Expr, into: Set<string>): void {
  const term = (t: Term | undefined): void => {
    if (!t) return
    switch (t.type) {
      case 'var': if (!t.name.startsWith('$') && t.name !== 'input' && t.name !== 'data') into.add(t.name); break
      case 'ref': term(t.head); t.path.forEach(term); break
      case 'call': t.args.forEach(term); break
      case 'array': case 'set': t.items.forEach(term); break
      case 'object': t.items.forEach(([k, v]) => { term(k); term(v) }); break
      default: break
    }
  }
  switch (e.kind) {
    case 'term': term(e.term); break
    case 'unify': case 'assign': term(e.left); term(e.right); break
    case 'some': e.vars.forEach(term); break
    case 'somein': term(e.key); term(e.value); term(e.domain); break
    case 'every': term(e.domain); break
  }
}

export function show(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined'
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}…` : s
}
