// Text form of the plan, for golden files and `policy build --dump-plan`.

import type { Block, Const, Operand, Plan, Stmt } from './ir.js'

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
    case 'null': return 'null'
    case 'bool': return String(c.value)
    case 'number': return c.raw
    case 'string': return JSON.stringify(c.value)
    case 'array': return `[${c.items.map((i) => `c${i}`).join(', ')}]`
    case 'set': return `{${c.items.map((i) => `c${i}`).join(', ')}}`
    case 'object': return `{${c.items.map(([k, v]) => `c${k}: c${v}`).join(', ')}}`
  }
}

function op(o: Operand): string {
  switch (o.kind) {
    case 'local': return `l${o.local}`
    case 'const': return `c${o.index}`
    case 'global': return `$${o.name}`
    case 'i32': return `i32:${o.value}`
  }
}

function printBlock(b: Block, depth: number, out: string[]): void {
  for (const s of b.stmts) printStmt(s, depth, out)
}

function printStmt(s: Stmt, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth)
  const at = 'origin' in s && s.origin ? `  @${s.origin.row}:${s.origin.col}` : ''
  switch (s.op) {
    case 'call':
      out.push(`${pad}${s.target !== undefined ? `l${s.target} = ` : ''}call ${s.fn}(${s.args.map(op).join(', ')})${s.check ? '' : ' nocheck'}${at}`)
      return
    case 'host':
      out.push(`${pad}l${s.target} = host #${s.id}(${s.args.map(op).join(', ')})${s.toSet ? ' toset' : ''}${at}`)
      return
    case 'assign': out.push(`${pad}l${s.target} = ${op(s.source)}`); return
    case 'setglobal': out.push(`${pad}$${s.name} = ${op(s.source)}`); return
    case 'isdefined': out.push(`${pad}isdefined l${s.local}`); return
    case 'isundefined': out.push(`${pad}isundefined l${s.local}`); return
    case 'notfalse': out.push(`${pad}notfalse l${s.local}`); return
    case 'equal': out.push(`${pad}equal ${op(s.a)} ${op(s.b)}`); return
    case 'iscoll': out.push(`${pad}iscoll l${s.local}`); return
    case 'lenis': out.push(`${pad}lenis l${s.local} ${s.type === 5 ? 'array' : 'object'} ${s.len}`); return
    case 'scan':
      out.push(`${pad}scan l${s.source} key=l${s.key} value=l${s.value} {`)
      printBlock(s.body, depth + 1, out)
      out.push(`${pad}}`)
      return
    case 'not':
      out.push(`${pad}not #${s.label} {`)
      printBlock(s.body, depth + 1, out)
      out.push(`${pad}}`)
      return
    case 'labeled':
      out.push(`${pad}block #${s.label} {`)
      printBlock(s.body, depth + 1, out)
      out.push(`${pad}}`)
      return
    case 'blocks':
      for (const b of s.blocks) {
        out.push(`${pad}block {`)
        printBlock(b, depth + 1, out)
        out.push(`${pad}}`)
      }
      return
    case 'break': out.push(`${pad}break #${s.label}`); return
    case 'abort': out.push(`${pad}abort ${JSON.stringify(s.message)}${at}`); return
    case 'return': out.push(`${pad}return ${op(s.source)}`); return
    case 'flag': out.push(`${pad}flag l${s.local} = ${s.value}`); return
    case 'flagis': out.push(`${pad}flagis l${s.local} ${s.value}`); return
    case 'step': out.push(`${pad}step`); return
    case 'memoget': out.push(`${pad}memoget ${s.name}`); return
    case 'memoset': out.push(`${pad}memoset ${s.name} ${op(s.source)}`); return
    case 'switch':
      out.push(`${pad}switch l${s.index} {`)
      s.cases.forEach((c, i) => { out.push(`${pad}  case ${i}:`); printBlock(c, depth + 2, out) })
      out.push(`${pad}}`)
      return
    case 'println': out.push(`${pad}println l${s.local}`); return
    case 'cover': out.push(`${pad}cover c${s.key}`); return
    case 'newepoch': out.push(`${pad}newepoch`); return
  }
}
