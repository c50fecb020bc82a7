// The filesystem store's table of sidecar status reports (fs-store.ts
// delegates to it): the latest report of each instance, one file each.
//
//   <dir>/sidecars/<sha256 of the id>.json    a SidecarStatus
//
// File names are a hash of the instance id, so any id (OPA's are UUIDs,
// others pick host names) makes a safe, fixed-length name. Each report is
// written as a commit's metadata is (durable-file: temp, fsync, rename), so
// a crash leaves the previous report or the new one. Writes for one id are
// serialized in arrival order, so the report received last is the one kept.
// The in-memory map is ordered by receipt (an update moves its id to the
// end), which makes "forget the instance heard from longest ago" O(1).

import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { MeshgateError } from '../errors/index.js'
import { syncDir, TEMP_SUFFIX, writeDurably } from '../bundle/index.js'
import type { SidecarStatus } from './store.js'

export class FsStatusTable {
  /** Latest report per id, in order of receipt (oldest first). */
  private readonly byId = new Map<string, SidecarStatus>()
  private readonly locks = new Map<string, Promise<unknown>>()

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<FsStatusTable> {
    const table = new FsStatusTable(dir)
    await table.load()
    return table
  }

  private async load(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true })
    } catch (e) {
      throw new MeshgateError('io_error', `cannot use storage folder \`${this.dir}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    const found: SidecarStatus[] = []
    for (const f of await readdir(this.dir)) {
      const file = join(this.dir, f)
      if (f.endsWith(TEMP_SUFFIX)) {
        await rm(file, { force: true })
        continue
      }
      if (!f.endsWith('.json')) continue
      try {
        const s = JSON.parse(await readFile(file, 'utf8')) as SidecarStatus
        if (typeof s.id === 'string' && typeof s.received_at === 'string') found.push(s)
      } catch {
        // Reports are written atomically, so this file was damaged outside the registry. A report is
        // only the latest heartbeat of its sidecar: the next one rewrites it, so the registry starts anyway.
        await rm(file, { force: true })
      }
    }
    found.sort((a, b) => (a.received_at < b.received_at ? -1 : a.received_at > b.received_at ? 1 : 0))
    for (const s of found) this.byId.set(s.id, s)
  }

  put(status: SidecarStatus, keep: number): Promise<void> {
    return this.locked(status.id, async () => {
      await writeDurably(this.fileOf(status.id), Buffer.from(`${JSON.stringify(status)}\n`))
      this.byId.delete(status.id)
      this.byId.set(status.id, status)
      this.evict(keep)
    })
  }

  /** Forgets `id`'s report: from memory, then its file and the folder entry durably, after any write of that id still running. */
  remove(id: string): Promise<boolean> {
    return this.locked(id, async () => {
      if (!this.byId.delete(id)) return false
      await rm(this.fileOf(id), { force: true })
      await syncDir(this.dir)
      return true
    })
  }

  list(): SidecarStatus[] {
    return [...this.byId.values()]
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.locks.values()])
  }

  /**
   * Forgets the instances heard from longest ago beyond `keep`: from memory at
   * once (so concurrent evictions never pick the same id), from disk under the
   * evicted id's own lock, unless a report of that id arrived meanwhile. Not
   * awaited: a put waiting on another id's lock could wait on a put that waits
   * on its own; `close` waits for every lock.
   */
  private evict(keep: number): void {
    for (const id of this.byId.keys()) {
      if (this.byId.size <= keep) break
      this.byId.delete(id)
      void this.locked(id, async () => {
        if (!this.byId.has(id)) await rm(this.fileOf(id), { force: true })
      }).catch(() => undefined)
    }
  }

  private locked<T>(id: string, run: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve()
    const next = prev.catch(() => undefined).then(run)
    this.locks.set(id, next)
    void next
      .finally(() => {
        if (this.locks.get(id) === next) this.locks.delete(id)
      })
      .catch(() => undefined)
    return next
  }

  private fileOf(id: string): string {
    return join(this.dir, `${createHash('sha256').update(id).digest('hex')}.json`)
  }
}
