// dtoa.ts — shortest round-trip formatting of an f64, the digits JS's
// Number.prototype.toString and Go's strconv (used by encoding/json) print:
// the fewest significant digits that parse back to the same f64, the closest
// such digits when several qualify. A cheap exact check handles short
// decimals; everything else uses the Burger–Dybvig free-format algorithm over
// small fixed-size bignums (exact, never allocates).

const LIMBS: i32 = 40; // 1280 bits: enough for 2^1075 × 10^17 and 10^340
const BN_BYTES: usize = 4 + <usize>LIMBS * 4;
const BN_R = memory.data(<i32>BN_BYTES, 8);
const BN_S = memory.data(<i32>BN_BYTES, 8);
const BN_MP = memory.data(<i32>BN_BYTES, 8);
const BN_MM = memory.data(<i32>BN_BYTES, 8);
const BN_T = memory.data(<i32>BN_BYTES, 8);
const DIGITS = memory.data(32);

const POW10F = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);

// ---- bignums: [len u32][limbs u32 little-endian] ----------------------------

// @ts-ignore: decorator
@inline function bnLen(a: usize): i32 { return load<i32>(a); }
// @ts-ignore: decorator
@inline function limb(a: usize, i: i32): u32 { return load<u32>(a + 4 + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function setLimb(a: usize, i: i32, v: u32): void { store<u32>(a + 4 + (<usize>i << 2), v); }

function bnSet(a: usize, x: u64): void {
  setLimb(a, 0, <u32>x);
  setLimb(a, 1, <u32>(x >>> 32));
  store<i32>(a, (x >>> 32) != 0 ? 2 : x != 0 ? 1 : 0);
}

function bnMulSmall(a: usize, m: u32): void {
  let n = bnLen(a);
  let carry: u64 = 0;
  for (let i = 0; i < n; i++) {
    let x = <u64>limb(a, i) * m + carry;
    setLimb(a, i, <u32>x);
    carry = x >>> 32;
  }
  if (carry != 0) { setLimb(a, n, <u32>carry); store<i32>(a, n + 1); }
}

function bnMulPow10(a: usize, k: i32): void {
  while (k >= 9) { bnMulSmall(a, 1000000000); k -= 9; }
  if (k > 0) bnMulSmall(a, <u32>load<f64>(POW10F + (<usize>k << 3)));
}

function bnShl(a: usize, bits: i32): void {
  let n = bnLen(a);
  if (n == 0) return;
  let words = bits >> 5;
  let sh = bits & 31;
  let top = n + words;
  setLimb(a, top, 0);
  for (let i = n - 1; i >= 0; i--) {
    let x = limb(a, i);
    if (sh != 0) {
      setLimb(a, i + words + 1, limb(a, i + words + 1) | (x >>> (32 - sh)));
      setLimb(a, i + words, x << sh);
    } else {
      setLimb(a, i + words, x);
    }
  }
  for (let i = 0; i < words; i++) setLimb(a, i, 0);
  store<i32>(a, limb(a, top) != 0 ? top + 1 : top);
}

function bnCmp(a: usize, b: usize): i32 {
  let na = bnLen(a);
  let nb = bnLen(b);
  if (na != nb) return na < nb ? -1 : 1;
  for (let i = na - 1; i >= 0; i--) {
    let x = limb(a, i);
    let y = limb(b, i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

/** out = a + b (out may alias a). */
function bnAdd(out: usize, a: usize, b: usize): void {
  let na = bnLen(a);
  let nb = bnLen(b);
  let n = max(na, nb);
  let carry: u64 = 0;
  for (let i = 0; i < n; i++) {
    let x = <u64>(i < na ? limb(a, i) : 0) + <u64>(i < nb ? limb(b, i) : 0) + carry;
    setLimb(out, i, <u32>x);
    carry = x >>> 32;
  }
  if (carry != 0) { setLimb(out, n, 1); n++; }
  store<i32>(out, n);
}

/** a -= b, requires a >= b. */
function bnSub(a: usize, b: usize): void {
  let na = bnLen(a);
  let nb = bnLen(b);
  let borrow: i64 = 0;
  for (let i = 0; i < na; i++) {
    let x = <i64>limb(a, i) - <i64>(i < nb ? limb(b, i) : 0) - borrow;
    borrow = x < 0 ? 1 : 0;
    setLimb(a, i, <u32>(x + (borrow << 32)));
  }
  while (na > 0 && limb(a, na - 1) == 0) na--;
  store<i32>(a, na);
}

// ---- digit generation -------------------------------------------------------

let nDigits: i32 = 0;
let decPoint: i32 = 0; // value = 0.DIGITS × 10^decPoint

/** Burger–Dybvig free-format shortest digits of a positive finite f64. */
function shortestDigits(v: f64): void {
  let bits = reinterpret<u64>(v);
  let be = <i32>((bits >>> 52) & 0x7ff);
  let f = bits & 0xfffffffffffff;
  let e: i32;
  if (be == 0) e = -1074; else { f |= <u64>1 << 52; e = be - 1075; }
  let even = (f & 1) == 0;
  let unequalGaps = f == (<u64>1 << 52) && be > 1;
  // v = r/s; the round-trip interval is (v - mm/s, v + mp/s)
  if (e >= 0) {
    bnSet(BN_R, f); bnShl(BN_R, e + (unequalGaps ? 2 : 1));
    bnSet(BN_S, unequalGaps ? 4 : 2);
    bnSet(BN_MP, 1); bnShl(BN_MP, e + (unequalGaps ? 1 : 0));
    bnSet(BN_MM, 1); bnShl(BN_MM, e);
  } else {
    bnSet(BN_R, f); bnShl(BN_R, unequalGaps ? 2 : 1);
    bnSet(BN_S, 1); bnShl(BN_S, -e + (unequalGaps ? 2 : 1));
    bnSet(BN_MP, unequalGaps ? 2 : 1);
    bnSet(BN_MM, 1);
  }
  // estimate k = ceil(log10 v), then fix it up by one if needed
  let k = <i32>Math.ceil(Math.log10(v) - 1e-10);
  if (k >= 0) bnMulPow10(BN_S, k);
  else { bnMulPow10(BN_R, -k); bnMulPow10(BN_MP, -k); bnMulPow10(BN_MM, -k); }
  bnAdd(BN_T, BN_R, BN_MP);
  let c = bnCmp(BN_T, BN_S);
  if (even ? c >= 0 : c > 0) { k++; bnMulSmall(BN_S, 10); }
  decPoint = k;
  let n = 0;
  while (true) {
    bnMulSmall(BN_R, 10);
    bnMulSmall(BN_MP, 10);
    bnMulSmall(BN_MM, 10);
    let d = 0;
    while (bnCmp(BN_R, BN_S) >= 0) { bnSub(BN_R, BN_S); d++; }
    let lowOk = bnCmp(BN_R, BN_MM);
    let tc1 = even ? lowOk <= 0 : lowOk < 0;
    bnAdd(BN_T, BN_R, BN_MP);
    let highOk = bnCmp(BN_T, BN_S);
    let tc2 = even ? highOk >= 0 : highOk > 0;
    if (!tc1 && !tc2) {
      store<u8>(DIGITS + n++, <u8>(0x30 + d));
      if (n >= 30) break;
      continue;
    }
    if (tc1 && tc2) {
      // both ends reachable: pick the closer (2r vs s), ties to even (as JS)
      bnAdd(BN_T, BN_R, BN_R);
      let half = bnCmp(BN_T, BN_S);
      if (half > 0 || (half == 0 && (d & 1) != 0)) d++;
    } else if (tc2) {
      d++;
    }
    store<u8>(DIGITS + n++, <u8>(0x30 + d));
    break;
  }
  // a first digit of 0 means the estimate was one too high
  if (load<u8>(DIGITS) == 0x30 && n > 1) {
    memory.copy(DIGITS, DIGITS + 1, n - 1);
    n--;
    decPoint--;
  }
  nDigits = n;
}

/** Short decimals: the fewest fraction digits p with round(v·10^p)/10^p == v
 *  exactly (a single correctly rounded division, so it parses back to v) and
 *  no neighbouring candidate also round-trips. Returns false when unsure. */
function shortDigits(v: f64): bool {
  for (let p = 1; p <= 15; p++) {
    let scale = load<f64>(POW10F + (<usize>p << 3));
    let x = v * scale;
    if (x >= 1e15) return false;
    let m = Math.round(x);
    if (m / scale != v) continue;
    if ((m - 1) / scale == v || (m + 1) / scale == v) return false;
    // digits of m, and the decimal point p places from the right
    let u = <u64>m;
    let n = 0;
    while (u != 0) { store<u8>(DIGITS + 24 + n++, <u8>(0x30 + <u32>(u % 10))); u /= 10; }
    let trailing = 0;
    while (trailing < n && load<u8>(DIGITS + 24 + trailing) == 0x30) trailing++;
    let k = 0;
    for (let i = n - 1; i >= trailing; i--) store<u8>(DIGITS + k++, load<u8>(DIGITS + 24 + i));
    nDigits = k;
    decPoint = n - p;
    return true;
  }
  return false;
}

/** Writes v (finite, nonzero, not an integer below 2^53) in JS/Go JSON style;
 *  returns the length (≤ 32). */
export function formatFloat(out: usize, v: f64): i32 {
  let o = 0;
  if (v < 0) { store<u8>(out + o++, 0x2d); v = -v; }
  if (!shortDigits(v)) shortestDigits(v);
  let n = nDigits;
  let k = decPoint;
  if (k > 0 && k <= 21) {
    if (n <= k) {
      memory.copy(out + o, DIGITS, n); o += n;
      for (let i = n; i < k; i++) store<u8>(out + o++, 0x30);
    } else {
      memory.copy(out + o, DIGITS, k); o += k;
      store<u8>(out + o++, 0x2e);
      memory.copy(out + o, DIGITS + k, n - k); o += n - k;
    }
    return o;
  }
  if (k <= 0 && k > -6) {
    store<u8>(out + o++, 0x30);
    store<u8>(out + o++, 0x2e);
    for (let i = 0; i < -k; i++) store<u8>(out + o++, 0x30);
    memory.copy(out + o, DIGITS, n); o += n;
    return o;
  }
  store<u8>(out + o++, load<u8>(DIGITS));
  if (n > 1) {
    store<u8>(out + o++, 0x2e);
    memory.copy(out + o, DIGITS + 1, n - 1); o += n - 1;
  }
  store<u8>(out + o++, 0x65);
  let x = k - 1;
  store<u8>(out + o++, x < 0 ? 0x2d : 0x2b);
  if (x < 0) x = -x;
  if (x >= 100) { store<u8>(out + o++, <u8>(0x30 + x / 100)); x %= 100; store<u8>(out + o++, <u8>(0x30 + x / 10)); }
  else if (x >= 10) store<u8>(out + o++, <u8>(0x30 + x / 10));
  store<u8>(out + o++, <u8>(0x30 + x % 10));
  return o;
}
