// Generated Rego for the benchmarks: a large RBAC/ABAC policy set (many
// packages, helper functions, comprehensions, partial sets) for compile time,
// the same-shape rule families for the rule-index scaling figure, and a suite
// of `test_*` rules for `policy test`. Deterministic: the same options give
// the same text, so runs compare like with like.

export interface GeneratedSet {
  modules: { path: string; source: string }[]
  entrypoints: string[]
  rules: number
  lines: number
}

const ACTIONS = ['read', 'write', 'delete', 'export']
const REGIONS = ['eu', 'us', 'apac']

/**
 * `packages` packages of `datasetsPerPackage` datasets each. Every dataset
 * contributes an allow rule, a deny rule, a partial set of visible fields
 * built with a comprehension, and a purpose rule; every package has helper
 * functions (several definitions, `else`) and a summary object.
 */
export function generatePolicySet(packages: number, datasetsPerPackage: number): GeneratedSet {
  const modules: GeneratedSet['modules'] = []
  const entrypoints: string[] = []
  let rules = 0
  for (let p = 0; p < packages; p++) {
    const pkg = `gen.domain_${p}.access`
    const out: string[] = []
    const rule = (text: string): void => {
      out.push(text, '')
      rules++
    }
    out.push(`# Generated access rules for domain ${p}.`, `package ${pkg}`, '')
    rule(`default allow := false`)
    rule(`has_role(subject, role) if {\n\tsome r in subject.roles\n\tr == role\n}`)
    rule(`has_role(subject, role) if {\n\tsubject.groups[_] == concat("-", ["group", role])\n}`)
    rule(`region_ok(subject, regions) if {\n\tlower(object.get(subject, "region", "")) in regions\n}`)
    rule(`clearance(subject) := c if {\n\tc := subject.clearance\n\tis_number(c)\n} else := 0`)
    rule(`pii_fields(ds) := {f | some f, spec in data.catalog[ds].fields; spec.classification == "pii"}`)
    for (let d = 0; d < datasetsPerPackage; d++) {
      const ds = `ds_${p}_${d}`
      const action = ACTIONS[d % ACTIONS.length]!
      const regions = `{${REGIONS.slice(0, 1 + (d % REGIONS.length))
        .map((r) => `"${r}"`)
        .join(', ')}}`
      rule(
        [
          `# ${ds}: role_${d} may ${action} from ${regions}.`,
          `allow if {`,
          `\tinput.resource.dataset == "${ds}"`,
          `\tinput.action == "${action}"`,
          `\thas_role(input.subject, "role_${d}")`,
          `\tregion_ok(input.subject, ${regions})`,
          `\tnot deny_${d}`,
          `}`,
        ].join('\n'),
      )
      rule(
        [
          `deny_${d} if {`,
          `\tinput.resource.dataset == "${ds}"`,
          `\tcount(pii_fields("${ds}") & {f | some f in input.fields}) > 0`,
          `\tclearance(input.subject) < ${1 + (d % 4)}`,
          `}`,
        ].join('\n'),
      )
      rule(
        [
          `deny contains msg if {`,
          `\tdeny_${d}`,
          `\tmsg := sprintf("%s needs clearance ${1 + (d % 4)} for pii fields, subject has %v", ["${ds}", clearance(input.subject)])`,
          `}`,
        ].join('\n'),
      )
      rule(
        [
          `visible_fields contains f if {`,
          `\tinput.resource.dataset == "${ds}"`,
          `\tsome f in [g | some g, _ in data.catalog["${ds}"].fields]`,
          `\tnot f in pii_fields("${ds}")`,
          `}`,
        ].join('\n'),
      )
      rule([`purpose_ok if {`, `\tinput.resource.dataset == "${ds}"`, `\tinput.purpose in {"analytics", "support", "purpose_${d % 7}"}`, `}`].join('\n'))
    }
    rule(
      [
        `summary := {`,
        `\t"allow": allow,`,
        `\t"deny": deny,`,
        `\t"fields": visible_fields,`,
        `\t"purpose_ok": object.get({"v": purpose_ok}, "v", false),`,
        `} if true`,
      ].join('\n'),
    )
    modules.push({ path: `gen/domain_${p}/access.rego`, source: out.join('\n') })
    entrypoints.push(`${pkg.replace(/\./g, '/')}/allow`, `${pkg.replace(/\./g, '/')}/summary`)
  }
  const lines = modules.reduce((n, m) => n + m.source.split('\n').length, 0)
  return { modules, entrypoints, rules, lines }
}

/** `n` rules of one shape; the index should make the last as cheap as the first. */
export function generateSameShape(n: number): string {
  const out = [`package scale.n${n}`, '', 'default allow := false', '']
  for (let i = 0; i < n; i++) out.push(`allow if {\n\tinput.role == "role_${i}"\n\tinput.action == "read"\n}`, '')
  return out.join('\n')
}

/**
 * A suite of `n` unit tests over a small access policy, split into packages
 * of `perPackage` tests (as authors split tests by file). Each test mocks
 * input (and some mock data) the way `opa test` suites do.
 */
export function generateTestSuite(n: number, perPackage = 100): GeneratedSet {
  const policy = [
    'package suite.authz',
    '',
    'default allow := false',
    '',
    'allow if "admin" in input.subject.roles',
    '',
    'allow if {',
    '\tsome g in data.grants[input.subject.roles[_]]',
    '\tg.action == input.action',
    '\tg.dataset == input.dataset',
    '}',
    '',
    'deny contains "pii" if {',
    '\tinput.dataset in data.pii_datasets',
    '\tnot input.purpose',
    '}',
    '',
  ].join('\n')
  const modules: GeneratedSet['modules'] = [{ path: 'suite/authz.rego', source: policy }]
  const entrypoints: string[] = []
  for (let p = 0; p * perPackage < n; p++) {
    const out = [`package suite.authz_test_${p}`, '', 'import data.suite.authz', '']
    for (let t = p * perPackage; t < Math.min(n, (p + 1) * perPackage); t++) {
      const role = `role_${t % 13}`
      const grants = `{"${role}": [{"action": "read", "dataset": "ds_${t}"}]}`
      switch (t % 4) {
        case 0:
          out.push(`test_admin_${t} if authz.allow with input as {"subject": {"roles": ["admin"]}, "action": "read", "dataset": "ds_${t}"}`)
          break
        case 1:
          out.push(
            `test_grant_${t} if {\n\tauthz.allow with input as {"subject": {"roles": ["${role}"]}, "action": "read", "dataset": "ds_${t}"}\n\t\twith data.grants as ${grants}\n}`,
          )
          break
        case 2:
          out.push(
            `test_no_grant_${t} if {\n\tnot authz.allow with input as {"subject": {"roles": ["${role}"]}, "action": "write", "dataset": "ds_${t}"}\n\t\twith data.grants as ${grants}\n}`,
          )
          break
        default:
          out.push(
            `test_pii_${t} if {\n\t"pii" in authz.deny with input as {"subject": {"roles": []}, "dataset": "ds_${t}"}\n\t\twith data.pii_datasets as {"ds_${t}"}\n}`,
          )
      }
      out.push('')
      entrypoints.push(`suite/authz_test_${p}/${out[out.length - 2]!.match(/^(test_\w+)/)![1]}`)
    }
    modules.push({ path: `suite/authz_test_${p}.rego`, source: out.join('\n') })
  }
  const lines = modules.reduce((k, m) => k + m.source.split('\n').length, 0)
  return { modules, entrypoints, rules: entrypoints.length, lines }
}
