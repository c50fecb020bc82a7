// Links a plan with the prebuilt runtime. The plan becomes a module of its
// own (generated functions, constants, data, the OPA ABI glue — opa_eval,
// eval context, builtins/entrypoints tables, ABI version globals — and a
// start function) whose text imports the runtime's functions under
// RUNTIME_IMPORT_MODULE; the toolchain's wabt assembles that text alone, and
// merge-modules.ts joins the binary with the runtime's binary. The runtime
// is never parsed per compile, and no text is spliced.

import type { Plan, Const } from '../plan/ir.js'
import { emitPlanFuncs, type CodegenContext } from './codegen.js'
import { DataSegments } from './data-segments.js'
import { decodeModule, encodeModule } from './binary.js'
import { mergeModules } from './merge-modules.js'
import { pruneModule } from './prune.js'
import { HOST_FUNCTIONS, RUNTIME_IMPORT_MODULE, type RuntimeSymbols } from './runtime-module.js'
import { createToolchain, type Toolchain } from './toolchain.js'
import { MeshgateError } from '../errors/index.js'

export const ABI_VERSION = 1
export const ABI_MINOR_VERSION = 3

export interface LinkResult {
  wasm: Uint8Array
  /** The policy module's text (imports the runtime; for debugging). */
  policyWat: string
}

export interface LinkOptions {
  /** Indent the policy's text for reading (see CodegenContext.indent). */
  indent?: boolean
}

/** Links `plan` with the toolchain's runtime; without a toolchain, makes one for this link. */
export async function linkPlan(plan: Plan, toolchain?: Toolchain | Promise<Toolchain>, opts: LinkOptions = {}): Promise<LinkResult> {
  const tools = await (toolchain ?? createToolchain())
  const rt = tools.runtime
  const data = new DataSegments(align(rt.symbols.dataEnd, 16))
  const cx: CodegenContext = { rt, data, abortText: (m) => data.add(ascii(m), true).addr, indent: opts.indent ?? true }
  const funcs = emitPlanFuncs(plan, cx)
  const start = emitStart(plan, rt, data)
  const glue = emitGlue(plan, rt, cx)
  const heapBase = align(data.end, 16)
  const globals = [
    ...plan.globals.map((g) => `(global $${g} (mut i32) (i32.const 0))`),
    ...plan.consts.map((_, i) => `(global $c${i} (mut i32) (i32.const 0))`),
    '(global $c_builtins (mut i32) (i32.const 0))',
    '(global $c_entrypoints (mut i32) (i32.const 0))',
    '(global $c_result_key (mut i32) (i32.const 0))',
    '(global $mg_budget (mut i32) (i32.const 0))',
    '(global $g_cover (mut i32) (i32.const 0))',
    '(global $mg_steps (mut i32) (i32.const 0))',
    `(global $opa_wasm_abi_version i32 (i32.const ${ABI_VERSION}))`,
    `(global $opa_wasm_abi_minor_version i32 (i32.const ${ABI_MINOR_VERSION}))`,
  ]
  const policyWat = [
    '(module',
    ...imports(rt, heapBase),
    ...globals,
    ...funcs,
    ...glue,
    start.replaceAll(HEAP_BASE, String(heapBase)),
    data.toWat(),
    '(start $mg_start)',
    ')',
  ].join('\n')
  const policy = assemble(tools, policyWat)
  // The generated module and the runtime are both ours: a link failure is a meshgate bug (internal_error).
  // The runtime exports its helpers (`mg_*`) for the policy to import; the
  // linked module does not: the host never calls them (engine/host-exports.ts),
  // and exported they would keep the whole runtime alive (prune.ts).
  const merged = mergeModules(rt.linkBase, decodeModule(policy, 'policy'), RUNTIME_IMPORT_MODULE)
  const wasm = encodeModule(pruneModule(merged, (e) => !rt.helperExports.has(e.name)))
  validate(wasm)
  return { wasm, policyWat }
}

/**
 * The linked module is validated whole, by the engine that will run it (a
 * stronger check than validating the policy text alone, and native).
 */
function validate(wasm: Uint8Array<ArrayBuffer>): void {
  if (WebAssembly.validate(wasm)) return
  let why = 'invalid'
  try {
    new WebAssembly.Module(wasm)
  } catch (e) {
    why = (e as Error).message
  }
  throw new MeshgateError('internal_error', `generated WebAssembly is invalid: ${why}`)
}

/** The policy module's text → binary, with the toolchain's wabt (names resolved; validation is after linking). */
function assemble(tools: Toolchain, wat: string): Uint8Array {
  let mod
  try {
    mod = tools.wabt.parseWat('policy.wat', wat, {
      bulk_memory: true,
      mutable_globals: true,
      sign_extension: true,
      sat_float_to_int: true,
      reference_types: true,
      multi_value: true,
    })
    mod.resolveNames()
    return mod.toBinary({ log: false, write_debug_names: false }).buffer
  } catch (e) {
    throw new MeshgateError('internal_error', `generated WebAssembly is invalid: ${(e as Error).message.split('\n').slice(0, 6).join(' | ')}`)
  } finally {
    mod?.destroy()
  }
}

/**
 * What the policy imports: the runtime's functions (resolved by the linker),
 * the memory it shares with the runtime (at least the pages its data needs)
 * and the SDK's host functions.
 */
function imports(rt: RuntimeSymbols, heapBase: number): string[] {
  const out = [`(import "env" "memory" (memory ${Math.max(1, Math.ceil(heapBase / 65536))}))`]
  out.push('(import "env" "opa_abort" (func $opa_abort (param i32)))')
  for (const h of HOST_FUNCTIONS)
    out.push(`(import "env" "${h.name}" (func $${h.name} (param ${Array(h.params).fill('i32').join(' ')})${h.result ? ' (result i32)' : ''}))`)
  out.push(rt.importsWat)
  // The SDK reads the memory through this export; the runtime build exports it too.
  if (!rt.module.exports.some((e) => e.name === 'memory')) out.push('(export "memory" (memory 0))')
  return out
}

const HEAP_BASE = '__MG_HEAP_BASE__'

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a
}

/** opa_abort text must be ASCII (the SDK decodes byte by byte). */
function ascii(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?')
}

function emitStart(plan: Plan, rt: RuntimeSymbols, data: DataSegments): string {
  const lines: string[] = []
  const f = (n: string) => rt.func(n)
  plan.consts.forEach((c, i) => lines.push(`(global.set $c${i} ${constExpr(c, rt, data)})`))
  plan.consts.forEach((c, i) => {
    if (c.kind === 'array') for (const it of c.items) lines.push(`(call ${f('mg_arr_push')} (global.get $c${i}) (global.get $c${it}))`)
    if (c.kind === 'set') for (const it of c.items) lines.push(`(call ${f('mg_set_add')} (global.get $c${i}) (global.get $c${it}))`)
    if (c.kind === 'object')
      for (const [k, v] of c.items) lines.push(`(call ${f('mg_obj_insert')} (global.get $c${i}) (global.get $c${k}) (global.get $c${v}))`)
  })
  const objOf = (global: string, entries: [string, number][]) => {
    lines.push(`(global.set ${global} (call ${f('mg_obj')}))`)
    for (const [k, v] of entries) {
      const s = data.add(k)
      lines.push(
        `(call ${f('mg_obj_insert')} (global.get ${global}) (call ${f('mg_str')} (i32.const ${s.addr}) (i32.const ${s.len})) (call ${f('mg_int')} (i64.const ${v})))`,
      )
    }
  }
  // Constants live for the module's life: sort them now (see opa_json_parse).
  plan.consts.forEach((c, i) => {
    if (c.kind === 'object' || c.kind === 'set' || c.kind === 'array') lines.push(`(call ${f('mg_freeze')} (global.get $c${i}))`)
  })
  objOf(
    '$c_builtins',
    plan.hostBuiltins.map((h) => [h.name, h.id]),
  )
  objOf(
    '$c_entrypoints',
    plan.entrypoints.map((e, i) => [e.path, i]),
  )
  const rk = data.add('result')
  lines.push(`(call ${f('mg_freeze')} (global.get $c_builtins))`, `(call ${f('mg_freeze')} (global.get $c_entrypoints))`)
  lines.push(`(global.set $c_result_key (call ${f('mg_str')} (i32.const ${rk.addr}) (i32.const ${rk.len})))`)
  // The runtime's own start sets its bump pointer after its static data; the
  // policy's data follows that, so move the pointer past it (through the
  // runtime's exported accessors) before any constant is allocated.
  const init = `${rt.symbols.start ? `(call ${rt.symbols.start})` : ''}
  (if (i32.lt_u (call ${f('opa_heap_ptr_get')}) (i32.const ${HEAP_BASE})) (then (call ${f('opa_heap_ptr_set')} (i32.const ${HEAP_BASE}))))`
  return `(func $mg_start\n  ${init}\n  ${lines.join('\n  ')})`
}

function constExpr(c: Const, rt: RuntimeSymbols, data: DataSegments): string {
  const f = (n: string) => rt.func(n)
  switch (c.kind) {
    case 'null':
      return `(call ${f('mg_null')})`
    case 'bool':
      return `(call ${f('mg_bool')} (i32.const ${c.value ? 1 : 0}))`
    case 'number': {
      const s = data.add(c.raw)
      return `(call ${f('mg_num_str')} (i32.const ${s.addr}) (i32.const ${s.len}))`
    }
    case 'string': {
      const s = data.add(c.value)
      return `(call ${f('mg_str')} (i32.const ${s.addr}) (i32.const ${s.len}))`
    }
    case 'array':
      return `(call ${f('mg_arr')} (i32.const ${c.items.length}))`
    case 'set':
      return `(call ${f('mg_set')})`
    case 'object':
      return `(call ${f('mg_obj')})`
  }
}

function emitGlue(plan: Plan, rt: RuntimeSymbols, cx: CodegenContext): string[] {
  const f = (n: string) => rt.func(n)
  const dispatch = plan.entrypoints.map((e, i) => `(if (i32.eq (local.get $ep) (i32.const ${i})) (then (return (call $${e.func}))))`).join('\n  ')
  const badEp = cx.abortText('internal: illegal entrypoint id')
  const badInput = cx.abortText('opa_eval: failed to parse input')
  const budget = cx.abortText('eval_budget_exceeded: step budget exceeded')
  const out: string[] = []
  out.push(`(func $mg_entry (param $ep i32) (result i32)\n  ${dispatch}\n  (call $opa_abort (i32.const ${badEp})) (unreachable))`)
  out.push(`(func $mg_step
  (if (global.get $mg_budget) (then
    (global.set $mg_steps (i32.sub (global.get $mg_steps) (i32.const 1)))
    (if (i32.le_s (global.get $mg_steps) (i32.const 0)) (then (call $opa_abort (i32.const ${budget})) (unreachable))))))`)
  out.push(`(func $mg_set_step_budget (param $n i32) (global.set $mg_budget (local.get $n)) (global.set $mg_steps (local.get $n)))`)
  out.push(`(func $mg_result_set (param $v i32) (result i32) (local $s i32) (local $o i32)
  (local.set $s (call ${f('mg_set')}))
  (if (local.get $v) (then
    (local.set $o (call ${f('mg_obj')}))
    (call ${f('mg_obj_insert')} (local.get $o) (global.get $c_result_key) (local.get $v))
    (call ${f('mg_set_add')} (local.get $s) (local.get $o))))
  (local.get $s))`)
  // A NUL-terminated copy of a string value (where its length and bytes are: the runtime build measured them).
  const str = rt.symbols.layout.string
  out.push(`(func $mg_cstr (param $v i32) (result i32) (local $p i32) (local $n i32)
  (local.set $n (i32.load offset=${str.length} (local.get $v)))
  (local.set $p (call ${f('opa_malloc')} (i32.add (local.get $n) (i32.const 1))))
  (memory.copy (local.get $p) (i32.load offset=${str.bytes} (local.get $v)) (local.get $n))
  (i32.store8 (i32.add (local.get $p) (local.get $n)) (i32.const 0))
  (local.get $p))`)
  // Coverage of the last evaluation: the JSON array of "file:row" lines that ran.
  out.push(
    `(func $mg_coverage (result i32) (call ${f('opa_json_dump')} (if (result i32) (global.get $g_cover) (then (global.get $g_cover)) (else (call ${f('mg_set')})))))`,
  )
  out.push(`(func $mg_begin (param $data i32) (param $input i32)
  (global.set $g_eval_id (i32.add (global.get $g_eval_id) (i32.const 1)))
  ${plan.coverable ? `(global.set $g_cover (call ${f('mg_set')}))` : ''}
  (global.set $g_data (local.get $data))
  (global.set $g_input (local.get $input))
  (global.set $g_epoch_ctr (i32.add (global.get $g_epoch_ctr) (i32.const 1)))
  (global.set $g_epoch (global.get $g_epoch_ctr))
  (global.set $mg_steps (global.get $mg_budget)))`)
  out.push(`(func $opa_eval (param $reserved i32) (param $ep i32) (param $data i32) (param $in i32) (param $len i32) (param $heap i32) (param $fmt i32) (result i32) (local $input i32) (local $rs i32)
  (call ${f('opa_heap_ptr_set')} (local.get $heap))
  (if (local.get $len) (then
    (local.set $input (call ${f('mg_input_parse')} (local.get $in) (local.get $len)))
    (if (i32.eqz (local.get $input)) (then (call $opa_abort (i32.const ${badInput})) (unreachable)))))
  (call $mg_begin (local.get $data) (local.get $input))
  (local.set $rs (call $mg_result_set (call $mg_entry (local.get $ep))))
  (if (result i32) (i32.eq (local.get $fmt) (i32.const 1))
    (then (call ${f('opa_value_dump')} (local.get $rs)))
    (else (call ${f('opa_json_dump')} (local.get $rs)))))`)
  // Several entrypoints on one input (the engine's per-rule decisions): the
  // caller parses the input once with opa_value_parse (which freezes it, as
  // data is frozen, so no evaluation sorts it lazily into memory the next one
  // reuses) and starts each evaluation at a heap above the parsed value.
  // Otherwise the same steps as opa_eval after its parse.
  out.push(`(func $mg_eval_parsed (param $ep i32) (param $data i32) (param $input i32) (param $heap i32) (result i32)
  (call ${f('opa_heap_ptr_set')} (local.get $heap))
  (call $mg_begin (local.get $data) (local.get $input))
  (call ${f('opa_json_dump')} (call $mg_result_set (call $mg_entry (local.get $ep)))))`)
  // The eval context of the slow path, the module's own struct (not the
  // runtime's layout): [entrypoint @0, data @4, input @8, result @12].
  out.push(`(func $opa_eval_ctx_new (result i32) (local $c i32)
  (local.set $c (call ${f('opa_malloc')} (i32.const 16)))
  (i32.store (local.get $c) (i32.const 0)) (i32.store offset=4 (local.get $c) (i32.const 0))
  (i32.store offset=8 (local.get $c) (i32.const 0)) (i32.store offset=12 (local.get $c) (i32.const 0))
  (local.get $c))`)
  out.push(`(func $opa_eval_ctx_set_input (param $c i32) (param $v i32) (i32.store offset=8 (local.get $c) (local.get $v)))`)
  out.push(`(func $opa_eval_ctx_set_data (param $c i32) (param $v i32) (i32.store offset=4 (local.get $c) (local.get $v)))`)
  out.push(`(func $opa_eval_ctx_set_entrypoint (param $c i32) (param $v i32) (i32.store (local.get $c) (local.get $v)))`)
  out.push(`(func $opa_eval_ctx_get_result (param $c i32) (result i32) (i32.load offset=12 (local.get $c)))`)
  out.push(`(func $eval (param $c i32) (result i32)
  (call $mg_begin (i32.load offset=4 (local.get $c)) (i32.load offset=8 (local.get $c)))
  (i32.store offset=12 (local.get $c) (call $mg_result_set (call $mg_entry (i32.load (local.get $c)))))
  (i32.const 0))`)
  out.push(`(func $builtins (result i32) (global.get $c_builtins))`)
  out.push(`(func $entrypoints (result i32) (global.get $c_entrypoints))`)
  const exports: [string, string][] = [
    ['builtins', 'func $builtins'],
    ['entrypoints', 'func $entrypoints'],
    ['opa_eval', 'func $opa_eval'],
    ['eval', 'func $eval'],
    ['opa_eval_ctx_new', 'func $opa_eval_ctx_new'],
    ['opa_eval_ctx_set_input', 'func $opa_eval_ctx_set_input'],
    ['opa_eval_ctx_set_data', 'func $opa_eval_ctx_set_data'],
    ['opa_eval_ctx_set_entrypoint', 'func $opa_eval_ctx_set_entrypoint'],
    ['opa_eval_ctx_get_result', 'func $opa_eval_ctx_get_result'],
    ['mg_set_step_budget', 'func $mg_set_step_budget'],
    ['mg_coverage', 'func $mg_coverage'],
    ['mg_eval_parsed', 'func $mg_eval_parsed'],
    ['opa_wasm_abi_version', 'global $opa_wasm_abi_version'],
    ['opa_wasm_abi_minor_version', 'global $opa_wasm_abi_minor_version'],
  ]
  for (const [n, what] of exports) out.push(`(export "${n}" (${what}))`)
  return out
}
