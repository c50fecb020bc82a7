// Compiled plans, cached per (port, decision): a stream request compiles
// the plan its decision gave once, and later requests with the same decision
// reuse the compiled function. The engine hands out a new plan object per
// decision, so the cache is keyed by the plan's content (what the compiled
// function depends on: each field's transform, the row filters and
// `unknown_fields`, not the layer names), in canonical JSON. Bounded (LRU):
// a mesh with many purposes and field selections evicts the least recently
// used plans instead of growing. One cache serves one key set, because the
// compiled functions close over the key.

import { LRUCache } from 'lru-cache'
import { compilePlan, type CompiledPlan } from './apply.js'
import { canonicalJson } from './canonical-json.js'
import type { AnonymizationPlan } from './combine.js'
import type { AnonymizeKeys } from './field-transforms.js'

export const DEFAULT_COMPILED_PLANS = 256

export class CompiledPlans {
  private readonly cache: LRUCache<string, CompiledPlan>
  /** Plans compiled so far (misses); for tests and metrics. */
  compiles = 0

  constructor(
    readonly keys: AnonymizeKeys = {},
    max = DEFAULT_COMPILED_PLANS,
  ) {
    this.cache = new LRUCache({ max })
  }

  /** The plan compiled for this cache's keys; compiled on first sight of (port, decision). */
  get(port: string, plan: AnonymizationPlan): CompiledPlan {
    const id = `${canonicalJson(port)}${planKey(plan)}`
    let c = this.cache.get(id)
    if (c === undefined) {
      c = compilePlan(plan, this.keys)
      this.compiles++
      this.cache.set(id, c)
    }
    return c
  }

  get size(): number {
    return this.cache.size
  }
}

/** What a compiled plan depends on, as canonical JSON: equal keys, equal functions. */
export function planKey(plan: AnonymizationPlan): string {
  const fields = Object.keys(plan.fields)
    .sort()
    .map((p) => [p, plan.fields[p]!.transform])
  const filters = plan.row_filters.map((f) => [f.field, f.op, f.value])
  return canonicalJson([fields, filters, plan.unknown_fields])
}
