// builtins-semver.ts — semver.is_valid and semver.compare inside the module:
// strict SemVer 2.0.0 (https://semver.org: no `v` prefix, no leading zeros
// in numeric identifiers), precedence by the core numbers, then pre-release
// identifiers (numeric ones numerically and before alphanumeric ones);
// build metadata is ignored. Numbers of any length compare exactly.

import { T_STRING, typeOf, strLen, strPtr, boolOf } from "./value";
import { newInt } from "./number";

// @ts-ignore: decorator
@inline
function isDigit(c: u32): bool { return c >= 0x30 && c <= 0x39; }

// @ts-ignore: decorator
@inline
function isIdentChar(c: u32): bool {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d;
}

// the parse of one version: core number ranges, pre-release range
const CORE = memory.data(24, 8); // 3 × (start i32, len i32)
let preStart: i32 = 0;
let preEnd: i32 = 0; // preEnd == preStart: no pre-release

/** A numeric identifier at i ("0" or no leading zero); its end, or -1. */
function numeric(p: usize, n: i32, i: i32): i32 {
  let s = i;
  while (i < n && isDigit(load<u8>(p + i))) i++;
  if (i == s || (i - s > 1 && load<u8>(p + s) == 0x30)) return -1;
  return i;
}

/** Dot-separated identifiers from i; `pre` applies the numeric rule. Its end, or -1. */
function identifiers(p: usize, n: i32, i: i32, pre: bool): i32 {
  while (true) {
    let s = i;
    let digitsOnly = true;
    while (i < n && isIdentChar(load<u8>(p + i))) { if (!isDigit(load<u8>(p + i))) digitsOnly = false; i++; }
    if (i == s) return -1;
    if (pre && digitsOnly && i - s > 1 && load<u8>(p + s) == 0x30) return -1;
    if (i < n && load<u8>(p + i) == 0x2e) { i++; continue; }
    return i;
  }
}

function parse(v: usize): bool {
  let p = strPtr(v), n = strLen(v);
  let i = 0;
  for (let k = 0; k < 3; k++) {
    if (k > 0) { if (i >= n || load<u8>(p + i) != 0x2e) return false; i++; }
    let e = numeric(p, n, i);
    if (e < 0) return false;
    store<i32>(CORE + (<usize>k << 3), i);
    store<i32>(CORE + (<usize>k << 3), e - i, 4);
    i = e;
  }
  preStart = i; preEnd = i;
  if (i < n && load<u8>(p + i) == 0x2d) {
    let e = identifiers(p, n, i + 1, true);
    if (e < 0) return false;
    preStart = i + 1; preEnd = e;
    i = e;
  }
  if (i < n && load<u8>(p + i) == 0x2b) {
    let e = identifiers(p, n, i + 1, false);
    if (e < 0) return false;
    i = e;
  }
  return i == n;
}

/** Numeric strings without leading zeros: by length, then digits. */
function cmpNumeric(a: usize, an: i32, b: usize, bn: i32): i32 {
  if (an != bn) return an < bn ? -1 : 1;
  let c = memory.compare(a, b, an);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

function allDigits(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (!isDigit(load<u8>(p + i))) return false;
  return true;
}

export function mg_semver_is_valid(v: usize): usize {
  if (v == 0) return 0;
  return boolOf(typeOf(v) == T_STRING && parse(v));
}

export function mg_semver_compare(a: usize, b: usize): usize {
  if (a == 0 || b == 0 || typeOf(a) != T_STRING || typeOf(b) != T_STRING) return 0;
  if (!parse(b)) return 0;
  let bCore = memory.data(24, 8);
  memory.copy(bCore, CORE, 24);
  let bPre = preStart, bPreEnd = preEnd;
  if (!parse(a)) return 0;
  let pa = strPtr(a), pb = strPtr(b);
  for (let k = 0; k < 3; k++) {
    let o = <usize>k << 3;
    let c = cmpNumeric(pa + <usize>load<i32>(CORE + o), load<i32>(CORE + o, 4), pb + <usize>load<i32>(bCore + o), load<i32>(bCore + o, 4));
    if (c != 0) return newInt(c);
  }
  let aHas = preEnd > preStart, bHas = bPreEnd > bPre;
  if (!aHas || !bHas) return newInt(aHas == bHas ? 0 : aHas ? -1 : 1);
  let i = preStart, j = bPre;
  while (i < preEnd && j < bPreEnd) {
    let ie = i; while (ie < preEnd && load<u8>(pa + ie) != 0x2e) ie++;
    let je = j; while (je < bPreEnd && load<u8>(pb + je) != 0x2e) je++;
    let an = allDigits(pa + i, ie - i), bn = allDigits(pb + j, je - j);
    let c: i32;
    if (an && bn) c = cmpNumeric(pa + i, ie - i, pb + j, je - j);
    else if (an) c = -1;
    else if (bn) c = 1;
    else {
      let m = min(ie - i, je - j);
      c = memory.compare(pa + i, pb + j, m);
      c = c < 0 ? -1 : c > 0 ? 1 : (ie - i) < (je - j) ? -1 : (ie - i) > (je - j) ? 1 : 0;
    }
    if (c != 0) return newInt(c);
    i = ie + 1; j = je + 1;
  }
  let aMore = i < preEnd, bMore = j < bPreEnd;
  return newInt(aMore == bMore ? 0 : aMore ? 1 : -1);
}
