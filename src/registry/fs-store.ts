// The embedded BundleStore: everything under one data folder, no other
// service needed.
//
//   <dir>/blobs/sha256/<hex>     bundle bytes, named by digest, never changed
//   <dir>/bundles/<name>.json    { name, history: [RevisionRecord…] }; the
//                                last record is the current revision
//   <dir>/sidecars/<hash>.json   the latest status report of each sidecar
//                                (fs-status.ts)
//
// A commit writes the blob durably first and the metadata last (durable-file:
// temp, fsync, rename, fsync folder), so a crash at any point leaves the
// previous revision current; at worst an unreferenced blob or a temp file
// remains, and temp files are removed when the store opens. Commits to one
// name are serialized in this process; one process owns the folder (several
// replicas need a shared store such as PostgreSQL, see store.ts).

import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { MeshgateError } from '../errors/index.js'
import { TEMP_SUFFIX, writeDurably, type WriteStep } from '../bundle/index.js'
import { FsStatusTable } from './fs-status.js'
import type { BundleStore, BundleSummary, CommitOptions, RevisionRecord, SidecarStatus, StoreChange } from './store.js'

export type StorePoint = `blob-${WriteStep}` | `metadata-${WriteStep}`

export interface FsStoreOptions {
  dir: string
  /** Called between the durable steps of a commit (tests stop the process here). */
  hook?: (point: StorePoint, name: string) => Promise<void>
}

interface Meta {
  name: string
  history: RevisionRecord[]
}

const DIGEST = /^sha256:([0-9a-f]{64})$/

export class FsBundleStore implements BundleStore {
  private readonly metas = new Map<string, Meta>()
  /** Bytes of each name's current revision, so downloads do not touch the disk. */
  private readonly hot = new Map<string, { digest: string; bytes: Uint8Array }>()
  private readonly locks = new Map<string, Promise<unknown>>()
  private readonly listeners = new Set<(c: StoreChange) => void>()
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
    for (const f of await readdir(this.metaDir)) {
      if (!f.endsWith('.json')) continue
      const file = join(this.metaDir, f)
      let meta: Meta
      try {
        meta = JSON.parse(await readFile(file, 'utf8')) as Meta
      } catch (e) {
        throw new MeshgateError('io_error', `registry metadata \`${file}\` cannot be read: ${(e as Error).message}`)
      }
      if (meta.history.length) this.metas.set(meta.name, meta)
    }
    this.sidecars = await FsStatusTable.open(join(this.opts.dir, 'sidecars'))
  }

  async list(): Promise<BundleSummary[]> {
    return [...this.metas.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((m) => ({ name: m.name, current: m.history[m.history.length - 1]! }))
  }

  async current(name: string): Promise<RevisionRecord | undefined> {
    const h = this.metas.get(name)?.history
    return h?.[h.length - 1]
  }

  async history(name: string): Promise<RevisionRecord[]> {
    return [...(this.metas.get(name)?.history ?? [])]
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
    const next = prev.catch(() => undefined).then(() => this.commitNow(name, record, opts))
    this.locks.set(name, next)
    void next
      .finally(() => {
        if (this.locks.get(name) === next) this.locks.delete(name)
      })
      .catch(() => undefined)
    return next
  }

  private async commitNow(name: string, record: RevisionRecord, opts: CommitOptions): Promise<void> {
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
    } else {
      bytes = await this.read(record.digest)
      if (!bytes) throw new MeshgateError('resource_not_found', `bundle \`${name}\` has no stored bytes for \`${record.digest}\``)
    }
    const updated: Meta = { name, history: [...(meta?.history ?? []), record] }
    await writeDurably(
      join(this.metaDir, `${name}.json`),
      Buffer.from(`${JSON.stringify(updated, null, 2)}\n`),
      hook && ((step) => hook(`metadata-${step}`, name)),
    )
    this.metas.set(name, updated)
    this.hot.set(name, { digest: record.digest, bytes })
    for (const l of this.listeners) l({ name, current: record })
  }

  putStatus(status: SidecarStatus, keep: number): Promise<void> {
    return this.sidecars.put(status, keep)
  }

  async statuses(): Promise<SidecarStatus[]> {
    return this.sidecars.list()
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
    const m = DIGEST.exec(digest)
    if (!m) throw new MeshgateError('request_invalid', `\`${digest}\` is not a sha256 digest`)
    return join(this.blobDir, m[1]!)
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file)
    return true
  } catch {
    return false
  }
}
