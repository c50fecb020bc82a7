// yaml-resolve.ts — what a plain YAML scalar means, as go-yaml v2's
// resolve.go decides (the reader, yaml-parse.ts, and the writer,
// yaml-emit.ts, which quotes text that would not read back as itself):
// y/yes/on/true… and n/no/off/false… are booleans, ~/null/empty null, Go's
// ParseInt base-0 forms (0x, 0o, 0b, legacy leading-0 octal, `_` ignored)
// integers kept exact, Go's float syntax a float; anything else a string.

import { T_NUMBER, alloc, NULL_V, TRUE_V, FALSE_V } from "./value";
import { newIntMag, newFloat, numFromText, numKind, numF64, K_TEXT } from "./number";

export function eqAscii(p: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  let q = changetype<usize>(s);
  for (let i = 0; i < n; i++) if (<u32>load<u8>(p + i) != <u32>load<u16>(q + (<usize>i << 1))) return false;
  return true;
}

function oneOf(p: usize, n: i32, a: string, b: string, c: string): bool {
  return eqAscii(p, n, a) || eqAscii(p, n, b) || eqAscii(p, n, c);
}

export const R_STR: i32 = 0;
export const R_VALUE: i32 = 1;
export const R_MERGE: i32 = 2;
/** No JSON value (.inf, .nan, a float out of range): not covered. */
export const R_UNSUPPORTED: i32 = 3;
/** The value resolvePlain produced (R_VALUE). */
export let resolved: usize = 0;

/** Resolves a plain scalar: R_STR when it stays a string. */
export function resolvePlain(p: usize, n: i32): i32 {
  resolved = 0;
  if (n == 0 || oneOf(p, n, "~", "null", "Null") || eqAscii(p, n, "NULL")) { resolved = NULL_V; return R_VALUE; }
  let c = <u32>load<u8>(p);
  if (c == 0x79 || c == 0x59 || c == 0x6e || c == 0x4e || c == 0x74 || c == 0x54 || c == 0x66 || c == 0x46 || c == 0x6f || c == 0x4f) {
    if (oneOf(p, n, "y", "Y", "yes") || oneOf(p, n, "Yes", "YES", "true") || oneOf(p, n, "True", "TRUE", "on") || oneOf(p, n, "On", "ON", "ON")) {
      resolved = TRUE_V; return R_VALUE;
    }
    if (oneOf(p, n, "n", "N", "no") || oneOf(p, n, "No", "NO", "false") || oneOf(p, n, "False", "FALSE", "off") || oneOf(p, n, "Off", "OFF", "OFF")) {
      resolved = FALSE_V; return R_VALUE;
    }
    return R_STR;
  }
  if (eqAscii(p, n, "<<")) return R_MERGE;
  if (c == 0x2e || c == 0x2b || c == 0x2d) {
    // .inf / .nan have no JSON value: OPA's conversion to JSON fails
    if (oneOf(p, n, ".inf", ".Inf", ".INF") || oneOf(p, n, "+.inf", "+.Inf", "+.INF") || oneOf(p, n, "-.inf", "-.Inf", "-.INF") || oneOf(p, n, ".nan", ".NaN", ".NAN")) {
      return R_UNSUPPORTED;
    }
  }
  if (c == 0x2e) return resolveFloat(p, n, false);
  if (c == 0x2b || c == 0x2d || (c >= 0x30 && c <= 0x39)) {
    // go-yaml removes every `_` before trying the number syntaxes
    let t = alloc(<usize>n + 2);
    let m = 0;
    for (let i = 0; i < n; i++) { let d = load<u8>(p + i); if (d != 0x5f) store<u8>(t + m++, d); }
    let r = resolveInt(t, m);
    if (r != R_STR) return r;
    return resolveFloat(t, m, true);
  }
  return R_STR;
}

export function digitVal(c: u32): u32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return 99;
}

/** Go's strconv.ParseInt(s, 0, 64), then ParseUint: an exact integer. */
function resolveInt(p: usize, n: i32): i32 {
  let i = 0;
  let neg = false;
  let c = <u32>load<u8>(p); // p is a scratch copy, not the source: no at()
  if (c == 0x2b || c == 0x2d) { neg = c == 0x2d; i = 1; }
  if (i >= n) return R_STR;
  let base: u32 = 10;
  if (load<u8>(p + i) == 0x30 && i + 1 < n) {
    let x = <u32>load<u8>(p + i + 1) | 0x20;
    if (x == 0x78) { base = 16; i += 2; }
    else if (x == 0x62) { base = 2; i += 2; }
    else if (x == 0x6f) { base = 8; i += 2; }
    else { base = 8; i += 1; }
    if (i >= n) return R_STR;
  }
  let mag: u64 = 0;
  let over = false;
  for (let k = i; k < n; k++) {
    let d = digitVal(load<u8>(p + k));
    if (d >= base) return R_STR;
    if (mag > (0xffffffffffffffff - d) / <u64>base) over = true;
    mag = mag * base + d;
  }
  if (!over && !(neg && mag > 0x8000000000000000)) { resolved = newIntMag(neg, mag); return R_VALUE; }
  if (base != 10) return R_STR; // go-yaml: neither int nor float syntax
  // decimal past uint64: exact text (go-yaml would round it to a float64)
  let t = alloc(<usize>(n - i) + 1);
  let m = 0;
  if (neg) store<u8>(t + m++, 0x2d);
  for (let k = i; k < n; k++) store<u8>(t + m++, load<u8>(p + k));
  resolved = numFromText(t, m);
  return R_VALUE;
}

/** go-yaml's float syntax `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
 *  (without a sign for a leading `.`); the value is Go's ParseFloat's. */
function resolveFloat(p: usize, n: i32, signed: bool): i32 {
  let i = 0;
  let neg = false;
  let c0 = n > 0 ? <u32>load<u8>(p) : 0;
  if (signed && (c0 == 0x2b || c0 == 0x2d)) { neg = c0 == 0x2d; i = 1; }
  let intS = i;
  while (i < n && <u32>(load<u8>(p + i) - 0x30) < 10) i++;
  let intE = i;
  let fracS = i, fracE = i;
  if (i < n && load<u8>(p + i) == 0x2e) {
    i++;
    fracS = i;
    while (i < n && <u32>(load<u8>(p + i) - 0x30) < 10) i++;
    fracE = i;
    if (intE == intS && fracE == fracS) return R_STR;
  } else if (intE == intS) return R_STR;
  let expS = i;
  if (i < n && (load<u8>(p + i) | 0x20) == 0x65) {
    i++;
    if (i < n && (load<u8>(p + i) == 0x2b || load<u8>(p + i) == 0x2d)) i++;
    let ds = i;
    while (i < n && <u32>(load<u8>(p + i) - 0x30) < 10) i++;
    if (i == ds) return R_STR;
  }
  if (i != n) return R_STR;
  // JSON number text: sign, integer part without leading zeros, fraction, exponent
  let t = alloc(<usize>n + 4);
  let m = 0;
  if (neg) store<u8>(t + m++, 0x2d);
  let k = intS;
  while (k < intE - 1 && load<u8>(p + k) == 0x30) k++;
  if (k == intE) store<u8>(t + m++, 0x30);
  for (; k < intE; k++) store<u8>(t + m++, load<u8>(p + k));
  if (fracE > fracS) {
    store<u8>(t + m++, 0x2e);
    for (k = fracS; k < fracE; k++) store<u8>(t + m++, load<u8>(p + k));
  }
  for (k = expS; k < n; k++) store<u8>(t + m++, load<u8>(p + k));
  let v = numFromText(t, m);
  let f = numF64(v);
  if (!isFinite(f)) return R_UNSUPPORTED; // Go: ErrRange
  // an integer text without fraction or exponent was handled by resolveInt
  // (or is past int64 there); a float's value is its float64, as Go's
  // safe (at most 15 significant digits): the f64 is correctly rounded
  if (numKind(v) == K_TEXT && load<u8>(v, 2) != 0) v = newFloat(f);
  resolved = v;
  return R_VALUE;
}

/** Does go-yaml read the text, written plain, as that string? (The writer
 *  quotes it otherwise, so that what it writes reads back.) */
export function plainReadsAsString(p: usize, n: i32): bool {
  let r = resolvePlain(p, n);
  return r == R_STR || r == R_MERGE;
}
