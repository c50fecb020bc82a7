// Where a function's plan statements go while it is being planned: its
// locals, the block statements are emitted into (the innermost scan or
// block: the rest of a body is planned inside it), and the Rego construct
// they come from. Every planner writes statements through an Emitter's
// methods; none sets another's position or origin directly.

import type { Module } from '../rego/ast.js'
import type { Block, Local, Origin, Stmt } from './ir.js'

export class Emitter {
  private count = 0
  private cur: Stmt[]
  /** The Rego construct being planned: statements emitted without an `at` of their own get it. */
  private at: Origin | undefined

  constructor(root: Block, origin?: Origin) {
    this.cur = root.stmts
    this.at = origin
  }

  /** How many locals the function uses. */
  get nlocals(): number {
    return this.count
  }

  local(): Local {
    return this.count++
  }
  emit(s: Stmt): void {
    this.cur.push(stamp(s, this.at))
  }
  origin(m: Module, offset: number): Origin {
    return { source: m, offset }
  }

  /** Plan `f` as coming from `offset` in `m` (a rule, expression or term): what it emits is located there. */
  located<T>(m: Module, offset: number, f: () => T): T {
    const save = this.at
    this.at = { source: m, offset }
    try {
      return f()
    } finally {
      this.at = save
    }
  }

  /** Run `f` emitting into `stmts`, then continue emitting where we were. */
  into(stmts: Stmt[], f: () => void): void {
    const save = this.cur
    this.cur = stmts
    try {
      f()
    } finally {
      this.cur = save
    }
  }

  /**
   * Emit `s` (a scan or labeled block) and go on emitting inside its body:
   * the rest of the body runs once per iteration (continuation passing).
   */
  enter(s: Extract<Stmt, { op: 'scan' | 'labeled' }>): void {
    this.emit(s)
    this.cur = s.body.stmts
  }

  /** A `scan` of `source`, entered: returns its key and value locals. */
  scan(source: Local): { key: Local; value: Local } {
    const key = this.local(),
      value = this.local()
    this.enter({ op: 'scan', source, key, value, body: { stmts: [] } })
    return { key, value }
  }

  constLocal(index: number): Local {
    const l = this.local()
    this.emit({ op: 'assign', source: { kind: 'const', index }, target: l })
    return l
  }

  /** A new local holding source[key]; unless `check` is false, an undefined result fails. */
  dot(source: Local, key: Local, check = true): Local {
    const target = this.local()
    this.emit({ op: 'dot', source, key, target, check })
    return target
  }

  /** A new local holding an empty object, set or array. */
  make(kind: 'object' | 'set' | 'array', capacity = 0): Local {
    const target = this.local()
    this.emit(kind === 'object' ? { op: 'makeobject', target } : kind === 'set' ? { op: 'makeset', target } : { op: 'makearray', capacity, target })
    return target
  }

  /** The value as text (template strings, print). */
  toText(source: Local): Local {
    const target = this.local()
    this.emit({ op: 'totext', source, target })
    return target
  }

  /** The concatenation of an array of strings. */
  concat(parts: Local, check: boolean): Local {
    const target = this.local()
    this.emit({ op: 'concat', parts, target, check })
    return target
  }

  /** Fail here: leave the innermost block. */
  fail(): void {
    this.emit({ op: 'isdefined', local: this.constZero() })
  }

  constZero(): Local {
    const l = this.local()
    this.emit({ op: 'assign', source: { kind: 'i32', value: 0 }, target: l })
    return l
  }

  /** obj[k] = v, aborting with an eval_conflict_error at `offset` in `m` when k holds another value. */
  insertChecked(obj: Local, k: Local, v: Local, m: Module, offset: number, message: string): void {
    const r = this.local()
    this.emit({ op: 'objectinsertonce', object: obj, key: k, value: v, conflict: r })
    // A flag test that fails leaves only this small block: no conflict, go on.
    const ab: Block = {
      stmts: [
        { op: 'flagis', local: r, value: 1 },
        { op: 'abort', message: `eval_conflict_error: ${message}`, at: this.origin(m, offset) },
      ],
    }
    this.emit({ op: 'blocks', blocks: [ab] })
  }
}

/** Gives `s`, and the literal statements nested in it, the location `at` unless they have their own. */
function stamp(s: Stmt, at: Origin | undefined): Stmt {
  if (!at || s.at) return s
  s.at = at
  switch (s.op) {
    case 'blocks':
      for (const b of s.blocks) for (const x of b.stmts) stamp(x, at)
      break
    case 'not':
    case 'labeled':
    case 'scan':
      for (const x of s.body.stmts) stamp(x, at)
      break
    case 'switch':
      for (const b of s.cases) for (const x of b.stmts) stamp(x, at)
      break
  }
  return s
}

export function loc(local: Local): { kind: 'local'; local: Local } {
  return { kind: 'local', local }
}
