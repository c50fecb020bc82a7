// Evaluation time per decision of a typical RBAC/ABAC policy compiled by
// meshgate and run through the official SDK (`evaluate(input, entrypoint)`,
// which includes writing the input into the module and reading the result
// back), against a hand-written JavaScript function answering the same
// question on the same inputs. Answers are checked equal first.

import { timeFigure, timeSync, type Benchmark } from './harness.js'
import { compileAndLoad } from './compiled.js'
import { allowJs, DATA, ENTRYPOINT, INPUTS, RBAC_ABAC_REGO } from './rbac-abac.js'

export const evalRbac: Benchmark = {
  name: 'eval',
  issue: 3,
  title: 'evaluation per decision vs hand-written JavaScript',
  async run(ctx) {
    const { policy } = await compileAndLoad([{ path: 'bench/authz.rego', source: RBAC_ABAC_REGO }], [ENTRYPOINT], { data: DATA })
    for (const input of INPUTS) {
      const ours = policy.evaluate(input, ENTRYPOINT)[0]?.result
      const js = allowJs(DATA, input)
      if (ours !== js) throw new Error(`policy and JavaScript disagree on ${JSON.stringify(input)}: ${ours} vs ${js}`)
    }
    const n = INPUTS.length
    const wasm = timeSync(
      (i) => policy.evaluate(INPUTS[i % n]!, ENTRYPOINT),
      ctx.quick ? { warmup: 2_000, iterations: 10_000, reps: 3 } : { warmup: 20_000, iterations: 50_000, reps: 7 },
    )
    const js = timeSync(
      (i) => allowJs(DATA, INPUTS[i % n]!),
      ctx.quick ? { warmup: 100_000, iterations: 1_000_000, reps: 3 } : { warmup: 1_000_000, iterations: 5_000_000, reps: 7 },
    )
    return {
      figures: [
        timeFigure(`RBAC/ABAC decision (${n} inputs, answers equal): wasm via SDK ÷ JavaScript`, wasm, 'hand-written JS function', js, {
          details: { wasm_ns: wasm.median, js_ns: js.median, decisions_per_s: Math.round(1e9 / wasm.median) },
        }),
      ],
    }
  },
}
