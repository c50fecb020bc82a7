// value.ts — the arena allocator, the value layout and the scalar/array
// constructors. Every other runtime file builds on these raw-pointer helpers.
//
// Memory model: one bump arena that starts at `heapPtr` and is never freed
// piecemeal; the SDK rewinds it between evaluations through
// opa_heap_ptr_get/set. No managed AssemblyScript objects are used anywhere in
// the runtime, so the stub runtime's own allocator is never linked in
// (scripts/build-runtime.mjs checks this) and `heapPtr` is the only heap.
//
// Layout (byte offsets; every value starts with its type tag in byte 0):
//   null      [1]
//   boolean   [2] @4 i32 0|1
//   number    [3] @1 kind (0 int, 1 float, 2 literal text) @2 "safe" flag
//                 @8 i64 (int) | f64 (float, text's approximation)
//                 @16 text ptr @20 text len (text only)
//   string    [4] @4 cached hash (0 = not yet) @8 byte length @12 bytes ptr
//   array     [5] @4 length @8 capacity @12 element pointer (V[])
//   object    [6] } @4 count @8 capacity @12 entries {key, val, hash}[]
//   set       [7] } @16 hash index (u32 slots, 0 = empty) @20 index mask
//                 @24 sorted prefix length (entries below it are in order)

@external("env", "opa_abort")
export declare function opa_abort(msg: usize): void;

export const T_NULL: u8 = 1;
export const T_BOOL: u8 = 2;
export const T_NUMBER: u8 = 3;
export const T_STRING: u8 = 4;
export const T_ARRAY: u8 = 5;
export const T_OBJECT: u8 = 6;
export const T_SET: u8 = 7;

// ---- arena ----------------------------------------------------------------

/** First free byte of the arena; the SDK-visible heap pointer. */
export let heapPtr: usize = (__heap_base + 7) & ~(<usize>7);

// @ts-ignore: decorator
@inline
export function align8(n: usize): usize {
  return (n + 7) & ~(<usize>7);
}

/** Allocates `size` bytes, 8-byte aligned, growing memory when needed. */
export function alloc(size: usize): usize {
  let p = heapPtr;
  let end = align8(p + size);
  if (end > (<usize>memory.size() << 16)) growTo(end);
  heapPtr = end;
  return p;
}

/** Grows the allocation at `p` from `oldSize` to `newSize` bytes in place when
 *  it is the most recent one; returns false when it is not. */
export function allocExtend(p: usize, oldSize: usize, newSize: usize): bool {
  if (align8(p + oldSize) != heapPtr) return false;
  let end = align8(p + newSize);
  if (end > (<usize>memory.size() << 16)) growTo(end);
  heapPtr = end;
  return true;
}

// The SDK may grow memory behind our back, so the limit is always computed
// from memory.size(), never cached.
// @ts-ignore: decorator
@inline
function growTo(end: usize): void {
  let have = memory.size();
  let need = <i32>((end + 0xffff) >>> 16) - have;
  // grow by at least a quarter of the current size to amortise grow calls
  let want = max(need, have >> 2);
  if (memory.grow(want) < 0) {
    if (memory.grow(need) < 0) fatal("out of memory");
  }
}

const ABORT_BUF = memory.data(256);

/** Aborts through the host with an ASCII, NUL-terminated message. */
export function fatal(msg: string): void {
  let n = min(msg.length, 255);
  let src = changetype<usize>(msg);
  for (let i = 0; i < n; i++) store<u8>(ABORT_BUF + i, <u8>load<u16>(src + (i << 1)));
  store<u8>(ABORT_BUF + n, 0);
  opa_abort(ABORT_BUF);
  unreachable();
}

// ---- scalars ----------------------------------------------------------------

export const NULL_V: usize = memory.data<u32>([1, 0]);
export const TRUE_V: usize = memory.data<u32>([2, 1]);
export const FALSE_V: usize = memory.data<u32>([2, 0]);

// @ts-ignore: decorator
@inline
export function typeOf(v: usize): u8 {
  return load<u8>(v);
}

// @ts-ignore: decorator
@inline
export function boolOf(b: bool): usize {
  return b ? TRUE_V : FALSE_V;
}

// ---- strings ----------------------------------------------------------------

/** A string over existing UTF-8 bytes (no copy). */
export function newStr(ptr: usize, len: i32): usize {
  let v = alloc(16);
  store<u32>(v, T_STRING);
  store<u32>(v, 0, 4);
  store<i32>(v, len, 8);
  store<usize>(v, ptr, 12);
  return v;
}

/** A string over a fresh copy of the bytes. */
export function newStrCopy(ptr: usize, len: i32): usize {
  let v = alloc(16 + <usize>len);
  memory.copy(v + 16, ptr, len);
  store<u32>(v, T_STRING);
  store<u32>(v, 0, 4);
  store<i32>(v, len, 8);
  store<usize>(v, v + 16, 12);
  return v;
}

// @ts-ignore: decorator
@inline
export function strLen(v: usize): i32 {
  return load<i32>(v, 8);
}

// @ts-ignore: decorator
@inline
export function strPtr(v: usize): usize {
  return load<usize>(v, 12);
}

/** Number of Unicode code points (non-continuation bytes). */
export function strCodePoints(v: usize): i32 {
  let p = strPtr(v);
  let n = strLen(v);
  let c = 0;
  for (let i = 0; i < n; i++) {
    if ((load<u8>(p + i) & 0xc0) != 0x80) c++;
  }
  return c;
}

/** Hash of a byte range, never 0 (0 marks "not cached"). */
export function hashBytes(p: usize, n: i32): u32 {
  let h: u32 = 0x811c9dc5 ^ <u32>n;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    h = (h ^ load<u32>(p + i)) * 0x01000193;
    h ^= h >>> 15;
  }
  for (; i < n; i++) h = (h ^ load<u8>(p + i)) * 0x01000193;
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  return h == 0 ? 1 : h;
}

export function strHash(v: usize): u32 {
  let h = load<u32>(v, 4);
  if (h == 0) {
    h = hashBytes(strPtr(v), strLen(v));
    store<u32>(v, h, 4);
  }
  return h;
}

/** Bytewise comparison (Go's string order). */
export function strCompare(a: usize, b: usize): i32 {
  let la = strLen(a);
  let lb = strLen(b);
  let c = memory.compare(strPtr(a), strPtr(b), <usize>min(la, lb));
  if (c != 0) return c < 0 ? -1 : 1;
  return la < lb ? -1 : la > lb ? 1 : 0;
}

export function strEqual(a: usize, b: usize): bool {
  let la = strLen(a);
  if (la != strLen(b)) return false;
  let ha = load<u32>(a, 4);
  let hb = load<u32>(b, 4);
  if (ha != 0 && hb != 0 && ha != hb) return false;
  let pa = strPtr(a);
  let pb = strPtr(b);
  if (pa == pb) return true;
  return memory.compare(pa, pb, la) == 0;
}

// ---- arrays -----------------------------------------------------------------

export function newArr(cap: i32): usize {
  if (cap < 0) cap = 0;
  let v = alloc(16 + (<usize>cap << 2));
  store<u32>(v, T_ARRAY);
  store<i32>(v, 0, 4);
  store<i32>(v, cap, 8);
  store<usize>(v, v + 16, 12);
  return v;
}

// @ts-ignore: decorator
@inline
export function arrLen(v: usize): i32 {
  return load<i32>(v, 4);
}

// @ts-ignore: decorator
@inline
export function arrAt(v: usize, i: i32): usize {
  return load<usize>(load<usize>(v, 12) + (<usize>i << 2));
}

export function arrPush(a: usize, x: usize): void {
  let n = load<i32>(a, 4);
  let cap = load<i32>(a, 8);
  let data = load<usize>(a, 12);
  if (n == cap) {
    let ncap = cap < 4 ? 8 : cap << 1;
    if (!allocExtend(data, <usize>cap << 2, <usize>ncap << 2)) {
      let nd = alloc(<usize>ncap << 2);
      memory.copy(nd, data, <usize>n << 2);
      data = nd;
      store<usize>(a, data, 12);
    }
    store<i32>(a, ncap, 8);
  }
  store<usize>(data + (<usize>n << 2), x);
  store<i32>(a, n + 1, 4);
}

/** Rewinds or advances the arena (the SDK's opa_heap_ptr_set). */
export function setHeapPtr(p: usize): void {
  heapPtr = align8(p);
}
