// A bundle's status as OPA's status API reports it (`bundles.<name>`), plus
// meshgate's additions: the sidecar writes it (health, status reports) and
// the registry reads it back (`GET /v1/sidecars`), so both use this one shape.

export interface BundleStatus {
  name: string
  active_revision?: string
  last_request?: string
  last_successful_request?: string
  last_successful_download?: string
  last_successful_activation?: string
  code?: string
  message?: string
  /** OPA lists errors with optional fields; meshgate's sidecar fills both. */
  errors?: { code?: string; message?: string }[]
  /** meshgate: served from the persisted copy, not downloaded in this run. */
  restored_from_disk?: boolean
  /** meshgate: no successful check within the bundle's maximum age. */
  stale?: boolean
  /** meshgate: the service long-polls. */
  long_polling?: boolean
}
