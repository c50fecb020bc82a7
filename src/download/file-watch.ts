// Local hot reload: a bundle read from a file is read again whenever the file
// changes, and activated through the same pipeline as a download (so a bad
// rewrite keeps the last good bundle and the error shows in health). Writers
// replace bundles by rename (saveBundle, `policy build`), which a watch on
// the file itself would lose, so the folder is watched and changes are
// confirmed by the file's size and mtime; a slow poll backs the watch up on
// file systems whose events are unreliable.

import { watch, type FSWatcher } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { MeshgateError } from '../errors/index.js'
import type { BundleStatus } from '../bundle/index.js'

export interface FileWatchOptions {
  name: string
  file: string
  activate: (bytes: Uint8Array) => Promise<string>
  /** Quiet period after the last event, in ms; default 50. */
  debounceMs?: number
  /** Backstop poll, in ms; default 1000. */
  pollMs?: number
  log?: { info(o: object, m?: string): void; warn(o: object, m?: string): void }
}

export class FileBundleWatcher {
  private readonly opts: FileWatchOptions
  private watcher?: FSWatcher
  private poll?: NodeJS.Timeout
  private debounce?: NodeJS.Timeout
  private seen = ''
  private busy: Promise<void> = Promise.resolve()
  private revision?: string
  private error?: MeshgateError
  private lastActivation?: number
  private closed = false

  constructor(opts: FileWatchOptions) {
    this.opts = opts
  }

  /** Remembers the file as it is now (already activated by the caller) and starts watching. */
  async start(activeRevision?: string): Promise<void> {
    if (activeRevision !== undefined) {
      this.revision = activeRevision
      this.lastActivation = Date.now()
    }
    this.seen = await this.signature()
    const base = basename(this.opts.file)
    try {
      this.watcher = watch(dirname(this.opts.file), (_ev, f) => {
        if (!f || f === base) this.schedule()
      })
      this.watcher.on('error', () => undefined)
    } catch {
      // No folder to watch (yet): the poll still notices the file appearing.
    }
    const tick = () => {
      if (this.closed) return
      this.schedule()
      this.poll = setTimeout(tick, this.opts.pollMs ?? 1000)
    }
    this.poll = setTimeout(tick, this.opts.pollMs ?? 1000)
  }

  async close(): Promise<void> {
    this.closed = true
    this.watcher?.close()
    clearTimeout(this.poll)
    clearTimeout(this.debounce)
    await this.busy
  }

  status(): BundleStatus {
    const s: BundleStatus = { name: this.opts.name }
    if (this.revision !== undefined) s.active_revision = this.revision
    if (this.lastActivation !== undefined) s.last_successful_activation = new Date(this.lastActivation).toISOString()
    if (this.error) {
      s.code = this.error.code
      s.message = this.error.message
      s.errors = [{ code: this.error.code, message: this.error.message }]
    }
    return s
  }

  private schedule(): void {
    if (this.closed) return
    clearTimeout(this.debounce)
    this.debounce = setTimeout(() => {
      this.busy = this.busy.then(() => this.check())
    }, this.opts.debounceMs ?? 50)
  }

  private async signature(): Promise<string> {
    const s = await stat(this.opts.file).catch(() => undefined)
    return s ? `${s.size}:${s.mtimeMs}:${s.ino}` : 'missing'
  }

  private async check(): Promise<void> {
    if (this.closed) return
    const sig = await this.signature()
    if (sig === this.seen || sig === 'missing') return
    this.seen = sig
    try {
      const bytes = await readFile(this.opts.file)
      this.revision = await this.opts.activate(bytes)
      this.lastActivation = Date.now()
      this.error = undefined
      this.opts.log?.info({ bundle: this.opts.name, file: this.opts.file, revision: this.revision }, 'bundle file changed; reloaded')
    } catch (e) {
      this.error = e instanceof MeshgateError ? e : new MeshgateError('io_error', `cannot read \`${this.opts.file}\`: ${(e as Error).message}`)
      this.opts.log?.warn(
        { bundle: this.opts.name, code: this.error.code, err: this.error.message },
        'bundle file changed but was refused; keeping the last good bundle',
      )
    }
  }
}
