// Call resolution (OPA's resolveAllRefs for calls, then its type checker's
// arity and literal-type checks): every call of every rule is resolved once
// here to the name it means — `data.pkg.f` for a function rule, the
// built-in's name otherwise — given the imports, the package's rules and the
// locals that shadow them, and checked against what that name takes. plan/
// reads the resulting CallTable (a call's name and output argument) instead
// of resolving again; it only applies the `with` mocks in force.

import type { ErrorDetail } from '../errors/index.js'
import type { CallTerm, Module, RefTerm, Term, With } from '../rego/ast.js'
import { lookupBuiltin } from '../builtins/catalog.js'
import type { TypeSpec } from '../builtins/types.js'
import { locate } from '../source/index.js'
import { importOf, isRuleName, type Names } from './names.js'
import { findNode, type RuleGroup, type TreeNode } from './rule-tree.js'
import { walkGroups, type WalkScope } from './walk.js'

/** Built-ins a capabilities file adds: compiled to host calls. */
export type CustomBuiltins = ReadonlyMap<string, { readonly arity: number; readonly resultSet: boolean }>

export interface ResolvedCall {
  /** `data.pkg.f` for a function rule, the built-in's name otherwise (before any `with` mock). */
  readonly name: string
  /** The index of the output argument (`count(x, n)` → 1) when the call is a condition that has one. */
  readonly outputArg?: number
}

/** Every call the walk reached, by its term. */
export type CallTable = ReadonlyMap<CallTerm, ResolvedCall>

/** What a name in a body means, as far as calls and `with` targets need it. */
export interface NameScope {
  readonly module: Module
  /** Names declared local: they shadow rules and imports. */
  readonly declared: ReadonlySet<string>
}

const isWild = (n: string) => n.startsWith('$wild') || n === '_'

/** The name a ref means in `s`: `data.…` for rules and data, the import's path, or the name as written. */
export function refName(ref: RefTerm, s: NameScope, names: Names): string {
  const parts = ref.path.map((p) => (p.type === 'string' ? p.value : '?'))
  if (ref.head.type !== 'var') return '?'
  const h = ref.head.name
  if (isWild(h) || s.declared.has(h) || h === 'input') return [h, ...parts].join('.')
  if (h === 'data') return `data.${parts.join('.')}`
  const imp = importOf(names, s.module, h)
  if (imp) {
    const ip = imp.path.map((p) => (p.type === 'string' ? p.value : '?'))
    const head = imp.head.type === 'var' ? imp.head.name : '?'
    return [head, ...ip, ...parts].join('.')
  }
  if (isRuleName(names, s.module, h)) return `data.${[...s.module.package, h, ...parts].join('.')}`
  return [h, ...parts].join('.')
}

/** The function group a `data.…` name refers to, if it is one. */
export function functionGroup(root: TreeNode, name: string): RuleGroup | undefined {
  if (!name.startsWith('data.')) return undefined
  const g = findNode(root, name.slice(5).split('.'))?.group
  return g?.kind === 'function' ? g : undefined
}

/**
 * The rule group a call of `name` with `nargs` arguments runs: a function
 * rule of that arity, or, with no arguments, any other rule (`f()` reads the
 * rule `f`, as OPA evaluates a call of a rule without arguments).
 */
export function calledGroup(root: TreeNode, name: string, nargs: number): RuleGroup | undefined {
  if (!name.startsWith('data.')) return undefined
  const g = findNode(root, name.slice(5).split('.'))?.group
  if (!g) return undefined
  return g.kind === 'function' ? g : nargs === 0 ? g : undefined
}

/**
 * The number of input arguments a name takes: a function rule's arity, a
 * built-in's (-1 for one without a result, which has no output argument),
 * a custom built-in's; undefined when the name is no function.
 */
export function arityOf(root: TreeNode, custom: CustomBuiltins | undefined, name: string): number | undefined {
  if (name.startsWith('data.')) return functionGroup(root, name)?.arity
  const b = lookupBuiltin(name)
  if (b) return b.result === undefined && b.name !== 'print' ? -1 : b.args.length
  return custom?.get(name)?.arity
}

/**
 * OPA v1 removed the deprecated built-ins (cast_array, set_diff, re_match …):
 * only a v0 module without `import rego.v1` may call them, as in OPA.
 */
function availableIn<B extends { deprecated?: boolean }>(m: Module, b: B | undefined): B | undefined {
  const v1 = m.regoVersion === 1 || m.imports.some((i) => i.path.head.type === 'var' && i.path.head.name === 'rego')
  return b?.deprecated && v1 ? undefined : b
}

/** Built-ins plan/ answers itself (no host call), so the host's argument limit does not apply. */
const PLANNED: ReadonlySet<string> = new Set(['print', 'trace', 'opa.runtime', 'rego.metadata.rule', 'rego.metadata.chain'])

/** Host calls pass at most this many arguments (the ABI's opa_builtin0…4). */
const MAX_HOST_ARGS = 4

interface FuncMock {
  readonly value?: true
  readonly fn?: string
}

/**
 * The function mocks of `withs` (later ones win), as plan/'s `with` makes
 * them: a target that is a function, replaced by another function (`fn`) or
 * by a value.
 */
export function funcMocks(
  withs: readonly With[],
  s: NameScope,
  root: TreeNode,
  names: Names,
  custom: CustomBuiltins | undefined,
): Map<string, FuncMock & { at: With }> {
  const out = new Map<string, FuncMock & { at: With }>()
  for (const w of withs) {
    const target = refName(w.target, s, names)
    if (target === 'input' || target.startsWith('input.')) continue
    const isFunc = target.startsWith('data.') ? functionGroup(root, target) !== undefined : lookupBuiltin(target) !== undefined || !!custom?.has(target)
    if (!isFunc) continue
    const v = w.value
    let fn: string | undefined
    if (v.type === 'var' || v.type === 'ref') {
      const ref: RefTerm = v.type === 'var' ? { type: 'ref', head: v, path: [], span: v.span } : v
      const n = refName(ref, s, names)
      const head = ref.head.type === 'var' ? ref.head.name : ''
      if (functionGroup(root, n) || (!n.startsWith('data.') && lookupBuiltin(n) && !s.declared.has(head))) fn = n
    }
    out.delete(target)
    out.set(target, fn ? { fn, at: w } : { value: true, at: w })
  }
  return out
}

/** Resolve every call of the groups' rules: its name, and its output argument where it has one. */
export function resolveCalls(groups: readonly RuleGroup[], root: TreeNode, names: Names, custom?: CustomBuiltins): CallTable {
  const calls = new Map<CallTerm, ResolvedCall>()
  walkGroups(groups, {
    term(t, s, condition) {
      if (t.type !== 'call') return
      const name = refName(t.func, s, names)
      const arity = arityOf(root, custom, name)
      const outputArg = condition && arity !== undefined && arity >= 0 && t.args.length === arity + 1 ? arity : undefined
      calls.set(t, outputArg === undefined ? { name } : { name, outputArg })
    },
  })
  return calls
}

/**
 * Check every resolved call against what its name takes, under the `with`
 * mocks in force: arity, literal argument types, the host's argument limit.
 * A call that fails is not looked into further (as plan/ never planned its
 * arguments).
 */
export function checkCalls(groups: readonly RuleGroup[], root: TreeNode, names: Names, calls: CallTable, custom?: CustomBuiltins): ErrorDetail[] {
  const errors: ErrorDetail[] = []
  const error = (code: ErrorDetail['code'], message: string, m: Module, offset: number) => errors.push({ code, message, location: locate(m, offset) })
  /** Reports a call of `name` with `given` arguments that it does not take; false when it is reported. */
  const arityError = (name: string, given: number, m: Module, offset: number): boolean => {
    if (given === 0 && calledGroup(root, name, 0)) return true
    const g = functionGroup(root, name)
    if (g) {
      if (g.arity === given) return true
      error('rego_type_error', `function ${name} has arity ${g.arity}, got ${given} arguments`, m, offset)
      return false
    }
    if (name.startsWith('data.')) {
      error('rego_type_error', `undefined function ${name}`, m, offset)
      return false
    }
    const b = availableIn(m, lookupBuiltin(name)),
      c = custom?.get(name)
    if (!b && !c) {
      error('rego_type_error', `undefined function ${name}`, m, offset)
      return false
    }
    const arity = b ? b.args.length : c!.arity
    if (b?.name !== 'print' && arity !== given) {
      error('rego_type_error', `${name}: arity mismatch: expected ${arity} arguments, got ${given}`, m, offset)
      return false
    }
    return true
  }

  walkGroups(groups, {
    expr(e, s) {
      // `with f as g`: g must take what f takes, wherever the mock reaches
      // (calls in rules evaluated under it too): checked once, at g.
      if (!e.with.length) return
      for (const [target, mock] of funcMocks(e.with, s, root, names, custom)) {
        const want = arityOf(root, custom, target)
        if (!mock.fn || want === undefined || want < 0 || arityOf(root, custom, mock.fn) === want) continue
        arityError(mock.fn, want, s.module, mock.at.value.span.start)
      }
    },
    term(t, s) {
      if (t.type !== 'call') return
      const resolved = calls.get(t)
      if (!resolved) return
      const { name, outputArg } = resolved
      const arity = arityOf(root, custom, name)
      const given = outputArg ?? t.args.length
      const mock = s.withs.length ? funcMocks(s.withs, s, root, names, custom).get(name) : undefined
      if (mock?.value) return
      const effective = mock?.fn ?? name
      // A replacement whose arity differs from the target's is reported at the `with` (expr above).
      if (mock?.fn && arityOf(root, custom, effective) !== arity) return false
      if (!arityError(effective, given, s.module, t.span.start)) return false
      const b = lookupBuiltin(effective)
      if (b) checkArgTypes(effective, b.args, t.args.slice(0, given), s.module, error)
      if (!b?.inModule && !PLANNED.has(effective) && !effective.startsWith('data.')) {
        const hostArity = b ? b.args.length : (custom?.get(effective)?.arity ?? 0)
        if (hostArity > MAX_HOST_ARGS)
          error(
            'compile_unsupported_error',
            `built-in ${effective} takes ${hostArity} arguments; host calls support at most ${MAX_HOST_ARGS}`,
            s.module,
            t.span.start,
          )
      }
      return
    },
  })
  return errors
}

type LiteralType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set'

/**
 * OPA's type checker, for what is known at compile time: a literal
 * argument whose type the built-in can never accept is a rego_type_error.
 */
function checkArgTypes(
  name: string,
  want: readonly TypeSpec[],
  args: Term[],
  m: Module,
  error: (code: 'rego_type_error', message: string, m: Module, offset: number) => void,
): void {
  args.forEach((a, i) => {
    const have = literalType(a)
    const spec = want[i]
    if (!have || !spec || acceptsType(spec, have)) return
    error('rego_type_error', `${name}: invalid argument(s): operand ${i + 1} must be ${typeText(spec)} but got ${have}`, m, a.span.start)
  })
}

function literalType(t: Term): LiteralType | undefined {
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
    case 'array':
    case 'object':
    case 'set':
      return t.type
    default:
      return undefined
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
