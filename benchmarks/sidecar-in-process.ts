// The sidecar's decision path without HTTP (issue 4, reported beside the HTTP
// figures): `Engine.access()` on the example mesh (global + orders layers,
// `data.mesh` from the ODPS/ODCS files), with the decision cache off and on.
// The baseline is the floor under it: evaluating each layer's access package
// directly on its loaded bundle, with no combination, cache or bookkeeping.

import { timeAsync, timeFigure, timeSync, type Benchmark } from './harness.js'
import { exampleEngine, INPUT } from './example-mesh.js'
import { repoRoot } from './paths.js'

export const sidecarInProcess: Benchmark = {
  name: 'sidecar-inprocess',
  issue: 4,
  title: 'in-process access decision (engine) vs raw layer evaluations',
  async run(ctx) {
    const plan = ctx.quick ? { warmup: 500, iterations: 2_000, reps: 3 } : { warmup: 5_000, iterations: 10_000, reps: 7 }
    const off = await exampleEngine(repoRoot, 0)
    const on = await exampleEngine(repoRoot, 10_000)
    try {
      const answer = await off.engine.access(INPUT)
      const raw = off.engine.layers.map((l) => ({ loaded: l.active!.loaded, ep: `${l.root}/access` }))
      for (const r of raw) if (!r.loaded.has(r.ep)) throw new Error(`layer bundle has no entrypoint \`${r.ep}\``)
      const base = timeSync(() => raw.map((r) => r.loaded.evaluate(r.ep, INPUT)), plan)
      const tOff = await timeAsync(() => off.engine.access(INPUT), plan)
      const tOn = await timeAsync(() => on.engine.access(INPUT), plan)
      const baseName = `raw evaluation of ${raw.length} layers' access package`
      return {
        figures: [
          timeFigure('in-process access decision, cache off ÷ raw layer evaluations', tOff, baseName, base, {
            note: `decision: allow=${answer.value.allow}, ${answer.value.deny.length} deny reason(s)`,
            details: { decisions_per_s: Math.round(1e9 / tOff.median) },
          }),
          timeFigure('in-process access decision, cache on (hit) ÷ raw layer evaluations', tOn, baseName, base, {
            details: { decisions_per_s: Math.round(1e9 / tOn.median) },
          }),
        ],
      }
    } finally {
      await off.engine.close()
      await on.engine.close()
    }
  },
}
