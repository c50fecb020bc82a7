// Whether two parses of a module mean the same (format stage): the AST
// with spans, text and path stripped, after the normalizations `opa fmt`
// is allowed to make and that change nothing a policy computes: a rule
// value of `true` is the same as none, `=` and `:=` in a v1 head are the
// same, imports are a set (the formatter sorts them), and `future.keywords`
// imports are dropped beside `import rego.v1`, which implies them.

import type { Import, Module, Rule } from '../rego/index.js'

/** A comparable form of a module; equal strings mean the same policy. */
export function meaningKey(mod: Module): string {
  const hasRegoV1 = mod.imports.some((i) => isRegoV1(i))
  const imports = mod.imports
    .filter((i) => !(hasRegoV1 && isFuture(i)))
    .map((i) => JSON.stringify(strip(i)))
    .sort()
  return JSON.stringify({
    package: mod.package,
    regoVersion: mod.regoVersion,
    imports,
    rules: mod.rules.map((r) => strip(normalizeRule(r, mod.regoVersion))),
    annotations: strip(mod.annotations, trimLines),
  })
}

export function sameMeaning(a: Module, b: Module): boolean {
  return meaningKey(a) === meaningKey(b)
}

function normalizeRule(r: Rule, version: 0 | 1): Rule {
  const head = { ...r.head }
  if (head.kind !== 'set' && head.kind !== 'object' && head.value?.type === 'boolean' && head.value.value) delete head.value
  if (version === 1) head.assign = false
  const out: Rule = { ...r, head }
  if (r.annotations) out.annotations = strip(r.annotations, trimLines) as Rule['annotations']
  if (r.else) out.else = normalizeRule(r.else, version)
  return out
}

function isRegoV1(i: Import): boolean {
  return i.path.head.type === 'var' && i.path.head.name === 'rego'
}

function isFuture(i: Import): boolean {
  return i.path.head.type === 'var' && i.path.head.name === 'future'
}

/**
 * Comments lose their trailing spaces (as in OPA), so a METADATA block's
 * YAML strings may lose them too (`description: |` keeps them): not a
 * difference in meaning.
 */
function trimLines(s: string): string {
  return s.replace(/[ \t]+$/gm, '')
}

function strip(x: unknown, str: (s: string) => string = (s) => s): unknown {
  if (Array.isArray(x)) return x.map((v) => strip(v, str))
  if (x && typeof x === 'object') {
    return Object.fromEntries(
      Object.entries(x)
        .filter(([k, v]) => (k !== 'span' && k !== 'text' && k !== 'path') || (k === 'path' && typeof v !== 'string'))
        .map(([k, v]) => [k, strip(v, str)]),
    )
  }
  return typeof x === 'string' ? str(x) : x
}
