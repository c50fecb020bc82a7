// Evaluation time at 10, 100 and 1,000 rules of the same shape
// (`allow if { input.role == "role_N"; input.action == "read" }`). OPA's wasm
// tries every rule in turn, so time grows with the rule count; meshgate
// indexes rules on their constant conditions to keep it nearly flat. The
// input matches the last rule (the worst case for a linear scan); a second
// input matches none.

import { timeFigure, timeSync, type Benchmark, type Sample } from './harness.js'
import { compileAndLoad } from './compiled.js'
import { generateSameShape } from './policy-gen.js'

const SIZES = [10, 100, 1000] as const

export const ruleScaling: Benchmark = {
  name: 'scaling',
  issue: 3,
  title: 'evaluation time at 10, 100 and 1,000 rules',
  async run(ctx) {
    const times = new Map<number, Sample>()
    for (const n of SIZES) {
      const ep = `scale/n${n}/allow`
      const { policy } = await compileAndLoad([{ path: `scale/n${n}.rego`, source: generateSameShape(n) }], [ep])
      const inputs = [
        { role: `role_${n - 1}`, action: 'read' },
        { role: 'nobody', action: 'read' },
      ]
      const got = inputs.map((i) => policy.evaluate(i, ep)[0]?.result)
      if (got[0] !== true || got[1] !== false) throw new Error(`${n} rules: unexpected answers ${JSON.stringify(got)}`)
      times.set(
        n,
        timeSync(
          (i) => policy.evaluate(inputs[i & 1]!, ep),
          ctx.quick ? { warmup: 1_000, iterations: 5_000, reps: 3 } : { warmup: 10_000, iterations: 30_000, reps: 7 },
        ),
      )
    }
    const t10 = times.get(10)!
    return {
      figures: [
        timeFigure('eval at 100 rules ÷ at 10 rules', times.get(100)!, '10 rules', t10),
        timeFigure('eval at 1,000 rules ÷ at 10 rules', times.get(1000)!, '10 rules', t10, {
          target: { op: '<=', value: 1.5 },
          note: '"nearly flat" read as ≤ 1.5; OPA\'s wasm grows linearly',
        }),
      ],
    }
  },
}
