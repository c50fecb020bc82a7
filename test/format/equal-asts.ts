// Test helper, not a test: whether two parses of a module have the same AST
// with locations stripped (the formatter's promise).
import type { parseModule } from '../../src/rego/index.js'
import { stripSpans } from '../rego/strip-spans.js'

/**
 * The two modules' ASTs without locations, after the head normalizations
 * the formatter makes on purpose (`:= true` left out, `=` → `:=` in v1) and
 * with imports as a set (they are sorted; `future.keywords` beside `rego.v1`
 * dropped); METADATA strings without trailing spaces, which comments lose.
 * Kept independent of format/same-meaning.ts so the check does not trust
 * the code it checks.
 */
export function equalAsts(a: ReturnType<typeof parseModule>, b: ReturnType<typeof parseModule>): boolean {
  const norm = (m: ReturnType<typeof parseModule>) => {
    const v1 = m.imports.some((i) => i.path.head.type === 'var' && i.path.head.name === 'rego')
    const imports = m.imports
      .filter((i) => !(v1 && i.path.head.type === 'var' && i.path.head.name === 'future'))
      .map((i) => JSON.stringify(stripSpans(i)))
      .sort()
    const rule = (r: (typeof m.rules)[number]): unknown => {
      const head = stripSpans(r.head) as Record<string, unknown>
      const value = head.value as { type?: string; value?: unknown } | undefined
      if (r.head.kind !== 'set' && r.head.kind !== 'object' && value?.type === 'boolean' && value.value === true) delete head.value
      if (m.regoVersion === 1) delete head.assign
      const out = { ...(stripSpans(r) as Record<string, unknown>), head }
      if (r.annotations) out.annotations = trimmed(stripSpans(r.annotations))
      if (r.else) out.else = rule(r.else)
      return out
    }
    return JSON.stringify({ pkg: m.package, imports, rules: m.rules.map(rule), ann: trimmed(stripSpans(m.annotations)) })
  }
  return norm(a) === norm(b)
}

/** Strings with trailing spaces and tabs removed from each line. */
function trimmed(x: unknown): unknown {
  if (typeof x === 'string') return x.replace(/[ \t]+$/gm, '')
  if (Array.isArray(x)) return x.map(trimmed)
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, trimmed(v)]))
  return x
}
