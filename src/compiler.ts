// meshgate's public compiler API (`import { compile, hostBuiltins } from
// "meshgate/compiler"`): Rego source → checked AST → plan → WebAssembly that
// follows the OPA WASM ABI, loadable by @open-policy-agent/opa-wasm: parse
// (rego/) → checkProgram (check/) → planProgram (plan/) → linkPlan (wasm/).

import { parseModule } from './rego/index.js'
import type { Module } from './rego/index.js'
import { CompileError, MeshgateError, type ErrorDetail } from './errors/index.js'
import { checkProgram } from './check/index.js'
import { planProgram } from './plan/planner.js'
import { printPlan } from './plan/print.js'
import { linkPlan } from './wasm/link.js'
import { createToolchain, type Toolchain } from './wasm/toolchain.js'
import { parseCapabilities } from './builtins/capabilities.js'
import { hostFunctions } from './builtins/host.js'

export interface CompileOptions {
  modules: { path: string; source: string }[]
  entrypoints: string[]
  /** OPA capabilities JSON (object or text): extra built-ins become host calls. */
  capabilities?: unknown
  regoVersion?: 0 | 1
  /** Built-in errors abort evaluation instead of making the expression undefined. */
  strictBuiltinErrors?: boolean
  /** Also return the plan's text and the WAT (for `policy build --dump`). */
  debug?: boolean
  /**
   * Instrument for coverage: the module exports `mg_coverage()`, the address
   * of a NUL-terminated JSON array of the "file:row" lines the last
   * evaluation ran; `coverable` lists every line that could run.
   */
  coverage?: boolean
  /**
   * The runtime and assembler to link with (createToolchain()). A caller that
   * compiles many times creates one and passes it to each compile; without
   * it, this compile makes its own (tens of milliseconds).
   */
  toolchain?: Toolchain | Promise<Toolchain>
}

export { createToolchain, type Toolchain }

export interface CompileResult {
  wasm: Uint8Array
  entrypoints: Record<string, number>
  /** Host functions this module needs beyond the shared `hostBuiltins`. */
  hostBuiltins?: Record<string, (...args: any[]) => unknown>
  /** The names of host built-ins the module calls (its `builtins` table). */
  builtins: string[]
  modules: Module[]
  /**
   * What compiles but likely does not mean what it says, e.g.
   * `rego_negation_undefined_arg` (`policy check` prints them); each with
   * code, message and location, like an error.
   */
  warnings: ErrorDetail[]
  plan?: string
  wat?: string
  coverable?: Record<string, number[]>
}

/** Host implementations of every catalogued built-in, OPA's non-strict mode
 *  (also those now computed in the module, for modules built before). */
export const hostBuiltins: Record<string, (...args: any[]) => unknown> = hostFunctions(false, { withInModule: true })

export async function compile(opts: CompileOptions): Promise<CompileResult> {
  if (!opts || !Array.isArray(opts.modules)) throw new MeshgateError('cli_usage_error', 'compile() needs `modules`: an array of { path, source }')
  if (!Array.isArray(opts.entrypoints) || opts.entrypoints.length === 0) {
    throw new MeshgateError('compile_entrypoint_error', 'compile() needs at least one entrypoint (a `pkg/rule` path)')
  }
  const errors: ErrorDetail[] = []
  const modules: Module[] = []
  for (const m of opts.modules) {
    try {
      modules.push(parseModule(m.path, m.source, { regoVersion: opts.regoVersion ?? 1 }))
    } catch (e) {
      if (e instanceof CompileError) errors.push(...e.errors)
      else if (e instanceof MeshgateError) errors.push(e.toJSON())
      else throw e
    }
  }
  if (errors.length) throw new CompileError(errors)
  const customBuiltins = opts.capabilities !== undefined ? parseCapabilities(opts.capabilities) : undefined
  const checked = checkProgram(modules, customBuiltins ? { customBuiltins } : {})
  const { plan, errors: planErrors } = planProgram(checked, { entrypoints: opts.entrypoints, coverage: !!opts.coverage, strict: !!opts.strictBuiltinErrors })
  if (planErrors.length) throw new CompileError(planErrors)
  const linked = await linkPlan(plan, opts.toolchain, { indent: opts.debug === true })
  const entrypoints: Record<string, number> = {}
  plan.entrypoints.forEach((e, i) => {
    entrypoints[e.path] = i
  })
  const result: CompileResult = {
    wasm: linked.wasm,
    entrypoints,
    builtins: plan.hostBuiltins.map((h) => h.name),
    modules,
    warnings: byLocation(checked.warnings),
  }
  if (opts.strictBuiltinErrors) {
    const strict = hostFunctions(true)
    result.hostBuiltins = Object.fromEntries(plan.hostBuiltins.filter((h) => strict[h.name]).map((h) => [h.name, strict[h.name]!]))
  }
  if (plan.coverable) result.coverable = plan.coverable
  if (opts.debug) {
    result.plan = printPlan(plan)
    result.wat = linked.policyWat
  }
  return result
}

export { CompileError, MeshgateError }

/** Warnings in source order (file, row, column), as errors are reported. */
function byLocation(warnings: readonly ErrorDetail[]): ErrorDetail[] {
  const key = (w: ErrorDetail) => [w.location?.file ?? '', w.location?.row ?? 0, w.location?.col ?? 0] as const
  return [...warnings].sort((a, b) => {
    const [fa, ra, ca] = key(a),
      [fb, rb, cb] = key(b)
    return fa < fb ? -1 : fa > fb ? 1 : ra - rb || ca - cb
  })
}
