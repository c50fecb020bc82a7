// builtins-text.ts — OPA's string built-ins inside the module: concat,
// lower, upper, split, replace, strings.replace_n, trim and its variants,
// substring, indexof, indexof_n, strings.count, strings.reverse,
// strings.any_prefix_match / any_suffix_match. Strings are UTF-8 and
// measured in code points (Go runes), as OPA does; case mapping is Go's
// simple per-code-point mapping (case-tables.ts), not JavaScript's.
// A wrong operand type makes the result undefined (0); strict builds turn
// that into an evaluation error (plan/body.ts).

import {
  T_STRING, T_ARRAY, T_SET, T_OBJECT, T_NUMBER, typeOf, strLen, strPtr, newStr, newArr, arrPush,
  arrLen, arrAt, boolOf,
} from "./value";
import { newInt, numKind, numI64, K_INT } from "./number";
import { collCount, collKeyAt, collValAt } from "./object";
import { wBegin, wByte, wBytes, wReserve, wAdvance, wLength, wStart } from "./writer";
import { strIndexOf } from "./builtins-strings";
import { decodeAt, encodeAt, seqLen, runeCount, runeOffset } from "./utf8";
import { TO_LOWER, TO_LOWER_RUNS, TO_UPPER, TO_UPPER_RUNS } from "./case-tables";

// @ts-ignore: decorator
@inline
function isStr(v: usize): bool {
  return v != 0 && typeOf(v) == T_STRING;
}

/** The elements of an array or set, or -1 for anything else. */
function elemCount(v: usize): i32 {
  if (v == 0) return -1;
  let t = typeOf(v);
  if (t == T_ARRAY) return arrLen(v);
  if (t == T_SET) return collCount(v);
  return -1;
}

function elemAt(v: usize, i: i32): usize {
  return typeOf(v) == T_ARRAY ? arrAt(v, i) : collKeyAt(v, i);
}

/** An integer number as i32, saturated (a position past any string stays
 *  past it); `intOk` says whether v was an integer. */
let intOk = false;
function smallInt(v: usize): i32 {
  intOk = false;
  if (v == 0 || typeOf(v) != T_NUMBER || numKind(v) != K_INT) return 0;
  let x = numI64(v);
  intOk = true;
  if (x > 0x7fffffff) return 0x7fffffff;
  if (x < -0x7fffffff) return -0x7fffffff;
  return <i32>x;
}

function finish(): usize {
  return newStr(wStart(), wLength());
}

// ---- concat, split, replace -----------------------------------------------------

export function mg_concat(delim: usize, coll: usize): usize {
  let n = elemCount(coll);
  if (!isStr(delim) || n < 0) return 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let s = elemAt(coll, i);
    if (!isStr(s)) return 0;
    total += strLen(s) + strLen(delim);
  }
  wBegin(total);
  for (let i = 0; i < n; i++) {
    if (i > 0) wBytes(strPtr(delim), strLen(delim));
    let s = elemAt(coll, i);
    wBytes(strPtr(s), strLen(s));
  }
  return finish();
}

/** Go's strings.Split: an empty separator splits into code points. */
export function mg_split(s: usize, delim: usize): usize {
  if (!isStr(s) || !isStr(delim)) return 0;
  let p = strPtr(s), n = strLen(s);
  let d = strPtr(delim), dn = strLen(delim);
  let out = newArr(4);
  if (dn == 0) {
    let i = 0;
    while (i < n) {
      let k = seqLen(load<u8>(p + i));
      arrPush(out, newStr(p + i, k));
      i += k;
    }
    return out;
  }
  let start = 0;
  while (true) {
    let j = strIndexOf(p + start, n - start, d, dn);
    if (j < 0) break;
    arrPush(out, newStr(p + start, j));
    start += j + dn;
  }
  arrPush(out, newStr(p + start, n - start));
  return out;
}

/** Go's strings.ReplaceAll: an empty `old` inserts `new` around every code point. */
export function mg_replace(s: usize, old: usize, nw: usize): usize {
  if (!isStr(s) || !isStr(old) || !isStr(nw)) return 0;
  let p = strPtr(s), n = strLen(s);
  let o = strPtr(old), on = strLen(old);
  let w = strPtr(nw), wn = strLen(nw);
  wBegin(n + wn);
  if (on == 0) {
    wBytes(w, wn);
    let i = 0;
    while (i < n) {
      let k = seqLen(load<u8>(p + i));
      wBytes(p + i, k);
      wBytes(w, wn);
      i += k;
    }
    return finish();
  }
  let start = 0;
  while (true) {
    let j = strIndexOf(p + start, n - start, o, on);
    if (j < 0) break;
    wBytes(p + start, j);
    wBytes(w, wn);
    start += j + on;
  }
  wBytes(p + start, n - start);
  return finish();
}

/** strings.replace_n(patterns, s): Go's strings.NewReplacer over the pairs in
 *  key order — left to right, at each position the first pattern (in that
 *  order) that matches wins; an empty pattern matches between code points. */
export function mg_replace_n(patterns: usize, s: usize): usize {
  if (patterns == 0 || typeOf(patterns) != T_OBJECT || !isStr(s)) return 0;
  let np = collCount(patterns);
  for (let k = 0; k < np; k++) {
    // OPA: "non-string key/value found in pattern object" is an error
    if (!isStr(collKeyAt(patterns, k)) || !isStr(collValAt(patterns, k))) return 0;
  }
  if (np == 0) return s;
  let p = strPtr(s), n = strLen(s);
  wBegin(n);
  let i = 0;
  let prevEmpty = false;
  while (i <= n) {
    let hit = -1;
    for (let k = 0; k < np; k++) {
      let key = collKeyAt(patterns, k);
      let kn = strLen(key);
      if (kn == 0 && prevEmpty) continue;
      if (kn <= n - i && memory.compare(p + i, strPtr(key), kn) == 0) { hit = k; break; }
    }
    if (hit >= 0) {
      let v = collValAt(patterns, hit);
      wBytes(strPtr(v), strLen(v));
      let kn = strLen(collKeyAt(patterns, hit));
      if (kn > 0) { i += kn; prevEmpty = false; continue; }
      prevEmpty = true;
    } else prevEmpty = false;
    if (i >= n) break;
    let k = seqLen(load<u8>(p + i));
    wBytes(p + i, k);
    i += k;
    prevEmpty = false;
  }
  return finish();
}

// ---- case -----------------------------------------------------------------------

/** The simple case mapping of c in a table of runs (start, count, stride, delta). */
function mapCase(c: u32, table: usize, runs: i32): u32 {
  if (c < 0x41) return c;
  let lo = 0, hi = runs - 1, found = -1;
  while (lo <= hi) {
    let mid = (lo + hi) >>> 1;
    if (<u32>load<i32>(table + (<usize>mid << 4)) <= c) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (found < 0) return c;
  let r = table + (<usize>found << 4);
  let start = <u32>load<i32>(r);
  let count = <u32>load<i32>(r, 4);
  let stride = <u32>load<i32>(r, 8);
  let off = c - start;
  if (off % stride != 0 || off / stride >= count) return c;
  return <u32>(<i32>c + load<i32>(r, 12));
}

function mapString(s: usize, table: usize, runs: i32): usize {
  if (!isStr(s)) return 0;
  let p = strPtr(s), n = strLen(s);
  wBegin(n + 8);
  let i = 0;
  while (i < n) {
    let b = <u32>load<u8>(p + i);
    if (b < 0x80) {
      // ASCII fast path
      let c = b;
      if (table == TO_LOWER) { if (c >= 0x41 && c <= 0x5a) c += 32; }
      else if (c >= 0x61 && c <= 0x7a) c -= 32;
      wByte(c);
      i++;
      continue;
    }
    let c = decodeAt(p + i);
    i += seqLen(b);
    let q = wReserve(4);
    wAdvance(encodeAt(q, mapCase(c, table, runs)));
  }
  return finish();
}

export function mg_lower(s: usize): usize { return mapString(s, TO_LOWER, TO_LOWER_RUNS); }
export function mg_upper(s: usize): usize { return mapString(s, TO_UPPER, TO_UPPER_RUNS); }

// ---- trim -----------------------------------------------------------------------

/** Is code point c in the cutset's code points? */
function inCutset(c: u32, cut: usize, cn: i32): bool {
  let i = 0;
  while (i < cn) {
    if (decodeAt(cut + i) == c) return true;
    i += seqLen(load<u8>(cut + i));
  }
  return false;
}

/** Byte offset of the first code point not in the cutset. */
function leftCut(p: usize, n: i32, cut: usize, cn: i32): i32 {
  let i = 0;
  while (i < n) {
    if (!inCutset(decodeAt(p + i), cut, cn)) break;
    i += seqLen(load<u8>(p + i));
  }
  return i;
}

/** Byte offset just past the last code point not in the cutset (≥ from). */
function rightCut(p: usize, n: i32, from: i32, cut: usize, cn: i32): i32 {
  let j = n;
  while (j > from) {
    let k = j - 1;
    while (k > from && (load<u8>(p + k) & 0xc0) == 0x80) k--;
    if (!inCutset(decodeAt(p + k), cut, cn)) break;
    j = k;
  }
  return j;
}

export function mg_trim(s: usize, cut: usize): usize {
  if (!isStr(s) || !isStr(cut)) return 0;
  let p = strPtr(s), n = strLen(s);
  let i = leftCut(p, n, strPtr(cut), strLen(cut));
  let j = rightCut(p, n, i, strPtr(cut), strLen(cut));
  return newStr(p + i, j - i);
}

export function mg_trim_left(s: usize, cut: usize): usize {
  if (!isStr(s) || !isStr(cut)) return 0;
  let p = strPtr(s), n = strLen(s);
  let i = leftCut(p, n, strPtr(cut), strLen(cut));
  return newStr(p + i, n - i);
}

export function mg_trim_right(s: usize, cut: usize): usize {
  if (!isStr(s) || !isStr(cut)) return 0;
  let p = strPtr(s), n = strLen(s);
  return newStr(p, rightCut(p, n, 0, strPtr(cut), strLen(cut)));
}

export function mg_trim_prefix(s: usize, pre: usize): usize {
  if (!isStr(s) || !isStr(pre)) return 0;
  let n = strLen(s), k = strLen(pre);
  if (k <= n && memory.compare(strPtr(s), strPtr(pre), k) == 0) return newStr(strPtr(s) + k, n - k);
  return s;
}

export function mg_trim_suffix(s: usize, suf: usize): usize {
  if (!isStr(s) || !isStr(suf)) return 0;
  let n = strLen(s), k = strLen(suf);
  if (k <= n && memory.compare(strPtr(s) + (n - k), strPtr(suf), k) == 0) return newStr(strPtr(s), n - k);
  return s;
}

/** Unicode White_Space (Go's unicode.IsSpace, which strings.TrimSpace uses). */
function isSpace(c: u32): bool {
  if (c <= 0xff) return c == 0x20 || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0;
  return c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

export function mg_trim_space(s: usize): usize {
  if (!isStr(s)) return 0;
  let p = strPtr(s), n = strLen(s);
  let i = 0;
  while (i < n && isSpace(decodeAt(p + i))) i += seqLen(load<u8>(p + i));
  let j = n;
  while (j > i) {
    let k = j - 1;
    while (k > i && (load<u8>(p + k) & 0xc0) == 0x80) k--;
    if (!isSpace(decodeAt(p + k))) break;
    j = k;
  }
  return newStr(p + i, j - i);
}

// ---- positions ------------------------------------------------------------------

/** substring(s, start, length) in code points; a negative length runs to the
 *  end; a negative start is an error. */
export function mg_substring(s: usize, start: usize, length: usize): usize {
  if (!isStr(s)) return 0;
  let from = smallInt(start);
  if (!intOk || from < 0) return 0;
  let len = smallInt(length);
  if (!intOk) return 0;
  let p = strPtr(s), n = strLen(s);
  let a = runeOffset(p, n, from);
  if (a >= n) return newStr(p, 0);
  let b = len < 0 ? n : a + runeOffset(p + a, n - a, len);
  return newStr(p + a, b - a);
}

/** The code-point index of needle in hay from byte offset `from`, or -1. */
function runeIndex(p: usize, n: i32, needle: usize, nn: i32, from: i32): i32 {
  let j = strIndexOf(p + from, n - from, needle, nn);
  if (j < 0) return -1;
  return runeCount(p, from + j);
}

export function mg_indexof(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub) || strLen(sub) == 0) return 0;
  return newInt(runeIndex(strPtr(s), strLen(s), strPtr(sub), strLen(sub), 0));
}

/** Every (possibly overlapping) code-point index of sub in s. */
export function mg_indexof_n(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub) || strLen(sub) == 0) return 0;
  let p = strPtr(s), n = strLen(s);
  let out = newArr(4);
  let from = 0;
  while (from < n) {
    let j = strIndexOf(p + from, n - from, strPtr(sub), strLen(sub));
    if (j < 0) break;
    arrPush(out, newInt(runeCount(p, from + j)));
    from += j + seqLen(load<u8>(p + from + j));
  }
  return out;
}

/** Go's strings.Count: non-overlapping; an empty sub counts code points + 1. */
export function mg_strings_count(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return 0;
  let p = strPtr(s), n = strLen(s), sn = strLen(sub);
  if (sn == 0) return newInt(runeCount(p, n) + 1);
  let c = 0;
  let from = 0;
  while (true) {
    let j = strIndexOf(p + from, n - from, strPtr(sub), sn);
    if (j < 0) break;
    c++;
    from += j + sn;
  }
  return newInt(c);
}

export function mg_strings_reverse(s: usize): usize {
  if (!isStr(s)) return 0;
  let p = strPtr(s), n = strLen(s);
  wBegin(n);
  let q = wReserve(n);
  let i = 0;
  while (i < n) {
    let k = seqLen(load<u8>(p + i));
    memory.copy(q + (n - i - k), p + i, k);
    i += k;
  }
  wAdvance(n);
  return finish();
}

// ---- any prefix / suffix ------------------------------------------------------------

/** A string, or an array/set of strings: element count (-1 when not). */
function strsCount(v: usize): i32 {
  if (isStr(v)) return 1;
  let n = elemCount(v);
  if (n < 0) return -1;
  for (let i = 0; i < n; i++) if (!isStr(elemAt(v, i))) return -1;
  return n;
}

function strsAt(v: usize, i: i32): usize {
  return typeOf(v) == T_STRING ? v : elemAt(v, i);
}

function anyMatch(search: usize, base: usize, suffix: bool): usize {
  let ns = strsCount(search), nb = strsCount(base);
  if (ns < 0 || nb < 0) return 0;
  for (let i = 0; i < ns; i++) {
    let s = strsAt(search, i);
    for (let j = 0; j < nb; j++) {
      let b = strsAt(base, j);
      let k = strLen(b), n = strLen(s);
      if (k > n) continue;
      let at = suffix ? strPtr(s) + (n - k) : strPtr(s);
      if (memory.compare(at, strPtr(b), k) == 0) return boolOf(true);
    }
  }
  return boolOf(false);
}

export function mg_any_prefix_match(search: usize, base: usize): usize { return anyMatch(search, base, false); }
export function mg_any_suffix_match(search: usize, base: usize): usize { return anyMatch(search, base, true); }
