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
// probes only costs the explanation, never the run: a rule that does not
// compile is dropped and the others compiled again. A `some x` declaration
// is never a probe of its own (alone it declares an unused variable).
//
// A failed case of a parameterized test is explained the same way, with its
// names pinned: the probes also require the head's tail to equal the case.

import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { CompileError } from '../../errors/index.js'
import type { Expr, Module, Term } from '../../rego/index.js'
import { locate } from '../../source/index.js'
import type { SubResult, TestResult } from './runner.js'
import { sdkMemory } from '../../engine/memory-import.js'

export interface ExplainContext {
  /** Every module's text as compiled for the run (after discovery's renames). */
  sources: { path: string; source: string }[]
  data: Record<string, unknown>
  regoVersion: 0 | 1
  compile: (
    modules: { path: string; source: string }[],
    entrypoints: string[],
  ) => Promise<{ wasm: Uint8Array; entrypoints: Record<string, number>; hostBuiltins: Record<string, (...args: any[]) => unknown> }>
}

/** Explanations for at most this many failing tests per run, and failed cases per parameterized test. */
const MAX_EXPLAINED = 25
const MAX_CASES_EXPLAINED = 10
const MAX_VALUE_CHARS = 240

/** One failure to explain: a test, or one failed case of a parameterized test. */
interface Target {
  result: TestResult
  /** Where the lines go. */
  explain: (lines: string[]) => void
  /** Expressions pinning the case: the head's tail terms equal to the case's names. */
  filter: string[]
  /** The first expression worth probing (before it, a case's variables are not bound yet). */
  from: number
}

interface Plan {
  target: Target
  pkg: string[]
  /** The rules appended to the test's module: probes and value rules. */
  rules: { name: string; text: string }[]
  /** Per expression from `target.from`: the probe rule's name, or undefined for `some x` (always holds). */
  probes: (string | undefined)[]
  /** Per expression: [operand text, rule name][] */
  values: [string, string][][]
}

export async function explainFailures(failed: TestResult[], ctx: ExplainContext): Promise<void> {
  const targets: Target[] = []
  for (const result of failed.slice(0, MAX_EXPLAINED)) {
    const params = result.test.params
    if (!params) {
      targets.push({
        result,
        explain: (lines) => {
          result.explanation = lines
        },
        filter: [],
        from: 0,
      })
      continue
    }
    const { module: m, rule } = result.test
    const tail = rule.head.ref.slice(1).map((t) => m.text.slice(t.span.start, t.span.end))
    const leaves: SubResult[] = []
    const walk = (subs: SubResult[]) => {
      for (const s of subs) {
        if (s.subResults.length) walk(s.subResults)
        else if (s.fail) leaves.push(s)
      }
    }
    walk(result.subResults ?? [])
    for (const leaf of leaves.slice(0, MAX_CASES_EXPLAINED)) {
      // Case names are the keys of the test's value: strings as bound, other
      // values as text; sprintf("%v") gives the same text for both.
      const filter = tail.map((t, i) => (rule.head.ref[i + 1]!.type === 'string' ? 'true' : `sprintf("%v", [${t}]) == ${JSON.stringify(leaf.path[i])}`))
      targets.push({
        result,
        explain: (lines) => {
          leaf.explanation = lines
        },
        filter,
        from: Math.max(params.prefix - 1, 0),
      })
    }
  }
  const plans: Plan[] = []
  targets.forEach((target, t) => {
    const { module: m, rule } = target.result.test
    const exprs = rule.body.exprs
    // A body-less test (`test_x := false`) has one synthetic expression: nothing to probe.
    if (exprs.length === 0 || (exprs.length === 1 && exprs[0]!.span.start === rule.head.span.start)) return
    const text = (e: { span: { start: number; end: number } }) => m.text.slice(e.span.start, e.span.end)
    const plan: Plan = { target, pkg: m.package, rules: [], probes: [], values: [] }
    exprs.forEach((e, k) => {
      if (k < target.from) return
      const prefix = [...exprs.slice(0, k).map(text), ...target.filter]
      // `some x` alone declares; a probe ending there would be an unused declaration.
      const probe = e.kind === 'some' ? undefined : `__mg_probe_${t}_${k}`
      if (probe) plan.rules.push({ name: probe, text: ruleText(probe, false, [...prefix, text(e)], m.regoVersion) })
      plan.probes.push(probe)
      const withText = e.with.map(text).join(' ')
      const vals: [string, string][] = []
      if (k > target.from || target.filter.length === 0) {
        operands(e, exprs.slice(0, k), m).forEach((operand, j) => {
          const name = `__mg_val_${t}_${k}_${j}`
          plan.rules.push({ name, text: ruleText(name, true, [...prefix, `__mg_v := (${operand}) ${withText}`], m.regoVersion) })
          vals.push([operand, name])
        })
      }
      plan.values.push(vals)
    })
    plans.push(plan)
  })
  if (plans.length === 0) return
  const compiled = await compileProbes(plans, ctx)
  if (!compiled) return
  const entry = (p: Plan, name: string) => [...p.pkg, name].join('/')
  const policy = await loadPolicy(compiled.wasm, sdkMemory(compiled.wasm), compiled.hostBuiltins)
  policy.setData(ctx.data)
  const run = (ep: string): { defined: boolean; values: unknown[] } | undefined => {
    const id = compiled.entrypoints[ep]
    if (id === undefined) return undefined
    const original = console.log
    console.log = () => {}
    try {
      const rs = policy.evaluate({}, id) as { result: unknown }[]
      return rs.length
        ? { defined: true, values: Array.isArray(rs[0]!.result) ? (rs[0]!.result as unknown[]) : [rs[0]!.result] }
        : { defined: false, values: [] }
    } catch {
      return undefined
    } finally {
      console.log = original
    }
  }
  for (const p of plans) {
    const { result, from, filter } = p.target
    const { module: m, rule } = result.test
    const defined = p.probes.map((name) => (name ? run(entry(p, name))?.defined : true))
    // A case whose names the filter cannot pin (its key is neither a string nor a number) is not explained.
    if (filter.length && defined[0] === false) continue
    const i = defined.findIndex((d) => d === false)
    if (i < 0) {
      if (defined.every((d) => d === true) && filter.length === 0) {
        p.target.explain([`every expression of the body holds, but the test's value is ${show(result.value ?? false)}`])
      }
      continue
    }
    const k = i + from
    const e = rule.body.exprs[k]!
    const at = locate(m, e.span.start)
    const lines = [
      `failed at ${m.path}:${at.row}:${at.col}:`,
      ...m.text
        .slice(e.span.start, e.span.end)
        .split('\n')
        .map((l) => `  ${l.trim()}`),
    ]
    for (const [operand, name] of p.values[i] ?? []) {
      const r = run(entry(p, name))
      if (!r) continue
      const v = r.values.length === 0 ? 'undefined' : r.values.length === 1 ? show(r.values[0]) : `${show(r.values[0])} (and ${r.values.length - 1} more)`
      lines.push(`  ${operand} = ${v}`)
    }
    p.target.explain(lines)
  }
}

/**
 * Compiles the sources with every plan's rules appended. A rule that does
 * not compile (a value rule whose operand is bound only by the failing
 * expression itself, a probe the checker refuses) is found by the rows of
 * the errors, dropped, and the rest compiled again: one bad rule costs only
 * its own line of explanation. Undefined when errors remain outside them.
 */
async function compileProbes(plans: Plan[], ctx: ExplainContext): Promise<Awaited<ReturnType<ExplainContext['compile']>> | undefined> {
  const dropped = new Set<string>()
  for (let attempt = 0; attempt < 4; attempt++) {
    const rows = new Map<string, { name: string; from: number; to: number }[]>()
    const entrypoints: string[] = []
    const modules = ctx.sources.map((s) => {
      const own = plans.filter((p) => p.target.result.test.module.path === s.path)
      if (own.length === 0) return s
      let text = `${s.source}\n`
      let row = text.split('\n').length
      const spans: { name: string; from: number; to: number }[] = []
      for (const p of own) {
        for (const r of p.rules) {
          if (dropped.has(`${s.path}\0${r.name}`)) continue
          text += `\n${r.text}\n`
          const lines = r.text.split('\n').length
          spans.push({ name: r.name, from: row + 1, to: row + lines })
          row += lines + 1
          entrypoints.push([...p.pkg, r.name].join('/'))
        }
      }
      rows.set(s.path, spans)
      return { path: s.path, source: text }
    })
    try {
      return await ctx.compile(modules, entrypoints)
    } catch (e) {
      if (!(e instanceof CompileError)) return undefined
      let found = false
      for (const err of e.errors) {
        const hit = err.location && rows.get(err.location.file)?.find((r) => err.location!.row >= r.from && err.location!.row <= r.to)
        if (!hit) return undefined
        dropped.add(`${err.location!.file}\0${hit.name}`)
        found = true
      }
      if (!found) return undefined
    }
  }
  return undefined
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
    case 'unify':
      out.push(e.left, e.right)
      break
    case 'assign':
      out.push(e.right)
      break
    case 'somein':
    case 'every':
      out.push(e.domain)
      break
    case 'some':
      break
  }
  const bound = new Set<string>()
  for (const b of before) declaredVars(b, bound)
  const used = new Set<string>()
  collectVars(e, used)
  const texts = out.filter((t) => !isLiteral(t)).map(text)
  for (const v of used) if (bound.has(v) && !texts.includes(v)) texts.push(v)
  return [...new Set(texts)]
}

/** A constant: scalars, wildcards, and arrays, sets and objects of constants (`[]` shows nothing new). */
function isLiteral(t: Term): boolean {
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true
    case 'var':
      return t.name.startsWith('$')
    case 'array':
    case 'set':
      return t.items.every(isLiteral)
    case 'object':
      return t.items.every(([k, v]) => isLiteral(k) && isLiteral(v))
    default:
      return false
  }
}

/** Variables an expression may bind: `x := …`, `x = …`, `some x`, `some k, v in …`. */
function declaredVars(e: Expr, into: Set<string>): void {
  const all = new Set<string>()
  switch (e.kind) {
    case 'assign':
      collectVars({ ...e, kind: 'term', term: e.left } as Expr, all)
      break
    case 'unify':
      collectVars(e, all)
      break
    case 'some':
      e.vars.forEach((v) => all.add(v.name))
      break
    case 'somein':
      collectVars({ ...e, kind: 'term', term: e.value } as Expr, all)
      if (e.key) collectVars({ ...e, kind: 'term', term: e.key } as Expr, all)
      break
    default:
      break
  }
  for (const v of all) into.add(v)
}

/** Names of the local variables an expression mentions (not `input`, `data`, wildcards). */
function collectVars(e: Expr, into: Set<string>): void {
  const term = (t: Term | undefined): void => {
    if (!t) return
    switch (t.type) {
      case 'var':
        if (!t.name.startsWith('$') && t.name !== 'input' && t.name !== 'data') into.add(t.name)
        break
      case 'ref':
        term(t.head)
        t.path.forEach(term)
        break
      case 'call':
        t.args.forEach(term)
        break
      case 'array':
      case 'set':
        t.items.forEach(term)
        break
      case 'object':
        t.items.forEach(([k, v]) => {
          term(k)
          term(v)
        })
        break
      default:
        break
    }
  }
  switch (e.kind) {
    case 'term':
      term(e.term)
      break
    case 'unify':
    case 'assign':
      term(e.left)
      term(e.right)
      break
    case 'some':
      e.vars.forEach(term)
      break
    case 'somein':
      term(e.key)
      term(e.value)
      term(e.domain)
      break
    case 'every':
      term(e.domain)
      break
  }
}

export function show(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined'
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}…` : s
}
