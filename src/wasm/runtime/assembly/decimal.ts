// decimal.ts — exact decimal digits of numbers, for the formatting built-ins
// (sprintf's %e %f %g, format_int): an f64's exact binary value written out
// in decimal and rounded half-to-even at any position, as Go's strconv does
// (JS's toFixed rounds exact ties up, Go to even: %.1f of 0.25 is "0.2"), and
// integers of any size converted between bases over their decimal text.
//
// Results go to static scratch areas (DEC_DIGITS / decLen / decPoint); a
// caller copies what it needs before the next call.

import { alloc } from "./value";
import { formatFloat } from "./dtoa";

// An f64 is m × 2^e with m < 2^53 and e ≥ -1074: m × 5^1074 needs 2547 bits.
const LIMBS: i32 = 84;
const BN = memory.data(LIMBS * 4 + 8, 8);
let bnN: i32 = 0;

/** Digits of the last conversion (ASCII), decLen of them; the value is
 *  0.DIGITS × 10^decPoint. Trailing zeros are trimmed; zero has decLen 0. */
export const DEC_DIGITS = memory.data(800);
const TMP = memory.data(800);
export let decLen: i32 = 0;
export let decPoint: i32 = 0;

function bnMulSmall(m: u32): void {
  let carry: u64 = 0;
  for (let i = 0; i < bnN; i++) {
    let x = <u64>load<u32>(BN + (<usize>i << 2)) * m + carry;
    store<u32>(BN + (<usize>i << 2), <u32>x);
    carry = x >>> 32;
  }
  if (carry != 0) { store<u32>(BN + (<usize>bnN << 2), <u32>carry); bnN++; }
}

/** Divides the bignum by d in place; returns the remainder. */
function bnDivSmall(d: u32): u32 {
  let rem: u64 = 0;
  for (let i = bnN - 1; i >= 0; i--) {
    let x = (rem << 32) | <u64>load<u32>(BN + (<usize>i << 2));
    store<u32>(BN + (<usize>i << 2), <u32>(x / d));
    rem = x % d;
  }
  while (bnN > 0 && load<u32>(BN + (<usize>(bnN - 1) << 2)) == 0) bnN--;
  return <u32>rem;
}

/** Writes the bignum's decimal digits to DEC_DIGITS; returns their count. */
function bnToDecimal(): i32 {
  // 9-digit chunks, least significant first, then reversed
  let tmp = TMP;
  let n = 0;
  while (bnN > 0) {
    let r = bnDivSmall(1000000000);
    for (let k = 0; k < 9; k++) { store<u8>(tmp + n++, <u8>(0x30 + r % 10)); r /= 10; }
  }
  while (n > 0 && load<u8>(tmp + n - 1) == 0x30) n--;
  for (let i = 0; i < n; i++) store<u8>(DEC_DIGITS + i, load<u8>(tmp + n - 1 - i));
  return n;
}

/** The exact decimal expansion of |x| (finite). */
export function exactDigits(x: f64): void {
  x = Math.abs(x);
  decLen = 0;
  decPoint = 0;
  if (x == 0) return;
  let bits = reinterpret<u64>(x);
  let be = <i32>((bits >>> 52) & 0x7ff);
  let m = bits & 0xfffffffffffff;
  let e: i32;
  if (be == 0) e = -1074; else { m |= <u64>1 << 52; e = be - 1075; }
  store<u32>(BN, <u32>m);
  store<u32>(BN + 4, <u32>(m >>> 32));
  bnN = (m >>> 32) != 0 ? 2 : 1;
  let n: i32;
  if (e >= 0) {
    for (let i = 0; i < e; i++) bnMulSmall(2);
    n = bnToDecimal();
    decPoint = n;
  } else {
    let k = -e;
    while (k >= 13) { bnMulSmall(1220703125); k -= 13; } // 5^13
    for (; k > 0; k--) bnMulSmall(5);
    n = bnToDecimal();
    decPoint = n + e; // divided by 10^-e
  }
  while (n > 0 && load<u8>(DEC_DIGITS + n - 1) == 0x30) n--;
  decLen = n;
}

/** The shortest digits that read back as |x| (what JS and Go's %v print). */
export function shortestDigits(x: f64): void {
  x = Math.abs(x);
  decLen = 0;
  decPoint = 0;
  if (x == 0) return;
  let buf = TMP;
  let n = formatFloat(buf, x);
  let point = -1;
  let digits = 0;
  let lead = true;
  let leadZeros = 0;
  let i = 0;
  for (; i < n; i++) {
    let c = load<u8>(buf + i);
    if (c == 0x2e) { point = digits + leadZeros; continue; }
    if (c == 0x65) break;
    if (lead && c == 0x30) { leadZeros++; continue; }
    lead = false;
    store<u8>(DEC_DIGITS + digits++, c);
  }
  let intDigits = point < 0 ? digits + leadZeros : point;
  let exp = 0;
  if (i < n) {
    i++;
    let neg = load<u8>(buf + i) == 0x2d;
    i++;
    for (; i < n; i++) exp = exp * 10 + <i32>(load<u8>(buf + i) - 0x30);
    if (neg) exp = -exp;
  }
  decPoint = intDigits - leadZeros + exp;
  while (digits > 0 && load<u8>(DEC_DIGITS + digits - 1) == 0x30) digits--;
  decLen = digits;
}

/** Rounds the current digits to nd significant digits, half to even on the
 *  exact value (Go's decimal.Round); nd ≤ 0 rounds at or before the first. */
export function roundDigits(nd: i32): void {
  if (nd >= decLen) return;
  if (nd < 0) { decLen = 0; return; }
  let d = load<u8>(DEC_DIGITS + nd);
  let up = d > 0x35 || (d == 0x35 && (nd + 1 < decLen || (nd > 0 && (load<u8>(DEC_DIGITS + nd - 1) & 1) == 1)));
  decLen = nd;
  if (up) {
    let i = nd - 1;
    while (i >= 0 && load<u8>(DEC_DIGITS + i) == 0x39) i--;
    if (i < 0) {
      store<u8>(DEC_DIGITS, 0x31);
      decLen = 1;
      decPoint++;
      return;
    }
    store<u8>(DEC_DIGITS + i, load<u8>(DEC_DIGITS + i) + 1);
    decLen = i + 1;
  }
  while (decLen > 0 && load<u8>(DEC_DIGITS + decLen - 1) == 0x30) decLen--;
}

/** Digits of a non-negative integer given as decimal text (no sign), in
 *  `base` (2, 8, 10, 16), written to a fresh buffer; returns its address
 *  and sets convLen. Lower-case letters unless `upper`. */
export let convLen: i32 = 0;
export function convertBase(p: usize, n: i32, base: u32, upper: bool): usize {
  // skip leading zeros
  while (n > 1 && load<u8>(p) == 0x30) { p++; n--; }
  if (base == 10) {
    let out = alloc(<usize>n);
    memory.copy(out, p, n);
    convLen = n;
    return out;
  }
  // repeated division of the decimal digit string by base
  let work = alloc(<usize>n);
  for (let i = 0; i < n; i++) store<u8>(work + i, load<u8>(p + i) - 0x30);
  let cap = n * 4 + 1;
  let rev = alloc(<usize>cap);
  let k = 0;
  let start = 0;
  while (start < n) {
    let rem: u32 = 0;
    for (let i = start; i < n; i++) {
      let cur = rem * 10 + <u32>load<u8>(work + i);
      store<u8>(work + i, <u8>(cur / base));
      rem = cur % base;
    }
    store<u8>(rev + k++, <u8>(rem < 10 ? 0x30 + rem : (upper ? 0x41 : 0x61) + rem - 10));
    while (start < n && load<u8>(work + start) == 0) start++;
  }
  if (k == 0) store<u8>(rev + k++, 0x30);
  let out = alloc(<usize>k);
  for (let i = 0; i < k; i++) store<u8>(out + i, load<u8>(rev + k - 1 - i));
  convLen = k;
  return out;
}
