// builtins-units.ts — units.parse and units.parse_bytes inside the module: a
// decimal amount (fraction and exponent allowed) times an SI or binary
// multiplier, computed exactly over decimal digits as OPA does with big.Rat,
// so results past 2^53 keep every digit (the host's JS number did not).

import { T_STRING, typeOf, strLen, strPtr, alloc } from "./value";
import { numFromText } from "./number";

// @ts-ignore: decorator
@inline
function isDigit(c: u32): bool {
  return c >= 0x30 && c <= 0x39;
}

// @ts-ignore: decorator
@inline
function lowerAscii(c: u32): u32 {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

const MAX_EXPONENT_DIGITS = 6;

/** The amount/unit split of the last splitNumUnit call. */
let numEnd: i32 = 0;
let expTooLarge = false;

/** Where the amount ends in s (an `e` is an exponent only before a digit or sign). */
function splitNumUnit(p: usize, n: i32): void {
  expTooLarge = false;
  numEnd = n;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    let numeric = isDigit(c) || c == 0x2e || c == 0x2b || c == 0x2d;
    let isE = c == 0x65 || c == 0x45;
    if (!numeric && !isE) { numEnd = i; return; }
    if (isE) {
      if (i + 1 >= n) { numEnd = i; return; }
      let nx = <u32>load<u8>(p + i + 1);
      if (!(isDigit(nx) || nx == 0x2b || nx == 0x2d)) { numEnd = i; return; }
      if (nx == 0x2b || nx == 0x2d) i++;
      let d = 0;
      while (i + 1 + d < n && isDigit(load<u8>(p + i + 1 + d))) d++;
      if (d > MAX_EXPONENT_DIGITS) { expTooLarge = true; return; }
    }
  }
}

/** The amount as sign, digits (no leading zeros) and a decimal scale:
 *  value = ±DIGITS × 10^-scale. False when it is not a decimal literal. */
let amNeg = false;
let amDigits: usize = 0;
let amLen: i32 = 0;
let amScale: i32 = 0;
function parseAmount(p: usize, n: i32): bool {
  let i = 0;
  amNeg = false;
  if (i < n && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) { amNeg = load<u8>(p) == 0x2d; i++; }
  let buf = alloc(<usize>n + 1);
  let k = 0;
  let intDigits = 0, fracDigits = 0;
  while (i < n && isDigit(load<u8>(p + i))) { store<u8>(buf + k++, load<u8>(p + i)); i++; intDigits++; }
  if (i < n && load<u8>(p + i) == 0x2e) {
    i++;
    while (i < n && isDigit(load<u8>(p + i))) { store<u8>(buf + k++, load<u8>(p + i)); i++; fracDigits++; }
  }
  if (intDigits == 0 && fracDigits == 0) return false;
  let e = 0;
  if (i < n && (load<u8>(p + i) == 0x65 || load<u8>(p + i) == 0x45)) {
    i++;
    let eneg = false;
    if (i < n && (load<u8>(p + i) == 0x2b || load<u8>(p + i) == 0x2d)) { eneg = load<u8>(p + i) == 0x2d; i++; }
    let s = i;
    while (i < n && isDigit(load<u8>(p + i))) { e = e * 10 + <i32>(load<u8>(p + i) - 0x30); i++; }
    if (i == s) return false;
    if (eneg) e = -e;
  }
  if (i != n) return false;
  let start = 0;
  while (start < k - 1 && load<u8>(buf + start) == 0x30) start++;
  amDigits = buf + start;
  amLen = k - start;
  amScale = fracDigits - e;
  return true;
}

/** amDigits × m (m < 2^61), in place into a fresh buffer. */
function mulDigits(m: u64): void {
  if (m == 1) return;
  let out = alloc(<usize>amLen + 20);
  let end = amLen + 20;
  let k = end;
  let carry: u64 = 0;
  for (let i = amLen - 1; i >= 0; i--) {
    let x = <u64>(load<u8>(amDigits + i) - 0x30) * m + carry;
    store<u8>(out + --k, <u8>(0x30 + <u32>(x % 10)));
    carry = x / 10;
  }
  while (carry != 0) { store<u8>(out + --k, <u8>(0x30 + <u32>(carry % 10))); carry /= 10; }
  while (k < end - 1 && load<u8>(out + k) == 0x30) k++;
  amDigits = out + k;
  amLen = end - k;
}

/** The number value ±int(.frac) from digit ranges (frac trailing zeros trimmed). */
function makeNumber(neg: bool, ip: usize, il: i32, fp: usize, fl: i32): usize {
  while (fl > 0 && load<u8>(fp + fl - 1) == 0x30) fl--;
  while (il > 1 && load<u8>(ip) == 0x30) { ip++; il--; }
  if (il == 0) { ip = ZERO; il = 1; }
  let zero = il == 1 && load<u8>(ip) == 0x30 && fl == 0;
  let out = alloc(<usize>(il + fl + 2));
  let k = 0;
  if (neg && !zero) store<u8>(out + k++, 0x2d);
  memory.copy(out + k, ip, il); k += il;
  if (fl > 0) { store<u8>(out + k++, 0x2e); memory.copy(out + k, fp, fl); k += fl; }
  return numFromText(out, k);
}
const ZERO = memory.data<u8>([0x30]);

/** The split of amDigits at the decimal scale: integer part and fraction. */
let ipP: usize = 0, ipL: i32 = 0, fpP: usize = 0, fpL: i32 = 0;
function splitAtScale(): void {
  if (amScale <= 0) {
    let out = alloc(<usize>(amLen - amScale));
    memory.copy(out, amDigits, amLen);
    memory.fill(out + amLen, 0x30, <usize>(-amScale));
    ipP = out; ipL = amLen - amScale; fpP = out; fpL = 0;
    return;
  }
  if (amLen > amScale) {
    ipP = amDigits; ipL = amLen - amScale; fpP = amDigits + (amLen - amScale); fpL = amScale;
    return;
  }
  let out = alloc(<usize>amScale);
  memory.fill(out, 0x30, <usize>(amScale - amLen));
  memory.copy(out + (amScale - amLen), amDigits, amLen);
  ipP = ZERO; ipL = 1; fpP = out; fpL = amScale;
}

/** The text with " removed (OPA strips quotes), or 0 when it holds a space. */
let clLen: i32 = 0;
function cleaned(s: usize, lower: bool): usize {
  let p = strPtr(s), n = strLen(s);
  let out = alloc(<usize>n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x22) continue;
    if (c == 0x20) return 0;
    store<u8>(out + k++, <u8>(lower ? lowerAscii(c) : c));
  }
  clLen = k;
  return out;
}

const POW1000 = memory.data<u64>([1, 1000, 1000000, 1000000000, 1000000000000, 1000000000000000, 1000000000000000000]);

// " KMGTPE": the index of a prefix letter (either case), 0 when none
function prefixIndex(c: u32): i32 {
  switch (lowerAscii(c)) {
    case 0x6b: return 1; case 0x6d: return 2; case 0x67: return 3;
    case 0x74: return 4; case 0x70: return 5; case 0x65: return 6;
  }
  return 0;
}

/** units.parse: SI (k M G …, m milli) and binary (Ki Mi …) multipliers; a
 *  fraction rounds to 10 places, half away from zero (big.Rat.FloatString). */
export function mg_units_parse(s: usize): usize {
  if (s == 0 || typeOf(s) != T_STRING) return 0;
  let p = cleaned(s, false);
  if (p == 0) return 0;
  let n = clLen;
  splitNumUnit(p, n);
  if (expTooLarge || numEnd == 0) return 0;
  let u = p + <usize>numEnd, ul = n - numEnd;
  let mult: u64 = 1;
  let milli = false;
  if (ul == 1 && load<u8>(u) == 0x6d) milli = true;
  else if (ul > 0) {
    // only the first letter keeps its case (m milli vs M mega); the rest may be any case
    let idx = prefixIndex(load<u8>(u));
    if (idx == 0 || ul > 2) return 0;
    if (ul == 2) {
      if (lowerAscii(load<u8>(u + 1)) != 0x69) return 0;
      mult = <u64>1 << (<u64>idx * 10);
    } else mult = load<u64>(POW1000 + (<usize>idx << 3));
  }
  if (!parseAmount(p, numEnd)) return 0;
  mulDigits(mult);
  if (milli) amScale += 3;
  splitAtScale();
  if (fpL > 10) {
    // round half away from zero at 10 places
    let up = load<u8>(fpP + 10) >= 0x35;
    let digits = alloc(<usize>(ipL + 11));
    memory.copy(digits + 1, ipP, ipL);
    memory.copy(digits + 1 + ipL, fpP, 10);
    store<u8>(digits, 0x30);
    let len = ipL + 11;
    if (up) {
      let i = len - 1;
      while (load<u8>(digits + i) == 0x39) { store<u8>(digits + i, 0x30); i--; }
      store<u8>(digits + i, load<u8>(digits + i) + 1);
    }
    return makeNumber(amNeg, digits, ipL + 1, digits + 1 + ipL, 10);
  }
  return makeNumber(amNeg, ipP, ipL, fpP, fpL);
}

/** units.parse_bytes: k/K … e/E with an optional i (binary) and b, any case;
 *  the result is truncated toward zero to whole bytes. */
export function mg_units_parse_bytes(s: usize): usize {
  if (s == 0 || typeOf(s) != T_STRING) return 0;
  let p = cleaned(s, true);
  if (p == 0) return 0;
  let n = clLen;
  splitNumUnit(p, n);
  if (expTooLarge || numEnd == 0) return 0;
  let u = p + <usize>numEnd, ul = n - numEnd;
  let idx = 0, binary = false, i = 0;
  if (ul > 0) {
    idx = prefixIndex(load<u8>(u));
    if (idx > 0) i++;
    if (idx > 0 && i < ul && load<u8>(u + i) == 0x69) { binary = true; i++; }
    if (i < ul && load<u8>(u + i) == 0x62 && (idx > 0 || ul == 1)) i++;
    if (i != ul || (idx == 0 && ul > 1)) return 0;
    if (idx == 0 && ul == 1) return 0; // a bare "b" is not a unit
  }
  let mult: u64 = binary ? <u64>1 << (<u64>idx * 10) : load<u64>(POW1000 + (<usize>idx << 3));
  if (!parseAmount(p, numEnd)) return 0;
  mulDigits(mult);
  splitAtScale();
  return makeNumber(amNeg, ipP, ipL, fpP, 0);
}
