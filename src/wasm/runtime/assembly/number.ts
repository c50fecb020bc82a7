// number.ts — numbers: an i64 fast path, f64 for computed fractions and the
// exact literal text for anything else (big integers, long decimals), so
// values read from JSON or policy literals are dumped exactly as written.
//
// Comparison is numeric across representations. A number is "safe" when its
// f64 image identifies it exactly among safe numbers (ints within ±2^53,
// literals with at most 15 significant digits); two safe numbers compare by
// f64, otherwise the exact decimal digits decide.

import { alloc, T_NUMBER } from "./value";
import { formatFloat } from "./dtoa";

export const K_INT: u8 = 0;
export const K_FLOAT: u8 = 1;
export const K_TEXT: u8 = 2;

const SMALL_INTS: i32 = 1024;
const SMALL_INT_CACHE = memory.data(SMALL_INTS * 24, 8);

const MAX_SAFE: i64 = 9007199254740992; // 2^53

// @ts-ignore: decorator
@inline
export function numKind(v: usize): u8 {
  return load<u8>(v, 1);
}

// @ts-ignore: decorator
@inline
export function numSafe(v: usize): bool {
  return load<u8>(v, 2) != 0;
}

// @ts-ignore: decorator
@inline
export function numI64(v: usize): i64 {
  return load<i64>(v, 8);
}

export function newInt(x: i64): usize {
  if (<u64>x < <u64>SMALL_INTS) {
    let v = SMALL_INT_CACHE + <usize>(<i32>x * 24);
    if (load<u8>(v) == 0) {
      store<u32>(v, T_NUMBER | (1 << 16)); // kind int, safe
      store<i64>(v, x, 8);
    }
    return v;
  }
  let v = alloc(24);
  let safe: u32 = (x <= MAX_SAFE && x >= -MAX_SAFE) ? 1 : 0;
  store<u32>(v, T_NUMBER | (safe << 16));
  store<i64>(v, x, 8);
  return v;
}

/** A computed float; integral values within ±2^53 become ints (beyond that an
 *  f64 is not an exact integer result, and prints like Go/JS would). */
export function newFloat(x: f64): usize {
  if (x == Math.trunc(x) && x >= -9007199254740992 && x <= 9007199254740992) return newInt(<i64>x);
  let v = alloc(24);
  store<u32>(v, T_NUMBER | (<u32>K_FLOAT << 8) | (1 << 16));
  store<f64>(v, x, 8);
  return v;
}

/** An exact integer from sign and magnitude; beyond int64 it is kept as
 *  decimal text (int64 overflow of + and - stays exact, as in OPA). */
export function newIntMag(neg: bool, mag: u64): usize {
  if (mag <= <u64>i64.MAX_VALUE) return newInt(neg ? -<i64>mag : <i64>mag);
  if (neg && mag == 0x8000000000000000) return newInt(i64.MIN_VALUE);
  let v = alloc(24 + 24);
  let text = v + 24;
  let n = 0;
  if (neg) store<u8>(text + n++, 0x2d);
  let k = 0;
  let u = mag;
  do { store<u8>(DIGITS_BUF + k++, <u8>(0x30 + <u32>(u % 10))); u /= 10; } while (u != 0);
  while (k > 0) store<u8>(text + n++, load<u8>(DIGITS_BUF + --k));
  let f = <f64>mag;
  store<u32>(v, T_NUMBER | (<u32>K_TEXT << 8));
  store<f64>(v, neg ? -f : f, 8);
  store<usize>(v, text, 16);
  store<i32>(v, n, 20);
  return v;
}

/** The value as f64 (approximate for big ints and long literals). */
export function numF64(v: usize): f64 {
  if (numKind(v) == K_INT) return <f64>load<i64>(v, 8);
  return load<f64>(v, 8);
}

/** True when the number is integral; `intOut` receives it when it fits i64. */
export function numIsIntegral(v: usize): bool {
  if (numKind(v) == K_INT) return true;
  let f = load<f64>(v, 8);
  return isFinite(f) && f == Math.trunc(f);
}

/** The number as i64 when it is integral and fits; else sets numOk = false. */
export let numOk: bool = true;
export function numToI64(v: usize): i64 {
  numOk = true;
  if (numKind(v) == K_INT) return load<i64>(v, 8);
  let f = load<f64>(v, 8);
  if (f == Math.trunc(f) && f >= -9.2e18 && f <= 9.2e18) return <i64>f;
  numOk = false;
  return 0;
}

// ---- parsing literal text -----------------------------------------------------

const POW10 = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);

function pow10(e: i32): f64 {
  let r = 1.0;
  while (e > 22) { r *= 1e22; e -= 22; }
  return r * load<f64>(POW10 + (<usize>e << 3));
}

/** Scales a decimal significand: m × 10^e, exact when m < 2^53 and |e| ≤ 22. */
function scale(m: u64, e: i32): f64 {
  let f = <f64>m;
  if (m == 0) return 0;
  if (e >= 0) {
    if (e > 330) return Infinity;
    if (e <= 22) return f * load<f64>(POW10 + (<usize>e << 3));
    return f * pow10(e);
  }
  let ne = -e;
  if (ne <= 22) return f / load<f64>(POW10 + (<usize>ne << 3));
  if (ne > 360) return 0;
  // divide in two steps so that the intermediate stays normal
  if (ne > 300) return (f / 1e22) / pow10(ne - 22);
  return f / pow10(ne);
}

/** Length of the JSON number grammar match at p (0 when none). */
export function scanNumber(p: usize, end: usize): usize {
  let q = p;
  if (q < end && load<u8>(q) == 0x2d) q++;
  if (q >= end) return 0;
  let c = load<u8>(q);
  if (c == 0x30) q++;
  else if (c >= 0x31 && c <= 0x39) {
    while (q < end && <u32>(load<u8>(q) - 0x30) < 10) q++;
  } else return 0;
  if (q < end && load<u8>(q) == 0x2e) {
    q++;
    let s = q;
    while (q < end && <u32>(load<u8>(q) - 0x30) < 10) q++;
    if (q == s) return 0;
  }
  if (q < end && (load<u8>(q) | 0x20) == 0x65) {
    q++;
    if (q < end && (load<u8>(q) == 0x2b || load<u8>(q) == 0x2d)) q++;
    let s = q;
    while (q < end && <u32>(load<u8>(q) - 0x30) < 10) q++;
    if (q == s) return 0;
  }
  return q - p;
}

/** A number from literal text that already matches the JSON grammar. */
export function numFromText(p: usize, len: i32): usize {
  let end = p + <usize>len;
  let q = p;
  let neg = load<u8>(q) == 0x2d;
  if (neg) q++;
  // integer fast path: no fraction/exponent, fits i64, and not "-0"
  let m: u64 = 0;
  let digits = 0;      // significant digits seen
  let sig: u64 = 0;    // first 19 significant digits
  let dropped = 0;     // significant digits beyond 19 before the point
  let fracDigits = 0;  // significant digits kept after the point
  let trailingZeros = 0;
  let isInt = true;
  let overflow = false;
  while (q < end) {
    let d = <u32>(load<u8>(q) - 0x30);
    if (d >= 10) break;
    if (m > 922337203685477580 || (m == 922337203685477580 && d > (neg ? 8 : 7))) overflow = true;
    m = m * 10 + d;
    if (sig != 0 || d != 0) {
      if (digits < 19) sig = sig * 10 + d; else dropped++;
      digits++;
      trailingZeros = d == 0 ? trailingZeros + 1 : 0;
    }
    q++;
  }
  if (q < end && load<u8>(q) == 0x2e) {
    isInt = false;
    q++;
    while (q < end) {
      let d = <u32>(load<u8>(q) - 0x30);
      if (d >= 10) break;
      if (sig != 0 || d != 0) {
        if (digits < 19) { sig = sig * 10 + d; fracDigits++; }
        digits++;
        trailingZeros = d == 0 ? trailingZeros + 1 : 0;
      } else {
        fracDigits++; // leading zeros after the point shift the exponent
      }
      q++;
    }
  }
  let exp = 0;
  if (q < end) {
    isInt = false;
    q++; // e / E
    let eneg = false;
    if (load<u8>(q) == 0x2d) { eneg = true; q++; } else if (load<u8>(q) == 0x2b) q++;
    while (q < end) {
      let d = <i32>load<u8>(q) - 0x30;
      if (exp < 100000) exp = exp * 10 + d;
      q++;
    }
    if (eneg) exp = -exp;
  }
  if (isInt && !overflow && !(neg && m == 0)) {
    return newInt(neg ? -<i64>m : <i64>m);
  }
  let f = scale(sig, exp + dropped - fracDigits);
  if (neg) f = -f;
  let v = alloc(24);
  let safe: u32 = digits - trailingZeros <= 15 && isFinite(f) && (f != 0 || sig == 0) ? 1 : 0;
  store<u32>(v, T_NUMBER | (<u32>K_TEXT << 8) | (safe << 16));
  store<f64>(v, f, 8);
  store<usize>(v, p, 16);
  store<i32>(v, len, 20);
  return v;
}

// ---- formatting -------------------------------------------------------------

const DIGITS_BUF = memory.data(64);

/** Writes the decimal text of x at out; returns its length (≤ 20). */
export function writeI64(out: usize, x: i64): i32 {
  let u: u64 = x < 0 ? <u64>(-x) : <u64>x;
  let n = 0;
  do {
    store<u8>(DIGITS_BUF + n, <u8>(0x30 + <u32>(u % 10)));
    u /= 10;
    n++;
  } while (u != 0);
  let k = 0;
  if (x < 0) store<u8>(out + k++, 0x2d);
  while (n > 0) store<u8>(out + k++, load<u8>(DIGITS_BUF + --n));
  return k;
}

/** Writes the shortest round-trip text of a float (JS/Go style: integral
 *  values without ".0", exponent form below 1e-6 and from 1e21); returns the
 *  length (≤ 32). */
export function writeF64(out: usize, f: f64): i32 {
  if (!isFinite(f)) {
    // not representable in JSON; OPA never produces these (div by 0 is undefined)
    store<u32>(out, 0x6c6c756e); // "null"
    return 4;
  }
  if (f == 0) { store<u8>(out, 0x30); return 1; }
  if (f == Math.trunc(f) && f >= -9007199254740992 && f <= 9007199254740992) return writeI64(out, <i64>f);
  return formatFloat(out, f);
}

/** Upper bound of the text length of a number value. */
export function numTextMax(v: usize): i32 {
  return numKind(v) == K_TEXT ? load<i32>(v, 20) : 32;
}

/** Writes the JSON text of a number value at out; returns its length. */
export function writeNumber(out: usize, v: usize): i32 {
  let k = numKind(v);
  if (k == K_INT) return writeI64(out, load<i64>(v, 8));
  if (k == K_FLOAT) return writeF64(out, load<f64>(v, 8));
  let len = load<i32>(v, 20);
  memory.copy(out, load<usize>(v, 16), len);
  return len;
}

// ---- comparison -------------------------------------------------------------

/** Decimal form of a number: sign, significant digits (no leading or trailing
 *  zeros) and the exponent of the first digit. Written into a scratch area. */
let decNeg: bool = false;
let decLen: i32 = 0;
let decExp: i32 = 0;

function decompose(v: usize, out: usize): void {
  let src: usize;
  let n: i32;
  let tmp = alloc(40);
  let k = numKind(v);
  if (k == K_TEXT) {
    src = load<usize>(v, 16);
    n = load<i32>(v, 20);
  } else {
    let f = numF64(v);
    if (k == K_FLOAT && !(f == Math.trunc(f) && f >= -9.2e18 && f <= 9.2e18)) n = writeF64(tmp, f);
    else n = writeI64(tmp, k == K_INT ? load<i64>(v, 8) : <i64>f);
    src = tmp;
  }
  let end = src + <usize>n;
  let q = src;
  decNeg = false;
  if (load<u8>(q) == 0x2d) { decNeg = true; q++; }
  let len = 0;
  let pointPos = -1; // digits (incl. leading zeros) before the point
  let lead = 0;      // leading zeros counted before first significant digit
  let seen = 0;      // digits seen in mantissa
  let started = false;
  while (q < end) {
    let c = load<u8>(q);
    if (c == 0x2e) { pointPos = seen; q++; continue; }
    if (c == 0x65 || c == 0x45) break;
    if (!started && c == 0x30) { lead++; seen++; q++; continue; }
    started = true;
    store<u8>(out + len++, c);
    seen++;
    q++;
  }
  if (pointPos < 0) pointPos = seen;
  let e = 0;
  if (q < end) {
    q++;
    let en = false;
    if (load<u8>(q) == 0x2d) { en = true; q++; } else if (load<u8>(q) == 0x2b) q++;
    while (q < end) { if (e < 100000) e = e * 10 + (<i32>load<u8>(q) - 0x30); q++; }
    if (en) e = -e;
  }
  while (len > 0 && load<u8>(out + len - 1) == 0x30) len--;
  decLen = len;
  decExp = pointPos - lead - 1 + e;
  if (len == 0) decNeg = false;
}

function compareExact(a: usize, b: usize): i32 {
  let na = numKind(a) == K_TEXT ? load<i32>(a, 20) + 8 : 40;
  let nb = numKind(b) == K_TEXT ? load<i32>(b, 20) + 8 : 40;
  let bufA = alloc(<usize>na);
  let bufB = alloc(<usize>nb);
  decompose(a, bufA);
  let aNeg = decNeg, aLen = decLen, aExp = decExp;
  decompose(b, bufB);
  let bNeg = decNeg, bLen = decLen, bExp = decExp;
  let sign = aNeg ? -1 : 1;
  if (aLen == 0 || bLen == 0) {
    if (aLen == 0 && bLen == 0) return 0;
    if (aLen == 0) return bNeg ? 1 : -1;
    return aNeg ? -1 : 1;
  }
  if (aNeg != bNeg) return aNeg ? -1 : 1;
  if (aExp != bExp) return aExp < bExp ? -sign : sign;
  let c = memory.compare(bufA, bufB, <usize>min(aLen, bLen));
  if (c != 0) return c < 0 ? -sign : sign;
  if (aLen != bLen) return aLen < bLen ? -sign : sign;
  return 0;
}

export function numCompare(a: usize, b: usize): i32 {
  let ka = numKind(a);
  let kb = numKind(b);
  if (ka == K_INT && kb == K_INT) {
    let x = load<i64>(a, 8);
    let y = load<i64>(b, 8);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  let fa = numF64(a);
  let fb = numF64(b);
  if (fa < fb) return -1;
  if (fa > fb) return 1;
  if (numSafe(a) && numSafe(b)) return 0;
  if (ka == K_TEXT && kb == K_TEXT && load<i32>(a, 20) == load<i32>(b, 20) &&
      memory.compare(load<usize>(a, 16), load<usize>(b, 16), load<i32>(a, 20)) == 0) return 0;
  return compareExact(a, b);
}

/** Hash consistent with numCompare: equal numbers have equal f64 images. */
export function numHash(v: usize): u32 {
  let f = numF64(v);
  if (f == 0) f = 0; // -0
  let b = reinterpret<u64>(f);
  let h = <u32>b ^ <u32>(b >>> 32) * 0x9e3779b1;
  h ^= h >>> 15;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  return h == 0 ? 3 : h;
}
