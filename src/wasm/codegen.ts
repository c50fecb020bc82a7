// Plan → WebAssembly text. Each plan function becomes a wasm function over
// i32 locals; each plan block a wasm `block`, so a failing statement is a
// `br` to the end of its innermost block; `scan` is a counted loop over the
// runtime's positional iteration (mg_len / mg_key_at / mg_val_at).

import type { Block, Func, Local, Operand, Plan, Stmt } from '../plan/ir.js'
import { locate } from '../source/index.js'
import { MeshgateError } from '../errors/index.js'
import { NATIVES } from './natives.js'
import type { RuntimeSymbols } from './runtime-module.js'
import type { DataSegments } from './data-segments.js'

export interface CodegenContext {
  rt: RuntimeSymbols
  data: DataSegments
  /** message → address of its NUL-terminated text */
  abortText(message: string): number
  /**
   * Indent the text by nesting depth: only when a person will read it
   * (`debug`); wabt's time grows with the characters it scans, and the
   * indentation of a large policy is a sixth of them.
   */
  indent: boolean
}

const SWITCH_GROUP = 32

export function funcId(name: string): string {
  return `$${name}`
}

export function emitFunc(f: Func, cx: CodegenContext): string {
  const g = new FuncGen(f, cx)
  return g.emit()
}

class FuncGen {
  private out: string[] = []
  private labels: string[] = []
  private blockN = 0
  private extra = 0
  constructor(
    private readonly f: Func,
    private readonly cx: CodegenContext,
  ) {}

  emit(): string {
    const params = this.f.params.map((p) => `(param $l${p} i32)`).join(' ')
    this.block(this.f.body, 1)
    const locals: string[] = []
    for (let i = 0; i < this.f.nlocals; i++) if (!this.f.params.includes(i)) locals.push(`(local $l${i} i32)`)
    for (let i = 0; i < this.extra; i++) locals.push(`(local $x${i} i32)`)
    return `(func ${funcId(this.f.name)} ${params} (result i32) ${locals.join(' ')}\n${this.out.join('\n')}\n  (i32.const 0))`
  }

  private line(depth: number, s: string): void {
    this.out.push(this.cx.indent ? '  '.repeat(depth) + s : s)
  }

  private get fail(): string {
    return this.labels[this.labels.length - 1]!
  }

  private rt(name: string): string {
    return this.cx.rt.func(name)
  }

  /** `(call <runtime fn> args…)`. */
  private rtCall(name: string, ...args: string[]): string {
    return `(call ${this.rt(name)} ${args.join(' ')})`
  }

  /** target := value; with `check`, an undefined (0) value fails the block. */
  private set(d: number, target: Local, value: string, check = false): void {
    this.line(d, `(local.set $l${target} ${value})`)
    if (check) this.line(d, `(br_if ${this.fail} (i32.eqz (local.get $l${target})))`)
  }

  /** Fail unless the value has the runtime type tag `tag`. */
  private typeIs(d: number, local: Local, tag: number): void {
    this.line(d, `(br_if ${this.fail} (i32.ne (call ${this.rt('mg_type')} (local.get $l${local})) (i32.const ${tag})))`)
  }

  private loc(l: Local): string {
    return `(local.get $l${l})`
  }

  private op(o: Operand): string {
    switch (o.kind) {
      case 'local':
        return `(local.get $l${o.local})`
      case 'const':
        return `(global.get $c${o.index})`
      case 'global':
        return `(global.get $${o.name})`
      case 'i32':
        return `(i32.const ${o.value})`
    }
  }

  private block(b: Block, depth: number, label?: string): void {
    const l = label ?? `$b${this.blockN++}`
    this.line(depth, `(block ${l}`)
    this.labels.push(l)
    for (const s of b.stmts) this.stmt(s, depth + 1)
    this.labels.pop()
    this.line(depth, ')')
  }

  /**
   * A br_table ladder: block i ends where case i's code starts. wabt and
   * engines dislike thousands of nested blocks (wabt's text parser recurses
   * per level on a fixed stack and fails past about 130), so large switches
   * are a tree: each level picks one of at most 2 × SWITCH_GROUP groups by
   * `index / size`, the next level by `index % size`, and no ladder nests
   * more than 2 × SWITCH_GROUP blocks.
   */
  private switchLadder(index: string, cases: Block[], d: number): void {
    if (cases.length > SWITCH_GROUP * 2) {
      let size = SWITCH_GROUP
      while (Math.ceil(cases.length / size) > SWITCH_GROUP * 2) size *= SWITCH_GROUP
      const i = `$x${this.extra++}`
      this.line(d, `(local.set ${i} ${index})`)
      const groups: Block[][] = []
      for (let g = 0; g < cases.length; g += size) groups.push(cases.slice(g, g + size))
      this.ladder(`(i32.div_u (local.get ${i}) (i32.const ${size}))`, groups.length, d, (g, dd) =>
        this.switchLadder(`(i32.rem_u (local.get ${i}) (i32.const ${size}))`, groups[g]!, dd),
      )
      return
    }
    this.ladder(index, cases.length, d, (c, dd) => this.block(cases[c]!, dd))
  }

  private ladder(index: string, n: number, d: number, body: (i: number, d: number) => void): void {
    const end = `$b${this.blockN++}`
    const labels = Array.from({ length: n }, () => `$b${this.blockN++}`)
    this.line(d, `(block ${end}`)
    for (let i = n - 1; i >= 0; i--) this.line(d + 1, `(block ${labels[i]}`)
    this.line(d + 2, `(br_table ${labels.join(' ')} ${end} ${index}))`)
    for (let i = 0; i < n; i++) {
      body(i, d + 1)
      this.line(d + 1, `(br ${end})${i < n - 1 ? ')' : ''}`)
    }
    this.line(d, ')')
  }

  private stmt(s: Stmt, d: number): void {
    switch (s.op) {
      case 'makeobject':
        this.set(d, s.target, this.rtCall('mg_obj'))
        return
      case 'makeset':
        this.set(d, s.target, this.rtCall('mg_set'))
        return
      case 'makearray':
        this.set(d, s.target, this.rtCall('mg_arr', `(i32.const ${s.capacity})`))
        return
      case 'objectinsert':
        this.line(d, this.rtCall('mg_obj_insert', this.loc(s.object), this.loc(s.key), this.loc(s.value)))
        return
      case 'objectinsertonce':
        this.set(d, s.conflict, this.rtCall('mg_obj_insert_checked', this.loc(s.object), this.loc(s.key), this.loc(s.value)))
        return
      case 'setadd':
        this.line(d, this.rtCall('mg_set_add', this.loc(s.set), this.loc(s.value)))
        return
      case 'arrayappend':
        this.line(d, this.rtCall('mg_arr_push', this.loc(s.array), this.op(s.value)))
        return
      case 'dot':
        this.set(d, s.target, this.rtCall('mg_get', this.loc(s.source), this.loc(s.key)), s.check)
        return
      case 'objectmerge':
        this.set(d, s.target, this.rtCall('mg_obj_merge', this.loc(s.a), this.loc(s.b)), true)
        return
      case 'uniondocs':
        this.set(d, s.target, this.rtCall('mg_union_docs', this.loc(s.a), this.loc(s.b), `(i32.const ${s.depth})`), true)
        return
      case 'upsert':
        this.set(d, s.target, this.rtCall('mg_upsert', this.op(s.doc), this.loc(s.path), this.loc(s.value)))
        return
      case 'totext':
        this.set(d, s.target, this.rtCall('mg_template_str', this.loc(s.source)))
        return
      case 'concat':
        this.set(d, s.target, this.rtCall('mg_str_join', this.loc(s.parts)), s.check)
        return
      case 'caseindex':
        this.set(d, s.target, this.rtCall('mg_to_i32', this.loc(s.source)))
        return
      case 'callbuiltin': {
        const fn = NATIVES.get(s.name)
        if (!fn) throw new MeshgateError('internal_error', `built-in ${s.name} is not implemented in the module`)
        if (s.host === undefined) {
          this.set(d, s.target, this.rtCall(fn, ...s.args.map((a) => this.op(a))), s.check)
          return
        }
        // The module may leave the answer to the host built-in of the same name.
        const host = `(call $opa_builtin${s.args.length} (i32.const ${s.host}) (i32.const 0) ${s.args.map((a) => this.op(a)).join(' ')})`
        this.line(d, `(local.set $l${s.target} ${this.rtCall(fn, ...s.args.map((a) => this.op(a)))})`)
        this.line(d, `(if (call ${this.rt('mg_take_host_defer')}) (then (local.set $l${s.target} ${host})))`)
        if (s.check) this.line(d, `(br_if ${this.fail} (i32.eqz (local.get $l${s.target})))`)
        return
      }
      case 'call':
        this.set(d, s.target, `(call ${funcId(s.func)} ${s.args.map((a) => this.op(a)).join(' ')})`, s.check)
        return
      case 'host': {
        const n = s.args.length
        const arg = (a: Operand) => (s.sets ? `(call ${this.rt('mg_mark_sets')} ${this.op(a)})` : this.op(a))
        const raw = `(call $opa_builtin${n} (i32.const ${s.id}) (i32.const 0) ${s.args.map(arg).join(' ')})`
        const call = s.sets ? `(call ${this.rt('mg_unmark_sets')} ${raw})` : raw
        if (s.cached) {
          // Non-deterministic built-ins answer the same within one evaluation
          // (OPA caches them by arguments).
          const key = `$x${this.extra++}`
          const cache = `$g_nd_${s.id}`,
            epoch = `$g_nde_${s.id}`
          this.line(
            d,
            `(if (i32.ne (global.get ${epoch}) (global.get $g_eval_id)) (then (global.set ${cache} (call ${this.rt('mg_obj')})) (global.set ${epoch} (global.get $g_eval_id))))`,
          )
          this.line(d, `(local.set ${key} (call ${this.rt('mg_arr')} (i32.const ${n})))`)
          for (const a of s.args) this.line(d, `(call ${this.rt('mg_arr_push')} (local.get ${key}) ${this.op(a)})`)
          this.line(d, `(local.set $l${s.target} (call ${this.rt('mg_get')} (global.get ${cache}) (local.get ${key})))`)
          this.line(
            d,
            `(if (i32.eqz (local.get $l${s.target})) (then (local.set $l${s.target} ${call}) (if (local.get $l${s.target}) (then (call ${this.rt('mg_obj_insert')} (global.get ${cache}) (local.get ${key}) (local.get $l${s.target}))))))`,
          )
        } else this.line(d, `(local.set $l${s.target} ${call})`)
        if (s.toSet) this.line(d, `(if (local.get $l${s.target}) (then (local.set $l${s.target} (call ${this.rt('mg_to_set')} (local.get $l${s.target})))))`)
        return
      }
      case 'assign':
        this.line(d, `(local.set $l${s.target} ${this.op(s.source)})`)
        return
      case 'setglobal':
        this.line(d, `(global.set $${s.name} ${this.op(s.source)})`)
        return
      case 'isdefined':
        this.line(d, `(br_if ${this.fail} (i32.eqz (local.get $l${s.local})))`)
        return
      case 'isundefined':
        this.line(d, `(br_if ${this.fail} (local.get $l${s.local}))`)
        return
      case 'notfalse':
        this.line(d, `(br_if ${this.fail} (i32.eqz (local.get $l${s.local})))`)
        this.line(
          d,
          `(if (i32.eq (call ${this.rt('mg_type')} (local.get $l${s.local})) (i32.const ${this.cx.rt.symbols.layout.typeTags.boolean})) (then (br_if ${this.fail} (i32.eqz (call ${this.rt('mg_is_true')} (local.get $l${s.local}))))))`,
        )
        return
      case 'equal':
        this.line(d, `(br_if ${this.fail} (i32.eqz (call ${this.rt('mg_equal')} ${this.op(s.a)} ${this.op(s.b)})))`)
        return
      case 'iscoll':
        this.line(d, `(br_if ${this.fail} (i32.lt_s (call ${this.rt('mg_len')} (local.get $l${s.local})) (i32.const 0)))`)
        return
      case 'isarray':
        this.typeIs(d, s.local, this.cx.rt.symbols.layout.typeTags.array)
        return
      case 'isobject':
        this.typeIs(d, s.local, this.cx.rt.symbols.layout.typeTags.object)
        return
      case 'lenis':
        this.line(d, `(br_if ${this.fail} (i32.ne (call ${this.rt('mg_len')} (local.get $l${s.local})) (i32.const ${s.len})))`)
        return
      case 'scan': {
        const i = `$x${this.extra++}`,
          n = `$x${this.extra++}`
        const exit = `$b${this.blockN++}`,
          loop = `$b${this.blockN++}`
        this.line(d, `(local.set ${i} (i32.const 0))`)
        this.line(d, `(local.set ${n} (call ${this.rt('mg_len')} (local.get $l${s.source})))`)
        this.line(d, `(block ${exit} (loop ${loop}`)
        this.line(d + 1, `(br_if ${exit} (i32.ge_s (local.get ${i}) (local.get ${n})))`)
        this.line(d + 1, `(call $mg_step)`)
        this.line(d + 1, `(local.set $l${s.key} (call ${this.rt('mg_key_at')} (local.get $l${s.source}) (local.get ${i})))`)
        this.line(d + 1, `(local.set $l${s.value} (call ${this.rt('mg_val_at')} (local.get $l${s.source}) (local.get ${i})))`)
        this.line(d + 1, `(local.set ${i} (i32.add (local.get ${i}) (i32.const 1)))`)
        this.block(s.body, d + 1)
        this.line(d + 1, `(br ${loop})))`)
        return
      }
      case 'not': {
        const ok = `$b${this.blockN++}`
        this.line(d, `(block ${ok}`)
        this.line(d + 1, `(block $L${s.label}`)
        this.block(s.body, d + 2)
        this.line(d + 2, `(br ${ok}))`)
        this.line(d + 1, `(br ${this.fail}))`)
        return
      }
      case 'labeled':
        this.line(d, `(block $L${s.label}`)
        this.block(s.body, d + 1)
        this.line(d, ')')
        return
      case 'blocks':
        for (const b of s.blocks) this.block(b, d)
        return
      case 'break':
        this.line(d, `(br $L${s.label})`)
        return
      case 'abort': {
        const at = s.at && locate(s.at.source, s.at.offset)
        const where = at ? `${at.file}:${at.row}:${at.col}: ` : ''
        if (s.builtin !== undefined) {
          // The built-in's own message, when it recorded one (OPA's wording).
          const [prefix, name, fallback] = [where + 'eval_builtin_error: ', s.builtin, where + s.message].map((m) => this.cx.abortText(m))
          this.line(d, `(call ${this.rt('mg_builtin_abort')} (i32.const ${prefix}) (i32.const ${name}) (i32.const ${fallback})) (unreachable)`)
          return
        }
        this.line(d, `(call $opa_abort (i32.const ${this.cx.abortText(where + s.message)})) (unreachable)`)
        return
      }
      case 'return':
        this.line(d, `(return ${this.op(s.source)})`)
        return
      case 'flag':
        this.line(d, `(local.set $l${s.local} (i32.const ${s.value}))`)
        return
      case 'flagis':
        this.line(d, `(br_if ${this.fail} (i32.ne (local.get $l${s.local}) (i32.const ${s.value})))`)
        return
      case 'step':
        this.line(d, '(call $mg_step)')
        return
      case 'memoget':
        this.line(d, `(if (i32.eq (global.get $memo_e_${s.name}) (global.get $g_epoch)) (then (return (global.get $memo_v_${s.name}))))`)
        return
      case 'memoset':
        this.line(d, `(global.set $memo_v_${s.name} ${this.op(s.source)}) (global.set $memo_e_${s.name} (global.get $g_epoch))`)
        return
      case 'switch':
        this.switchLadder(`(local.get $l${s.index})`, s.cases, d)
        return
      case 'println':
        this.line(d, `(call $opa_println (call $mg_cstr (local.get $l${s.local})))`)
        return
      case 'cover':
        this.line(d, `(call ${this.rt('mg_set_add')} (global.get $g_cover) (global.get $c${s.key}))`)
        return
      case 'newepoch':
        this.line(d, '(global.set $g_epoch_ctr (i32.add (global.get $g_epoch_ctr) (i32.const 1))) (global.set $g_epoch (global.get $g_epoch_ctr))')
        return
    }
  }
}

export function emitPlanFuncs(plan: Plan, cx: CodegenContext): string[] {
  return plan.funcs.map((f) => emitFunc(f, cx))
}
