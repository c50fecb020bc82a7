// Compile time of a large generated RBAC/ABAC policy set (issue 3: ≥ 2,000
// rules, ≥ 20,000 lines), through the public `compile()`. The baseline is the
// same generator at a quarter of the size in the same run: the ratio of time
// per line says whether compile time grows linearly (≈ 1, or below since the
// fixed cost of linking the runtime weighs more on the small set) or worse.

import { compile, createToolchain } from '../src/compiler.js'
import { timeTask, type Benchmark } from './harness.js'
import { generatePolicySet } from './policy-gen.js'

const PACKAGES = 20
const DATASETS = 32

export const compileTime: Benchmark = {
  name: 'compile',
  issue: 3,
  title: 'compile time of a generated policy set',
  async run(ctx) {
    const large = generatePolicySet(PACKAGES, DATASETS)
    const small = generatePolicySet(PACKAGES / 4, DATASETS)
    ctx.log(`generated ${large.rules} rules, ${large.lines} lines in ${large.modules.length} packages`)
    const reps = ctx.quick ? 1 : 3
    const warm = ctx.quick ? 0 : 1
    // One toolchain for every compile, as a long-lived caller keeps one.
    const toolchain = await createToolchain()
    const go = (s: typeof large) => () => compile({ modules: s.modules, entrypoints: s.entrypoints, toolchain })
    const smallT = await timeTask(go(small), warm, reps)
    const largeT = await timeTask(go(large), warm, reps)
    const ms = largeT.median / 1e6
    const perLine = largeT.median / large.lines
    const perLineSmall = smallT.median / small.lines
    return {
      figures: [
        {
          name: `compile ${large.rules} rules / ${large.lines} lines: time per line vs a ${small.lines}-line set`,
          value: perLine / 1e3,
          unit: 'µs/line',
          baseline: { name: `${small.rules} rules, ${small.lines} lines`, value: perLineSmall / 1e3, unit: 'µs/line' },
          ratio: perLine / perLineSmall,
          note: `${ms.toFixed(0)} ms total, ${Math.round(large.lines / (ms / 1e3))} lines/s, ${Math.round(large.rules / (ms / 1e3))} rules/s`,
        },
      ],
      notes: [`compile of the large set: ${ms.toFixed(0)} ms (median of ${reps}), ${Math.round(large.lines / (ms / 1e3))} lines/s`],
    }
  },
}
