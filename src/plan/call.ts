// Calls: what a call runs under the `with` mocks in force (a rule
// function, an in-module built-in, a host built-in, a mock's value, or what
// plan/ answers itself: print, trace, rego.metadata), and the statements
// that run it. The call's name and output argument were resolved once by
// check/ (its CallTable); this file only follows mocks to a target.

import type { CallTerm, Rule, Term } from '../rego/ast.js'
import { lookupBuiltin, hostTableName } from '../builtins/catalog.js'
import { calledGroup, findNode } from '../check/index.js'
import type { Block, Local } from './ir.js'
import { loc } from './emitter.js'
import type { BodyPlanner, Scope } from './body.js'
import type { Mock, Program } from './planner.js'

export type CallTarget =
  | { kind: 'error' }
  | { kind: 'value'; slot: string }
  | { kind: 'const'; index: number }
  | { kind: 'func'; func: string }
  | { kind: 'rule'; path: string[] }
  | { kind: 'builtin'; name: string; strict: boolean; hostFallback: boolean }
  | { kind: 'host'; id: number; toSet: boolean; cached: boolean; sets: boolean }
  | { kind: 'print' }

/** In-module built-ins whose undefined result is not an error (max([]) is undefined in OPA). */
// json.patch: OPA makes a failing patch undefined, not an error (topdown/json.go).
const UNDEFINED_NOT_ERROR: ReadonlySet<string> = new Set(['max', 'min', 'object.get', 'json.patch'])

/** A time operand written as a number or `[ns]`, `[ns, ""]`, `[ns, "UTC"]` (any layout): no zone for the host. */
const zoneFree = (a: Term): boolean =>
  a.type === 'number' ||
  (a.type === 'array' && (a.items.length < 2 || (a.items[1]!.type === 'string' && (a.items[1].value === '' || a.items[1].value === 'UTC'))))

/** Built-ins whose output argument takes several values, one per solution. */
const RELATIONS: ReadonlySet<string> = new Set(['walk'])

export function planCall(bp: BodyPlanner, t: CallTerm, scope: Scope, args: Term[]): Local {
  const target = resolveCall(bp, t, scope, args.length)
  const vals = () => args.map((a) => bp.planTerm(a, scope))
  switch (target.kind) {
    case 'error':
      return bp.constLocal(bp.prog.constOf({ type: 'null', span: t.span }))
    case 'print': {
      // print(a, b): values joined by spaces; an undefined argument prints `<undefined>`.
      const parts = bp.make('array', args.length * 2)
      const space = bp.prog.constOf({ type: 'string', value: ' ', span: t.span })
      args.forEach((a, i) => {
        if (i > 0) bp.emit({ op: 'arrayappend', array: parts, value: { kind: 'const', index: space } })
        const hole = bp.constLocal(bp.prog.constOf({ type: 'string', value: '<undefined>', span: t.span }))
        const hb: Block = { stmts: [] }
        bp.emit({ op: 'blocks', blocks: [hb] })
        bp.into(hb.stmts, () => {
          const v = bp.planTerm(a, scope.child())
          bp.emit({ op: 'assign', source: loc(bp.toText(v)), target: hole })
        })
        bp.emit({ op: 'arrayappend', array: parts, value: loc(hole) })
      })
      const line = bp.concat(parts, false)
      bp.emit({ op: 'println', local: line })
      return bp.constLocal(bp.prog.constOf({ type: 'boolean', value: true, span: t.span }))
    }
    case 'value': {
      vals()
      const l = bp.local()
      bp.emit({ op: 'assign', source: { kind: 'global', name: target.slot }, target: l })
      bp.emit({ op: 'isdefined', local: l })
      return l
    }
    case 'const':
      vals()
      return bp.constLocal(target.index)
    case 'rule':
      return bp.planDataRef(
        target.path.map((value): Term => ({ type: 'string', value, span: t.span })),
        scope,
      )
    case 'func': {
      const a = vals()
      const r = bp.local()
      bp.emit({ op: 'call', func: target.func, args: a.map(loc), target: r, check: true })
      return r
    }
    case 'builtin': {
      const a = vals()
      const r = bp.local()
      // time.* with a zone the module does not hold asks the host (OPA's name).
      const host = target.hostFallback && !args.every(zoneFree) ? { host: bp.prog.hostId(hostTableName(target.name), target.name, args.length, false) } : {}
      if (target.strict) {
        // Strict mode: an in-module built-in that gives no value failed.
        bp.emit({ op: 'callbuiltin', name: target.name, args: a.map(loc), target: r, check: false, ...host })
        bp.emit({
          op: 'blocks',
          blocks: [
            {
              stmts: [
                { op: 'isundefined', local: r },
                { op: 'abort', message: `eval_builtin_error: ${target.name}: invalid argument(s)`, builtin: target.name },
              ],
            },
          ],
        })
      } else bp.emit({ op: 'callbuiltin', name: target.name, args: a.map(loc), target: r, check: true, ...host })
      // A relation (walk) computed in the module: its outputs, one per solution.
      return RELATIONS.has(target.name) ? bp.scan(r).value : r
    }
    case 'host': {
      const a = vals()
      const r = bp.local()
      bp.emit({ op: 'host', id: target.id, args: a.map(loc), target: r, toSet: target.toSet, cached: target.cached, sets: target.sets })
      bp.emit({ op: 'isdefined', local: r })
      if (!RELATIONS.has(bp.prog.callName(t))) return r
      // A relation (walk) has many outputs, one per solution: iterate them.
      return bp.scan(r).value
    }
  }
}

/** What a call to `t` with `nargs` input arguments runs, under `mocks`. */
function resolveCall(bp: BodyPlanner, t: CallTerm, scope: Scope, nargs: number, nameOverride?: string, mocks: readonly Mock[] = bp.mocks): CallTarget {
  const prog = bp.prog
  const name = nameOverride ?? prog.callName(t)
  for (let i = mocks.length - 1; i >= 0; i--) {
    const m = mocks[i]!
    if (m.kind !== 'func' || m.name !== name) continue
    if (m.slot) return { kind: 'value', slot: m.slot }
    // The replacement runs without function mocks (OPA: a mock never calls
    // another mock), so a mock may call the function it replaces.
    return resolveCall(
      bp,
      t,
      scope,
      nargs,
      m.fn,
      mocks.filter((x) => x.kind === 'data'),
    )
  }
  // check/'s call checks reported every call that does not resolve or does
  // not take `nargs` arguments; what is left is the target.
  const group = calledGroup(prog.root, name, nargs)
  // `f()` of a rule that is no function reads the rule's value.
  if (group && group.kind !== 'function') return { kind: 'rule', path: group.path }
  if (group && group.arity === nargs) return { kind: 'func', func: prog.groupFunc(group, mocks, scope.module, t.span.start) }
  const custom = prog.customBuiltins?.get(name)
  const b = lookupBuiltin(name)
  const arity = b ? b.args.length : custom?.arity
  if (group || arity === undefined || (b?.name !== 'print' && arity !== nargs)) {
    prog.broken(`call of ${name} with ${nargs} arguments was not reported by check/`, scope.module, t.span.start)
    return { kind: 'error' }
  }
  if (b?.inModule) return { kind: 'builtin', name, strict: !!prog.opts.strict && !UNDEFINED_NOT_ERROR.has(name), hostFallback: !!b.hostFallback }
  switch (name) {
    case 'print':
      return { kind: 'print' }
    case 'trace':
      return { kind: 'const', index: prog.constJSON(true) }
    case 'opa.runtime':
      return { kind: 'const', index: prog.constJSON({}) }
    case 'rego.metadata.rule':
      return { kind: 'const', index: prog.constJSON(metadataOf(scope.rule)) }
    case 'rego.metadata.chain':
      return { kind: 'const', index: prog.constJSON(chainOf(prog, scope)) }
  }
  // More than 4 arguments: check/ reported compile_unsupported_error.
  const id = prog.hostId(hostTableName(name), name, arity, !!b?.nondeterministic)
  const res = b?.result ?? (custom?.resultSet ? 'set' : 'any')
  const toSet = res === 'set' || (typeof res === 'object' && 'set' in res)
  return { kind: 'host', id, toSet, cached: !!b?.nondeterministic, sets: !!b?.setAware }
}

/**
 * rego.metadata.chain(): the rule's own annotations, the document-scoped
 * ones of its path, then package and subpackages annotations outwards, as
 * OPA lists them (paths without the leading `data`).
 */
function chainOf(prog: Program, scope: Scope): unknown[] {
  const out: unknown[] = []
  const r = scope.rule
  const pkg = scope.module.package
  if (r) {
    const path = [...pkg, ...r.head.ref.map((t) => (t.type === 'var' ? t.name : t.type === 'string' ? t.value : '?'))].filter((x) => x !== '?')
    const own = r.annotations && r.annotations.scope !== 'document' ? metadataOf(r) : undefined
    out.push(own ? { annotations: own, path } : { path })
    const node = findNode(prog.root, path)
    for (const d of [...(node?.group?.defs ?? []), ...(node?.group?.default ? [node.group.default] : [])]) {
      if (d.rule.annotations?.scope === 'document') out.push({ annotations: metadataOf(d.rule), path })
    }
  }
  for (let depth = pkg.length; depth >= 0; depth--) {
    const prefix = pkg.slice(0, depth)
    for (const m of prog.modules) {
      if (m.package.join('.') !== prefix.join('.')) continue
      for (const a of m.annotations) {
        if (a.scope === 'package' && depth === pkg.length) out.push({ annotations: cleanAnnotations(a), path: prefix })
        if (a.scope === 'subpackages') out.push({ annotations: cleanAnnotations(a), path: prefix })
      }
    }
  }
  return out
}

/** Annotations as rego.metadata returns them: authors and organizations normalised as OPA does. */
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
