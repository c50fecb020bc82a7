// Go's text/template, the subset `strings.render_template` needs: fields,
// variables, if/else if/else, range (with $i, $v), with, pipelines and the
// common functions. Values come from JSON; a missing key renders as OPA
// renders it.

import { BuiltinError } from './types.js'
import { sprintf } from './go-fmt.js'
import { numberText } from './rego-text.js'

const NO_VALUE = '<undefined>'

class TemplateError extends Error {}

type TNode =
  | { t: 'text'; s: string }
  | { t: 'action'; p: Pipe }
  | { t: 'if' | 'with'; p: Pipe; body: TNode[]; els: TNode[] }
  | { t: 'range'; p: Pipe; body: TNode[]; els: TNode[] }

interface Pipe {
  decl: string[]
  assign: boolean
  cmds: Operand[][]
}
type Operand =
  | { o: 'field'; base: Operand | null; path: string[] }
  | { o: 'var'; name: string; path: string[] }
  | { o: 'lit'; v: unknown }
  | { o: 'fn'; name: string }
  | { o: 'pipe'; p: Pipe; path: string[] }

function lexActions(src: string): (string | { action: string })[] {
  const out: (string | { action: string })[] = []
  let i = 0
  while (i < src.length) {
    const open = src.indexOf('{{', i)
    if (open < 0) {
      out.push(src.slice(i))
      break
    }
    let text = src.slice(i, open)
    let start = open + 2
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '')
      start += 1
    }
    out.push(text)
    // Find the closing delimiter outside string literals.
    let j = start
    let quote = ''
    while (j < src.length) {
      const c = src[j]
      if (quote) {
        if (c === '\\' && quote !== '`') j++
        else if (c === quote) quote = ''
        j++
        continue
      }
      if (c === '"' || c === '`' || c === "'") {
        quote = c
        j++
        continue
      }
      if (src.startsWith('}}', j)) break
      j++
    }
    if (j >= src.length) throw new TemplateError('unclosed action')
    let body = src.slice(start, j)
    i = j + 2
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1)
      const m = /^\s*/.exec(src.slice(i))!
      i += m[0].length
    }
    out.push({ action: body.trim() })
  }
  return out
}

function tokenize(s: string): string[] {
  const re = /\s*("(?:\\.|[^"\\])*"|`[^`]*`|'(?:\\.|[^'\\])*'|:=|=|\||\(|\)|,|[^\s|(),=:]+|:)/y
  const toks: string[] = []
  let m: RegExpExecArray | null
  while (re.lastIndex < s.length && (m = re.exec(s))) toks.push(m[1]!) // group 1 is the token, not optional
  if (s.slice(re.lastIndex).trim() !== '') throw new TemplateError(`unexpected ${JSON.stringify(s.slice(re.lastIndex))}`)
  return toks
}

function parsePipe(toks: string[], pos: { i: number }, inParen: boolean): Pipe {
  const pipe: Pipe = { decl: [], assign: false, cmds: [] }
  // Declarations: `$x :=`, `$i, $v :=`, `$x =`.
  const save = pos.i
  const decl: string[] = []
  for (let t = toks[pos.i]; t?.startsWith('$'); t = toks[pos.i]) {
    decl.push(t)
    pos.i++
    if (toks[pos.i] === ',') {
      pos.i++
      continue
    }
    break
  }
  if (decl.length && (toks[pos.i] === ':=' || toks[pos.i] === '=')) {
    pipe.assign = toks[pos.i] === '='
    pipe.decl = decl
    pos.i++
  } else pos.i = save
  let cmd: Operand[] = []
  for (let t = toks[pos.i]; t !== undefined; t = toks[pos.i]) {
    if (t === ')') {
      if (inParen) break
      throw new TemplateError('unexpected right paren')
    }
    pos.i++
    if (t === '|') {
      if (!cmd.length) throw new TemplateError('missing command')
      pipe.cmds.push(cmd)
      cmd = []
      continue
    }
    if (t === '(') {
      const inner = parsePipe(toks, pos, true)
      if (toks[pos.i++] !== ')') throw new TemplateError('unclosed left paren')
      let path: string[] = []
      const next = toks[pos.i]
      if (next?.startsWith('.') && next !== '.') {
        path = next.split('.').slice(1)
        pos.i++
      }
      cmd.push({ o: 'pipe', p: inner, path })
      continue
    }
    cmd.push(operand(t))
  }
  if (cmd.length) pipe.cmds.push(cmd)
  if (!pipe.cmds.length) throw new TemplateError('missing value for command')
  return pipe
}

function operand(t: string): Operand {
  if (t === '.') return { o: 'field', base: null, path: [] }
  if (t.startsWith('.')) return { o: 'field', base: null, path: t.split('.').slice(1) }
  if (t.startsWith('$')) {
    const [name = '', ...path] = t.split('.') // split gives at least one part
    return { o: 'var', name, path }
  }
  if (t.startsWith('"')) return { o: 'lit', v: JSON.parse(t) }
  if (t.startsWith('`')) return { o: 'lit', v: t.slice(1, -1) }
  if (t.startsWith("'")) return { o: 'lit', v: JSON.parse('"' + t.slice(1, -1).replace(/"/g, '\\"') + '"').codePointAt(0) }
  if (t === 'true' || t === 'false') return { o: 'lit', v: t === 'true' }
  if (t === 'nil') return { o: 'lit', v: null }
  if (/^[+-]?(\d|\.\d)/.test(t)) {
    const n = Number(t)
    if (Number.isNaN(n)) throw new TemplateError(`bad number syntax: ${JSON.stringify(t)}`)
    return { o: 'lit', v: n }
  }
  if (/^[A-Za-z_]\w*$/.test(t)) return { o: 'fn', name: t }
  throw new TemplateError(`unexpected ${JSON.stringify(t)} in command`)
}

function parseTemplate(src: string): TNode[] {
  const items = lexActions(src)
  let k = 0
  const parseList = (ends: string[]): { nodes: TNode[]; end: string } => {
    const nodes: TNode[] = []
    while (k < items.length) {
      const it = items[k++]! // k < items.length
      if (typeof it === 'string') {
        if (it) nodes.push({ t: 'text', s: it })
        continue
      }
      const a = it.action
      if (a.startsWith('/*')) continue
      const kw = /^(if|range|with|else|end)\b/.exec(a)?.[1]
      if (kw === 'end' || kw === 'else') {
        if (!ends.length) throw new TemplateError(`unexpected {{${kw}}}`)
        if (kw === 'else' && /^else\s+if\b/.test(a)) {
          k--
          items[k] = { action: a.replace(/^else\s+/, '') }
          return { nodes, end: 'elseif' }
        }
        return { nodes, end: kw }
      }
      if (kw === 'if' || kw === 'range' || kw === 'with') {
        nodes.push(parseBlock(kw, a))
        continue
      }
      nodes.push({ t: 'action', p: parsePipe(tokenize(a), { i: 0 }, false) })
    }
    if (ends.length) throw new TemplateError('unexpected EOF')
    return { nodes, end: '' }
  }
  const parseBlock = (kw: 'if' | 'range' | 'with', a: string): TNode => {
    const p = parsePipe(tokenize(a.slice(kw.length)), { i: 0 }, false)
    const body = parseList(['end', 'else'])
    let els: TNode[] = []
    if (body.end === 'else') els = parseList(['end']).nodes
    // `{{else if x}}` is a nested if that shares the outer {{end}}.
    else if (body.end === 'elseif') els = [parseBlock('if', (items[k++] as { action: string }).action)]
    return { t: kw, p, body: body.nodes, els }
  }
  return parseList([]).nodes
}

class JsonNum {
  constructor(readonly text: string) {}
}

function fromJSON(v: unknown): unknown {
  if (typeof v === 'number') return new JsonNum(numberText(v))
  if (Array.isArray(v)) return v.map(fromJSON)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJSON(x)]))
  return v
}

const MISSING = Symbol('missing')

function goV(v: unknown): string {
  if (v === MISSING) return NO_VALUE
  if (v === null || v === undefined) return '<nil>'
  if (v instanceof JsonNum) return v.text
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) return '[' + v.map(goV).join(' ') + ']'
  return (
    'map[' +
    Object.keys(v as object)
      .sort()
      .map((k) => `${k}:${goV((v as Record<string, unknown>)[k])}`)
      .join(' ') +
    ']'
  )
}

function truthy(v: unknown): boolean {
  if (v === MISSING || v === null || v === undefined || v === false || v === 0 || v === '') return false
  if (Array.isArray(v)) return v.length > 0
  if (typeof v === 'object' && !(v instanceof JsonNum)) return Object.keys(v as object).length > 0
  return true
}

function numeric(v: unknown): number | string | boolean | null {
  if (v instanceof JsonNum) return Number(v.text)
  return v as number | string | boolean | null
}

function field(v: unknown, path: string[]): unknown {
  let cur = v
  for (const k of path) {
    if (cur === MISSING) return MISSING
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || cur instanceof JsonNum) {
      throw new TemplateError(`can't evaluate field ${k} in type ${Array.isArray(cur) ? '[]interface {}' : typeof cur}`)
    }
    cur = Object.prototype.hasOwnProperty.call(cur, k) ? (cur as Record<string, unknown>)[k] : MISSING
  }
  return cur
}

const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  and: (...a) => {
    for (const x of a) if (!truthy(x)) return x
    return a[a.length - 1]
  },
  or: (...a) => {
    for (const x of a) if (truthy(x)) return x
    return a[a.length - 1]
  },
  not: (a) => !truthy(a),
  len: (a) => (typeof a === 'string' ? Buffer.byteLength(a) : Array.isArray(a) ? a.length : Object.keys(a as object).length),
  index: (a, ...ks) => {
    let c = a
    for (const k of ks) c = Array.isArray(c) ? c[Number(numeric(k))] : (c as Record<string, unknown>)[String(numeric(k))]
    return c ?? MISSING
  },
  print: (...a) => a.map(goV).join(''),
  println: (...a) => a.map(goV).join(' ') + '\n',
  printf: (f, ...a) =>
    sprintf(
      String(f),
      a.map((x) => (x instanceof JsonNum ? Number(x.text) : x)),
    ),
  eq: (a, ...bs) => bs.some((b) => numeric(a) === numeric(b)),
  ne: (a, b) => numeric(a) !== numeric(b),
  lt: (a, b) => (numeric(a) as number) < (numeric(b) as number),
  le: (a, b) => (numeric(a) as number) <= (numeric(b) as number),
  gt: (a, b) => (numeric(a) as number) > (numeric(b) as number),
  ge: (a, b) => (numeric(a) as number) >= (numeric(b) as number),
  urlquery: (...a) => encodeURIComponent(a.map(goV).join('')).replace(/%20/g, '+'),
  html: (...a) =>
    a
      .map(goV)
      .join('')
      .replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!),
}

type Scope = { vars: Map<string, unknown>[] }

/** The innermost frame that declares `name`. */
function frameOf(scope: Scope, name: string): Map<string, unknown> | undefined {
  for (let i = scope.vars.length - 1; i >= 0; i--) {
    const frame = scope.vars[i]
    if (frame?.has(name)) return frame
  }
  return undefined
}

function lookupVar(scope: Scope, name: string): unknown {
  const frame = frameOf(scope, name)
  if (!frame) throw new TemplateError(`undefined variable: ${name}`)
  return frame.get(name)
}

function evalPipe(p: Pipe, dot: unknown, scope: Scope): unknown {
  let prev: unknown
  let first = true
  for (const cmd of p.cmds) {
    const [head, ...rest] = cmd
    if (head === undefined) throw new TemplateError('missing command')
    const args = rest.map((o) => evalOperand(o, dot, scope))
    if (!first) args.push(prev)
    if (head.o === 'fn') {
      const fn = FUNCS[head.name]
      if (!fn) throw new TemplateError(`function "${head.name}" not defined`)
      prev = fn(...args)
    } else {
      if (args.length) throw new TemplateError(`can't give argument to non-function`)
      prev = evalOperand(head, dot, scope)
    }
    first = false
  }
  const [name] = p.decl
  if (p.decl.length === 1 && name !== undefined) {
    // `$x = v` sets the innermost $x; `$x := v` declares it in the current frame.
    const frame = p.assign ? frameOf(scope, name) : scope.vars[scope.vars.length - 1]
    frame?.set(name, prev)
  }
  return prev
}

function evalOperand(o: Operand, dot: unknown, scope: Scope): unknown {
  switch (o.o) {
    case 'lit':
      return o.v
    case 'field':
      return field(dot, o.path)
    case 'var':
      return field(lookupVar(scope, o.name), o.path)
    case 'pipe':
      return field(evalPipe(o.p, dot, scope), o.path)
    case 'fn': {
      const fn = FUNCS[o.name]
      if (!fn) throw new TemplateError(`function "${o.name}" not defined`)
      return fn()
    }
  }
}

function exec(nodes: TNode[], dot: unknown, scope: Scope): string {
  let out = ''
  for (const n of nodes) {
    switch (n.t) {
      case 'text':
        out += n.s
        break
      case 'action': {
        const v = evalPipe(n.p, dot, scope)
        if (!n.p.decl.length) out += goV(v)
        break
      }
      case 'if':
      case 'with': {
        scope.vars.push(new Map())
        const v = evalPipe(n.p, dot, scope)
        out += truthy(v) ? exec(n.body, n.t === 'with' ? v : dot, scope) : exec(n.els, dot, scope)
        scope.vars.pop()
        break
      }
      case 'range': {
        const frame = new Map<string, unknown>()
        scope.vars.push(frame)
        // `range $v :=` binds the element; `range $k, $v :=` the key as well.
        const [first, second] = n.p.decl
        const keyVar = n.p.decl.length === 2 ? first : undefined
        const valueVar = n.p.decl.length === 2 ? second : n.p.decl.length === 1 ? first : undefined
        const v = evalPipe({ ...n.p, decl: [] }, dot, scope)
        const entries: [unknown, unknown][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v !== null && typeof v === 'object' && !(v instanceof JsonNum)
            ? Object.keys(v)
                .sort()
                .map((k) => [k, (v as Record<string, unknown>)[k]])
            : typeof v === 'number'
              ? Array.from({ length: v }, (_, i) => [i, i])
              : []
        if (!entries.length) out += exec(n.els, dot, scope)
        for (const [k, x] of entries) {
          if (keyVar !== undefined) frame.set(keyVar, k)
          if (valueVar !== undefined) frame.set(valueVar, x)
          out += exec(n.body, x, scope)
        }
        scope.vars.pop()
        break
      }
    }
  }
  return out
}

/** Renders a Go text/template against JSON variables; template errors are built-in errors. */
export function renderTemplate(builtin: string, src: string, vars: Record<string, unknown>): string {
  try {
    const nodes = parseTemplate(src)
    const dot = fromJSON(vars)
    return exec(nodes, dot, { vars: [new Map([['$', dot]])] })
  } catch (e) {
    if (e instanceof TemplateError) throw new BuiltinError(builtin, `template: ${e.message}`)
    throw e
  }
}
