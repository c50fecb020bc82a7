// object.ts — objects and sets share one collection layout: an entry array
// {key, val, hash} plus an open-addressing hash index once the collection
// outgrows a few entries. Lookups are O(1) without allocation; iteration by
// position sorts the entries lazily in OPA's order (only the entries added
// since the last sort are sorted, then merged), so building a collection and
// then iterating it costs O(n log n), never O(n²). A set stores val = key.

import { alloc, allocExtend, T_OBJECT, T_SET, typeOf } from "./value";
import { compareValues, equalValues, hashValue } from "./compare";

const ENTRY: usize = 12;
const INDEX_MIN: i32 = 8; // below this, a linear scan over cached hashes wins

export function newColl(type: u8, cap: i32): usize {
  if (cap < 4) cap = 4;
  let v = alloc(32 + <usize>cap * ENTRY);
  store<u32>(v, type);
  store<i32>(v, 0, 4);
  store<i32>(v, cap, 8);
  store<usize>(v, v + 32, 12);
  store<usize>(v, 0, 16);
  store<u32>(v, 0, 20);
  store<i32>(v, 0, 24);
  return v;
}

// @ts-ignore: decorator
@inline
export function collCount(c: usize): i32 {
  return load<i32>(c, 4);
}

// @ts-ignore: decorator
@inline
function entryAt(c: usize, i: i32): usize {
  return load<usize>(c, 12) + <usize>i * ENTRY;
}

/** Index of the entry with key k (hash h), or -1. */
export function collFindH(c: usize, k: usize, h: u32): i32 {
  let entries = load<usize>(c, 12);
  let index = load<usize>(c, 16);
  if (index == 0) {
    let n = load<i32>(c, 4);
    for (let i = 0; i < n; i++) {
      let e = entries + <usize>i * ENTRY;
      if (load<u32>(e, 8) == h) {
        let ek = load<usize>(e);
        if (ek == k || equalValues(ek, k)) return i;
      }
    }
    return -1;
  }
  let mask = load<u32>(c, 20);
  let slot = h & mask;
  while (true) {
    let s = load<u32>(index + (<usize>slot << 2));
    if (s == 0) return -1;
    let e = entries + <usize>(s - 1) * ENTRY;
    if (load<u32>(e, 8) == h) {
      let ek = load<usize>(e);
      if (ek == k || equalValues(ek, k)) return <i32>s - 1;
    }
    slot = (slot + 1) & mask;
  }
  return -1;
}

export function collFind(c: usize, k: usize): i32 {
  return collFindH(c, k, hashValue(k));
}

/** The value stored under k, or 0. */
export function collGet(c: usize, k: usize): usize {
  let i = collFindH(c, k, hashValue(k));
  return i < 0 ? 0 : load<usize>(entryAt(c, i), 4);
}

function rebuildIndex(c: usize, minCount: i32): void {
  let slots: u32 = 16;
  while (slots < <u32>minCount * 2) slots <<= 1;
  let index = alloc(<usize>slots << 2);
  memory.fill(index, 0, <usize>slots << 2);
  let mask = slots - 1;
  let n = load<i32>(c, 4);
  let entries = load<usize>(c, 12);
  for (let i = 0; i < n; i++) {
    let slot = load<u32>(entries + <usize>i * ENTRY, 8) & mask;
    while (load<u32>(index + (<usize>slot << 2)) != 0) slot = (slot + 1) & mask;
    store<u32>(index + (<usize>slot << 2), <u32>i + 1);
  }
  store<usize>(c, index, 16);
  store<u32>(c, mask, 20);
}

/** Appends a new entry (the key must not be present). */
function appendEntry(c: usize, k: usize, v: usize, h: u32): void {
  let n = load<i32>(c, 4);
  let cap = load<i32>(c, 8);
  let entries = load<usize>(c, 12);
  if (n == cap) {
    let ncap = cap << 1;
    if (!allocExtend(entries, <usize>cap * ENTRY, <usize>ncap * ENTRY)) {
      let ne = alloc(<usize>ncap * ENTRY);
      memory.copy(ne, entries, <usize>n * ENTRY);
      entries = ne;
      store<usize>(c, entries, 12);
    }
    store<i32>(c, ncap, 8);
  }
  let e = entries + <usize>n * ENTRY;
  store<usize>(e, k);
  store<usize>(e, v, 4);
  store<u32>(e, h, 8);
  n++;
  store<i32>(c, n, 4);
  let index = load<usize>(c, 16);
  if (index == 0) {
    if (n > INDEX_MIN) rebuildIndex(c, n);
  } else {
    let mask = load<u32>(c, 20);
    if (<u32>n * 2 > mask + 1) {
      rebuildIndex(c, n);
    } else {
      let slot = h & mask;
      while (load<u32>(index + (<usize>slot << 2)) != 0) slot = (slot + 1) & mask;
      store<u32>(index + (<usize>slot << 2), <u32>n);
    }
  }
}

/** Inserts or replaces. */
export function collInsert(c: usize, k: usize, v: usize): void {
  let h = hashValue(k);
  let i = collFindH(c, k, h);
  if (i >= 0) store<usize>(entryAt(c, i), v, 4);
  else appendEntry(c, k, v, h);
}

/** 0 inserted or same value present, 1 conflicting value present. */
export function collInsertChecked(c: usize, k: usize, v: usize): i32 {
  let h = hashValue(k);
  let i = collFindH(c, k, h);
  if (i >= 0) return equalValues(load<usize>(entryAt(c, i), 4), v) ? 0 : 1;
  appendEntry(c, k, v, h);
  return 0;
}

/** Adds unless present (sets). */
export function collAdd(c: usize, k: usize): void {
  let h = hashValue(k);
  if (collFindH(c, k, h) < 0) appendEntry(c, k, k, h);
}

/** Removes key k; returns whether it was present. Keeps the sorted order. */
export function collRemove(c: usize, k: usize): bool {
  let i = collFind(c, k);
  if (i < 0) return false;
  let n = load<i32>(c, 4);
  let e = entryAt(c, i);
  memory.copy(e, e + ENTRY, <usize>(n - i - 1) * ENTRY);
  store<i32>(c, n - 1, 4);
  let sorted = load<i32>(c, 24);
  if (i < sorted) store<i32>(c, sorted - 1, 24);
  else if (sorted > n - 1) store<i32>(c, n - 1, 24);
  if (load<usize>(c, 16) != 0) rebuildIndex(c, n - 1);
  return true;
}

// ---- ordering -----------------------------------------------------------------

// @ts-ignore: decorator
@inline
function entryLess(a: usize, b: usize): bool {
  return compareValues(load<usize>(a), load<usize>(b)) < 0;
}

/** Stable bottom-up merge sort of n entries at src using tmp (same size);
 *  returns the buffer holding the result (src or tmp). */
function mergeSort(src: usize, tmp: usize, n: i32): usize {
  // insertion-sort runs of 8 first
  for (let lo = 0; lo < n; lo += 8) {
    let hi = min(lo + 8, n);
    for (let i = lo + 1; i < hi; i++) {
      let k0 = load<u64>(src + <usize>i * ENTRY);
      let k1 = load<u32>(src + <usize>i * ENTRY, 8);
      let key = <usize>(<u32>k0);
      let j = i - 1;
      while (j >= lo && compareValues(load<usize>(src + <usize>j * ENTRY), key) > 0) {
        memory.copy(src + <usize>(j + 1) * ENTRY, src + <usize>j * ENTRY, ENTRY);
        j--;
      }
      store<u64>(src + <usize>(j + 1) * ENTRY, k0);
      store<u32>(src + <usize>(j + 1) * ENTRY, k1, 8);
    }
  }
  let a = src;
  let b = tmp;
  for (let width = 8; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      let mid = min(lo + width, n);
      let hi = min(lo + (width << 1), n);
      mergeRuns(a, lo, mid, a, mid, hi, b + <usize>lo * ENTRY);
    }
    let t = a; a = b; b = t;
  }
  return a;
}

/** Merges entries a[i..iEnd) and b[j..jEnd) into out. */
function mergeRuns(a: usize, i: i32, iEnd: i32, b: usize, j: i32, jEnd: i32, out: usize): void {
  while (i < iEnd && j < jEnd) {
    let ea = a + <usize>i * ENTRY;
    let eb = b + <usize>j * ENTRY;
    if (entryLess(eb, ea)) {
      memory.copy(out, eb, ENTRY); j++;
    } else {
      memory.copy(out, ea, ENTRY); i++;
    }
    out += ENTRY;
  }
  if (i < iEnd) memory.copy(out, a + <usize>i * ENTRY, <usize>(iEnd - i) * ENTRY);
  else if (j < jEnd) memory.copy(out, b + <usize>j * ENTRY, <usize>(jEnd - j) * ENTRY);
}

/** Puts the entries in OPA's key order (idempotent, cheap when sorted). */
export function collSort(c: usize): void {
  let n = load<i32>(c, 4);
  let sorted = load<i32>(c, 24);
  if (sorted >= n) return;
  let entries = load<usize>(c, 12);
  let cap = load<i32>(c, 8);
  let tailN = n - sorted;
  let tail = entries + <usize>sorted * ENTRY;
  let tmp = alloc(<usize>tailN * ENTRY);
  let res = mergeSort(tail, tmp, tailN);
  if (sorted == 0) {
    if (res != entries) memory.copy(entries, res, <usize>n * ENTRY);
  } else if (entryLess(entries + <usize>(sorted - 1) * ENTRY, res)) {
    // appended keys all come after the sorted prefix
    if (res != tail) memory.copy(tail, res, <usize>tailN * ENTRY);
  } else {
    // merge prefix and sorted tail into a fresh entry buffer
    let ne = alloc(<usize>cap * ENTRY);
    mergeRuns(entries, 0, sorted, res, 0, tailN, ne);
    store<usize>(c, ne, 12);
  }
  store<i32>(c, n, 24);
  if (load<usize>(c, 16) != 0) rebuildIndex(c, n);
}

export function collKeyAt(c: usize, i: i32): usize {
  if (<u32>i >= <u32>load<i32>(c, 4)) return 0;
  collSort(c);
  return load<usize>(entryAt(c, i));
}

export function collValAt(c: usize, i: i32): usize {
  if (<u32>i >= <u32>load<i32>(c, 4)) return 0;
  collSort(c);
  return load<usize>(entryAt(c, i), 4);
}

/** Shallow copy (a fresh collection with the same entries). */
export function collCopy(c: usize): usize {
  collSort(c);
  let n = load<i32>(c, 4);
  let r = newColl(typeOf(c), n);
  memory.copy(load<usize>(r, 12), load<usize>(c, 12), <usize>n * ENTRY);
  store<i32>(r, n, 4);
  store<i32>(r, n, 24);
  if (n > INDEX_MIN) rebuildIndex(r, n);
  return r;
}

export function isColl(v: usize): bool {
  let t = typeOf(v);
  return t == T_OBJECT || t == T_SET;
}
