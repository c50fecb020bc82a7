// The fleet as `GET /v1/sidecars` shows it: each sidecar's latest status
// report set beside the registry's current revisions, with three verdicts
// a reader filters on.
//
// - A reported bundle is matched to the registry bundle of the same name
//   (the name the sidecar's config gives it, OPA's `bundles.<name>`); a name
//   with `/` in it, which no registry bundle has, is matched by its last
//   segment (`authz/global` → `global`). `current` is true when the sidecar
//   runs the registry's current revision of it, false when it runs another
//   one or none, null when the registry has no such bundle or cannot tell
//   (OPA leaves `active_revision` out for a bundle whose manifest has none).
// - `behind`: some bundle is not `current`.
// - `stale`: no report received within `status.stale_after_seconds`, or the
//   sidecar says a bundle is stale (past its maximum age).
// - `failing`: a bundle reports an error (`code` or `errors`), or a plugin is
//   in state `ERR`.

import type { ReportedBundle, RevisionRecord, SidecarStatus } from './store.js'

export interface SidecarBundleView extends ReportedBundle {
  /** The registry bundle it was matched to, when any. */
  registry_bundle: string | null
  /** The registry's current revision of that bundle. */
  registry_revision: string | null
  current: boolean | null
}

export interface SidecarView {
  id: string
  product: string | null
  domain: string | null
  labels: Record<string, string>
  partition?: string
  reporter?: string
  received_at: string
  stale: boolean
  failing: boolean
  behind: boolean
  bundles: SidecarBundleView[]
  plugins: SidecarStatus['plugins']
}

export interface SidecarFilter {
  stale?: boolean
  failing?: boolean
  behind?: boolean
  product?: string
  domain?: string
}

export interface FleetOptions {
  now: Date
  staleAfterSeconds: number
}

/** The registry bundle a reported bundle name stands for (see the header). */
export function registryBundleFor(reported: string, current: ReadonlyMap<string, RevisionRecord>): string | undefined {
  if (current.has(reported)) return reported
  const last = reported.slice(reported.lastIndexOf('/') + 1)
  return last !== reported && current.has(last) ? last : undefined
}

export function sidecarView(s: SidecarStatus, current: ReadonlyMap<string, RevisionRecord>, o: FleetOptions): SidecarView {
  const bundles = s.bundles.map((b): SidecarBundleView => {
    const match = registryBundleFor(b.name, current)
    const registryRevision = match ? current.get(match)!.revision : null
    let isCurrent: boolean | null = null
    if (registryRevision !== null) {
      if (b.active_revision) isCurrent = b.active_revision === registryRevision
      else if (!b.last_successful_activation) isCurrent = false // never activated: runs none of it
    }
    return { ...b, registry_bundle: match ?? null, registry_revision: registryRevision, current: isCurrent }
  })
  const heardFor = o.now.getTime() - Date.parse(s.received_at)
  const view: SidecarView = {
    id: s.id,
    product: s.labels.product ?? null,
    domain: s.labels.domain ?? null,
    labels: s.labels,
    received_at: s.received_at,
    stale: heardFor > o.staleAfterSeconds * 1000 || bundles.some((b) => b.stale === true),
    failing: bundles.some((b) => !!b.code || !!b.errors?.length) || Object.values(s.plugins).some((p) => p.state === 'ERR'),
    behind: bundles.some((b) => b.current === false),
    bundles,
    plugins: s.plugins,
  }
  if (s.partition) view.partition = s.partition
  if (s.reporter) view.reporter = s.reporter
  return view
}

/** Every sidecar, by id, that passes the filter. */
export function fleetView(statuses: SidecarStatus[], current: ReadonlyMap<string, RevisionRecord>, o: FleetOptions, filter: SidecarFilter = {}): SidecarView[] {
  return statuses
    .map((s) => sidecarView(s, current, o))
    .filter((v) => (['stale', 'failing', 'behind', 'product', 'domain'] as const).every((k) => filter[k] === undefined || v[k] === filter[k]))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
