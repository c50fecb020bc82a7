// utf8.ts — decoding and encoding code points over the runtime's UTF-8
// strings (they are always valid: the JSON parser and the compiler make them).

/** Byte length of the sequence that starts with byte b. */
// @ts-ignore: decorator
@inline
export function seqLen(b: u32): i32 {
  return b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
}

/** The code point at p. */
export function decodeAt(p: usize): u32 {
  let b0 = <u32>load<u8>(p);
  if (b0 < 0x80) return b0;
  if (b0 < 0xe0) return ((b0 & 0x1f) << 6) | (<u32>load<u8>(p, 1) & 0x3f);
  if (b0 < 0xf0) return ((b0 & 0x0f) << 12) | ((<u32>load<u8>(p, 1) & 0x3f) << 6) | (<u32>load<u8>(p, 2) & 0x3f);
  return ((b0 & 0x07) << 18) | ((<u32>load<u8>(p, 1) & 0x3f) << 12) | ((<u32>load<u8>(p, 2) & 0x3f) << 6) | (<u32>load<u8>(p, 3) & 0x3f);
}

/** Writes c as UTF-8 at out (U+FFFD for surrogates and values past U+10FFFF,
 *  as Go's utf8.AppendRune); returns the byte count. */
export function encodeAt(out: usize, c: u32): i32 {
  if (c > 0x10ffff || (c >= 0xd800 && c < 0xe000)) c = 0xfffd;
  if (c < 0x80) { store<u8>(out, <u8>c); return 1; }
  if (c < 0x800) {
    store<u8>(out, <u8>(0xc0 | (c >> 6)));
    store<u8>(out, <u8>(0x80 | (c & 0x3f)), 1);
    return 2;
  }
  if (c < 0x10000) {
    store<u8>(out, <u8>(0xe0 | (c >> 12)));
    store<u8>(out, <u8>(0x80 | ((c >> 6) & 0x3f)), 1);
    store<u8>(out, <u8>(0x80 | (c & 0x3f)), 2);
    return 3;
  }
  store<u8>(out, <u8>(0xf0 | (c >> 18)));
  store<u8>(out, <u8>(0x80 | ((c >> 12) & 0x3f)), 1);
  store<u8>(out, <u8>(0x80 | ((c >> 6) & 0x3f)), 2);
  store<u8>(out, <u8>(0x80 | (c & 0x3f)), 3);
  return 4;
}

/** Code points in n bytes at p. */
export function runeCount(p: usize, n: i32): i32 {
  let c = 0;
  for (let i = 0; i < n; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) c++;
  return c;
}

/** Byte offset of the k-th code point in n bytes at p (n when past the end). */
export function runeOffset(p: usize, n: i32, k: i32): i32 {
  let i = 0;
  while (k > 0 && i < n) { i += seqLen(load<u8>(p + i)); k--; }
  return i < n ? i : n;
}
