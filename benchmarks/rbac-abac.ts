// The "typical" RBAC/ABAC policy of the evaluation benchmarks, with its data,
// a spread of inputs (granted and refused for different reasons), and a
// hand-written JavaScript function that answers the same question: the
// baseline a policy engine is judged against.

export const RBAC_ABAC_REGO = `# Who may do what to which dataset: roles grant actions on dataset types;
# pii datasets also need clearance and an allowed purpose; admins may do
# anything except from a blocked region.
package bench.authz

default allow := false

allow if {
	"admin" in data.user_roles[input.user]
	not blocked_region
}

allow if {
	some role in data.user_roles[input.user]
	some grant in data.role_grants[role]
	grant.action == input.action
	grant.type == input.resource.type
	abac_ok
	not blocked_region
}

abac_ok if not input.resource.pii

abac_ok if {
	input.resource.pii
	input.subject.clearance >= 3
	input.purpose in {"fraud", "support"}
}

blocked_region if input.subject.region in data.blocked_regions
`

export const ENTRYPOINT = 'bench/authz/allow'

export const DATA = {
  user_roles: { alice: ['admin'], bob: ['employee', 'billing'], eve: ['customer'], carol: ['analyst'] },
  role_grants: {
    customer: [
      { action: 'read', type: 'dog' },
      { action: 'read', type: 'cat' },
      { action: 'adopt', type: 'dog' },
    ],
    employee: [
      { action: 'read', type: 'dog' },
      { action: 'read', type: 'cat' },
      { action: 'update', type: 'dog' },
      { action: 'update', type: 'cat' },
    ],
    billing: [
      { action: 'read', type: 'finance' },
      { action: 'update', type: 'finance' },
    ],
    analyst: [
      { action: 'read', type: 'orders' },
      { action: 'read', type: 'customers' },
    ],
  },
  blocked_regions: ['xx', 'yy'],
}

type Data = typeof DATA
export interface Input {
  user: string
  action: string
  resource: { type: string; pii: boolean }
  subject: { clearance: number; region: string }
  purpose?: string
}

export const INPUTS: Input[] = [
  { user: 'alice', action: 'delete', resource: { type: 'dog', pii: false }, subject: { clearance: 1, region: 'eu' } },
  { user: 'alice', action: 'read', resource: { type: 'dog', pii: false }, subject: { clearance: 1, region: 'xx' } },
  { user: 'bob', action: 'update', resource: { type: 'cat', pii: false }, subject: { clearance: 2, region: 'eu' } },
  { user: 'bob', action: 'read', resource: { type: 'finance', pii: true }, subject: { clearance: 3, region: 'us' }, purpose: 'fraud' },
  { user: 'bob', action: 'read', resource: { type: 'finance', pii: true }, subject: { clearance: 2, region: 'us' }, purpose: 'fraud' },
  { user: 'carol', action: 'read', resource: { type: 'customers', pii: true }, subject: { clearance: 4, region: 'eu' }, purpose: 'marketing' },
  { user: 'carol', action: 'read', resource: { type: 'orders', pii: false }, subject: { clearance: 0, region: 'eu' } },
  { user: 'eve', action: 'update', resource: { type: 'dog', pii: false }, subject: { clearance: 0, region: 'us' } },
  { user: 'mallory', action: 'read', resource: { type: 'dog', pii: false }, subject: { clearance: 5, region: 'eu' } },
]

/** The same decision, written by hand as a service would without a policy engine. */
export function allowJs(data: Data, input: Input): boolean {
  const roles = (data.user_roles as Record<string, string[]>)[input.user]
  if (!roles) return false
  if (data.blocked_regions.includes(input.subject.region)) return false
  if (roles.includes('admin')) return true
  const abac = !input.resource.pii || (input.subject.clearance >= 3 && (input.purpose === 'fraud' || input.purpose === 'support'))
  if (!abac) return false
  for (const role of roles) {
    for (const g of (data.role_grants as Record<string, { action: string; type: string }[]>)[role] ?? []) {
      if (g.action === input.action && g.type === input.resource.type) return true
    }
  }
  return false
}
