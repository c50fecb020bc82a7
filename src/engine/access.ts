// Federated combination of access decisions. Each layer contributes `allow`
// and a set of `deny` reasons from its `access` package. Granted only when
// some layer allows and no layer denies: default deny, and a global deny
// always wins (a domain cannot outvote it because any deny refuses).

export interface LayerAccess {
  layer: string
  allow: boolean
  deny: unknown[]
}

export interface AccessReason {
  layer: string | null
  effect: 'allow' | 'deny'
  message: string
  /** The deny value when the policy gave an object, as given. */
  details?: unknown
}

export interface AccessOutcome {
  allowed: boolean
  reasons: AccessReason[]
}

export function combineAccess(layers: LayerAccess[]): AccessOutcome {
  const reasons: AccessReason[] = []
  let anyAllow = false
  let anyDeny = false
  // Global first, so the answer reads in precedence order.
  const ordered = [...layers].sort((a, b) => rank(a.layer) - rank(b.layer))
  for (const l of ordered) {
    for (const d of l.deny) {
      anyDeny = true
      reasons.push(denyReason(l.layer, d))
    }
    if (l.allow) {
      anyAllow = true
      reasons.push({ layer: l.layer, effect: 'allow', message: `layer \`${l.layer}\` allows the request` })
    }
  }
  if (!anyAllow && !anyDeny) reasons.push({ layer: null, effect: 'deny', message: 'no layer allows the request (default deny)' })
  return { allowed: anyAllow && !anyDeny, reasons }
}

function rank(layer: string): number {
  return layer === 'global' ? 0 : 1
}

function denyReason(layer: string, d: unknown): AccessReason {
  if (typeof d === 'string') return { layer, effect: 'deny', message: d }
  if (typeof d === 'object' && d !== null && !Array.isArray(d)) {
    const o = d as Record<string, unknown>
    const text = [o.message, o.reason, o.msg].find((x) => typeof x === 'string') as string | undefined
    return { layer, effect: 'deny', message: text ?? JSON.stringify(d), details: d }
  }
  return { layer, effect: 'deny', message: JSON.stringify(d) }
}

/** Reads a layer's access package document (`{allow, deny}`), tolerating absent rules. */
export function accessFromPackage(layer: string, doc: unknown): LayerAccess {
  const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>
  return { layer, allow: o.allow === true, deny: asSet(o.deny) }
}

export function asSet(v: unknown): unknown[] {
  if (v === undefined || v === null || v === false) return []
  if (Array.isArray(v)) return v
  if (typeof v === 'object') return Object.keys(v as object).length ? [v] : []
  return [v]
}
