// Which parts of `input` a bundle's policies can read, found from its Rego
// sources, so that a policy evaluated once per decision event (the log
// policy) can be asked about the few fields it reads rather than about the
// whole event, and its verdict kept for the next event with the same fields.
//
// A read is a ref on `input` with constant string operands (`input.kind`,
// `input.input.subject.roles`, `input.input.request.headers[h]` reads
// `input.input.request.headers`), or an import of one (`import input.x as y`).
// The answer is undefined, and nothing may be projected or remembered, when a
// policy can see more than such refs say or can answer differently for the
// same fields: `input` used whole (`x := input`, `input[k]`, `walk(input,
// …)`), `with input…` (the replaced document's reads are not the event's), a
// non-deterministic built-in (`time.now_ns`, `http.send`, …: the same fields
// could get another verdict), `print` (its output would be skipped on a
// remembered verdict), or a source that does not parse.
//
// Only the rules the package can reach count: its own, and every rule or
// function its rules refer to (`data.lib.f(x)`, an imported `lib.f`, a rule
// of the same package by name), transitively, in any module of the bundle.
// A reference that cannot be followed to a few rules (`data[x]`, `data`)
// takes in every rule it might mean, so a tie is always resolved towards
// reading more. The bundle's tests, which replace `input` with `with`, are
// read only if the package refers to them.

import { parseSource } from './decision-rules.js'
import { type Body, type Expr, type Module, type Rule, type Term, type With } from '../rego/index.js'

/** A tree of the read paths: a key read whole maps to `true`, one read in part to its subtree. */
export type ReadTree = { [key: string]: ReadTree | true }

/**
 * Built-ins whose answer is not a function of their arguments (OPA's
 * capabilities mark these `nondeterministic`), and `print`, which has an
 * effect besides its answer.
 */
const IMPURE = new Set([
  'http.send',
  'io.jwt.decode_verify',
  'net.lookup_ip_addr',
  'opa.runtime',
  'rand.intn',
  'time.now_ns',
  'uuid.rfc4122',
  'crypto.x509.parse_and_verify_certificates',
  'crypto.x509.parse_and_verify_certificates_with_options',
  'print',
  'trace',
])

class Unbounded extends Error {}

interface RuleAt {
  rule: Rule
  module: Module
}

/**
 * The parts of `input` the rules of package `target` (path below `data`)
 * can read, or undefined when that cannot be bounded (see above).
 */
export function inputReads(modules: readonly Module[], target: readonly string[]): ReadTree | undefined {
  const all: RuleAt[] = modules.flatMap((module) => module.rules.map((rule) => ({ rule, module })))
  const seen = new Set<Rule>()
  const queue: RuleAt[] = []
  const reach = (dataPath: readonly string[]) => {
    for (const r of rulesAt(all, dataPath)) {
      if (seen.has(r.rule)) continue
      seen.add(r.rule)
      queue.push(r)
    }
  }
  const paths: string[][] = []
  try {
    reach(target)
    for (let r = queue.pop(); r !== undefined; r = queue.pop()) {
      const w = new Walker(r.module, paths, reach)
      w.rule(r.rule)
    }
  } catch (e) {
    if (e instanceof Unbounded) return undefined
    throw e
  }
  // Null-prototype nodes: a read of `input.__proto__` is a key like any other.
  const tree: ReadTree = Object.create(null) as ReadTree
  for (const p of paths) {
    if (p.length === 0) return undefined
    let node = tree
    for (const [i, seg] of p.entries()) {
      const next = node[seg]
      if (next === true) break
      if (i === p.length - 1) {
        node[seg] = true
        break
      }
      node = next ?? (node[seg] = Object.create(null) as ReadTree)
    }
  }
  return tree
}

/**
 * The rules that may define (part of) `data.<path>`: every rule of a package
 * at or below it, and the rules of a package above it whose name is the next
 * segment (or whose head is not a plain name).
 */
function rulesAt(all: readonly RuleAt[], path: readonly string[]): RuleAt[] {
  return all.filter(({ rule, module }) => {
    const pkg = stripData(module.package)
    if (pkg.length >= path.length) return path.every((s, i) => pkg[i] === s)
    if (!pkg.every((s, i) => path[i] === s)) return false
    const first = rule.head.ref[0]
    if (!first || first.type !== 'var') return true
    return first.name === path[pkg.length]
  })
}

/** The parser keeps a written `data.` prefix in the package path. */
function stripData(pkg: readonly string[]): readonly string[] {
  return pkg[0] === 'data' ? pkg.slice(1) : pkg
}

/**
 * inputReads of package `target` in a bundle's sources, parsed in either
 * Rego version (the manifest's first). Undefined when a source does not parse.
 */
export function sourceInputReads(
  sources: readonly { path: string; source: string }[],
  regoVersion: number | undefined,
  target: readonly string[],
): ReadTree | undefined {
  const modules: Module[] = []
  for (const s of sources) {
    const mod = parseSource(s, regoVersion)
    if (!mod) return undefined
    modules.push(mod)
  }
  return inputReads(modules, target)
}

/**
 * The part of `value` the reads can see: the same value at every read path
 * (present or absent alike), nothing else. A value that is not an object
 * where the tree goes deeper is kept whole (an array's elements or a
 * string's absence of keys are then seen as they are).
 */
export function project(value: unknown, tree: ReadTree): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const src = value as Record<string, unknown>
  // Null prototype, so that an own `__proto__` key is copied as a key (JSON.parse makes such keys).
  const out = Object.create(null) as Record<string, unknown>
  for (const key in tree) {
    if (!Object.hasOwn(src, key)) continue
    const v = src[key]
    if (v === undefined) continue
    const sub = tree[key]!
    out[key] = sub === true ? v : project(v, sub)
  }
  return out
}

/** Walks one rule's terms: its reads of `input` go to `paths`, the rules it refers to to `reach`. */
class Walker {
  /** Import aliases: `import data.lib` gives `lib` → data [lib]; `import input.user as u` gives `u` → input [user]. */
  private readonly aliases = new Map<string, { root: 'data' | 'input'; path: string[] }>()
  private readonly pkg: readonly string[]

  constructor(
    module: Module,
    private readonly paths: string[][],
    private readonly reach: (dataPath: readonly string[]) => void,
  ) {
    this.pkg = stripData(module.package)
    for (const imp of module.imports) {
      const head = imp.path.head
      if (head.type !== 'var' || (head.name !== 'data' && head.name !== 'input')) continue
      const path = constantPrefix(imp.path.path)
      // `import input` / `import data` (Rego v0) name the whole document.
      if (path.length < imp.path.path.length || path.length === 0) throw new Unbounded()
      this.aliases.set(imp.alias ?? path[path.length - 1]!, { root: head.name, path })
    }
  }

  rule(r: Rule): void {
    const h = r.head
    for (const t of h.ref.slice(1)) this.term(t)
    if (h.key) this.term(h.key)
    if (h.value) this.term(h.value)
    for (const a of h.args ?? []) this.term(a)
    this.body(r.body)
    if (r.else) this.rule(r.else)
  }

  private body(b: Body): void {
    for (const e of b.exprs) this.expr(e)
  }

  private expr(e: Expr): void {
    for (const w of e.with) this.withMod(w)
    switch (e.kind) {
      case 'term':
        return this.term(e.term)
      case 'unify':
      case 'assign':
        this.term(e.left)
        return this.term(e.right)
      case 'some':
        return
      case 'somein':
        if (e.key) this.term(e.key)
        this.term(e.value)
        return this.term(e.domain)
      case 'every':
        this.term(e.domain)
        return this.body(e.body)
    }
  }

  private withMod(w: With): void {
    const head = w.target.head
    if (head.type === 'var' && (head.name === 'input' || this.aliases.get(head.name)?.root === 'input')) throw new Unbounded()
    for (const op of w.target.path) this.term(op)
    this.term(w.value)
  }

  /** A name (a var, or the head of a ref with constant operands `ops`) read where it is written. */
  private named(name: string, ops: readonly string[]): void {
    if (name === 'input') {
      this.paths.push([...ops])
      return
    }
    if (name === 'data') return this.reach(ops)
    const alias = this.aliases.get(name)
    if (alias?.root === 'input') this.paths.push([...alias.path, ...ops])
    else if (alias) this.reach([...alias.path, ...ops])
    // A rule of this package by that name (or a local variable: then nothing is found).
    else this.reach([...this.pkg, name])
  }

  private term(t: Term): void {
    switch (t.type) {
      case 'var':
        if (t.name === 'input') throw new Unbounded()
        return this.named(t.name, [])
      case 'ref':
        if (t.head.type === 'var') this.named(t.head.name, constantPrefix(t.path))
        else this.term(t.head)
        for (const p of t.path) this.term(p)
        return
      case 'array':
      case 'set':
        for (const i of t.items) this.term(i)
        return
      case 'object':
        for (const [k, v] of t.items) {
          this.term(k)
          this.term(v)
        }
        return
      case 'arraycomp':
      case 'setcomp':
        this.term(t.term)
        return this.body(t.body)
      case 'objectcomp':
        this.term(t.key)
        this.term(t.value)
        return this.body(t.body)
      case 'call':
        if (IMPURE.has(callName(t.func))) throw new Unbounded()
        this.term(t.func)
        for (const a of t.args) this.term(a)
        return
      case 'templatestring':
        for (const p of t.parts) if (typeof p !== 'string') this.term(p)
        for (const ws of Object.values(t.partWith ?? {})) for (const w of ws) this.withMod(w)
        return
      default:
        return
    }
  }
}

/** `input.a.b[x].c` reads `a.b` (as far as the operands are constant strings). */
function constantPrefix(ops: readonly Term[]): string[] {
  const out: string[] = []
  for (const op of ops) {
    if (op.type !== 'string') break
    out.push(op.value)
  }
  return out
}

/** A call's name as written (`time.now_ns`), or '' for a call on a computed value. */
function callName(func: Term): string {
  if (func.type === 'var') return func.name
  if (func.type !== 'ref' || func.head.type !== 'var') return ''
  const parts = [func.head.name]
  for (const p of func.path) {
    if (p.type !== 'string') return ''
    parts.push(p.value)
  }
  return parts.join('.')
}
