// regex-ranges.ts — character sets for the regex parser (regex-parse.ts):
// a growable list of (lo, hi) code point ranges in the arena, sorted and
// merged, negated, closed under Unicode simple case folding (the orbits of
// unicode-tables.ts: k, K, U+212A), and the named tables (\pL, \p{Greek})
// decoded from unicode-tables.ts's compact form.

import { alloc } from "./value";
import { CLASS_NAMES, CLASS_COUNT, CLASS_INDEX, CLASS_RANGES, FOLD_RUNS, FOLD } from "./unicode-tables";

// ---- range builders ---------------------------------------------------------------
// A growable list of (lo, hi) u32 pairs in the arena.

export let rbPtr: usize = 0;
export let rbLen: i32 = 0;
let rbCap: i32 = 0;

export function rbBegin(): void {
  rbCap = 16;
  rbPtr = alloc(<usize>rbCap << 3);
  rbLen = 0;
}

export function rbAdd(lo: u32, hi: u32): void {
  if (rbLen == rbCap) {
    let ncap = rbCap << 1;
    let np = alloc(<usize>ncap << 3);
    memory.copy(np, rbPtr, <usize>rbLen << 3);
    rbPtr = np;
    rbCap = ncap;
  }
  store<u32>(rbPtr + (<usize>rbLen << 3), lo);
  store<u32>(rbPtr + (<usize>rbLen << 3), hi, 4);
  rbLen++;
}

/** Sorts and merges the builder's ranges in place (insertion sort: classes are small, tables come sorted). */
export function rbClean(): void {
  for (let i = 1; i < rbLen; i++) {
    let lo = load<u32>(rbPtr + (<usize>i << 3));
    let hi = load<u32>(rbPtr + (<usize>i << 3), 4);
    let j = i - 1;
    while (j >= 0 && load<u32>(rbPtr + (<usize>j << 3)) > lo) {
      store<u64>(rbPtr + (<usize>(j + 1) << 3), load<u64>(rbPtr + (<usize>j << 3)));
      j--;
    }
    store<u32>(rbPtr + (<usize>(j + 1) << 3), lo);
    store<u32>(rbPtr + (<usize>(j + 1) << 3), hi, 4);
  }
  let w = 0;
  for (let i = 0; i < rbLen; i++) {
    let lo = load<u32>(rbPtr + (<usize>i << 3));
    let hi = load<u32>(rbPtr + (<usize>i << 3), 4);
    if (w > 0 && load<u32>(rbPtr + (<usize>(w - 1) << 3), 4) + 1 >= lo) {
      if (hi > load<u32>(rbPtr + (<usize>(w - 1) << 3), 4)) store<u32>(rbPtr + (<usize>(w - 1) << 3), hi, 4);
    } else {
      store<u32>(rbPtr + (<usize>w << 3), lo);
      store<u32>(rbPtr + (<usize>w << 3), hi, 4);
      w++;
    }
  }
  rbLen = w;
}

/** Replaces the (clean) builder's ranges by their complement in 0..0x10FFFF. */
export function rbNegate(): void {
  let src = rbPtr;
  let n = rbLen;
  rbBegin();
  let next: u32 = 0;
  for (let i = 0; i < n; i++) {
    let lo = load<u32>(src + (<usize>i << 3));
    let hi = load<u32>(src + (<usize>i << 3), 4);
    if (lo > next) rbAdd(next, lo - 1);
    next = hi + 1;
  }
  if (next <= 0x10ffff) rbAdd(next, 0x10ffff);
}

// ---- case folding -----------------------------------------------------------------

/** The next member of c's folding orbit (c itself when it has none). */
export function foldNext(c: u32): u32 {
  let lo = 0, hi = FOLD_RUNS - 1;
  while (lo <= hi) {
    let mid = (lo + hi) >> 1;
    let r = FOLD + (<usize>mid << 4);
    let start = <u32>load<i32>(r);
    if (c < start) hi = mid - 1;
    else if (c >= start + <u32>load<i32>(r, 4)) lo = mid + 1;
    else return <u32>(<i32>c + (((c - start) & 1) == 0 ? load<i32>(r, 8) : load<i32>(r, 12)));
  }
  return c;
}

/** Adds lo..hi and every code point that folds to one inside it. */
export function addFolded(lo: u32, hi: u32): void {
  rbAdd(lo, hi);
  // the folding code points inside lo..hi: the runs that overlap it
  for (let i = 0; i < FOLD_RUNS; i++) {
    let r = FOLD + (<usize>i << 4);
    let start = <u32>load<i32>(r);
    let end = start + <u32>load<i32>(r, 4);
    if (end <= lo) continue;
    if (start > hi) break;
    let a = max(start, lo), b = min(end - 1, hi);
    for (let c = a; c <= b; c++) {
      let d = foldNext(c);
      while (d != c) {
        if (d < lo || d > hi) rbAdd(d, d);
        d = foldNext(d);
      }
    }
  }
}

/** Adds lo..hi, folded when `fold`. */
export function addRange(lo: u32, hi: u32, fold: bool): void {
  if (fold) addFolded(lo, hi);
  else rbAdd(lo, hi);
}

export const DIGIT = memory.data<u32>([0x30, 0x39]);
export const SPACE = memory.data<u32>([9, 10, 12, 13, 32, 32]);
export const WORD = memory.data<u32>([0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a]);

/** Adds a group (n ranges at p, or the builder's own list for a table), folded and/or negated. */
export function addGroup(p: usize, n: i32, negate: bool, fold: bool): void {
  if (!negate && !fold) {
    for (let i = 0; i < n; i++) rbAdd(load<u32>(p + (<usize>i << 3)), load<u32>(p + (<usize>i << 3), 4));
    return;
  }
  // build the group apart, fold, negate, then append
  let sp = rbPtr, sl = rbLen, sc = rbCap;
  rbBegin();
  for (let i = 0; i < n; i++) addRange(load<u32>(p + (<usize>i << 3)), load<u32>(p + (<usize>i << 3), 4), fold);
  rbClean();
  if (negate) rbNegate();
  let gp = rbPtr, gl = rbLen;
  rbPtr = sp; rbLen = sl; rbCap = sc;
  for (let i = 0; i < gl; i++) rbAdd(load<u32>(gp + (<usize>i << 3)), load<u32>(gp + (<usize>i << 3), 4));
}

/** Decodes table `k` of unicode-tables.ts into fresh ranges; returns the count (ranges at tblPtr). */
export let tblPtr: usize = 0;
export function tableRanges(k: i32): i32 {
  let ix = CLASS_INDEX + (<usize>k << 4);
  let q = CLASS_RANGES + <usize>load<i32>(ix, 8);
  let n = load<i32>(ix, 12);
  tblPtr = alloc(<usize>n << 3);
  let prev: i32 = -1;
  for (let i = 0; i < n; i++) {
    let gap: u32 = 0, shift: u32 = 0, b: u32 = 0;
    do { b = load<u8>(q++); gap |= (b & 0x7f) << shift; shift += 7; } while ((b & 0x80) != 0);
    let len: u32 = 0;
    shift = 0;
    do { b = load<u8>(q++); len |= (b & 0x7f) << shift; shift += 7; } while ((b & 0x80) != 0);
    let lo = <u32>(prev + 1) + gap;
    store<u32>(tblPtr + (<usize>i << 3), lo);
    store<u32>(tblPtr + (<usize>i << 3), lo + len, 4);
    prev = <i32>(lo + len);
  }
  return n;
}

export function tableIndex(name: usize, len: i32): i32 {
  for (let k = 0; k < CLASS_COUNT; k++) {
    let ix = CLASS_INDEX + (<usize>k << 4);
    if (load<i32>(ix, 4) == len && memory.compare(CLASS_NAMES + <usize>load<i32>(ix), name, len) == 0) return k;
  }
  return -1;
}

/** Whether c is in the named table of unicode-tables.ts (name: len ASCII bytes at p). */
export function inTable(name: usize, len: i32, c: u32): bool {
  let k = tableIndex(name, len);
  if (k < 0) return false;
  let n = tableRanges(k);
  let lo = 0, hi = n - 1;
  while (lo <= hi) {
    let mid = (lo + hi) >> 1;
    let r = tblPtr + (<usize>mid << 3);
    if (c < load<u32>(r)) hi = mid - 1;
    else if (c > load<u32>(r, 4)) lo = mid + 1;
    else return true;
  }
  return false;
}
