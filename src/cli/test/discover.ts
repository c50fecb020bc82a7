// Finding the tests of `policy test` (cli stage, after parsing, before
// compile): every rule whose name starts with `test_` or `todo_test_`, as
// `opa test` finds them. A test must be a complete rule named by one
// identifier; a function, a partial set/object or a ref head named `test_…`
// is refused with its location (exit 2) rather than silently skipped.
//
// OPA runs each definition of a test name as its own test (`test_x`,
// `test_x#01`, …). One wasm entrypoint would merge them (a complete rule with
// several bodies is defined when any body is), so later definitions are
// renamed in the source text handed to compile(): only columns after the
// name on that line move, rows never do.

import type { Module, Rule } from '../../rego/index.js'
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
}

export interface Discovery {
  tests: TestCase[]
  errors: ErrorDetail[]
  /** Source edits (module path → text) for repeated test names. */
  rewritten: Map<string, string>
}

const TEST_NAME = /^(todo_)?test_/

/** Renamed repeats are `<name>__mg_dup<N>`: an identifier no author writes. */
const DUP_SUFFIX = '__mg_dup'

export function discoverTests(modules: Module[]): Discovery {
  const tests: TestCase[] = []
  const errors: ErrorDetail[] = []
  const rewritten = new Map<string, string>()
  const seen = new Map<string, number>()
  for (const m of modules) {
    // Edits are applied back to front so earlier offsets stay valid.
    const edits: { at: number; insert: string }[] = []
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
      tests.push({
        id: `${pkg}.${shown}`,
        pkg,
        name: shown,
        entrypoint: [...m.package, ruleName].join('/'),
        location: where,
        todo: head.name.startsWith('todo_'),
        module: m,
        rule,
      })
    }
    if (edits.length) {
      let text = m.text
      for (const e of edits.sort((a, b) => b.at - a.at)) text = text.slice(0, e.at) + e.insert + text.slice(e.at)
      rewritten.set(m.path, text)
    }
  }
  return { tests, errors, rewritten }
}

function notATest(rule: Rule): string | undefined {
  if (rule.head.kind === 'function') return 'a function'
  if (rule.head.ref.length > 1) return 'a rule with a ref head'
  if (rule.head.kind === 'set') return 'a partial set rule'
  if (rule.head.kind === 'object') return 'a partial object rule'
  return undefined
}

/** `--run`: OPA matches the regex against `data.pkg.test_name`; so do we (and against `pkg.test_name`). */
export function selectTests(tests: TestCase[], run: RegExp | undefined): TestCase[] {
  if (!run) return tests
  return tests.filter((t) => run.test(t.id) || run.test(t.id.slice('data.'.length)))
}
