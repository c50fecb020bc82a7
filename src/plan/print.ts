// Text form of the plan, for golden files and `policy build --dump-plan`:
// one statement a line, each ending in the `@file:row:col` it was planned from.

import type { Block, Const, Operand, Plan, Stmt } from './ir.js'
import { locate } from '../source/index.js'

export function printPlan(plan: Plan): string {
  const out: string[] = []
  plan.consts.forEach((c, i) => out.push(`const c${i} = ${printConst(c)}`))
  for (const e of plan.entrypoints) out.push(`entrypoint ${JSON.stringify(e.path)} -> ${e.func}`)
  for (const h of plan.hostBuiltins) out.push(`host ${h.id} ${h.name}/${h.arity}`)
  for (const f of plan.funcs) {
    out.push('')
    if (f.comment) out.push(`# ${f.comment}`)
    out.push(`func ${f.name}(${f.params.map((p) => `l${p}`).join(', ')}) locals=${f.nlocals}`)
    printBlock(f.body, 1, out)
  }
  return out.join('\n') + '\n'
}

function printConst(c: Const): string {
  switch (c.kind) {
    case 'null':
      return 'null'
    case 'bool':
      return String(c.value)
    case 'number':
      return c.raw
    case 'string':
      return JSON.stringify(c.value)
    case 'array':
      return `[${c.items.map((i) => `c${i}`).join(', ')}]`
    case 'set':
      return `{${c.items.map((i) => `c${i}`).join(', ')}}`
    case 'object':
      return `{${c.items.map(([k, v]) => `c${k}: c${v}`).join(', ')}}`
  }
}

function op(o: Operand): string {
  switch (o.kind) {
    case 'local':
      return `l${o.local}`
    case 'const':
      return `c${o.index}`
    case 'global':
      return `$${o.name}`
    case 'i32':
      return `i32:${o.value}`
  }
}

function printBlock(b: Block, depth: number, out: string[]): void {
  for (const s of b.stmts) printStmt(s, depth, out)
}

/** ` @file:row:col` of a statement (rows and columns computed here, from its offset). */
function where(s: Stmt): string {
  if (!s.at) return ''
  const { file, row, col } = locate(s.at.source, s.at.offset)
  return `  @${file}:${row}:${col}`
}

function printStmt(s: Stmt, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth)
  const at = where(s)
  const line = (text: string) => out.push(`${pad}${text}${at}`)
  const nested = (head: string, b: Block) => {
    line(`${head} {`)
    printBlock(b, depth + 1, out)
    out.push(`${pad}}`)
  }
  const nocheck = (check: boolean) => (check ? '' : ' nocheck')
  switch (s.op) {
    case 'makeobject':
      line(`l${s.target} = makeobject`)
      return
    case 'makeset':
      line(`l${s.target} = makeset`)
      return
    case 'makearray':
      line(`l${s.target} = makearray ${s.capacity}`)
      return
    case 'objectinsert':
      line(`objectinsert l${s.object} l${s.key} l${s.value}`)
      return
    case 'objectinsertonce':
      line(`l${s.conflict} = objectinsertonce l${s.object} l${s.key} l${s.value}`)
      return
    case 'setadd':
      line(`setadd l${s.set} l${s.value}`)
      return
    case 'arrayappend':
      line(`arrayappend l${s.array} ${op(s.value)}`)
      return
    case 'dot':
      line(`l${s.target} = dot l${s.source} l${s.key}${nocheck(s.check)}`)
      return
    case 'objectmerge':
      line(`l${s.target} = objectmerge l${s.a} l${s.b}`)
      return
    case 'uniondocs':
      line(`l${s.target} = uniondocs l${s.a} l${s.b} depth=${s.depth}`)
      return
    case 'upsert':
      line(`l${s.target} = upsert ${op(s.doc)} l${s.path} l${s.value}`)
      return
    case 'totext':
      line(`l${s.target} = totext l${s.source}`)
      return
    case 'concat':
      line(`l${s.target} = concat l${s.parts}${nocheck(s.check)}`)
      return
    case 'caseindex':
      line(`l${s.target} = caseindex l${s.source}`)
      return
    case 'callbuiltin':
      line(`l${s.target} = callbuiltin ${s.name}(${s.args.map(op).join(', ')})${s.host !== undefined ? ` or host ${s.host}` : ''}${nocheck(s.check)}`)
      return
    case 'host':
      line(`l${s.target} = host #${s.id}(${s.args.map(op).join(', ')})${s.toSet ? ' toset' : ''}`)
      return
    case 'call':
      line(`l${s.target} = call ${s.func}(${s.args.map(op).join(', ')})${nocheck(s.check)}`)
      return
    case 'assign':
      line(`l${s.target} = ${op(s.source)}`)
      return
    case 'setglobal':
      line(`$${s.name} = ${op(s.source)}`)
      return
    case 'isdefined':
      line(`isdefined l${s.local}`)
      return
    case 'isundefined':
      line(`isundefined l${s.local}`)
      return
    case 'notfalse':
      line(`notfalse l${s.local}`)
      return
    case 'equal':
      line(`equal ${op(s.a)} ${op(s.b)}`)
      return
    case 'iscoll':
      line(`iscoll l${s.local}`)
      return
    case 'isarray':
      line(`isarray l${s.local}`)
      return
    case 'isobject':
      line(`isobject l${s.local}`)
      return
    case 'lenis':
      line(`lenis l${s.local} ${s.len}`)
      return
    case 'scan':
      nested(`scan l${s.source} key=l${s.key} value=l${s.value}`, s.body)
      return
    case 'not':
      nested(`not #${s.label}`, s.body)
      return
    case 'labeled':
      nested(`block #${s.label}`, s.body)
      return
    case 'blocks':
      for (const b of s.blocks) nested('block', b)
      return
    case 'break':
      line(`break #${s.label}`)
      return
    case 'abort':
      line(`abort ${JSON.stringify(s.message)}`)
      return
    case 'return':
      line(`return ${op(s.source)}`)
      return
    case 'flag':
      line(`flag l${s.local} = ${s.value}`)
      return
    case 'flagis':
      line(`flagis l${s.local} ${s.value}`)
      return
    case 'step':
      line('step')
      return
    case 'memoget':
      line(`memoget ${s.name}`)
      return
    case 'memoset':
      line(`memoset ${s.name} ${op(s.source)}`)
      return
    case 'switch':
      line(`switch l${s.index} {`)
      s.cases.forEach((c, i) => {
        out.push(`${pad}  case ${i}:`)
        printBlock(c, depth + 2, out)
      })
      out.push(`${pad}}`)
      return
    case 'println':
      line(`println l${s.local}`)
      return
    case 'cover':
      line(`cover c${s.key}`)
      return
    case 'newepoch':
      line('newepoch')
      return
  }
}
