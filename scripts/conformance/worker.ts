// A conformance worker: a child process that compiles and evaluates one case
// at a time for the runner (scripts/conformance.ts). Running cases out of the
// runner's process means a case that hangs or crashes its process is killed
// and reported, and the run goes on with a fresh worker.
//
// Protocol (IPC, advanced serialization): the worker sends `{ ready: true }`
// (or `{ fatal }` when the compiler cannot be loaded), then answers each
// `{ id, modules, entrypoint, data, input, hasInput }` with `{ id, outcome }`.

import type { Outcome } from './judge.js'
import { sdkMemory } from '../../src/engine/memory-import.js'

export interface WorkerRequest {
  id: string
  modules: string[]
  entrypoint: string
  data: unknown
  input: unknown
  hasInput: boolean
}

type CompilerModule = typeof import('../../src/compiler.js')
type Sdk = typeof import('@open-policy-agent/opa-wasm')

async function main(): Promise<void> {
  let compiler: CompilerModule, sdk: Sdk
  try {
    compiler = await import('../../src/compiler.js')
    sdk = await import('@open-policy-agent/opa-wasm')
  } catch (e) {
    process.send!({ fatal: `cannot load the compiler: ${(e as Error).message}` })
    return
  }
  // One toolchain (runtime text + an instantiated wabt) for every case this worker compiles.
  const toolchain = compiler.createToolchain()
  process.on('message', (req: WorkerRequest) => {
    void runCase(compiler, sdk, toolchain, req).then((outcome) => process.send!({ id: req.id, outcome }))
  })
  // The runner went away (killed, Ctrl-C): do not linger as an orphan.
  process.on('disconnect', () => process.exit(0))
  process.send!({ ready: true })
}

async function runCase(compiler: CompilerModule, sdk: Sdk, toolchain: ReturnType<CompilerModule['createToolchain']>, req: WorkerRequest): Promise<Outcome> {
  let compiled: Awaited<ReturnType<CompilerModule['compile']>>
  try {
    compiled = await compiler.compile({
      // OPA's own runner names the modules test-<i>.rego; error texts use them.
      modules: req.modules.map((source, i) => ({ path: `test-${i}.rego`, source })),
      entrypoints: [req.entrypoint],
      toolchain,
    })
  } catch (e) {
    type Detail = { code?: string; message?: string; location?: { file: string; row: number; col: number } }
    const errors = (e as { errors?: Detail[] }).errors
    if (!Array.isArray(errors) || errors.length === 0) {
      return { kind: 'compile_error', codes: [String((e as Detail).code ?? 'unknown')], message: oneLine(e) }
    }
    const text = errors.map((x) => `${x.location ? `${x.location.file}:${x.location.row}:${x.location.col}: ` : ''}${x.message}`).join('; ')
    return { kind: 'compile_error', codes: errors.map((x) => String(x.code)), message: oneLine(text) }
  }
  try {
    const builtins = { ...(compiler.hostBuiltins ?? {}), ...(compiled.hostBuiltins ?? {}) } as Record<string, (...args: unknown[]) => unknown>
    const policy = await sdk.loadPolicy(compiled.wasm, sdkMemory(compiled.wasm), builtins)
    policy.setData((req.data ?? {}) as object)
    const result = policy.evaluate(req.hasInput ? req.input : undefined, req.entrypoint)
    return { kind: 'result', result }
  } catch (e) {
    return { kind: 'eval_error', message: oneLine(e) }
  }
}

function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e)
  return m.length > 2000 ? `${m.slice(0, 2000)}…` : m
}

void main()
