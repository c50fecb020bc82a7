// builtins-net.ts — net.cidr_contains (and its deprecated name
// net.cidr_overlap), net.cidr_intersects and net.cidr_is_valid inside the
// module: Go's net.ParseIP / net.ParseCIDR syntax (dotted-quad IPv4 without
// leading zeros, IPv6 with one `::` and an optional dotted-quad tail, no
// zone), prefixes compared bit by bit. IPv4 and IPv6 are separate families,
// as in the host implementation (builtins/net.ts).

import { T_STRING, typeOf, strLen, strPtr, boolOf } from "./value";

// @ts-ignore: decorator
@inline
function isDigit(c: u32): bool { return c >= 0x30 && c <= 0x39; }

function hexValue(c: u32): i32 {
  if (isDigit(c)) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
  if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x41 + 10);
  return -1;
}

// the last parsed address: width 32 or 128, value in (hi, lo)
let aWidth: i32 = 0;
let aHi: u64 = 0;
let aLo: u64 = 0;
let v4: u32 = 0;

function parseV4(p: usize, n: i32): bool {
  let v: u32 = 0;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) { if (i >= n || load<u8>(p + i) != 0x2e) return false; i++; }
    let s = i, x: u32 = 0;
    while (i < n && isDigit(load<u8>(p + i)) && i - s < 4) { x = x * 10 + (<u32>load<u8>(p + i) - 0x30); i++; }
    let len = i - s;
    if (len == 0 || len > 3 || x > 255 || (len > 1 && load<u8>(p + s) == 0x30)) return false;
    v = (v << 8) | x;
  }
  if (i != n) return false;
  v4 = v;
  return true;
}

const GROUPS = memory.data(16, 8);

/** Hex groups separated by ':' in [s, e) into GROUPS from index `at`; the count, or -1. */
function groups(p: usize, s: i32, e: i32, at: i32): i32 {
  if (s == e) return 0;
  let k = 0;
  let i = s;
  while (true) {
    let gs = i, x: u32 = 0;
    while (i < e && hexValue(load<u8>(p + i)) >= 0 && i - gs < 5) { x = (x << 4) | <u32>hexValue(load<u8>(p + i)); i++; }
    if (i == gs || i - gs > 4 || at + k >= 8) return -1;
    store<u16>(GROUPS + (<usize>(at + k) << 1), <u16>x);
    k++;
    if (i == e) return k;
    if (load<u8>(p + i) != 0x3a) return -1;
    i++;
    if (i == e) return -1;
  }
}

function parseV6(p: usize, n: i32): bool {
  let lastColon = -1;
  for (let i = 0; i < n; i++) {
    let c = load<u8>(p + i);
    if (c == 0x25) return false; // a zone
    if (c == 0x3a) lastColon = i;
  }
  if (lastColon < 0) return false;
  let end = n;
  let tail = false;
  for (let i = lastColon + 1; i < n; i++) if (load<u8>(p + i) == 0x2e) tail = true;
  if (tail) {
    if (!parseV4(p + lastColon + 1, n - lastColon - 1)) return false;
    end = lastColon + 1;
    // keep a "::" before the tail, drop a single ':'
    if (!(end >= 2 && load<u8>(p + end - 2) == 0x3a)) end--;
  }
  let dbl = -1;
  for (let i = 0; i + 1 < end; i++) {
    if (load<u8>(p + i) == 0x3a && load<u8>(p + i + 1) == 0x3a) {
      if (dbl >= 0) return false;
      dbl = i;
      i++;
    }
  }
  let want = tail ? 6 : 8;
  memory.fill(GROUPS, 0, 16);
  if (dbl < 0) {
    if (groups(p, 0, end, 0) != want) return false;
  } else {
    let left = groups(p, 0, dbl, 0);
    if (left < 0) return false;
    // the right part goes to the end: count it first
    let right = groups(p, dbl + 2, end, 0);
    if (right < 0 || want - left - right < 1) return false;
    memory.fill(GROUPS, 0, 16);
    if (groups(p, 0, dbl, 0) != left || groups(p, dbl + 2, end, want - right) != right) return false;
  }
  let hi: u64 = 0, lo: u64 = 0;
  for (let g = 0; g < 4; g++) hi = (hi << 16) | <u64>load<u16>(GROUPS + (<usize>g << 1));
  for (let g = 4; g < want; g++) lo = (lo << 16) | <u64>load<u16>(GROUPS + (<usize>g << 1));
  if (tail) lo = (lo << 32) | <u64>v4;
  aHi = hi; aLo = lo; aWidth = 128;
  return true;
}

function parseIP(p: usize, n: i32): bool {
  if (parseV4(p, n)) { aWidth = 32; aHi = 0; aLo = <u64>v4; return true; }
  for (let i = 0; i < n; i++) if (load<u8>(p + i) == 0x3a) return parseV6(p, n);
  return false;
}

// the last parsed prefix: the address above plus its length
let aLen: i32 = 0;

function parseCIDR(p: usize, n: i32): bool {
  let slash = -1;
  for (let i = 0; i < n; i++) if (load<u8>(p + i) == 0x2f) { slash = i; break; }
  if (slash < 0 || !parseIP(p, slash)) return false;
  let ln = n - slash - 1;
  if (ln < 1 || ln > 3) return false;
  let len = 0;
  for (let i = slash + 1; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (!isDigit(c)) return false;
    len = len * 10 + <i32>(c - 0x30);
  }
  if (len > aWidth) return false;
  aLen = len;
  return true;
}

/** Do the two width-bit values agree on their first len bits? */
function prefixEq(hiA: u64, loA: u64, hiB: u64, loB: u64, width: i32, len: i32): bool {
  if (len == 0) return true;
  if (width == 32) return (loA >> <u64>(32 - len)) == (loB >> <u64>(32 - len));
  if (len <= 64) return (hiA >> <u64>(64 - len)) == (hiB >> <u64>(64 - len));
  return hiA == hiB && (loA >> <u64>(128 - len)) == (loB >> <u64>(128 - len));
}

function contains(wO: i32, hO: u64, lO: u64, nO: i32, wI: i32, hI: u64, lI: u64, nI: i32): bool {
  return wO == wI && nO <= nI && prefixEq(hO, lO, hI, lI, wO, nO);
}

// @ts-ignore: decorator
@inline
function isStr(v: usize): bool { return v != 0 && typeOf(v) == T_STRING; }

/** net.cidr_contains(cidr, cidr_or_ip). */
export function mg_cidr_contains(a: usize, b: usize): usize {
  if (!isStr(a) || !isStr(b)) return 0;
  if (!parseCIDR(strPtr(a), strLen(a))) return 0;
  let w = aWidth, h = aHi, l = aLo, n = aLen;
  if (parseIP(strPtr(b), strLen(b))) aLen = aWidth;
  else if (!parseCIDR(strPtr(b), strLen(b))) return 0;
  return boolOf(contains(w, h, l, n, aWidth, aHi, aLo, aLen));
}

export function mg_cidr_intersects(a: usize, b: usize): usize {
  if (!isStr(a) || !isStr(b)) return 0;
  if (!parseCIDR(strPtr(a), strLen(a))) return 0;
  let w = aWidth, h = aHi, l = aLo, n = aLen;
  if (!parseCIDR(strPtr(b), strLen(b))) return 0;
  return boolOf(contains(w, h, l, n, aWidth, aHi, aLo, aLen) || contains(aWidth, aHi, aLo, aLen, w, h, l, n));
}

export function mg_cidr_is_valid(a: usize): usize {
  if (a == 0) return 0;
  return boolOf(isStr(a) && parseCIDR(strPtr(a), strLen(a)));
}
