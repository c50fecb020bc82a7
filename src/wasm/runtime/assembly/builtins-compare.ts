// builtins-compare.ts — ==, !=, <, <=, >, >= over OPA's total order (any
// two values compare), and membership: `x in xs` and `k, v in xs`.

import { T_ARRAY, T_OBJECT, T_SET, T_NUMBER, TRUE_V, FALSE_V, typeOf, arrLen, arrAt, boolOf } from "./value";
import { numToI64, numOk } from "./number";
import { collCount, collFind, collGet } from "./object";
import { compareValues, equalValues } from "./compare";

export function mg_eq(a: usize, b: usize): usize {
  if (a == 0 || b == 0) return 0;
  return boolOf(equalValues(a, b));
}

export function mg_neq(a: usize, b: usize): usize {
  if (a == 0 || b == 0) return 0;
  return boolOf(!equalValues(a, b));
}

export function mg_lt(a: usize, b: usize): usize {
  if (a == 0 || b == 0) return 0;
  return boolOf(compareValues(a, b) < 0);
}

export function mg_lte(a: usize, b: usize): usize {
  if (a == 0 || b == 0) return 0;
  return boolOf(compareValues(a, b) <= 0);
}

export function mg_gt(a: usize, b: usize): usize {
  if (a == 0 || b == 0) return 0;
  return boolOf(compareValues(a, b) > 0);
}

export function mg_gte(a: usize, b: usize): usize {
  if (a == 0 || b == 0) return 0;
  return boolOf(compareValues(a, b) >= 0);
}

/** `x in xs`: values of arrays, sets and objects; false for scalars. */
export function mg_member2(x: usize, xs: usize): usize {
  if (x == 0 || xs == 0) return 0;
  switch (typeOf(xs)) {
    case T_ARRAY: {
      let n = arrLen(xs);
      for (let i = 0; i < n; i++) if (equalValues(arrAt(xs, i), x)) return TRUE_V;
      return FALSE_V;
    }
    case T_SET: return boolOf(collFind(xs, x) >= 0);
    case T_OBJECT: {
      let n = collCount(xs);
      let ents = load<usize>(xs, 12);
      for (let i = 0; i < n; i++) if (equalValues(load<usize>(ents + <usize>i * 12, 4), x)) return TRUE_V;
      return FALSE_V;
    }
  }
  return FALSE_V;
}

/** `k, v in xs`: xs[k] is defined and equals v (sets: k is a member and v == k). */
export function mg_member3(k: usize, v: usize, xs: usize): usize {
  if (k == 0 || v == 0 || xs == 0) return 0;
  switch (typeOf(xs)) {
    case T_ARRAY: {
      if (typeOf(k) != T_NUMBER) return FALSE_V;
      let i = numToI64(k);
      if (!numOk || i < 0 || i >= <i64>arrLen(xs)) return FALSE_V;
      return boolOf(equalValues(arrAt(xs, <i32>i), v));
    }
    case T_OBJECT: {
      let x = collGet(xs, k);
      return boolOf(x != 0 && equalValues(x, v));
    }
    case T_SET: return boolOf(collFind(xs, k) >= 0 && equalValues(k, v));
  }
  return FALSE_V;
}
