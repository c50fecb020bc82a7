// The WebAssembly binary format, as much of it as linking needs: LEB128
// reading and writing, and a module decoded into its sections (types,
// imports, functions, tables, memories, globals, exports, start, elements,
// data count, code, data). Function bodies and constant expressions stay
// encoded bytes; merge-modules.ts rewrites the indices inside them
// (instructions.ts). Custom sections (names, source maps) are not kept.
// Malformed input throws an internal_error naming the module and the byte
// offset: both modules are ours (the runtime build and the code generator),
// so a bad one is a meshgate bug.

import { MeshgateError } from '../errors/index.js'

export type ExternKind = 'func' | 'table' | 'memory' | 'global'
const KINDS: readonly ExternKind[] = ['func', 'table', 'memory', 'global']

export interface Limits {
  min: number
  max?: number
  shared: boolean
}

export type ImportDesc =
  { kind: 'func'; type: number } | { kind: 'table'; table: TableType } | { kind: 'memory'; limits: Limits } | { kind: 'global'; global: GlobalType }

export interface Import {
  module: string
  name: string
  desc: ImportDesc
}

export interface TableType {
  /** The reference type byte (0x70 funcref, 0x6f externref). */
  ref: number
  limits: Limits
}

export interface GlobalType {
  /** The value type byte. */
  valtype: number
  mutable: boolean
}

export interface Global {
  type: GlobalType
  /** The initializer: a constant expression, its `end` included. */
  init: Uint8Array
}

export interface Export {
  name: string
  kind: ExternKind
  index: number
}

/**
 * An element segment in one normal form: `mode`, its table and offset when
 * active, and its items either as function indices or as constant
 * expressions of type `ref`.
 */
export interface Element {
  mode: 'active' | 'passive' | 'declarative'
  table: number
  offset?: Uint8Array
  ref: number
  funcs?: number[]
  exprs?: Uint8Array[]
}

export interface DataSegment {
  mode: 'active' | 'passive'
  memory: number
  offset?: Uint8Array
  bytes: Uint8Array
}

export interface Code {
  /** The locals declaration (count, then count × [n, valtype]). */
  locals: Uint8Array
  /** The instructions, the final `end` included. */
  body: Uint8Array
  /** Where `body` starts in the bytes it was decoded from (errors report module offsets); absent for produced code. */
  at?: number
}

export interface WasmModule {
  /** Which module this is, for error messages ("runtime", "policy"). */
  name: string
  /** Each function type encoded (0x60 params results). */
  types: Uint8Array[]
  imports: Import[]
  /** The type index of each defined function. */
  funcs: number[]
  tables: TableType[]
  memories: Limits[]
  globals: Global[]
  exports: Export[]
  start: number | null
  elements: Element[]
  dataCount: number | null
  codes: Code[]
  datas: DataSegment[]
}

/** A malformed module: which one and where. */
export function binaryError(module: string, offset: number, message: string): MeshgateError {
  return new MeshgateError('internal_error', `malformed WebAssembly in the ${module} module at byte ${offset}: ${message}`, undefined, { module, offset })
}

/** Reads a module's bytes, one position at a time; every read is bounds-checked. */
export class Reader {
  pos: number
  constructor(
    readonly bytes: Uint8Array,
    readonly module: string,
    start = 0,
    readonly end = bytes.length,
    /** Added to positions in errors: where `bytes` starts in its module. */
    readonly origin = 0,
  ) {
    this.pos = start
  }

  fail(message: string, at = this.pos): never {
    throw binaryError(this.module, this.origin + at, message)
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  byte(): number {
    if (this.pos >= this.end) this.fail('unexpected end')
    return this.bytes[this.pos++]!
  }

  /** An unsigned LEB128 of at most 32 bits. */
  u32(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const b = this.byte()
      if (shift === 28 && b > 0x0f) this.fail('integer too large', this.pos - 1)
      result |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) return result >>> 0
      shift += 7
    }
  }

  /** A signed LEB128 of at most `bits` bits, skipped (its value is never remapped). */
  skipSigned(bits: number): void {
    const max = Math.ceil(bits / 7)
    for (let i = 0; i < max; i++) if ((this.byte() & 0x80) === 0) return
    this.fail('integer too large', this.pos - 1)
  }

  /** A signed LEB128 of at most 33 bits (a block type's type index), as a number. */
  s33(): number {
    let result = 0
    let mul = 1
    for (let i = 0; i < 5; i++) {
      const b = this.byte()
      result += (b & 0x7f) * mul
      mul *= 128
      if ((b & 0x80) === 0) return b & 0x40 ? result - mul : result
    }
    this.fail('integer too large', this.pos - 1)
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail(`${n} bytes expected, ${this.end - this.pos} left`)
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  name(): string {
    const at = this.pos
    const bytes = this.take(this.u32())
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch {
      this.fail('a name is not UTF-8', at)
    }
  }

  vec<T>(item: () => T): T[] {
    const n = this.u32()
    if (n > this.end - this.pos) this.fail(`a vector of ${n} items cannot fit in ${this.end - this.pos} bytes`)
    const out: T[] = []
    for (let i = 0; i < n; i++) out.push(item())
    return out
  }
}

/** Appends bytes to a growing buffer. */
export class Writer {
  private buf: Uint8Array<ArrayBuffer>
  length = 0
  constructor(capacity = 256) {
    this.buf = new Uint8Array(Math.max(16, capacity))
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
  }

  byte(b: number): void {
    this.room(1)
    this.buf[this.length++] = b
  }

  bytes(b: Uint8Array): void {
    this.room(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  /** Appends `src[from, to)`; short spans byte by byte (a subarray per span would cost more than the copy). */
  copy(src: Uint8Array, from: number, to: number): void {
    const n = to - from
    this.room(n)
    if (n > 32) this.buf.set(src.subarray(from, to), this.length)
    else for (let i = 0; i < n; i++) this.buf[this.length + i] = src[from + i]!
    this.length += n
  }

  u32(n: number): void {
    this.room(5)
    let v = n >>> 0
    do {
      let b = v & 0x7f
      v >>>= 7
      if (v !== 0) b |= 0x80
      this.buf[this.length++] = b
    } while (v !== 0)
  }

  /** A signed LEB128 (a block type's type index is an s33). */
  s33(n: number): void {
    this.room(5)
    let v = n
    for (;;) {
      const b = v & 0x7f
      v = Math.floor(v / 128)
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)
      this.buf[this.length++] = done ? b : b | 0x80
      if (done) return
    }
  }

  name(s: string): void {
    const b = new TextEncoder().encode(s)
    this.u32(b.length)
    this.bytes(b)
  }

  /** The bytes written so far (a view: copy before writing more). */
  view(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.length)
  }
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]

export const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
} as const

/** Section ids in the order the format requires them. */
const ORDER = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11]

/** Decodes `bytes` into its sections; `name` says which module it is in errors. */
/** A module with no sections; `decodeModule` fills one in, and builders start from it. */
export function emptyModule(name: string): WasmModule {
  return {
    name,
    types: [],
    imports: [],
    funcs: [],
    tables: [],
    memories: [],
    globals: [],
    exports: [],
    start: null,
    elements: [],
    dataCount: null,
    codes: [],
    datas: [],
  }
}

export function decodeModule(bytes: Uint8Array, name: string): WasmModule {
  const r = new Reader(bytes, name)
  for (const [i, b] of MAGIC.entries()) if (r.byte() !== b) r.fail(i < 4 ? 'not a WebAssembly module (bad magic)' : 'unsupported WebAssembly version', i)
  const m = emptyModule(name)
  let last = -1
  while (!r.done) {
    const at = r.pos
    const id = r.byte()
    const size = r.u32()
    if (size > r.end - r.pos) r.fail(`section ${id} of ${size} bytes runs past the end`, at)
    const s = new Reader(bytes, name, r.pos, r.pos + size)
    r.pos += size
    if (id === SECTION.custom) continue
    const rank = ORDER.indexOf(id)
    if (rank < 0) s.fail(`unknown section id ${id}`, at)
    if (rank <= last) s.fail(`section ${id} out of order or repeated`, at)
    last = rank
    readSection(id, s, m)
    if (!s.done) s.fail(`section ${id} has ${s.end - s.pos} bytes left over`)
  }
  if (m.funcs.length !== m.codes.length) r.fail(`${m.funcs.length} functions declared but ${m.codes.length} bodies`)
  return m
}

function readSection(id: number, s: Reader, m: WasmModule): void {
  switch (id) {
    case SECTION.type:
      m.types = s.vec(() => {
        const from = s.pos
        if (s.byte() !== 0x60) s.fail('only function types are supported', from)
        for (let k = 0; k < 2; k++) s.vec(() => valtype(s))
        return s.bytes.subarray(from, s.pos)
      })
      return
    case SECTION.import:
      m.imports = s.vec(() => ({ module: s.name(), name: s.name(), desc: importDesc(s) }))
      return
    case SECTION.function:
      m.funcs = s.vec(() => s.u32())
      return
    case SECTION.table:
      m.tables = s.vec(() => tableType(s))
      return
    case SECTION.memory:
      m.memories = s.vec(() => limits(s))
      return
    case SECTION.global:
      m.globals = s.vec(() => ({ type: globalType(s), init: constExpr(s) }))
      return
    case SECTION.export:
      m.exports = s.vec(() => {
        const name = s.name()
        const at = s.pos
        const kind = KINDS[s.byte()] ?? s.fail('unknown export kind', at)
        return { name, kind, index: s.u32() }
      })
      return
    case SECTION.start:
      m.start = s.u32()
      return
    case SECTION.element:
      m.elements = s.vec(() => element(s))
      return
    case SECTION.dataCount:
      m.dataCount = s.u32()
      return
    case SECTION.code:
      m.codes = s.vec(() => {
        const size = s.u32()
        const body = new Reader(s.bytes, s.module, s.pos, s.pos + size)
        if (size > s.end - s.pos) s.fail('a function body runs past its section')
        s.pos += size
        const from = body.pos
        body.vec(() => {
          body.u32()
          valtype(body)
        })
        return { locals: s.bytes.subarray(from, body.pos), body: s.bytes.subarray(body.pos, body.end), at: body.pos }
      })
      return
    case SECTION.data:
      m.datas = s.vec(() => {
        const at = s.pos
        const flag = s.u32()
        if (flag === 1) return { mode: 'passive', memory: 0, bytes: s.take(s.u32()) }
        if (flag !== 0 && flag !== 2) s.fail(`unknown data segment form ${flag}`, at)
        const memory = flag === 2 ? s.u32() : 0
        const offset = constExpr(s)
        return { mode: 'active', memory, offset, bytes: s.take(s.u32()) }
      })
      return
  }
}

const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f])

export function valtype(s: Reader): number {
  const at = s.pos
  const t = s.byte()
  if (!VALTYPES.has(t)) s.fail(`unsupported value type 0x${t.toString(16)}`, at)
  return t
}

function reftype(s: Reader): number {
  const at = s.pos
  const t = s.byte()
  if (t !== 0x70 && t !== 0x6f) s.fail(`unsupported reference type 0x${t.toString(16)}`, at)
  return t
}

function limits(s: Reader): Limits {
  const at = s.pos
  const flag = s.byte()
  if (flag > 3) s.fail(`unsupported limits form ${flag}`, at)
  const min = s.u32()
  return flag & 1 ? { min, max: s.u32(), shared: flag >= 2 } : { min, shared: flag >= 2 }
}

function tableType(s: Reader): TableType {
  return { ref: reftype(s), limits: limits(s) }
}

function globalType(s: Reader): GlobalType {
  const valtype_ = valtype(s)
  const at = s.pos
  const mut = s.byte()
  if (mut > 1) s.fail('a global is neither constant nor mutable', at)
  return { valtype: valtype_, mutable: mut === 1 }
}

function importDesc(s: Reader): ImportDesc {
  const at = s.pos
  switch (s.byte()) {
    case 0:
      return { kind: 'func', type: s.u32() }
    case 1:
      return { kind: 'table', table: tableType(s) }
    case 2:
      return { kind: 'memory', limits: limits(s) }
    case 3:
      return { kind: 'global', global: globalType(s) }
    default:
      s.fail('unknown import kind', at)
  }
}

/** A constant expression's bytes up to and including its `end`. */
function constExpr(s: Reader): Uint8Array {
  const from = s.pos
  for (;;) {
    const at = s.pos
    const op = s.byte()
    switch (op) {
      case 0x0b:
        return s.bytes.subarray(from, s.pos)
      case 0x41:
        s.skipSigned(32)
        break
      case 0x42:
        s.skipSigned(64)
        break
      case 0x43:
        s.take(4)
        break
      case 0x44:
        s.take(8)
        break
      case 0x23: // global.get
      case 0xd2: // ref.func
        s.u32()
        break
      case 0xd0: // ref.null
        reftype(s)
        break
      default:
        s.fail(`opcode 0x${op.toString(16)} in a constant expression`, at)
    }
  }
}

function element(s: Reader): Element {
  const at = s.pos
  const flag = s.u32()
  if (flag > 7) s.fail(`unknown element segment form ${flag}`, at)
  const passiveOrDeclarative = (flag & 1) !== 0
  const explicitTable = (flag & 2) !== 0
  const usesExprs = (flag & 4) !== 0
  const mode = !passiveOrDeclarative ? 'active' : explicitTable ? 'declarative' : 'passive'
  const table = mode === 'active' && explicitTable ? s.u32() : 0
  const offset = mode === 'active' ? constExpr(s) : undefined
  let ref = 0x70
  if (mode !== 'active' || explicitTable) {
    if (usesExprs) ref = reftype(s)
    else if (s.byte() !== 0x00) s.fail('unknown element kind', s.pos - 1)
  }
  const e: Element = { mode, table, ref }
  if (offset) e.offset = offset
  if (usesExprs) e.exprs = s.vec(() => constExpr(s))
  else e.funcs = s.vec(() => s.u32())
  return e
}

/** Encodes a module; the inverse of decodeModule (custom sections aside). */
export function encodeModule(m: WasmModule): Uint8Array<ArrayBuffer> {
  let size = 0
  for (const c of m.codes) size += c.locals.length + c.body.length + 5
  for (const d of m.datas) size += d.bytes.length + 16
  const w = new Writer(size + (size >> 2) + 4096)
  for (const b of MAGIC) w.byte(b)
  const section = (id: number, fill: (s: Writer) => void) => {
    const s = new Writer(id === SECTION.code || id === SECTION.data ? size : 256)
    fill(s)
    w.byte(id)
    w.u32(s.length)
    w.bytes(s.view())
  }
  const vec =
    <T>(items: readonly T[], item: (s: Writer, x: T) => void) =>
    (s: Writer) => {
      s.u32(items.length)
      for (const x of items) item(s, x)
    }
  if (m.types.length)
    section(
      SECTION.type,
      vec(m.types, (s, t) => s.bytes(t)),
    )
  if (m.imports.length)
    section(
      SECTION.import,
      vec(m.imports, (s, i) => {
        s.name(i.module)
        s.name(i.name)
        writeImportDesc(s, i.desc)
      }),
    )
  if (m.funcs.length)
    section(
      SECTION.function,
      vec(m.funcs, (s, t) => s.u32(t)),
    )
  if (m.tables.length) section(SECTION.table, vec(m.tables, writeTableType))
  if (m.memories.length) section(SECTION.memory, vec(m.memories, writeLimits))
  if (m.globals.length)
    section(
      SECTION.global,
      vec(m.globals, (s, g) => {
        writeGlobalType(s, g.type)
        s.bytes(g.init)
      }),
    )
  if (m.exports.length)
    section(
      SECTION.export,
      vec(m.exports, (s, e) => {
        s.name(e.name)
        s.byte(KINDS.indexOf(e.kind))
        s.u32(e.index)
      }),
    )
  if (m.start !== null) section(SECTION.start, (s) => s.u32(m.start!))
  if (m.elements.length) section(SECTION.element, vec(m.elements, writeElement))
  if (m.dataCount !== null) section(SECTION.dataCount, (s) => s.u32(m.dataCount!))
  if (m.codes.length)
    section(
      SECTION.code,
      vec(m.codes, (s, c) => {
        s.u32(c.locals.length + c.body.length)
        s.bytes(c.locals)
        s.bytes(c.body)
      }),
    )
  if (m.datas.length)
    section(
      SECTION.data,
      vec(m.datas, (s, d) => {
        if (d.mode === 'passive') s.u32(1)
        else if (d.memory === 0) {
          s.u32(0)
          s.bytes(d.offset!)
        } else {
          s.u32(2)
          s.u32(d.memory)
          s.bytes(d.offset!)
        }
        s.u32(d.bytes.length)
        s.bytes(d.bytes)
      }),
    )
  return w.view().slice()
}

function writeLimits(s: Writer, l: Limits): void {
  s.byte((l.max !== undefined ? 1 : 0) | (l.shared ? 2 : 0))
  s.u32(l.min)
  if (l.max !== undefined) s.u32(l.max)
}

function writeTableType(s: Writer, t: TableType): void {
  s.byte(t.ref)
  writeLimits(s, t.limits)
}

function writeGlobalType(s: Writer, g: GlobalType): void {
  s.byte(g.valtype)
  s.byte(g.mutable ? 1 : 0)
}

function writeImportDesc(s: Writer, d: ImportDesc): void {
  s.byte(KINDS.indexOf(d.kind))
  if (d.kind === 'func') s.u32(d.type)
  else if (d.kind === 'table') writeTableType(s, d.table)
  else if (d.kind === 'memory') writeLimits(s, d.limits)
  else writeGlobalType(s, d.global)
}

function writeElement(s: Writer, e: Element): void {
  const usesExprs = e.exprs !== undefined
  const explicitTable = e.mode === 'declarative' || (e.mode === 'active' && (e.table !== 0 || (usesExprs && e.ref !== 0x70)))
  const flag = (e.mode === 'active' ? 0 : 1) | (explicitTable ? 2 : 0) | (usesExprs ? 4 : 0)
  s.u32(flag)
  if (e.mode === 'active') {
    if (explicitTable) s.u32(e.table)
    s.bytes(e.offset!)
  }
  if (e.mode !== 'active' || explicitTable) s.byte(usesExprs ? e.ref : 0x00)
  if (usesExprs) {
    s.u32(e.exprs!.length)
    for (const x of e.exprs!) s.bytes(x)
  } else {
    s.u32(e.funcs!.length)
    for (const f of e.funcs!) s.u32(f)
  }
}
