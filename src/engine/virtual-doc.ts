// Answers OPA's `/v1/data/{path}` from the active layers. A path at or below
// an entrypoint evaluates that entrypoint and walks into its value; a path
// above entrypoints (up to `data` itself) assembles an object from the
// topmost entrypoints beneath it and the base data of each layer, as OPA's
// virtual document does. Undefined stays undefined (no `result`).

import { isObject } from '../bundle/data.js'
import type { EvalCall } from './evaluator.js'
import type { ResultSet } from './loaded-bundle.js'

export interface DocSource {
  key: string
  entrypoints: string[]
  /** The layer's data document (bundle data plus `mesh`). */
  data: Record<string, unknown>
}

export interface DocPlan {
  calls: EvalCall[]
  /** Turns the call results into the value at the path (undefined = no result). */
  assemble: (results: ResultSet[]) => unknown
  /**
   * A per-rule plan's [rule, entrypoint] pairs, in call order: the document
   * is `{rule: first result}` for each rule with a result (decision-rules.ts
   * rulePlan). Absent for a plan that reads a package document.
   */
  rules?: readonly (readonly [string, string])[]
}

const segs = (p: string): string[] => (p === '' ? [] : p.split('/'))
const isPrefix = (a: string[], b: string[]) => a.length <= b.length && a.every((s, i) => b[i] === s)

export function planDocument(path: string[], sources: DocSource[]): DocPlan {
  // 1. The deepest entrypoint at or above the path.
  let best: { src: DocSource; ep: string[] } | undefined
  for (const src of sources) {
    for (const ep of src.entrypoints) {
      const e = segs(ep)
      if (isPrefix(e, path) && (!best || e.length > best.ep.length)) best = { src, ep: e }
    }
  }
  if (best) {
    const rest = path.slice(best.ep.length)
    return {
      calls: [{ bundle: best.src.key, entrypoint: best.ep.join('/') }],
      assemble: ([rs]) => (rs && rs.length ? walk(rs[0]!.result, rest) : undefined),
    }
  }
  // 2. Topmost entrypoints below the path, merged over base data.
  const below: { src: DocSource; ep: string[] }[] = []
  for (const src of sources) {
    const eps = src.entrypoints.map(segs).filter((e) => e.length > path.length && isPrefix(path, e))
    for (const e of eps) {
      if (!eps.some((o) => o.length < e.length && isPrefix(o, e))) below.push({ src, ep: e })
    }
  }
  return {
    calls: below.map((b) => ({ bundle: b.src.key, entrypoint: b.ep.join('/') })),
    assemble: (results) => {
      let out: unknown = undefined
      // `mesh` is in every layer's data; merging identical trees is harmless.
      for (const src of sources) {
        const base = walk(src.data, path)
        if (base !== undefined) out = merge(out, structuredClone(base))
      }
      results.forEach((rs, i) => {
        if (!rs.length) return
        const rel = below[i]!.ep.slice(path.length)
        out = merge(out, nest(rel, rs[0]!.result))
      })
      return out
    },
  }
}

function walk(v: unknown, path: string[]): unknown {
  let cur = v
  for (const s of path) {
    if (isObject(cur)) cur = cur[s]
    else if (Array.isArray(cur) && /^\d+$/.test(s)) cur = cur[Number(s)]
    else return undefined
    if (cur === undefined) return undefined
  }
  return cur
}

function nest(path: string[], value: unknown): unknown {
  return path.reduceRight<unknown>((acc, s) => ({ [s]: acc }), value)
}

function merge(a: unknown, b: unknown): unknown {
  if (a === undefined) return b
  if (isObject(a) && isObject(b)) {
    const out: Record<string, unknown> = { ...a }
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k], v) : v
    return out
  }
  return b
}
