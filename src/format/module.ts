// Modules, imports and rules (format stage): the package line, import
// groups (sorted within a group, groups kept where the source had blank
// lines), rules separated by one blank line (adjacent one-line rules stay
// together), heads in v1 form (`:=`, `if`, `contains`) where the module's
// Rego version has them, and `else` chains.

import type { Body, Import, Module, Rule, RuleHead, Term } from '../rego/index.js'
import { closeAfter, type Ctx } from './context.js'
import { leftmostTerm, listItem, quote, varName, writeBody, writeExpr, writeIterable, writeRefString, writeTerm, writeUnformatted } from './terms.js'
import { UnexpectedComment } from './writer.js'

export function writeModule(c: Ctx, mod: Module, imports: Import[]): void {
  const w = c.w
  // Package.
  w.insertComments(c.row(mod.packageSpan.start))
  w.startLine()
  w.write('package ')
  const [first, ...rest] = mod.package
  w.write(first!)
  const pkgText = c.src(mod.packageSpan)
  for (const part of rest) writeRefString(c, part, pkgText.includes(`"${part}"`))
  w.blankLine()

  // Imports and rules in source order, each run written as a unit.
  type Stmt = { imp: Import } | { rule: Rule }
  const stmts: Stmt[] = [...imports.map((imp) => ({ imp })), ...mod.rules.map((rule) => ({ rule }))]
  const at = (s: Stmt) => ('imp' in s ? s.imp.span.start : s.rule.span.start)
  stmts.sort((a, b) => at(a) - at(b))
  for (let i = 0; i < stmts.length;) {
    const imps: Import[] = []
    while (i < stmts.length && 'imp' in stmts[i]!) imps.push((stmts[i++] as { imp: Import }).imp)
    if (imps.length) writeImports(c, imps)
    const rules: Rule[] = []
    while (i < stmts.length && 'rule' in stmts[i]!) rules.push((stmts[i++] as { rule: Rule }).rule)
    if (rules.length) writeRules(c, rules)
  }
  // Comments after the last statement.
  const left = w.pending
  w.pending = []
  left.forEach((cm, i) => {
    w.writeLine(cm.text)
    if (i === left.length - 1) w.write('\n')
  })
}

// ---- imports ------------------------------------------------------------------------

function writeImports(c: Ctx, imports: Import[]): void {
  const w = c.w
  // A comment on an import's row travels with it when the group is sorted.
  const trailing = new Map<Import, string>()
  w.pending = w.pending.filter((cm) => {
    const imp = imports.find((i) => c.row(i.span.start) === cm.row)
    if (imp) trailing.set(imp, cm.text)
    return !imp
  })
  const groups: Import[][] = []
  for (const imp of imports) {
    const g = groups[groups.length - 1]
    if (g && c.row(imp.span.start) - c.row(g[g.length - 1]!.span.start) <= 1) g.push(imp)
    else groups.push([imp])
  }
  for (const g of groups) {
    w.insertComments(c.row(g[0]!.span.start))
    for (const imp of [...g].sort(compareImports)) {
      w.startLine()
      writeImport(c, imp)
      const cm = trailing.get(imp)
      if (cm !== undefined) w.write(` ${cm}`)
      w.endLine()
    }
    w.blankLine()
  }
}

function importParts(imp: Import): string[] {
  const head = imp.path.head
  return [head.type === 'var' ? head.name : '', ...imp.path.path.map((p) => (p.type === 'string' ? p.value : ''))]
}

/** OPA's import order: by path, part by part (a prefix first), then by alias. */
export function compareImports(a: Import, b: Import): number {
  const pa = importParts(a)
  const pb = importParts(b)
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1
  }
  if (pa.length !== pb.length) return pa.length - pb.length
  const aa = a.alias ?? ''
  const ab = b.alias ?? ''
  return aa < ab ? -1 : aa > ab ? 1 : 0
}

function writeImport(c: Ctx, imp: Import): void {
  const w = c.w
  w.write('import ')
  const [head, ...parts] = importParts(imp)
  w.write(head!)
  const isFuture = head === 'future'
  imp.path.path.forEach((p, i) => {
    const quoted = c.text[p.span.start] === '"'
    // `future.keywords.in` is written as is: its last part is meant to be a keyword.
    if (isFuture) c.w.write(`.${parts[i]}`)
    else writeRefString(c, parts[i]!, quoted)
  })
  if (imp.alias) w.write(` as ${imp.alias}`)
}

// ---- rules --------------------------------------------------------------------------

function writeRules(c: Ctx, rules: Rule[]): void {
  rules.forEach((rule, i) => {
    c.w.insertComments(c.row(rule.span.start))
    const before = c.w.snapshot()
    try {
      writeRule(c, rule, false)
    } catch (e) {
      // A comment that cannot be placed: the rule is written as it was.
      if (!(e instanceof UnexpectedComment)) throw e
      writeUnformatted(c, rule.span, before)
      c.w.endLine()
    }
    const next = rules[i + 1]
    if (next && groupableOneLiner(c, rule) && groupableOneLiner(c, next) && c.row(next.span.start) === c.row(rule.span.start) + 1) return
    c.w.blankLine()
  })
}

/** Rules written on adjacent lines stay together when each is a one-liner. */
function groupableOneLiner(c: Ctx, rule: Rule): boolean {
  if (rule.body.exprs.length > 1 || rule.default) return false
  return (c.opts.regoV1 || c.opts.ifs) && (c.opts.contains || hasValue(rule.head))
}

/** OPA gives every rule but a partial set a value (`true` when none is written). */
function hasValue(h: RuleHead): boolean {
  return h.kind !== 'set'
}

/** The body OPA's parser gives a rule written without one: `true`. */
function isTrueBody(b: Body): boolean {
  if (b.exprs.length !== 1) return false
  const e = b.exprs[0]!
  return e.kind === 'term' && !e.negated && !e.with.length && e.term.type === 'boolean' && e.term.value
}

function isTrue(t: Term | undefined): boolean {
  return t === undefined || (t.type === 'boolean' && t.value)
}

function writeRule(c: Ctx, rule: Rule, isElse: boolean): void {
  const w = c.w
  if (!isElse) w.startLine()
  if (rule.default) w.write('default ')
  const expandedConst = isTrueBody(rule.body) && !rule.else
  writeHead(c, rule.head, rule.default, expandedConst, isElse)
  if (expandedConst) {
    w.trailingCommentAt(c.endRow(rule.span))
    w.endLine()
    return
  }
  if ((c.opts.regoV1 || c.opts.ifs) && (c.opts.contains || hasValue(rule.head))) {
    w.write(' if')
    const only = rule.body.exprs.length === 1 ? rule.body.exprs[0]! : undefined
    if (only && c.row(only.span.start) === c.endRow(rule.head.span) && !isSetExpr(only)) {
      // `p if cond` stays on one line.
      w.write(' ')
      writeExpr(c, only)
      w.trailingCommentAt(c.endRow(only.span))
      w.endLine()
      if (rule.else) writeElse(c, rule)
      return
    }
  }
  w.write(' {')
  w.endLine()
  w.up()
  writeBody(c, rule.body)
  const closeRow = c.row(closeAfter(c, rule.body.span.end))
  // `} else … # note`: the comment ends the else's line, not the brace's
  // (claimed by the brace, it would push the else onto a line of its own).
  w.insertComments(closeRow, !(rule.else && c.row(rule.else.span.start) === closeRow))
  w.down()
  w.startLine()
  w.write('}')
  if (rule.else) writeElse(c, rule)
}

/**
 * A body of one set literal keeps its braces: `p if { {x} }` is not
 * `p if {x}` (as OPA). Nor can an expression that starts with a set or set
 * comprehension follow `if` on its line (`p if {x} | y` would read `{x}` as
 * the body), so it keeps them too.
 */
function isSetExpr(e: Body['exprs'][number]): boolean {
  if (e.kind === 'term' && !e.negated && e.term.type === 'set') return true
  const first = leftmostTerm(e)
  return (first?.type === 'set' && first.items.length > 0) || first?.type === 'setcomp'
}

function writeElse(c: Ctx, rule: Rule): void {
  const w = c.w
  const els = rule.else!
  // `} else {` stays on the closing line unless `else` started a line of its own.
  const lines = c.src(rule.span).split('\n')
  const rel = c.row(els.span.start) - c.row(rule.span.start)
  const wasInline = rel > 0 && rel < lines.length && !lines[rel]!.trim().startsWith('else')
  const elseRow = c.row(els.head.span.start)
  const commentAbove = (w.pending.length > 0 && w.pending[0]!.row < elseRow) || w.beforeEnd !== undefined
  if (!commentAbove && wasInline) {
    w.write(' ')
  } else {
    w.blankLine()
    w.startLine()
  }
  w.insertComments(elseRow)
  if (commentAbove && !wasInline) w.startLine()
  writeRule(c, els, true)
}

function writeHead(c: Ctx, head: RuleHead, isDefault: boolean, expandedConst: boolean, isElse: boolean): void {
  const w = c.w
  if (isElse) {
    w.write('else')
  } else {
    const ref = head.ref
    if (c.opts.refHeads || ref.length === 1) {
      writeHeadRef(c, ref)
    } else {
      // OPA writes a two-part head `p.q`/`p[x]` with brackets unless some
      // head in the module needs ref-head syntax.
      writeScalarOr(c, ref[0]!)
      w.write('[')
      writeScalarOr(c, ref[1]!)
      w.write(']')
    }
  }
  if (head.args && !head.args.length && !isElse) w.write('()') // a function of no arguments stays one
  if (head.args?.length && !isElse) {
    w.write('(')
    try {
      const closeRow = c.row(closeAfter(c, head.args[head.args.length - 1]!.span.end))
      writeIterable(c, head.args, head.span, closeRow, listItem(c, false))
    } finally {
      w.write(')')
    }
  }
  if (head.key !== undefined && head.kind === 'set') {
    if (c.opts.contains) {
      w.write(' contains ')
      writeTerm(c, head.key)
    } else {
      w.write('[')
      writeTerm(c, head.key)
      w.write(']')
    }
    return
  }
  const value = head.value
  // A value of `true` is left out (it is implied) unless nothing else would
  // say it. Without `if`, `p["q"] { … }` would be a partial set: there the
  // value stays (OPA's head has a key then).
  const keyed = head.kind === 'object' || (!c.opts.ifs && head.ref.length === 2)
  if (!(keyed || !isTrue(value) || expandedConst || isDefault)) return
  const v1RefConst = c.opts.regoV1 && expandedConst && !keyed && !head.args?.length
  if (value === undefined && !isElse && !v1RefConst) return
  w.write(head.assign || c.opts.regoV1 ? ' := ' : ' = ')
  if (value === undefined) w.write('true')
  else writeTerm(c, value)
}

function writeHeadRef(c: Ctx, ref: Term[]): void {
  const [first, ...rest] = ref
  writeTerm(c, first!)
  for (const p of rest) {
    if (p.type === 'string') writeRefString(c, p.value, c.text[p.span.start] === '"')
    else if (p.type === 'var') c.w.write(`[${varName(p.name)}]`)
    else {
      c.w.write('[')
      writeTerm(c, p)
      c.w.write(']')
    }
  }
}

/** A scalar as OPA's `String()` prints it (a string always quoted); anything else as formatted. */
function writeScalarOr(c: Ctx, t: Term): void {
  switch (t.type) {
    case 'var':
      c.w.write(varName(t.name))
      break
    case 'string':
      c.w.write(quote(t.value))
      break
    case 'number':
      c.w.write(t.raw)
      break
    case 'boolean':
      c.w.write(String(t.value))
      break
    case 'null':
      c.w.write('null')
      break
    default:
      writeTerm(c, t)
  }
}
