// The embedded BundleStore: everything under one data folder, no other
// service needed.
//
//   <dir>/blobs/sha256/<hex>     bundle bytes, named by digest, never changed
//   <dir>/bundles/<name>.jsonl   the history, one RevisionRecord per line,
//                                appended (history-log.ts); the last record is
//                                the current revision
//   <dir>/sidecars/<hash>.json   the latest status report of each sidecar
//                                (fs-status.ts)
//
// A commit writes the blob durably first (durable-file: temp, fsync, rename,
// fsync folder) and appends its record last, so a crash at any point leaves
// the previous revision current: at worst an unreferenced blob, a temp file
// or a torn last line remains; opening the store removes temp files and
// cuts a torn line off (the blob stays, harmless). Commits to one name are serialized in this process;
// one process owns the folder (several replicas need a shared store such as
// PostgreSQL, see store.ts).
//
// Retention (`keepRevisions`): the bytes of each bundle's newest N distinct
// revisions are kept, the current one always; a blob goes once no bundle
// keeps it. The records stay: the history is the audit trail of who made
// what current and when, and it keeps a revision name from being reused
// for other content. Without retention every blob is kept.
//
// The format before (`<name>.json`, the whole history as one document,
// rewritten on every publish) is converted when the store opens.

import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { MeshgateError } from '../errors/index.js'
import { BUNDLE_DIGEST, syncDir, TEMP_SUFFIX, writeDurably, type WriteStep } from '../bundle/index.js'
import { FsStatusTable } from './fs-status.js'
import { appendHistoryLine, historyLine, readHistoryFile, recordProblem } from './history-log.js'
import type { BundleStore, BundleSummary, CommitOptions, HistoryEntry, HistoryPage, RevisionRecord, SidecarStatus, StoreChange } from './store.js'

/**
 * Where a commit can be stopped (test hook): after each durable step of the
 * blob; with half of the history line on disk; with all of it on disk; and,
 * with retention, before a blob it no longer keeps is removed.
 */
export type StorePoint = `blob-${WriteStep}` | 'metadata-torn' | 'metadata-appended' | 'blob-removing'

export interface FsStoreOptions {
  dir: string
  /** Bytes kept for each bundle's newest N distinct revisions (undefined: every revision's). */
  keepRevisions?: number
  /** Called between the durable steps of a commit (tests stop the process here). */
  hook?: (point: StorePoint, name: string) => Promise<void>
}

interface Meta {
  name: string
  history: RevisionRecord[]
  /** Bytes of the history file: where the next record is appended. */
  size: number
  /** The newest seq of each revision name and of each digest: findRevision without a scan. */
  byRevision: Map<string, number>
  byDigest: Map<string, number>
}

/** A bundle's meta holding `records`, oldest first, indexed. */
function metaOf(name: string, records: RevisionRecord[], size: number): Meta {
  const meta: Meta = { name, history: [], size, byRevision: new Map(), byDigest: new Map() }
  for (const r of records) remember(meta, r)
  return meta
}

function remember(meta: Meta, record: RevisionRecord): void {
  meta.history.push(record)
  meta.byRevision.set(record.revision, meta.history.length)
  meta.byDigest.set(record.digest, meta.history.length)
}

const HEX = /^[0-9a-f]{64}$/
const HISTORY = '.jsonl'
const LEGACY = '.json'

export class FsBundleStore implements BundleStore {
  private readonly metas = new Map<string, Meta>()
  /** Bytes of each name's current revision, so downloads do not touch the disk. */
  private readonly hot = new Map<string, { digest: string; bytes: Uint8Array }>()
  /** Digests whose bytes are on disk, with their size. */
  private readonly blobs = new Map<string, number>()
  /** Per name, the digests whose bytes retention keeps (empty without retention: every blob stays). */
  private readonly kept = new Map<string, Set<string>>()
  private readonly locks = new Map<string, Promise<unknown>>()
  /**
   * Digests a commit in flight references, by how many: bundles commit
   * concurrently (one lock per name), and until a commit's own prune puts its
   * digest in `kept`, another bundle's prune would see the blob as unkept
   * and remove it under the record just appended.
   */
  private readonly pinned = new Map<string, number>()
  /** Blob removals in flight: a commit of the same bytes waits for them before it looks for the blob. */
  private readonly removing = new Map<string, Promise<void>>()
  private readonly listeners = new Set<(c: StoreChange) => void>()
  /** Set when a failed append could not be cut back: commits stop until a restart repairs the file. */
  private broken?: string
  private sidecars!: FsStatusTable

  private constructor(private readonly opts: FsStoreOptions) {}

  static async open(opts: FsStoreOptions): Promise<FsBundleStore> {
    const s = new FsBundleStore(opts)
    await s.load()
    return s
  }

  private get blobDir(): string {
    return join(this.opts.dir, 'blobs', 'sha256')
  }
  private get metaDir(): string {
    return join(this.opts.dir, 'bundles')
  }
  private historyFile(name: string): string {
    return join(this.metaDir, `${name}${HISTORY}`)
  }

  private async load(): Promise<void> {
    try {
      await mkdir(this.blobDir, { recursive: true })
      await mkdir(this.metaDir, { recursive: true })
    } catch (e) {
      throw new MeshgateError('io_error', `cannot use storage folder \`${this.opts.dir}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    // Leftovers of a commit cut short: never referenced, safe to remove.
    for (const dir of [this.blobDir, this.metaDir]) {
      for (const f of await readdir(dir)) if (f.endsWith(TEMP_SUFFIX)) await rm(join(dir, f), { force: true })
    }
    for (const f of await readdir(this.metaDir)) if (f.endsWith(LEGACY)) await this.convertLegacy(f.slice(0, -LEGACY.length))
    for (const f of await readdir(this.metaDir)) {
      if (!f.endsWith(HISTORY)) continue
      const name = f.slice(0, -HISTORY.length)
      const file = this.historyFile(name)
      const { records, size } = await readHistoryFile(file)
      // A first publish cut off before its line was complete.
      if (!records.length) await rm(file, { force: true })
      else this.metas.set(name, metaOf(name, records, size))
    }
    for (const f of await readdir(this.blobDir)) if (HEX.test(f)) this.blobs.set(`sha256:${f}`, (await stat(join(this.blobDir, f))).size)
    // Bytes of recorded revisions that retention no longer keeps (a smaller
    // setting than before, or a removal cut short). A blob no record names
    // (a publish cut off before its record) is left alone: were the history
    // files lost, the blobs are what an operator recovers from.
    if (this.opts.keepRevisions !== undefined) {
      for (const name of this.metas.keys()) this.kept.set(name, this.keptOf(name, this.opts.keepRevisions))
      const keep = new Set([...this.kept.values()].flatMap((s) => [...s]))
      const named = new Set([...this.metas.values()].flatMap((m) => m.history.map((r) => r.digest)))
      for (const digest of [...this.blobs.keys()]) if (named.has(digest) && !keep.has(digest)) await this.removeBlob(digest)
    }
    this.sidecars = await FsStatusTable.open(join(this.opts.dir, 'sidecars'))
  }

  /** `<name>.json` (the format before) → `<name>.jsonl`, written durably before the old file goes. */
  private async convertLegacy(name: string): Promise<void> {
    const legacy = join(this.metaDir, `${name}${LEGACY}`)
    let history: RevisionRecord[]
    try {
      history = (JSON.parse(await readFile(legacy, 'utf8')) as { history: RevisionRecord[] }).history
      if (!Array.isArray(history)) throw new Error('no `history` list')
      for (const [i, r] of history.entries()) {
        const why = recordProblem(r)
        if (why) throw new Error(`record ${i + 1}: ${why}`)
      }
    } catch (e) {
      throw new MeshgateError('io_error', `registry metadata \`${legacy}\` cannot be read: ${(e as Error).message}`)
    }
    const converted = Buffer.concat(history.map(historyLine))
    const file = this.historyFile(name)
    if (!(await exists(file))) await writeDurably(file, converted)
    else if (!(await readFile(file)).equals(converted)) {
      // Both formats hold a history, and not the same one: a registry of the
      // version before wrote here after the conversion. Neither is dropped.
      throw new MeshgateError(
        'io_error',
        `\`${legacy}\` (the history format before) and \`${file}\` hold different histories of bundle \`${name}\`: a registry of an older version wrote to this folder after it was converted; merge the records into \`${file}\` (one JSON object per line) and remove \`${legacy}\``,
      )
    }
    // Converted (now, or by a start that stopped before removing the old file).
    await rm(legacy, { force: true })
  }

  /** The digests whose bytes retention keeps for `name`: its newest `n` distinct ones. */
  private keptOf(name: string, n: number): Set<string> {
    const history = this.metas.get(name)?.history ?? []
    const out = new Set<string>()
    for (let i = history.length - 1; i >= 0 && out.size < n; i--) out.add(history[i]!.digest)
    return out
  }

  private async removeBlob(digest: string): Promise<void> {
    await rm(this.blobPath(digest), { force: true })
    this.blobs.delete(digest)
  }

  async list(): Promise<BundleSummary[]> {
    return [...this.metas.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((m) => ({ name: m.name, current: m.history[m.history.length - 1]!, revisions: m.history.length }))
  }

  async current(name: string): Promise<RevisionRecord | undefined> {
    const h = this.metas.get(name)?.history
    return h?.[h.length - 1]
  }

  async revisions(name: string, page: { before?: number; limit: number }): Promise<HistoryPage> {
    const history = this.metas.get(name)?.history ?? []
    const top = Math.min(history.length, (page.before ?? history.length + 1) - 1)
    const bottom = Math.max(0, top - page.limit)
    const entries: HistoryEntry[] = []
    for (let seq = top; seq > bottom; seq--) entries.push({ seq, record: history[seq - 1]! })
    return { total: history.length, entries }
  }

  async findRevision(name: string, by: { revision: string } | { digest: string }): Promise<HistoryEntry | undefined> {
    const meta = this.metas.get(name)
    const seq = 'digest' in by ? meta?.byDigest.get(by.digest) : meta?.byRevision.get(by.revision)
    return seq === undefined ? undefined : { seq, record: meta!.history[seq - 1]! }
  }

  async read(digest: string): Promise<Uint8Array | undefined> {
    for (const h of this.hot.values()) if (h.digest === digest) return h.bytes
    try {
      return await readFile(this.blobPath(digest))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw e
    }
  }

  commit(name: string, record: RevisionRecord, opts: CommitOptions): Promise<void> {
    const prev = this.locks.get(name) ?? Promise.resolve()
    const next = prev.catch(() => undefined).then(() => this.commitPinned(name, record, opts))
    this.locks.set(name, next)
    void next
      .finally(() => {
        if (this.locks.get(name) === next) this.locks.delete(name)
      })
      .catch(() => undefined)
    return next
  }

  private async commitPinned(name: string, record: RevisionRecord, opts: CommitOptions): Promise<void> {
    const digest = record.digest
    this.pinned.set(digest, (this.pinned.get(digest) ?? 0) + 1)
    try {
      await this.removing.get(digest)
      await this.commitNow(name, record, opts)
    } finally {
      const n = this.pinned.get(digest)! - 1
      if (n === 0) this.pinned.delete(digest)
      else this.pinned.set(digest, n)
    }
  }

  private async commitNow(name: string, record: RevisionRecord, opts: CommitOptions): Promise<void> {
    if (this.broken) throw new MeshgateError('io_error', `the registry stopped committing: ${this.broken}; restart it to repair the history`)
    const meta = this.metas.get(name)
    const current = meta?.history[meta.history.length - 1]?.digest ?? null
    if (current !== opts.ifCurrent) {
      throw new MeshgateError('revision_conflict', `bundle \`${name}\` changed while this request ran; try again`, undefined, { current })
    }
    const hook = this.opts.hook
    let bytes = opts.bytes
    if (bytes) {
      const blob = this.blobPath(record.digest)
      if (!(await exists(blob))) await writeDurably(blob, bytes, hook && ((step) => hook(`blob-${step}`, name)))
      this.blobs.set(record.digest, bytes.length)
    } else {
      bytes = await this.read(record.digest)
      if (!bytes) throw new MeshgateError('resource_not_found', `bundle \`${name}\` has no stored bytes for \`${record.digest}\``)
    }
    const file = this.historyFile(name)
    const line = historyLine(record)
    try {
      await appendHistoryLine(file, meta?.size ?? 0, line, hook && (() => hook('metadata-torn', name)))
    } catch (e) {
      if (e instanceof MeshgateError && (e.details as { unrecoverable?: boolean } | undefined)?.unrecoverable) this.broken = e.message
      throw e
    }
    // A new file's name must be durable too, not only its bytes.
    if (!meta) await syncDir(this.metaDir)
    await hook?.('metadata-appended', name)
    const updated = meta ?? metaOf(name, [], 0)
    remember(updated, record)
    updated.size += line.length
    this.metas.set(name, updated)
    this.hot.set(name, { digest: record.digest, bytes })
    if (this.opts.keepRevisions !== undefined) await this.prune(name, this.opts.keepRevisions)
    for (const l of this.listeners) l({ name, current: record })
  }

  /**
   * After a commit to `name`, with retention: removes the blobs it no longer
   * keeps that no other bundle keeps either. Only with retention, since it
   * walks the history back to the newest `n` distinct digests: without it
   * a commit stays one append whatever the history's length.
   */
  private async prune(name: string, n: number): Promise<void> {
    const before = this.kept.get(name) ?? new Set<string>()
    const now = this.keptOf(name, n)
    this.kept.set(name, now)
    // Only what this bundle dropped (one digest for most commits) is looked up in the other bundles' sets.
    for (const digest of before) {
      if (now.has(digest) || this.pinned.has(digest) || keptByAny(this.kept.values(), digest)) continue
      // The commit stands whatever happens here; a blob left behind goes when the store next opens.
      const hook = this.opts.hook
      const removal = (async () => {
        await hook?.('blob-removing', name)
        await this.removeBlob(digest)
      })().catch(() => undefined)
      this.removing.set(digest, removal)
      await removal
      if (this.removing.get(digest) === removal) this.removing.delete(digest)
    }
  }

  async stored(digest: string): Promise<boolean> {
    return this.blobs.has(digest)
  }

  async usage(): Promise<{ blobs: number; bytes: number }> {
    let bytes = 0
    for (const n of this.blobs.values()) bytes += n
    return { blobs: this.blobs.size, bytes }
  }

  putStatus(status: SidecarStatus, keep: number): Promise<void> {
    return this.sidecars.put(status, keep)
  }

  async statuses(): Promise<SidecarStatus[]> {
    return this.sidecars.list()
  }

  removeStatus(id: string): Promise<boolean> {
    return this.sidecars.remove(id)
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.locks.values()])
    await this.sidecars.close()
    this.listeners.clear()
  }

  private blobPath(digest: string): string {
    const m = BUNDLE_DIGEST.exec(digest)
    if (!m) throw new MeshgateError('request_invalid', `\`${digest}\` is not a sha256 digest`)
    return join(this.blobDir, m[1]!)
  }
}

function keptByAny(sets: Iterable<ReadonlySet<string>>, digest: string): boolean {
  for (const k of sets) if (k.has(digest)) return true
  return false
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file)
    return true
  } catch {
    return false
  }
}
