// compare.ts — OPA's total order over values, equality and a hash that agrees
// with equality (1 and 1.0 hash alike). Order: null < false < true < numbers
// < strings (bytewise) < arrays (elementwise, then length) < objects (sorted
// keys and values pairwise, then size) < sets (sorted elements, then size).

import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET,
  typeOf, strCompare, strEqual, strHash, arrLen, arrAt,
} from "./value";
import { numCompare, numHash } from "./number";
import { collCount, collFindH, collSort } from "./object";

export function compareValues(a: usize, b: usize): i32 {
  if (a == b) return 0;
  if (a == 0) return -1;
  if (b == 0) return 1;
  let ta = typeOf(a);
  let tb = typeOf(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case T_NULL: return 0;
    case T_BOOL: {
      let x = load<i32>(a, 4);
      let y = load<i32>(b, 4);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case T_NUMBER: return numCompare(a, b);
    case T_STRING: return strCompare(a, b);
    case T_ARRAY: {
      let na = arrLen(a);
      let nb = arrLen(b);
      let n = min(na, nb);
      for (let i = 0; i < n; i++) {
        let c = compareValues(arrAt(a, i), arrAt(b, i));
        if (c != 0) return c;
      }
      return na < nb ? -1 : na > nb ? 1 : 0;
    }
    default: {
      // objects and sets
      collSort(a);
      collSort(b);
      let na = collCount(a);
      let nb = collCount(b);
      let n = min(na, nb);
      let ea = load<usize>(a, 12);
      let eb = load<usize>(b, 12);
      for (let i = 0; i < n; i++) {
        let off = <usize>i * 12;
        let c = compareValues(load<usize>(ea + off), load<usize>(eb + off));
        if (c != 0) return c;
        if (ta == T_OBJECT) {
          c = compareValues(load<usize>(ea + off, 4), load<usize>(eb + off, 4));
          if (c != 0) return c;
        }
      }
      return na < nb ? -1 : na > nb ? 1 : 0;
    }
  }
}

export function equalValues(a: usize, b: usize): bool {
  if (a == b) return true;
  if (a == 0 || b == 0) return false;
  let t = typeOf(a);
  if (t != typeOf(b)) return false;
  switch (t) {
    case T_NULL: return true;
    case T_BOOL: return load<i32>(a, 4) == load<i32>(b, 4);
    case T_NUMBER: return numCompare(a, b) == 0;
    case T_STRING: return strEqual(a, b);
    case T_ARRAY: {
      let n = arrLen(a);
      if (n != arrLen(b)) return false;
      for (let i = 0; i < n; i++) {
        if (!equalValues(arrAt(a, i), arrAt(b, i))) return false;
      }
      return true;
    }
    default: {
      let n = collCount(a);
      if (n != collCount(b)) return false;
      let ea = load<usize>(a, 12);
      let eb = load<usize>(b, 12);
      for (let i = 0; i < n; i++) {
        let e = ea + <usize>i * 12;
        let j = collFindH(b, load<usize>(e), load<u32>(e, 8));
        if (j < 0) return false;
        if (t == T_OBJECT && !equalValues(load<usize>(e, 4), load<usize>(eb + <usize>j * 12, 4))) return false;
      }
      return true;
    }
  }
}

// @ts-ignore: decorator
@inline
function mix(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x7feb352d;
  h ^= h >>> 15;
  h *= 0x846ca68b;
  h ^= h >>> 16;
  return h;
}

export function hashValue(v: usize): u32 {
  switch (typeOf(v)) {
    case T_NULL: return 0x1234567;
    case T_BOOL: return load<i32>(v, 4) ? 0x2345671 : 0x3456712;
    case T_NUMBER: return numHash(v);
    case T_STRING: return strHash(v);
    case T_ARRAY: {
      let h: u32 = 0x9e3779b9;
      let n = arrLen(v);
      for (let i = 0; i < n; i++) h = mix(h ^ hashValue(arrAt(v, i))) + <u32>i;
      return h | 1;
    }
    default: {
      // order-independent, because insertion order is not canonical
      let h: u32 = typeOf(v) == T_SET ? 0x51ed270b : 0x2f6b1c37;
      let n = collCount(v);
      let ents = load<usize>(v, 12);
      for (let i = 0; i < n; i++) {
        let e = ents + <usize>i * 12;
        let eh = load<u32>(e, 8);
        if (typeOf(v) == T_OBJECT) eh = mix(eh ^ (hashValue(load<usize>(e, 4)) * 31));
        h += mix(eh);
      }
      return h | 1;
    }
  }
}

