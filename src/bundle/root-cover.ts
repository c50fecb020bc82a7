// Whether one set of roots covers another, with OPA's RootPathsContain rule:
// roots split on `/` only, and the empty root contains everything. Used to
// bind signing keys and publish tokens to the roots they may write.

import { trimSlashes } from './manifest.js'

function segments(root: string): string[] {
  const r = trimSlashes(root)
  return r === '' ? [] : r.split('/')
}

/** True when `root` equals or lies under one of `outer`. */
export function rootCovered(outer: readonly string[], root: string): boolean {
  const inner = segments(root)
  return outer.some((o) => {
    const s = segments(o)
    return s.length <= inner.length && s.every((seg, i) => inner[i] === seg)
  })
}

/** The roots of `inner` that `outer` does not cover (empty when all are). */
export function uncoveredRoots(outer: readonly string[], inner: readonly string[]): string[] {
  return inner.filter((r) => !rootCovered(outer, r))
}
