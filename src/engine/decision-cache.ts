// The decision cache: answers keyed by the active bundle revisions plus the
// decision kind and the input's JSON text. The text is not canonicalised:
// sorting keys cost as much as the route handler itself, and the same input
// written with its keys in another order is only a miss, never a wrong hit. A new activation changes the key
// (and clears the cache to free memory), so no answer outlives its bundles.

import { LRUCache } from 'lru-cache'

/** A decision as computed, before the cache: whether it may be kept (one that failed closed may not). */
export interface Computed<T> {
  value: T
  cacheable: boolean
}

export interface Through<T> {
  value: T
  cached: boolean
}

function uncached<T>(c: Computed<T>): Through<T> {
  return { value: c.value, cached: false }
}

export class DecisionCache {
  private readonly lru?: LRUCache<string, { value: unknown }>

  constructor(max: number) {
    if (max > 0) this.lru = new LRUCache({ max })
  }

  get enabled(): boolean {
    return this.lru !== undefined
  }

  /**
   * `compute` says whether its answer may be kept (a decision that failed
   * closed is not); it gets the input's JSON text when the cache made it. Synchronous when `compute` is (a hit, or an in-process
   * evaluation): no promise per decision on the hot path.
   */
  through<T>(
    revisions: string,
    kind: string,
    input: unknown,
    compute: (json?: string) => Computed<T> | Promise<Computed<T>>,
  ): Through<T> | Promise<Through<T>> {
    const lru = this.lru
    if (!lru) {
      const c = compute()
      return c instanceof Promise ? c.then(uncached) : uncached(c)
    }
    // The input's JSON text goes on to `compute` too: on a miss the evaluation writes it into the modules as it is.
    const json = JSON.stringify(input)
    const key = `${revisions}\u0000${kind}\u0000${json}`
    const hit = lru.get(key)
    if (hit) return { value: hit.value as T, cached: true }
    const keep = (c: Computed<T>): Through<T> => {
      if (c.cacheable) lru.set(key, { value: c.value })
      return { value: c.value, cached: false }
    }
    const c = compute(json)
    return c instanceof Promise ? c.then(keep) : keep(c)
  }

  clear(): void {
    this.lru?.clear()
  }

  get size(): number {
    return this.lru?.size ?? 0
  }
}
