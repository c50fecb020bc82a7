// Finding the tests of `policy test` (cli stage, after parsing, before
// compile): every rule whose name starts with `test_` or `todo_test_`, as
// `opa test` finds them. A test is a complete rule named by one identifier,
// or a parameterized test (OPA ≥ 1.2): a ref head whose tail holds variables,
// `test_x[name] if { some name, tc in cases; … }`, where each binding of the
// tail is a test case of its own. A function, a partial set, or a ref head
// with no variable named `test_…` is refused with its location (exit 2)
// rather than silently skipped.
//
// A parameterized test's value holds only the cases that passed; OPA learns
// the failed ones from its tracer (the `internal.test_case` call it injects
// where the head's variables are bound). The compiled module has no tracer,
// so the same question is asked in Rego: a cases rule with the test's head
// tail and the body up to the expression binding the last head variable is
// appended to the module (appending never moves a location). Its keys are
// every case that was reached; a case missing from the test's value failed.
//
// OPA runs each definition of a test name as its own test (`test_x`,
// `test_x#01`, …). One wasm entrypoint would merge them (a complete rule with
// several bodies is defined when any body is), so later definitions are
// renamed in the source text handed to compile(): only columns after the
// name on that line move, rows never do.

import type { Expr, Module, Rule, Term } from '../../rego/index.js'
import { locate } from '../../source/index.js'
import type { ErrorDetail, Location } from '../../errors/index.js'

export interface TestCase {
  /** `data.pkg.test_x` (with `#01` for a repeated name), what reports show. */
  id: string
  /** `data.pkg`, the `package` field of OPA's JSON report. */
  pkg: string
  /** The rule name as written, plus `#NN` when repeated. */
  name: string
  /** The wasm entrypoint (`pkg/test_x`, or the renamed rule). */
  entrypoint: string
  location: Location
  todo: boolean
  module: Module
  rule: Rule
  /** Parameterized tests: the head tail's depth, the cases rule's entrypoint, and its body length. */
  params?: Params
}

export interface Params {
  /** How many terms follow the name in the head (`test_x[a][b]`: 2). */
  depth: number
  /** The appended rule whose keys are every case reached (`pkg/test_x__mg_cases`). */
  casesEntrypoint: string
  /** How many of the body's expressions the cases rule copies. */
  prefix: number
}

export interface Discovery {
  tests: TestCase[]
  errors: ErrorDetail[]
  /** Source edits (module path → text) for repeated test names and appended cases rules. */
  rewritten: Map<string, string>
  /** The same sources without the cases rules: what to compile when those do not compile. */
  withoutCases: Map<string, string>
}

const TEST_NAME = /^(todo_)?test_/

/** Renamed repeats are `<name>__mg_dup<N>`: an identifier no author writes. */
const DUP_SUFFIX = '__mg_dup'
/** The cases rule of a parameterized test `t` is `t__mg_cases`. */
const CASES_SUFFIX = '__mg_cases'

export function discoverTests(modules: Module[]): Discovery {
  const tests: TestCase[] = []
  const errors: ErrorDetail[] = []
  const rewritten = new Map<string, string>()
  const withoutCases = new Map<string, string>()
  const seen = new Map<string, number>()
  for (const m of modules) {
    // Edits are applied back to front so earlier offsets stay valid.
    const edits: { at: number; insert: string }[] = []
    const appended: string[] = []
    for (const rule of m.rules) {
      const head = rule.head.ref[0]
      if (!head || head.type !== 'var' || !TEST_NAME.test(head.name)) continue
      const location = locate(m, rule.span.start)
      const where: Location = { file: m.path, row: location.row, col: location.col }
      const why = notATest(rule)
      if (why) {
        errors.push({
          code: 'rego_compile_error',
          message: `\`${head.name}\` is ${why}, not a test: a test is a complete rule (\`${head.name} if { … }\`)`,
          location: where,
          details: 'rename it so it does not start with `test_`, or make it a rule without arguments',
        })
        continue
      }
      const key = [...m.package, head.name].join('/')
      const n = seen.get(key) ?? 0
      seen.set(key, n + 1)
      let ruleName = head.name
      let shown = head.name
      if (n > 0) {
        ruleName = `${head.name}${DUP_SUFFIX}${n}`
        shown = `${head.name}#${String(n).padStart(2, '0')}`
        edits.push({ at: head.span.end, insert: `${DUP_SUFFIX}${n}` })
      }
      const pkg = ['data', ...m.package].join('.')
      const test: TestCase = {
        id: `${pkg}.${shown}`,
        pkg,
        name: shown,
        entrypoint: [...m.package, ruleName].join('/'),
        location: where,
        todo: head.name.startsWith('todo_'),
        module: m,
        rule,
      }
      if (rule.head.ref.length > 1) {
        const cases = casesRule(m, rule, `${ruleName}${CASES_SUFFIX}`)
        appended.push(cases.text)
        test.params = { depth: rule.head.ref.length - 1, casesEntrypoint: [...m.package, `${ruleName}${CASES_SUFFIX}`].join('/'), prefix: cases.prefix }
      }
      tests.push(test)
    }
    if (edits.length || appended.length) {
      let text = m.text
      for (const e of edits.sort((a, b) => b.at - a.at)) text = text.slice(0, e.at) + e.insert + text.slice(e.at)
      if (edits.length) withoutCases.set(m.path, text)
      if (appended.length) text = `${text}\n\n${appended.join('\n\n')}\n`
      rewritten.set(m.path, text)
    }
  }
  return { tests, errors, rewritten, withoutCases }
}

function notATest(rule: Rule): string | undefined {
  if (rule.head.kind === 'function') return 'a function'
  if (rule.head.kind === 'set') return 'a partial set rule'
  if (rule.head.ref.length > 1 && !rule.head.ref.slice(1).some((t) => termVars(t).size > 0)) return 'a rule with a ref head and no variable in it'
  if (rule.head.ref.length === 1 && rule.head.kind === 'object') return 'a partial object rule'
  return undefined
}

/**
 * The cases rule of a parameterized test: its head tail as written, `:= true`,
 * and the body's expressions up to the one where the last head variable first
 * appears (where OPA injects `internal.test_case`); the checker orders them
 * as it orders the test's own body.
 */
function casesRule(m: Module, rule: Rule, name: string): { text: string; prefix: number } {
  const text = (s: { span: { start: number; end: number } }) => m.text.slice(s.span.start, s.span.end)
  const headVars = new Set<string>()
  for (const t of rule.head.ref.slice(1)) for (const v of termVars(t)) headVars.add(v)
  const exprs = rule.body.exprs
  let prefix = 0
  for (const v of headVars) {
    // `some x` only declares (OPA's compiler drops it): the case is bound where `x` is next used.
    const first = exprs.findIndex((e) => e.kind !== 'some' && exprVars(e).has(v))
    prefix = Math.max(prefix, first < 0 ? exprs.length : first + 1)
  }
  const tail = rule.head.ref
    .slice(1)
    .map((t) => (t.type === 'string' ? `[${JSON.stringify(t.value)}]` : `[${text(t)}]`))
    .join('')
  const body = exprs.slice(0, prefix).map(text)
  return { text: `${name}${tail} := true ${m.regoVersion === 1 ? 'if ' : ''}{\n\t${body.length ? body.join('\n\t') : 'true'}\n}`, prefix }
}

/** Local variables a term mentions, outside comprehensions (their variables are their own). */
function termVars(t: Term, into = new Set<string>()): Set<string> {
  switch (t.type) {
    case 'var':
      if (!t.name.startsWith('$') && t.name !== 'input' && t.name !== 'data') into.add(t.name)
      break
    case 'ref':
      termVars(t.head, into)
      t.path.forEach((p) => termVars(p, into))
      break
    case 'call':
      t.args.forEach((a) => termVars(a, into))
      break
    case 'array':
    case 'set':
      t.items.forEach((i) => termVars(i, into))
      break
    case 'object':
      t.items.forEach(([k, v]) => {
        termVars(k, into)
        termVars(v, into)
      })
      break
    case 'templatestring':
      t.parts.forEach((p) => {
        if (typeof p !== 'string') termVars(p, into)
      })
      break
    default:
      break
  }
  return into
}

function exprVars(e: Expr): Set<string> {
  const into = new Set<string>()
  switch (e.kind) {
    case 'term':
      termVars(e.term, into)
      break
    case 'unify':
    case 'assign':
      termVars(e.left, into)
      termVars(e.right, into)
      break
    case 'some':
      e.vars.forEach((v) => termVars(v, into))
      break
    case 'somein':
      if (e.key) termVars(e.key, into)
      termVars(e.value, into)
      termVars(e.domain, into)
      break
    case 'every':
      termVars(e.domain, into)
      break
  }
  return into
}

/** `--run`: OPA matches the regex against `data.pkg.test_name`; so do we (and against `pkg.test_name`). */
export function selectTests(tests: TestCase[], run: RegExp | undefined): TestCase[] {
  if (!run) return tests
  return tests.filter((t) => run.test(t.id) || run.test(t.id.slice('data.'.length)))
}
