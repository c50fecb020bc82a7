// Memory pages of a loaded module after warm-up against after 1,000,000
// evaluations of the RBAC/ABAC policy (100,000 with --quick): the heap is
// reset between evaluations, so the two must be equal.

import type { Benchmark } from './harness.js'
import { compileAndLoad, memoryPages } from './compiled.js'
import { DATA, ENTRYPOINT, INPUTS, RBAC_ABAC_REGO } from './rbac-abac.js'

export const memoryGrowth: Benchmark = {
  name: 'memory',
  issue: 3,
  title: 'memory pages after warm-up vs after 1M evaluations',
  async run(ctx) {
    const { policy } = await compileAndLoad([{ path: 'bench/authz.rego', source: RBAC_ABAC_REGO }], [ENTRYPOINT], { data: DATA })
    const n = INPUTS.length
    for (let i = 0; i < 10_000; i++) policy.evaluate(INPUTS[i % n]!, ENTRYPOINT)
    const warm = memoryPages(policy)
    const total = ctx.quick ? 100_000 : 1_000_000
    for (let i = 0; i < total; i++) policy.evaluate(INPUTS[i % n]!, ENTRYPOINT)
    const after = memoryPages(policy)
    return {
      figures: [
        {
          name: `memory pages after ${total.toLocaleString('en-US')} evaluations ÷ after warm-up`,
          value: after,
          unit: 'pages',
          baseline: { name: 'after 10,000 warm-up evaluations', value: warm, unit: 'pages' },
          ratio: after / warm,
          target: { op: '<=', value: 1 },
          details: { pages_warm: warm, pages_after: after, evaluations: total },
        },
      ],
    }
  },
}
