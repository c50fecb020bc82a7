// `:=` redeclaration (OPA's rewriteLocalVars: "var x assigned above"): in
// one body, a variable declared with `:=` may not be declared with `:=`
// again. A negated expression and one under `with` are planned in a scope
// of their own, so what they declare does not count against the body.

import type { ErrorDetail } from '../errors/index.js'
import { locate } from '../source/index.js'
import type { RuleGroup } from './rule-tree.js'
import { collectAllVars, newUse } from './vars.js'
import { walkGroups } from './walk.js'

const isWild = (n: string) => n.startsWith('$wild') || n === '_'

export function checkRedeclarations(groups: readonly RuleGroup[]): ErrorDetail[] {
  const errors: ErrorDetail[] = []
  walkGroups(groups, {
    body(body, s) {
      const assigned = new Set<string>()
      for (const e of body.exprs) {
        if (e.kind !== 'assign' || e.negated || e.with.length) continue
        const lhs = newUse()
        collectAllVars(e.left, lhs)
        for (const [n, v] of lhs.need) {
          if (isWild(n)) continue
          if (assigned.has(n)) errors.push({ code: 'rego_compile_error', message: `var ${n} assigned above`, location: locate(s.module, v.span.start) })
          assigned.add(n)
        }
      }
    },
  })
  return errors
}
