// The registry's storage contract. The registry keeps, per bundle name, the
// history of revisions (who published or rolled back what, and when) and
// which one is current; bundle bytes are content-addressed by digest, and a
// retention setting may remove older revisions' bytes (never their records). It
// also keeps the latest status report of every sidecar (OPA's status API),
// one per instance id, a bounded number of them. The filesystem store
// (fs-store.ts) is the embedded default; a PostgreSQL store for several
// replicas implements the same interface: `commit` is a compare-and-set on
// the current digest (one transaction), `subscribe` would be fed by
// LISTEN/NOTIFY so every replica's long polls wake up, and `putStatus` is an
// upsert on the instance id.

import type { BundleStatus } from '../bundle/index.js'

export interface RevisionRecord {
  /** The manifest's revision, or the digest when it has none. */
  revision: string
  /** `sha256:<hex>` of the gzip bytes. */
  digest: string
  /** Size of the gzip, in bytes. */
  size: number
  /** The bundle's manifest roots. */
  roots: string[]
  /** Who made this revision current: the token's subject. */
  publisher: string
  /** When it was made current (ISO 8601). */
  published_at: string
  action: 'publish' | 'rollback'
  /** Id of the key whose signature verified, when signed. */
  signed_by?: string
}

export interface BundleSummary {
  name: string
  current: RevisionRecord
  /** Records in its history (publishes and rollbacks). */
  revisions: number
}

/** A record with its place in its bundle's history: `seq` counts from 1, oldest first. */
export interface HistoryEntry {
  seq: number
  record: RevisionRecord
}

/** A page of a bundle's history, newest first. */
export interface HistoryPage {
  /** Records in the whole history. */
  total: number
  entries: HistoryEntry[]
}

export interface StoreChange {
  name: string
  current: RevisionRecord
}

export interface CommitOptions {
  /** Digest that must be current for the commit to apply (`null`: the name must be new). */
  ifCurrent: string | null
  /** The bundle's bytes, when they are not stored yet (a publish; a rollback has none). */
  bytes?: Uint8Array
}

/** One bundle of a status report, as the registry keeps it: OPA's bundle status, bounded when read. */
export type ReportedBundle = BundleStatus

/** The latest status report of one sidecar (or OPA), with when the registry received it. */
export interface SidecarStatus {
  /** The report's `labels.id`: the instance. */
  id: string
  /** When the registry received the report (ISO 8601, the registry's clock). */
  received_at: string
  /** `<partition>` of `POST /status/<partition>`, when the report named one. */
  partition?: string
  /** Subject of the token the report came with, when it came with one. */
  reporter?: string
  labels: Record<string, string>
  /** By name. */
  bundles: ReportedBundle[]
  plugins: Record<string, { state: string; message?: string }>
}

export interface BundleStore {
  list(): Promise<BundleSummary[]>
  current(name: string): Promise<RevisionRecord | undefined>
  /**
   * A page of a bundle's history, newest first: the records whose `seq` is
   * below `before` (default: every record), at most `limit` of them. A
   * store reads the page only (an index range scan), however long the
   * history; an unknown name is an empty history.
   */
  revisions(name: string, page: { before?: number; limit: number }): Promise<HistoryPage>
  /**
   * The newest record of a bundle with this revision name or digest. Every
   * record of one revision name has the same digest (publish refuses a name
   * reused for other content), so the newest also tells a clash.
   */
  findRevision(name: string, by: { revision: string } | { digest: string }): Promise<HistoryEntry | undefined>
  /** Stored bytes for a digest. */
  read(digest: string): Promise<Uint8Array | undefined>
  /** Whether the bytes of a digest are still stored (retention removes older revisions' bytes, not their records). */
  stored(digest: string): Promise<boolean>
  /** The bundle archives whose bytes are stored (one per distinct digest) and their total size. */
  usage(): Promise<{ blobs: number; bytes: number }>
  /**
   * Makes `record` the current revision of `name`, durably: bytes first,
   * metadata last, so a crash at any point leaves the previous revision
   * current. Refuses with `revision_conflict` when `ifCurrent` no longer holds.
   */
  commit(name: string, record: RevisionRecord, opts: CommitOptions): Promise<void>
  /**
   * Keeps `status` as the latest report of its instance (`status.id`),
   * replacing the one before, durably (a crash leaves the old report or the
   * new one). Beyond `keep` instances, those heard from longest ago are
   * forgotten.
   */
  putStatus(status: SidecarStatus, keep: number): Promise<void>
  /** The latest report of every instance, oldest received first. */
  statuses(): Promise<SidecarStatus[]>
  /**
   * Forgets an instance's report, durably (a decommissioned sidecar); false
   * when none was kept. A later report of the same id lists it again.
   */
  removeStatus(id: string): Promise<boolean>
  /** Called after every commit (from any replica, for stores that can tell). */
  subscribe(listener: (change: StoreChange) => void): () => void
  close(): Promise<void>
}
