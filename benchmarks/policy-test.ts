// `policy test` speed (issue 5): a generated suite of 1,000 Rego unit tests
// (`test_*` rules with `with input as` / `with data… as` mocks), compiled
// ONCE as one module with every test as an entrypoint, then run through the
// programmatic runner behind `policy test` (src/cli/test: discoverTests +
// runSuite). Reported as time per test ÷ one evaluation of a compiled rule
// (the policy's own `allow`, same module shape), both with and without the
// one compile amortized over the suite.

import { compile, hostBuiltins, createToolchain } from '../src/compiler.js'
import { parseModule } from '../src/rego/index.js'
import { discoverTests } from '../src/cli/test/discover.js'
import { runSuite } from '../src/cli/test/runner.js'
import { timeFigure, timeSync, timeTask, type Benchmark, type Sample } from './harness.js'
import { compileAndLoad } from './compiled.js'
import { generateTestSuite } from './policy-gen.js'

const TESTS = 1000

export const policyTest: Benchmark = {
  name: 'policy-test',
  issue: 5,
  title: 'time per test of a 1,000-test suite vs one evaluation',
  async run(ctx) {
    const suite = generateTestSuite(TESTS)
    const modules = suite.modules.map((m) => parseModule(m.path, m.source, { regoVersion: 1 }))
    const found = discoverTests(modules)
    if (found.errors.length) throw new Error(`test discovery failed: ${found.errors[0]!.message}`)
    if (found.tests.length !== TESTS) throw new Error(`discovered ${found.tests.length} tests, generated ${TESTS}`)
    const sources = suite.modules.map((m) => ({ path: m.path, source: found.rewritten.get(m.path) ?? m.source }))
    // One toolchain for every compile, as `policy test --watch` would keep one.
    const toolchain = await createToolchain()
    const doCompile = () => compile({ modules: sources, entrypoints: found.tests.map((t) => t.entrypoint), toolchain })
    const compiled = await doCompile()
    const compileT = await timeTask(doCompile, 0, ctx.quick ? 1 : 3)
    const compiledSuite = { wasm: compiled.wasm, entrypoints: compiled.entrypoints, hostBuiltins: { ...hostBuiltins, ...compiled.hostBuiltins } }
    const check = await runSuite(compiledSuite, found.tests, { data: {}, coverage: false })
    const failed = check.results.filter((r) => r.status !== 'pass')
    if (failed.length)
      throw new Error(`${failed.length} generated tests did not pass, e.g. ${failed[0]!.test.id}: ${failed[0]!.status} ${failed[0]!.error ?? ''}`)
    // One whole run of the suite per repetition (load, setData, every test).
    const suiteT = await timeTask(() => runSuite(compiledSuite, found.tests, { data: {}, coverage: false }), 1, ctx.quick ? 3 : 7)
    const perTest: Sample = scale(suiteT, 1 / TESTS)
    const withCompile: Sample = scale({ ...suiteT, median: suiteT.median + compileT.median }, 1 / TESTS)

    // Baseline: one evaluation of a compiled rule of the policy under test.
    const { policy } = await compileAndLoad([suite.modules[0]!], ['suite/authz/allow'], {
      data: { grants: { r: [{ action: 'read', dataset: 'd' }] }, pii_datasets: [] },
    })
    const input = { subject: { roles: ['r'] }, action: 'read', dataset: 'd' }
    if (policy.evaluate(input, 'suite/authz/allow')[0]?.result !== true) throw new Error('baseline rule did not allow')
    const one = timeSync(
      () => policy.evaluate(input, 'suite/authz/allow'),
      ctx.quick ? { warmup: 2_000, iterations: 10_000, reps: 3 } : { warmup: 20_000, iterations: 50_000, reps: 7 },
    )
    return {
      figures: [
        timeFigure(`time per test, ${TESTS} tests run by the policy-test runner ÷ one evaluation`, perTest, 'one evaluation of a compiled rule', one, {
          details: { suite_run_ms: suiteT.median / 1e6, tests: TESTS },
        }),
        timeFigure(
          `time per test incl. the one compile (${suite.modules.length} files) ÷ one evaluation`,
          withCompile,
          'one evaluation of a compiled rule',
          one,
          {
            note: `compile once: ${(compileT.median / 1e6).toFixed(0)} ms; runner: src/cli/test (discoverTests + runSuite)`,
            details: { compile_ms: compileT.median / 1e6 },
          },
        ),
      ],
    }
  },
}

function scale(s: Sample, k: number): Sample {
  return { median: s.median * k, min: s.min * k, max: s.max * k, reps: s.reps.map((x) => x * k) }
}
