// OPA's bundle download protocol, server side (OPA's v1/download/download.go
// is the client): the client sends `If-None-Match: <etag>` and, when long
// polling is configured, `Prefer: modes=snapshot,delta;wait=<seconds>`. An
// unchanged bundle is answered `304 Not Modified` at once, or, with `wait`,
// as soon as a new revision is committed, else with 304 when the wait ends.
// OPA keeps long polling only while 200 answers carry
// `Content-Type: application/vnd.openpolicyagent.bundles`.

import type { BundleStore, StoreChange } from './store.js'

export const BUNDLE_CONTENT_TYPE = 'application/vnd.openpolicyagent.bundles'

/** The ETag of a revision: its digest, quoted. */
export function etagOf(digest: string): string {
  return `"${digest}"`
}

/** Whether `If-None-Match` names this ETag (`*`, weak forms and lists too). */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header
    .split(',')
    .map((s) => s.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etag)
}

/** A field of the `Prefer` header, parsed as OPA's test server does: `;`-separated `key=value` parts. */
export function preferField(header: string | string[] | undefined, field: string): string | undefined {
  for (const line of Array.isArray(header) ? header : header ? [header] : []) {
    for (const part of line.split(';')) {
      const kv = part.trim().split('=')
      if (kv.length === 2 && kv[0]!.trim().toLowerCase() === field) return kv[1]!.trim()
    }
  }
  return undefined
}

/** Seconds to hold the request, from `Prefer: …;wait=N`, capped; 0 when not long polling. */
export function waitSeconds(prefer: string | string[] | undefined, max: number): number {
  const w = Number(preferField(prefer, 'wait'))
  return Number.isInteger(w) && w > 0 ? Math.min(w, max) : 0
}

type Waiter = (change: StoreChange | undefined) => void

/**
 * Holds long-poll requests until their bundle changes. One per app (no
 * module state); fed by the store's commits, drained when the app closes.
 */
export class ChangeFeed {
  private readonly waiters = new Map<string, Set<Waiter>>()
  private readonly unsubscribe: () => void
  private closed = false

  constructor(store: BundleStore) {
    this.unsubscribe = store.subscribe((c) => this.notify(c))
  }

  private notify(change: StoreChange): void {
    for (const w of [...(this.waiters.get(change.name) ?? [])]) w(change)
  }

  /**
   * Resolves with the change when `name` moves off `digest`, or undefined
   * when `ms` pass, `abort` fires, or the feed closes.
   */
  wait(name: string, digest: string, ms: number, abort: AbortSignal): Promise<StoreChange | undefined> {
    if (this.closed || abort.aborted) return Promise.resolve(undefined)
    return new Promise((resolve) => {
      let set = this.waiters.get(name)
      if (!set) this.waiters.set(name, (set = new Set()))
      const done: Waiter = (change) => {
        if (change && change.current.digest === digest) return // a commit of the same bytes: keep waiting
        clearTimeout(timer)
        abort.removeEventListener('abort', onAbort)
        const set = this.waiters.get(name)
        set?.delete(done)
        if (set?.size === 0) this.waiters.delete(name)
        resolve(change)
      }
      const onAbort = () => done(undefined)
      const timer = setTimeout(() => done(undefined), ms)
      abort.addEventListener('abort', onAbort, { once: true })
      set.add(done)
    })
  }

  /** How many requests are held for `name` (for metrics and tests). */
  held(name: string): number {
    return this.waiters.get(name)?.size ?? 0
  }

  /** Ends every held request (they answer 304) and stops listening. */
  close(): void {
    this.closed = true
    this.unsubscribe()
    const all = [...this.waiters.values()].flatMap((s) => [...s])
    this.waiters.clear()
    for (const w of all) w(undefined)
  }
}
