// builtins-net.ts — net.cidr_contains (and its deprecated name
// net.cidr_overlap), net.cidr_intersects and net.cidr_is_valid inside the
// module: Go's net.ParseIP / net.ParseCIDR syntax (dotted-quad IPv4 without
// leading zeros, IPv6 with one `::` and an optional dotted-quad tail, no
// zone), prefixes compared bit by bit. IPv4 and IPv6 are separate families,
// as in the host implementation (builtins/net.ts).

import { T_STRING, T_ARRAY, T_OBJECT, T_SET, TRUE_V, typeOf, strLen, strPtr, boolOf, alloc, newStr, newArr, arrPush, arrLen, arrAt } from "./value";
import { newColl, collCount, collKeyAt, collValAt, collAdd } from "./object";
import { newInt } from "./number";

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

// ---- cidr_contains_matches, cidr_expand, cidr_merge ---------------------------------

/** The text a cidr_contains_matches element stands for: a string, or the
 *  first element of a non-empty array; 0 otherwise (an error in OPA). */
function matchText(e: usize): usize {
  let t = typeOf(e);
  if (t == T_STRING) return e;
  if (t == T_ARRAY && arrLen(e) > 0) return arrAt(e, 0);
  return 0;
}

/** Operand of cidr_contains_matches as parallel arrays of texts and keys:
 *  a string is its own key, array elements are keyed by index, set members
 *  by themselves, object values by their key. Anything else has no items
 *  (OPA iterates nothing). False when an element is malformed. */
function matchItems(v: usize, texts: usize, keys: usize): bool {
  let t = typeOf(v);
  if (t == T_STRING) { arrPush(texts, v); arrPush(keys, v); return true; }
  let n = t == T_ARRAY ? arrLen(v) : (t == T_SET || t == T_OBJECT) ? collCount(v) : 0;
  for (let i = 0; i < n; i++) {
    let e = t == T_ARRAY ? arrAt(v, i) : t == T_SET ? collKeyAt(v, i) : collValAt(v, i);
    let s = matchText(e);
    if (s == 0) return false;
    arrPush(texts, s);
    arrPush(keys, t == T_ARRAY ? newInt(i) : collKeyAt(v, i));
  }
  return true;
}

/** net.cidr_contains_matches(cidrs, cidrs_or_ips): the set of [key1, key2]
 *  where the first operand's CIDR contains the second's CIDR or address.
 *  As in OPA, the second operand is read once per item of the first, so an
 *  empty first operand raises no error for a malformed second one. */
export function mg_cidr_contains_matches(a: usize, b: usize): usize {
  if (a == 0 || b == 0) return 0;
  let ta = newArr(4), ka = newArr(4);
  if (!matchItems(a, ta, ka)) return 0;
  let out = newColl(T_SET, 4);
  let n = arrLen(ta);
  if (n == 0) return out;
  let tb = newArr(4), kb = newArr(4);
  if (!matchItems(b, tb, kb)) return 0;
  let m = arrLen(tb);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let r = mg_cidr_contains(arrAt(ta, i), arrAt(tb, j));
      if (r == 0) return 0;
      if (r == TRUE_V) {
        let pair = newArr(2);
        arrPush(pair, arrAt(ka, i));
        arrPush(pair, arrAt(kb, j));
        collAdd(out, pair);
      }
    }
  }
  return out;
}

// 128-bit results of the helpers below (the runtime is single-threaded)
let sumHi: u64 = 0;
let sumLo: u64 = 0;

const HEXD = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/** Go's net.IP.String(): dotted quad for IPv4 and IPv4-mapped IPv6
 *  (::ffff:a.b.c.d), otherwise hex groups with the longest run of two or
 *  more zero groups (the first on ties) as "::". */
function formatIP(width: i32, hi: u64, lo: u64): usize {
  let out = alloc(48);
  let k = 0;
  if (width == 32 || (hi == 0 && (lo >> 32) == 0xffff)) {
    for (let s = 24; s >= 0; s -= 8) {
      if (s < 24) store<u8>(out + k++, 0x2e);
      let o = <u32>((lo >> <u64>s) & 0xff);
      if (o >= 100) store<u8>(out + k++, <u8>(0x30 + o / 100));
      if (o >= 10) store<u8>(out + k++, <u8>(0x30 + (o / 10) % 10));
      store<u8>(out + k++, <u8>(0x30 + o % 10));
    }
    return newStr(out, k);
  }
  let g = memory.data(16, 8);
  for (let i = 0; i < 4; i++) store<u16>(g + (<usize>i << 1), <u16>(hi >> <u64>(48 - 16 * i)));
  for (let i = 0; i < 4; i++) store<u16>(g + (<usize>(i + 4) << 1), <u16>(lo >> <u64>(48 - 16 * i)));
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (load<u16>(g + (<usize>i << 1)) != 0) { i++; continue; }
    let j = i;
    while (j < 8 && load<u16>(g + (<usize>j << 1)) == 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  for (let i = 0; i < 8; i++) {
    if (i == best) {
      store<u8>(out + k++, 0x3a);
      store<u8>(out + k++, 0x3a);
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && i != best + bestLen) store<u8>(out + k++, 0x3a);
    let x = <u32>load<u16>(g + (<usize>i << 1));
    let started = false;
    for (let s = 12; s >= 0; s -= 4) {
      let d = (x >> <u32>s) & 15;
      if (d != 0 || started || s == 0) { store<u8>(out + k++, load<u8>(HEXD + d)); started = true; }
    }
  }
  return newStr(out, k);
}

/** OPA caps nothing; the host (builtins/net.ts) stops at 2^24 addresses, and so does the module. */
const MAX_EXPAND: i32 = 1 << 24;

/** net.cidr_expand(cidr): the set of every address in the CIDR. */
export function mg_cidr_expand(a: usize): usize {
  if (!isStr(a) || !parseCIDR(strPtr(a), strLen(a))) return 0;
  let w = aWidth, len = aLen;
  if (w - len > 24) return 0;
  let count: i32 = 1 << (w - len);
  if (count > MAX_EXPAND) return 0;
  firstOf(w, aHi, aLo, len);
  let hi = sumHi, lo = sumLo;
  let out = newColl(T_SET, count);
  for (let i = 0; i < count; i++) {
    collAdd(out, formatIP(w, hi, lo + <u64>i));
  }
  return out;
}

// Prefixes to merge, as ranges [first, last] of one family: parallel arrays
// of u64 words in scratch memory the merge allocates.

/** a + b for a 128-bit a and a 64-bit b, into (sumHi, sumLo). */
function add128(hi: u64, lo: u64, b: u64): void {
  sumLo = lo + b;
  sumHi = hi + (sumLo < lo ? 1 : 0);
}

// @ts-ignore: decorator
@inline
function lt128(ah: u64, al: u64, bh: u64, bl: u64): bool { return ah < bh || (ah == bh && al < bl); }

/** The last address of a prefix (first | host mask). */
function lastOf(width: i32, hi: u64, lo: u64, len: i32): void {
  let host = width - len;
  if (width == 32) { sumHi = 0; sumLo = host == 0 ? lo : lo | ((<u64>1 << <u64>host) - 1); return; }
  if (host == 0) { sumHi = hi; sumLo = lo; return; }
  if (host <= 64) { sumHi = hi; sumLo = lo | (host == 64 ? 0xffffffffffffffff : (<u64>1 << <u64>host) - 1); return; }
  sumLo = 0xffffffffffffffff;
  sumHi = hi | (host == 128 ? 0xffffffffffffffff : (<u64>1 << <u64>(host - 64)) - 1);
}

/** The first address of a prefix (host bits cleared). */
function firstOf(width: i32, hi: u64, lo: u64, len: i32): void {
  if (width == 32) { sumHi = 0; sumLo = len == 0 ? 0 : lo & (0xffffffff << <u64>(32 - len)) & 0xffffffff; return; }
  if (len <= 64) { sumLo = 0; sumHi = len == 0 ? 0 : hi & (0xffffffffffffffff << <u64>(64 - len)); return; }
  sumHi = hi;
  sumLo = lo & (0xffffffffffffffff << <u64>(128 - len));
}

// @ts-ignore: decorator
@inline
function isMax(width: i32, hi: u64, lo: u64): bool {
  return width == 32 ? lo == 0xffffffff : hi == 0xffffffffffffffff && lo == 0xffffffffffffffff;
}

/** Trailing zero bits of a width-bit value (width when it is 0). */
function tz(width: i32, hi: u64, lo: u64): i32 {
  if (lo != 0) return min(<i32>ctz(lo), width);
  if (width == 32) return 32;
  if (hi != 0) return 64 + <i32>ctz(hi);
  return 128;
}

/** The fewest CIDRs that cover [first, last] exactly, added to `out`. */
function rangeToCIDRs(width: i32, fh: u64, fl: u64, lh: u64, ll: u64, out: usize): void {
  while (true) {
    let k = tz(width, fh, fl);
    // shrink the block until it ends within the range
    while (true) {
      lastOf(width, fh, fl, width - k);
      if (!lt128(lh, ll, sumHi, sumLo)) break;
      k--;
    }
    let eh = sumHi, el = sumLo;
    let s = alloc(64);
    let ip = formatIP(width, fh, fl);
    memory.copy(s, strPtr(ip), strLen(ip));
    let n = strLen(ip);
    store<u8>(s + n++, 0x2f);
    let len = width - k;
    if (len >= 100) store<u8>(s + n++, <u8>(0x30 + len / 100));
    if (len >= 10) store<u8>(s + n++, <u8>(0x30 + (len / 10) % 10));
    store<u8>(s + n++, <u8>(0x30 + len % 10));
    collAdd(out, newStr(s, n));
    if (eh == lh && el == ll) return;
    add128(eh, el, 1);
    fh = sumHi; fl = sumLo;
  }
}

// @ts-ignore: decorator
@inline
function firstLess(x: i32, y: i32, fh: usize, fl: usize): bool {
  return lt128(load<u64>(fh + (<usize>x << 3)), load<u64>(fl + (<usize>x << 3)), load<u64>(fh + (<usize>y << 3)), load<u64>(fl + (<usize>y << 3)));
}

/** Sorts range indexes by first address (a bottom-up merge sort, stable). */
function sortRanges(idx: usize, fh: usize, fl: usize, n: i32): void {
  let src = idx;
  let dst = alloc(<usize>(n * 4 + 4));
  for (let w = 1; w < n; w <<= 1) {
    for (let lo = 0; lo < n; lo += w << 1) {
      let mid = min(lo + w, n), hi = min(lo + (w << 1), n);
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        let a = load<i32>(src + (<usize>i << 2)), b = load<i32>(src + (<usize>j << 2));
        if (firstLess(b, a, fh, fl)) { store<i32>(dst + (<usize>k << 2), b); j++; }
        else { store<i32>(dst + (<usize>k << 2), a); i++; }
        k++;
      }
      while (i < mid) { store<i32>(dst + (<usize>k << 2), load<i32>(src + (<usize>i << 2))); i++; k++; }
      while (j < hi) { store<i32>(dst + (<usize>k << 2), load<i32>(src + (<usize>j << 2))); j++; k++; }
    }
    let t = src; src = dst; dst = t;
  }
  if (src != idx) memory.copy(idx, src, <usize>n << 2);
}

/** net.cidr_merge(addrs): the smallest set of CIDRs covering the same
 *  addresses. A bare IPv4 address stands for its classful network (Go's
 *  DefaultMask); a bare IPv6 address is an error, as in OPA. */
export function mg_cidr_merge(xs: usize): usize {
  if (xs == 0) return 0;
  let t = typeOf(xs);
  if (t != T_ARRAY && t != T_SET) return 0;
  let n = t == T_ARRAY ? arrLen(xs) : collCount(xs);
  let out = newColl(T_SET, 4);
  for (let fam = 0; fam < 2; fam++) {
    let width = fam == 0 ? 32 : 128;
    let fh = alloc(<usize>(n * 8 + 8)), fl = alloc(<usize>(n * 8 + 8));
    let lh = alloc(<usize>(n * 8 + 8)), ll = alloc(<usize>(n * 8 + 8));
    let idx = alloc(<usize>(n * 4 + 4));
    let m = 0;
    for (let i = 0; i < n; i++) {
      let s = t == T_ARRAY ? arrAt(xs, i) : collKeyAt(xs, i);
      if (!isStr(s)) return 0;
      let p = strPtr(s), sn = strLen(s);
      let len: i32;
      if (parseIP(p, sn)) {
        if (aWidth == 128) return 0;
        let first = <u32>(aLo >> 24);
        len = first < 0x80 ? 8 : first < 0xc0 ? 16 : 24;
      } else if (parseCIDR(p, sn)) len = aLen;
      else return 0;
      if (aWidth != width) continue;
      firstOf(width, aHi, aLo, len);
      let firstH = sumHi, firstL = sumLo;
      lastOf(width, firstH, firstL, len);
      let hostH = sumHi, hostL = sumLo;
      store<u64>(fh + (<usize>m << 3), firstH);
      store<u64>(fl + (<usize>m << 3), firstL);
      store<u64>(lh + (<usize>m << 3), hostH);
      store<u64>(ll + (<usize>m << 3), hostL);
      store<i32>(idx + (<usize>m << 2), m);
      m++;
    }
    if (m == 0) continue;
    sortRanges(idx, fh, fl, m);
    let x0 = load<i32>(idx);
    let ch = load<u64>(fh + (<usize>x0 << 3)), cl = load<u64>(fl + (<usize>x0 << 3));
    let eh = load<u64>(lh + (<usize>x0 << 3)), el = load<u64>(ll + (<usize>x0 << 3));
    for (let i = 1; i < m; i++) {
      let x = load<i32>(idx + (<usize>i << 2));
      let xh = load<u64>(fh + (<usize>x << 3)), xl = load<u64>(fl + (<usize>x << 3));
      let yh = load<u64>(lh + (<usize>x << 3)), yl = load<u64>(ll + (<usize>x << 3));
      // overlapping or adjacent: first(x) <= last + 1
      let touches = true;
      if (!isMax(width, eh, el)) { add128(eh, el, 1); touches = !lt128(sumHi, sumLo, xh, xl); }
      if (touches) {
        if (lt128(eh, el, yh, yl)) { eh = yh; el = yl; }
        continue;
      }
      rangeToCIDRs(width, ch, cl, eh, el, out);
      ch = xh; cl = xl; eh = yh; el = yl;
    }
    rangeToCIDRs(width, ch, cl, eh, el, out);
  }
  return out;
}
