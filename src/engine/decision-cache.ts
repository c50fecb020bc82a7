// The decision cache: answers keyed by the active bundle revisions plus the
// decision kind and the input's JSON text. The text is not canonicalised:
// sorting keys cost as much as the route handler itself, and the same input
// written with its keys in another order is only a miss, never a wrong hit. A new activation changes the key
// (and clears the cache to free memory), so no answer outlives its bundles.

import { LRUCache } from 'lru-cache'

export class DecisionCache {
  private readonly lru?: LRUCache<string, { value: unknown }>

  constructor(max: number) {
    if (max > 0) this.lru = new LRUCache({ max })
  }

  get enabled(): boolean {
    return this.lru !== undefined
  }

  /** `compute` says whether its answer may be kept (a decision that failed closed is not). */
  async through<T>(
    revisions: string,
    kind: string,
    input: unknown,
    compute: () => Promise<{ value: T; cacheable: boolean }>,
  ): Promise<{ value: T; cached: boolean }> {
    if (!this.lru) return { value: (await compute()).value, cached: false }
    const key = `${revisions}\u0000${kind}\u0000${JSON.stringify(input)}`
    const hit = this.lru.get(key)
    if (hit) return { value: hit.value as T, cached: true }
    const { value, cacheable } = await compute()
    if (cacheable) this.lru.set(key, { value })
    return { value, cached: false }
  }

  clear(): void {
    this.lru?.clear()
  }

  get size(): number {
    return this.lru?.size ?? 0
  }
}
