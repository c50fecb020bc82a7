#!/usr/bin/env node
// build-runtime.mjs — compiles the AssemblyScript runtime
// (src/wasm/runtime/assembly/) once per build into a binary module that
// each compiled policy is linked with (src/wasm/merge-modules.ts), plus
// symbols.json naming what generated code calls. Run by `npm run
// build:runtime` (and so by `npm ci` via prepare).
//
//   dist/runtime/runtime.wasm   the runtime module, linked with each policy
//   dist/runtime/runtime.wat    the same as text, with debug names (read by
//                               the runtime's own tests and by people)
//   dist/runtime/symbols.json   { functions, heapOffsetGlobal, start, imports,
//                                 dataEnd, layout } — see docs/runtime-api.md
//
// The output is rebuilt only when a source, this script or the compiler
// changes (a stamp of their hash sits beside it): asc at -O3 takes several
// seconds, and `npm test` runs the build every time.

import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const runtimeDir = join(root, 'src/wasm/runtime')
const assemblyDir = join(runtimeDir, 'assembly')
const outDir = join(root, 'dist/runtime')
const watPath = join(outDir, 'runtime.wat')
const wasmPath = join(outDir, 'runtime.wasm')
const symbolsPath = join(outDir, 'symbols.json')
const stampPath = join(outDir, 'runtime.stamp')

// Why each flag:
// --runtime stub        no GC; the runtime uses no managed objects at all and
//                       allocates from its own arena (checked below)
// --importMemory        the SDK supplies env.memory
// --zeroFilledMemory    a fresh imported memory is zeroed: no zero segments
// --use abort=          no env.abort import (the SDK would fail to link)
// --exportStart _start  the runtime's init runs from the generated start
//                       function, not from a start section of its own
// --debug               keeps `$assembly/<file>/<name>` function names
const ASC_ARGS = [
  'assembly/index.ts',
  '--baseDir',
  runtimeDir,
  '--runtime',
  'stub',
  '--importMemory',
  '--zeroFilledMemory',
  '--use',
  'abort=',
  '--exportStart',
  '_start',
  '-O3',
  '--debug',
  '--textFile',
  'runtime.wat',
]

const HEAP_GLOBAL = '$assembly/value/heapPtr'
const ALLOWED_IMPORTS = new Set(['env.memory', 'env.opa_abort'])

async function sourceHash() {
  const require = createRequire(import.meta.url)
  const ascVersion = require('assemblyscript/package.json').version
  const h = createHash('sha256')
  h.update(ascVersion)
  h.update(JSON.stringify(ASC_ARGS))
  h.update(await readFile(fileURLToPath(import.meta.url)))
  const files = (await readdir(assemblyDir)).filter((f) => f.endsWith('.ts') || f.endsWith('.json')).sort()
  for (const f of files) {
    h.update(f)
    h.update(await readFile(join(assemblyDir, f)))
  }
  return h.digest('hex')
}

async function compile() {
  const { default: asc } = await import('assemblyscript/asc')
  let wat = null
  const stderr = asc.createMemoryStream()
  const { error } = await asc.main(ASC_ARGS, {
    stderr,
    writeFile(name, contents) {
      if (name.endsWith('runtime.wat')) wat = typeof contents === 'string' ? contents : Buffer.from(contents).toString('utf8')
    },
  })
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`)
  if (wat === null) throw new Error('asc produced no WAT text')
  return wat
}

/** Reads names and invariants out of the WAT text. */
function symbolsOf(wat) {
  const functions = {}
  for (const m of wat.matchAll(/^\s*\(export "([^"]+)" \(func (\$[^\s)]+)\)\)/gm)) {
    functions[m[1]] = m[2]
  }
  const imports = {}
  for (const m of wat.matchAll(/^\s*\(import "([^"]+)" "([^"]+)" \((\w+) (\$[^\s)]+)/gm)) {
    const name = `${m[1]}.${m[2]}`
    if (!ALLOWED_IMPORTS.has(name)) throw new Error(`runtime imports ${name}; only ${[...ALLOWED_IMPORTS].join(', ')} are allowed`)
    if (m[3] === 'func') imports[m[2]] = m[4]
  }
  if (!imports.opa_abort) throw new Error('runtime does not import env.opa_abort')
  if (!new RegExp(`\\(global \\${HEAP_GLOBAL} \\(mut i32\\)`).test(wat)) {
    throw new Error(`heap pointer global ${HEAP_GLOBAL} not found`)
  }
  // The arena is the only heap: a managed allocation would bump the stub's
  // own offset, which opa_heap_ptr_set does not reset.
  const stub = wat.match(/\(func \$~lib\/rt\/(stub|common)\/[^\s)]+/)
  if (stub) throw new Error(`runtime links the stub allocator (${stub[0]}); use raw arena allocation`)
  if (/^\s*\(start /m.test(wat)) throw new Error('runtime has a start section')
  const start = functions._start ?? null
  return { functions, heapOffsetGlobal: HEAP_GLOBAL, start, imports }
}

/** The binary module (no name section: the linker drops names anyway), and
 *  the first free byte after static data: the heap base the runtime's own
 *  init sets, read by running it once.
 *  Then the value layout the generated code relies on, measured from the
 *  runtime's own constructors (not restated by hand): the type tag of each
 *  kind (mg_type) and where a string keeps its byte length and bytes. */
async function measure(wat) {
  const { default: wabtInit } = await import('wabt')
  const wabt = await wabtInit()
  const mod = wabt.parseWat('runtime.wat', wat, { bulk_memory: true, mutable_globals: true, sign_extension: true, sat_float_to_int: true })
  mod.validate()
  const { buffer } = mod.toBinary({})
  mod.destroy()
  const memory = new WebAssembly.Memory({ initial: 2 })
  const { instance } = await WebAssembly.instantiate(buffer, {
    env: {
      memory,
      opa_abort: () => {
        throw new Error('opa_abort during init')
      },
    },
  })
  const ex = instance.exports
  if (typeof ex._start === 'function') ex._start()
  const dataEnd = ex.opa_heap_ptr_get()
  return { wasm: buffer, dataEnd, layout: measureLayout(ex, memory) }
}

/** Type tags and the string layout, read from values the runtime builds. */
function measureLayout(ex, memory) {
  const typeTags = {
    null: ex.mg_type(ex.mg_null()),
    boolean: ex.mg_type(ex.mg_bool(1)),
    number: ex.mg_type(ex.mg_int(1n)),
    array: ex.mg_type(ex.mg_arr(0)),
    object: ex.mg_type(ex.mg_obj()),
    set: ex.mg_type(ex.mg_set()),
  }
  const bytes = ex.opa_malloc(7)
  new Uint8Array(memory.buffer, bytes, 7).set([109, 101, 115, 104, 103, 97, 116])
  const str = ex.mg_str(bytes, 7)
  typeTags.string = ex.mg_type(str)
  if (new Set(Object.values(typeTags)).size !== 7) throw new Error(`runtime type tags are not distinct: ${JSON.stringify(typeTags)}`)
  // A string value is a header of i32 fields: find the one holding the
  // length and the one pointing at the bytes (a copy or the original).
  const view = new DataView(memory.buffer)
  const text = (p) => new TextDecoder().decode(new Uint8Array(memory.buffer, p, 7))
  let length, data
  for (let off = 4; off < 32; off += 4) {
    const v = view.getInt32(str + off, true)
    if (length === undefined && v === 7) length = off
    else if (data === undefined && v > 0 && v + 7 <= memory.buffer.byteLength && text(v) === 'meshgat') data = off
  }
  if (length === undefined || data === undefined) throw new Error('runtime string layout not found (length and bytes pointer)')
  return { typeTags, string: { length, bytes: data } }
}

async function main() {
  const hash = await sourceHash()
  if (existsSync(watPath) && existsSync(wasmPath) && existsSync(symbolsPath) && existsSync(stampPath) && (await readFile(stampPath, 'utf8')) === hash) {
    console.log('runtime: up to date')
    return
  }
  const t0 = Date.now()
  const wat = await compile()
  const symbols = symbolsOf(wat)
  const measured = await measure(wat)
  symbols.dataEnd = measured.dataEnd
  symbols.layout = measured.layout
  await mkdir(outDir, { recursive: true })
  // temp file, then rename: never a half-written output
  await writeFile(watPath + '.tmp', wat)
  await writeFile(wasmPath + '.tmp', measured.wasm)
  await writeFile(symbolsPath + '.tmp', JSON.stringify(symbols, null, 2) + '\n')
  await rename(watPath + '.tmp', watPath)
  await rename(wasmPath + '.tmp', wasmPath)
  await rename(symbolsPath + '.tmp', symbolsPath)
  await writeFile(stampPath, hash)
  console.log(`runtime: ${Object.keys(symbols.functions).length} exports, dataEnd ${symbols.dataEnd}, ${Date.now() - t0} ms`)
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err))
  process.exit(1)
})
