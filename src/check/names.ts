// Names a rule body can mean besides its own variables (OPA's
// `resolveAllRefs` stage, the tables it reads): each module's imports of
// `data`/`input` by alias, and the rule names each package declares. The
// safety pass and plan/'s resolver answer a body's names from these plus
// its scope.

import type { Module, RefTerm } from '../rego/ast.js'

export interface Names {
  /** Per module: import alias → the imported ref (`import data.x.y as z`, `import input.a`). */
  readonly imports: ReadonlyMap<Module, ReadonlyMap<string, RefTerm>>
  /** Per package (dotted): the first names of its rules' heads. */
  readonly ruleNames: ReadonlyMap<string, ReadonlySet<string>>
}

export function resolveNames(modules: readonly Module[]): Names {
  const ruleNames = new Map<string, Set<string>>()
  const imports = new Map<Module, Map<string, RefTerm>>()
  for (const m of modules) {
    const key = m.package.join('.')
    let names = ruleNames.get(key)
    if (!names) ruleNames.set(key, (names = new Set()))
    for (const r of m.rules) {
      const h = r.head.ref[0]
      if (h?.type === 'var') names.add(h.name)
    }
    const imps = new Map<string, RefTerm>()
    for (const i of m.imports) {
      const head = i.path.head
      if (head.type !== 'var' || (head.name !== 'data' && head.name !== 'input')) continue
      const last = i.path.path[i.path.path.length - 1]
      const alias = i.alias ?? (last?.type === 'string' ? last.value : head.name)
      imps.set(alias, i.path)
    }
    imports.set(m, imps)
  }
  return { imports, ruleNames }
}

export function importOf(names: Names, m: Module, name: string): RefTerm | undefined {
  return names.imports.get(m)?.get(name)
}

export function isRuleName(names: Names, m: Module, name: string): boolean {
  return names.ruleNames.get(m.package.join('.'))?.has(name) ?? false
}
