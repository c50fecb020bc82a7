// The registry's storage contract. The registry keeps, per bundle name, the
// history of revisions (who published or rolled back what, and when) and
// which one is current; bundle bytes are content-addressed by digest. The
// filesystem store (fs-store.ts) is the embedded default; a PostgreSQL store
// for several replicas implements the same interface: `commit` is a
// compare-and-set on the current digest (one transaction), and `subscribe`
// would be fed by LISTEN/NOTIFY so every replica's long polls wake up.

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

export interface BundleStore {
  list(): Promise<BundleSummary[]>
  current(name: string): Promise<RevisionRecord | undefined>
  /** Every revision event of a bundle, oldest first. */
  history(name: string): Promise<RevisionRecord[]>
  /** Stored bytes for a digest. */
  read(digest: string): Promise<Uint8Array | undefined>
  /**
   * Makes `record` the current revision of `name`, durably: bytes first,
   * metadata last, so a crash at any point leaves the previous revision
   * current. Refuses with `revision_conflict` when `ifCurrent` no longer holds.
   */
  commit(name: string, record: RevisionRecord, opts: CommitOptions): Promise<void>
  /** Called after every commit (from any replica, for stores that can tell). */
  subscribe(listener: (change: StoreChange) => void): () => void
  close(): Promise<void>
}
