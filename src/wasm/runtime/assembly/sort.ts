// sort.ts — a stable merge sort of value pointers in OPA's order, used by
// sort(), max/min helpers and anything that needs an ordered array.

import { alloc } from "./value";
import { compareValues } from "./compare";

/** Sorts n value pointers at p in place (stable). */
export function sortValues(p: usize, n: i32): void {
  if (n < 2) return;
  // insertion sort runs of 8
  for (let lo = 0; lo < n; lo += 8) {
    let hi = min(lo + 8, n);
    for (let i = lo + 1; i < hi; i++) {
      let x = load<usize>(p + (<usize>i << 2));
      let j = i - 1;
      while (j >= lo && compareValues(load<usize>(p + (<usize>j << 2)), x) > 0) {
        store<usize>(p + (<usize>(j + 1) << 2), load<usize>(p + (<usize>j << 2)));
        j--;
      }
      store<usize>(p + (<usize>(j + 1) << 2), x);
    }
  }
  if (n <= 8) return;
  let a = p;
  let b = alloc(<usize>n << 2);
  for (let width = 8; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      let mid = min(lo + width, n);
      let hi = min(lo + (width << 1), n);
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        let x = load<usize>(a + (<usize>i << 2));
        let y = load<usize>(a + (<usize>j << 2));
        if (compareValues(y, x) < 0) { store<usize>(b + (<usize>k << 2), y); j++; }
        else { store<usize>(b + (<usize>k << 2), x); i++; }
        k++;
      }
      if (i < mid) memory.copy(b + (<usize>k << 2), a + (<usize>i << 2), <usize>(mid - i) << 2);
      else if (j < hi) memory.copy(b + (<usize>k << 2), a + (<usize>j << 2), <usize>(hi - j) << 2);
    }
    let t = a; a = b; b = t;
  }
  if (a != p) memory.copy(p, a, <usize>n << 2);
}
