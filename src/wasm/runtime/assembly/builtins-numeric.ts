// builtins-numeric.ts — to_number, numbers.range, numbers.range_step and
// bits.* inside the module (OPA's topdown/casts.go, numbers.go, bits.go).
// Integers are exact: operands within int64 compute in i64, and a left
// shift past int64 is carried out on 32-bit limbs and kept as decimal text.
// Errors (wrong types, fractions where integers are needed) are undefined.

import { alloc, T_NULL, T_BOOL, T_NUMBER, T_STRING, typeOf, strLen, strPtr, newArr, arrPush } from "./value";
import { newInt, numFromText, numIsIntegral, numToI64, numOk, newFloat, numF64 } from "./number";

// ---- to_number ----------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function isDigit(c: u32): bool { return c - 0x30 < 10; }

function hexVal(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  let l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

function lowerIs(p: usize, n: i32, word: string): bool {
  if (n != word.length) return false;
  for (let i = 0; i < n; i++) if ((<u32>load<u8>(p + i) | 0x20) != <u32>word.charCodeAt(i)) return false;
  return true;
}

/** Go's strconv.ParseFloat over a hexadecimal mantissa (a `p` exponent is
 *  required); 0 when malformed or out of float64's range. */
function parseHexFloat(p: usize, n: i32, neg: bool): usize {
  let i = 2;
  let m: f64 = 0;
  let fracDigits = 0;
  let digits = 0;
  let seenDot = false;
  let last: u32 = 0x30; // underscores only between digits (the prefix counts as one)
  for (; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x5f) { if (last == 0x5f || last == 0x2e) return 0; last = c; continue; }
    if (c == 0x2e) { if (seenDot || last == 0x5f) return 0; seenDot = true; last = c; continue; }
    let d = hexVal(c);
    if (d < 0) break;
    m = m * 16 + <f64>d;
    if (seenDot) fracDigits++;
    digits++;
    last = 0x30;
  }
  if (digits == 0 || last == 0x5f) return 0;
  if (i >= n || (load<u8>(p + i) | 0x20) != 0x70) return 0;
  i++;
  let eneg = false;
  if (i < n && (load<u8>(p + i) == 0x2b || load<u8>(p + i) == 0x2d)) { eneg = load<u8>(p + i) == 0x2d; i++; }
  if (i >= n) return 0;
  let e = 0;
  for (; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x5f) continue;
    if (!isDigit(c)) return 0;
    if (e < 100000) e = e * 10 + <i32>(c - 0x30);
  }
  let x = m * Math.pow(2, <f64>((eneg ? -e : e) - 4 * fracDigits));
  if (!isFinite(x)) return 0;
  return newFloat(neg ? -x : x);
}

/** A number from text in Go's strconv.ParseFloat syntax, kept exact: the
 *  text is rewritten into JSON's grammar (sign, underscores, a bare point
 *  and leading zeros normalised) and read as a literal. 0 when malformed. */
function parseNumberText(p: usize, n: i32): usize {
  if (n == 0) return 0;
  let i = 0;
  let neg = false;
  let c0 = load<u8>(p);
  if (c0 == 0x2b || c0 == 0x2d) { neg = c0 == 0x2d; i = 1; }
  // inf, infinity and nan are ParseFloat syntax, but OPA refuses them
  let rest = n - i;
  if (lowerIs(p + i, rest, "inf") || lowerIs(p + i, rest, "infinity") || lowerIs(p + i, rest, "nan")) return 0;
  if (rest >= 2 && load<u8>(p + i) == 0x30 && (load<u8>(p + i + 1) | 0x20) == 0x78) return parseHexFloat(p + i, rest, neg);
  let out = alloc(<usize>(n + 4));
  let k = 0;
  if (neg) store<u8>(out + k++, 0x2d);
  let intStart = k;
  let digits = 0;
  let last: u32 = 0x5e; // '^': nothing yet
  // integer part, leading zeros dropped
  while (i < n) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x5f) { if (last != 0x30) return 0; last = c; i++; continue; }
    if (!isDigit(c)) break;
    if (!(k == intStart && c == 0x30)) store<u8>(out + k++, <u8>c);
    digits++;
    last = 0x30;
    i++;
  }
  if (k == intStart) store<u8>(out + k++, 0x30);
  if (i < n && load<u8>(p + i) == 0x2e) {
    if (last == 0x5f) return 0;
    last = 0x2e;
    i++;
    let fracStart = k;
    store<u8>(out + k++, 0x2e);
    while (i < n) {
      let c = <u32>load<u8>(p + i);
      if (c == 0x5f) { if (last != 0x30) return 0; last = c; i++; continue; }
      if (!isDigit(c)) break;
      store<u8>(out + k++, <u8>c);
      digits++;
      last = 0x30;
      i++;
    }
    if (k == fracStart + 1) k = fracStart; // "5." is 5
  }
  if (digits == 0 || last == 0x5f) return 0;
  if (i < n && (load<u8>(p + i) | 0x20) == 0x65) {
    i++;
    store<u8>(out + k++, 0x65);
    if (i < n && (load<u8>(p + i) == 0x2b || load<u8>(p + i) == 0x2d)) store<u8>(out + k++, load<u8>(p + i++));
    let ed = 0;
    last = 0x5e;
    while (i < n) {
      let c = <u32>load<u8>(p + i);
      if (c == 0x5f) { if (last != 0x30) return 0; last = c; i++; continue; }
      if (!isDigit(c)) break;
      store<u8>(out + k++, <u8>c);
      ed++;
      last = 0x30;
      i++;
    }
    if (ed == 0 || last == 0x5f) return 0;
  }
  if (i != n) return 0;
  // beyond float64's range ParseFloat fails (ErrRange); underflow is fine
  if (beyondFloat64(out, k)) return 0;
  return numFromText(out, k);
}

/** The largest float64 plus half an ulp, the first 19 significant digits:
 *  decimal texts from here on round to infinity. */
const OVERFLOW_DIGITS = "1797693134862315808";

/** Is the JSON number text p[0, n) at least OVERFLOW_DIGITS × 10^(308-18)? */
function beyondFloat64(p: usize, n: i32): bool {
  let i = 0;
  if (load<u8>(p) == 0x2d) i++;
  let digits = alloc(24);
  let nd = 0;
  let pointExp = -1; // decimal exponent of the first significant digit, before `e`
  let seenPoint = false;
  let intDigits = 0;
  let leadingFracZeros = 0;
  for (; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x2e) { seenPoint = true; continue; }
    if (c == 0x65) break;
    if (nd == 0 && c == 0x30) { if (seenPoint) leadingFracZeros++; continue; }
    if (!seenPoint) intDigits++;
    if (nd < 19) store<u8>(digits + nd, <u8>c);
    nd++;
  }
  if (nd == 0) return false;
  pointExp = intDigits > 0 ? intDigits - 1 : -leadingFracZeros - 1;
  let e = 0;
  let eneg = false;
  if (i < n) {
    i++;
    if (load<u8>(p + i) == 0x2b || load<u8>(p + i) == 0x2d) { eneg = load<u8>(p + i) == 0x2d; i++; }
    for (; i < n; i++) if (e < 100000) e = e * 10 + <i32>load<u8>(p + i) - 0x30;
  }
  let exp = pointExp + (eneg ? -e : e);
  if (exp != 308) return exp > 308;
  for (let j = 0; j < 19; j++) {
    let d = j < nd ? <u32>load<u8>(digits + j) : 0x30;
    let m = <u32>OVERFLOW_DIGITS.charCodeAt(j);
    if (d != m) return d > m;
  }
  return true;
}

/** to_number(x): null → 0, booleans → 0/1, numbers as they are, strings in
 *  Go's ParseFloat syntax (except inf/nan) → that number, exactly. */
export function mg_to_number(x: usize): usize {
  if (x == 0) return 0;
  let t = typeOf(x);
  if (t == T_NULL) return newInt(0);
  if (t == T_BOOL) return newInt(load<i32>(x, 4) != 0 ? 1 : 0);
  if (t == T_NUMBER) return x;
  if (t == T_STRING) return parseNumberText(strPtr(x), strLen(x));
  return 0;
}

// ---- numbers.range, numbers.range_step ------------------------------------------------

/** Ranges past 10^7 elements are errors, as in the host implementation
 *  (builtins/numbers.ts); OPA would build them until memory runs out. */
const MAX_RANGE: i64 = 10_000_000;

let intOk: bool = false;

/** An integral number as i64; intOk = false for anything else. */
function intArg(v: usize): i64 {
  intOk = false;
  if (v == 0 || typeOf(v) != T_NUMBER || !numIsIntegral(v)) return 0;
  let x = numToI64(v);
  if (!numOk) return 0;
  intOk = true;
  return x;
}

function range(a: i64, b: i64, step: i64): usize {
  let span: u64 = a <= b ? <u64>(b - a) : <u64>(a - b);
  let n = span / <u64>step + 1;
  if (n > <u64>MAX_RANGE) return 0;
  let out = newArr(<i32>n);
  let x = a;
  for (let i: u64 = 0; i < n; i++) {
    arrPush(out, newInt(x));
    x = a <= b ? x + step : x - step;
  }
  return out;
}

export function mg_numbers_range(a: usize, b: usize): usize {
  let x = intArg(a);
  if (!intOk) return 0;
  let y = intArg(b);
  if (!intOk) return 0;
  return range(x, y, 1);
}

export function mg_numbers_range_step(a: usize, b: usize, s: usize): usize {
  let x = intArg(a);
  if (!intOk) return 0;
  let y = intArg(b);
  if (!intOk) return 0;
  let step = intArg(s);
  if (!intOk) {
    // an integral step past int64 is longer than any int64 span: [a]
    if (s != 0 && typeOf(s) == T_NUMBER && numIsIntegral(s) && numF64(s) > 0) return range(x, x, 1);
    return 0;
  }
  if (step <= 0) return 0;
  return range(x, y, step);
}

// ---- bits.* --------------------------------------------------------------------------

export function mg_bits_and(a: usize, b: usize): usize {
  let x = intArg(a); if (!intOk) return 0;
  let y = intArg(b); if (!intOk) return 0;
  return newInt(x & y);
}

export function mg_bits_or(a: usize, b: usize): usize {
  let x = intArg(a); if (!intOk) return 0;
  let y = intArg(b); if (!intOk) return 0;
  return newInt(x | y);
}

export function mg_bits_xor(a: usize, b: usize): usize {
  let x = intArg(a); if (!intOk) return 0;
  let y = intArg(b); if (!intOk) return 0;
  return newInt(x ^ y);
}

export function mg_bits_negate(a: usize): usize {
  let x = intArg(a); if (!intOk) return 0;
  return newInt(~x);
}

/** Shifts past this many bits are errors (a 2^4096 result has 1234 digits). */
const MAX_SHIFT: i64 = 4096;

export function mg_bits_rsh(a: usize, b: usize): usize {
  let x = intArg(a); if (!intOk) return 0;
  let s = intArg(b); if (!intOk || s < 0) return 0;
  // arithmetic shift: floor division by 2^s, as big.Int.Rsh
  return newInt(s >= 63 ? (x < 0 ? -1 : 0) : x >> s);
}

export function mg_bits_lsh(a: usize, b: usize): usize {
  let x = intArg(a); if (!intOk) return 0;
  let s = intArg(b); if (!intOk || s < 0 || s > MAX_SHIFT) return 0;
  if (x == 0) return newInt(0);
  if (s < 63) {
    let r = x << s;
    if ((r >> s) == x) return newInt(r);
  }
  // |x| · 2^s on 32-bit limbs (least significant first), then decimal text
  let mag: u64 = x < 0 ? <u64>(-x) : <u64>x;
  let limbs = <i32>((s + 64) / 32) + 2;
  let L = alloc(<usize>limbs << 2);
  memory.fill(L, 0, <usize>limbs << 2);
  let word = <i32>(s / 32), bit = <u64>(s % 32);
  let wide0: u64 = (mag & 0xffffffff) << bit;
  let wide1: u64 = (mag >> 32) << bit;
  // add the two shifted halves into place
  store<u32>(L + (<usize>word << 2), <u32>wide0);
  let carry: u64 = (wide0 >> 32) + (wide1 & 0xffffffff);
  store<u32>(L + (<usize>(word + 1) << 2), <u32>carry);
  carry = (carry >> 32) + (wide1 >> 32);
  store<u32>(L + (<usize>(word + 2) << 2), <u32>carry);
  let n = limbs;
  while (n > 0 && load<u32>(L + (<usize>(n - 1) << 2)) == 0) n--;
  // repeated division by 10^9 gives base-10^9 digits, least significant first
  let chunks = alloc(<usize>(n * 2 + 2) << 2);
  let c = 0;
  while (n > 0) {
    let rem: u64 = 0;
    for (let i = n - 1; i >= 0; i--) {
      let cur = (rem << 32) | <u64>load<u32>(L + (<usize>i << 2));
      store<u32>(L + (<usize>i << 2), <u32>(cur / 1000000000));
      rem = cur % 1000000000;
    }
    store<u32>(chunks + (<usize>c << 2), <u32>rem);
    c++;
    while (n > 0 && load<u32>(L + (<usize>(n - 1) << 2)) == 0) n--;
  }
  let text = alloc(<usize>(c * 9 + 2));
  let k = 0;
  if (x < 0) store<u8>(text + k++, 0x2d);
  for (let i = c - 1; i >= 0; i--) {
    let d = load<u32>(chunks + (<usize>i << 2));
    let digits = alloc(9);
    for (let j = 8; j >= 0; j--) { store<u8>(digits + j, <u8>(0x30 + d % 10)); d /= 10; }
    let j = 0;
    if (i == c - 1) while (j < 8 && load<u8>(digits + j) == 0x30) j++;
    for (; j < 9; j++) store<u8>(text + k++, load<u8>(digits + j));
  }
  return numFromText(text, k);
}
