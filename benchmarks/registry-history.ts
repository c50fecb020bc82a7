// What a publish's commit costs the embedded store as a bundle's history
// grows: the median commit (blob written durably, history record made
// durable) on a bundle with 10,000 revisions in its history ÷ the same on a
// bundle with one, commits alternated between the two stores in one run.
// A registry fed by CI publishes many times a day; its publishes must not
// slow down as the history grows (the store rewrote the whole history on
// every publish before it appended one line: docs/registry.md, "Storage").
//
// Both histories are seeded as files in the format before (one JSON
// document per bundle), which the store converts when it opens: the build
// before reads the same files as they are, so the same seed measures both
// (the opening time is reported beside).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundleDigest } from '../src/bundle/index.js'
import { FsBundleStore, type RevisionRecord } from '../src/registry/index.js'
import type { Benchmark } from './harness.js'
import { median } from './harness.js'

function recordOf(revision: string, digest: string): RevisionRecord {
  return { revision, digest, size: 1024, roots: ['global'], publisher: 'governance-ci', published_at: new Date(0).toISOString(), action: 'publish' }
}

/** A data folder whose bundle `global` has `n` revisions (all with the same bytes, stored once). */
function seed(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'mg-bench-history-'))
  const bytes = Buffer.from('seed bundle')
  const digest = bundleDigest(bytes)
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true })
  mkdirSync(join(dir, 'bundles'), { recursive: true })
  writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes)
  const history = Array.from({ length: n }, (_, i) => recordOf(`s${i}`, digest))
  writeFileSync(join(dir, 'bundles', 'global.json'), JSON.stringify({ name: 'global', history }, null, 2))
  return dir
}

export const registryHistory: Benchmark = {
  name: 'registry-history',
  issue: 9,
  title: "registry: a publish's commit with a long history",
  async run(ctx) {
    const long = ctx.quick ? 2000 : 10_000
    const commits = ctx.quick ? 10 : 40
    const dirs = [seed(1), seed(long)]
    try {
      const opened: number[] = []
      const stores: FsBundleStore[] = []
      for (const dir of dirs) {
        const t0 = performance.now()
        stores.push(await FsBundleStore.open({ dir }))
        opened.push(performance.now() - t0)
      }
      const times: number[][] = [[], []]
      for (let i = 0; i < commits; i++) {
        for (const [k, store] of stores.entries()) {
          const bytes = Buffer.from(`bundle ${i} of store ${k}, ${'x'.repeat(30_000)}`)
          const record = recordOf(`r${i}`, bundleDigest(bytes))
          const ifCurrent = (await store.current('global'))!.digest
          const t0 = performance.now()
          await store.commit('global', record, { ifCurrent, bytes })
          times[k]!.push(performance.now() - t0)
        }
      }
      for (const s of stores) await s.close()
      const [short, longer] = times.map(median) as [number, number]
      ctx.log(
        `commit: ${short.toFixed(2)} ms with 1 revision, ${longer.toFixed(2)} ms with ${long}; open ${opened[0]!.toFixed(1)} / ${opened[1]!.toFixed(1)} ms; load ${loadavg()[0]!.toFixed(2)}`,
      )
      return {
        figures: [
          {
            name: `publish commit with ${long} revisions in the history ÷ with 1 (median of ${commits})`,
            value: longer,
            unit: 'ms',
            baseline: { name: 'commit with 1 revision, same run', value: short, unit: 'ms' },
            ratio: longer / short,
            target: { op: '<=', value: 1.5 },
            note: 'a publish must not slow down as the history grows; both bound by the disk fsync',
            details: { commits, revisions: long, open_short_ms: opened[0]!, open_long_ms: opened[1]! },
          },
        ],
      }
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    }
  },
}
