// writer.ts — a growable byte buffer in the arena for dumps and string
// building. While the buffer is the newest allocation it grows in place, so a
// dump costs one allocation in the common case.

import { alloc, allocExtend } from "./value";

let wBuf: usize = 0;
let wLen: i32 = 0;
let wCap: i32 = 0;

export function wBegin(cap: i32): void {
  if (cap < 32) cap = 32;
  wBuf = alloc(<usize>cap);
  wLen = 0;
  wCap = cap;
}

/** Makes room for n more bytes; returns the write address. */
export function wReserve(n: i32): usize {
  let need = wLen + n;
  if (need > wCap) {
    let ncap = max(need, wCap << 1);
    if (!allocExtend(wBuf, <usize>wCap, <usize>ncap)) {
      let nb = alloc(<usize>ncap);
      memory.copy(nb, wBuf, <usize>wLen);
      wBuf = nb;
    }
    wCap = ncap;
  }
  return wBuf + <usize>wLen;
}

// @ts-ignore: decorator
@inline
export function wAdvance(n: i32): void {
  wLen += n;
}

export function wByte(c: u32): void {
  let p = wReserve(1);
  store<u8>(p, <u8>c);
  wLen++;
}

export function wBytes(src: usize, n: i32): void {
  let p = wReserve(n);
  memory.copy(p, src, <usize>n);
  wLen += n;
}

/** Writes an ASCII AssemblyScript string literal. */
export function wAscii(s: string): void {
  let n = s.length;
  let p = wReserve(n);
  let src = changetype<usize>(s);
  for (let i = 0; i < n; i++) store<u8>(p + i, <u8>load<u16>(src + (<usize>i << 1)));
  wLen += n;
}

export function wLength(): i32 {
  return wLen;
}

export function wStart(): usize {
  return wBuf;
}

/** NUL-terminates and returns the buffer address. */
export function wFinish(): usize {
  wByte(0);
  wLen--;
  return wBuf;
}

// Nested writers (e.g. a non-string key dumped as JSON text first).
export function wSaveBuf(): usize { return wBuf; }
export function wSaveLen(): i32 { return wLen; }
export function wSaveCap(): i32 { return wCap; }
export function wRestore(buf: usize, len: i32, cap: i32): void {
  wBuf = buf;
  wLen = len;
  wCap = cap;
}
