// Federated combination of access decisions (docs/policy-contract.md). Each
// layer contributes `allow` and a set of `deny` reasons from its `access`
// package. Granted only when some layer allows and no layer denies: default
// deny, and a deny from any layer (the global one included) always wins.

export interface LayerAccess {
  layer: string
  allow: boolean
  deny: unknown[]
}

export interface DenyReason {
  layer: string
  message: string
  code?: string
  /** The deny value when the policy gave an object, as given. */
  details?: unknown
}

export interface AccessOutcome {
  allow: boolean
  /** Every deny reason, global layer first, each with its layer. */
  deny: DenyReason[]
  /** Layers whose `allow` was true. */
  allowed_by: string[]
  /** One line saying why. */
  message: string
}

export function combineAccess(layers: LayerAccess[]): AccessOutcome {
  // Layers come global first already (the engine's order): copied and sorted only when they do not.
  const ordered = inRankOrder(layers) ? layers : [...layers].sort((a, b) => rank(a.layer) - rank(b.layer))
  const deny = ordered.flatMap((l) => l.deny.map((d) => denyReason(l.layer, d)))
  const allowedBy = ordered.filter((l) => l.allow).map((l) => l.layer)
  const allow = allowedBy.length > 0 && deny.length === 0
  const message = deny.length
    ? `denied by layer \`${deny[0]!.layer}\`: ${deny[0]!.message}`
    : allow
      ? `allowed by layer${allowedBy.length > 1 ? 's' : ''} ${allowedBy.map((l) => `\`${l}\``).join(', ')}`
      : 'no layer allows the request (default deny)'
  return { allow, deny, allowed_by: allowedBy, message }
}

function inRankOrder(layers: LayerAccess[]): boolean {
  for (let i = 1; i < layers.length; i++) if (rank(layers[i - 1]!.layer) > rank(layers[i]!.layer)) return false
  return true
}

function rank(layer: string): number {
  return layer === 'global' ? 0 : 1
}

function denyReason(layer: string, d: unknown): DenyReason {
  if (typeof d === 'string') return { layer, message: d }
  if (typeof d === 'object' && d !== null && !Array.isArray(d)) {
    const o = d as Record<string, unknown>
    const text = [o.message, o.reason, o.msg].find((x) => typeof x === 'string') as string | undefined
    const r: DenyReason = { layer, message: text ?? JSON.stringify(d), details: d }
    if (typeof o.code === 'string') r.code = o.code
    return r
  }
  return { layer, message: JSON.stringify(d) }
}
