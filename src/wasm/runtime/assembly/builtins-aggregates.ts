// builtins-aggregates.ts — count, sum, product, max, min, sort, any, all over
// arrays and sets (count also over strings in code points and objects).

import {
  T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, TRUE_V, FALSE_V, typeOf, strCodePoints,
  arrLen, arrAt, newArr,
} from "./value";
import { newInt } from "./number";
import { collCount, collSort } from "./object";
import { compareValues } from "./compare";
import { numAdd, numMul } from "./builtins-numbers";
import { sortValues } from "./sort";

export function mg_count(v: usize): usize {
  if (v == 0) return 0;
  switch (typeOf(v)) {
    case T_STRING: return newInt(strCodePoints(v));
    case T_ARRAY: return newInt(arrLen(v));
    case T_OBJECT:
    case T_SET: return newInt(collCount(v));
  }
  return 0;
}

/** Number of elements of an array or set (-1 otherwise) and element access,
 *  so the aggregates below treat both alike. */
function elems(v: usize): i32 {
  if (v == 0) return -1;
  let t = typeOf(v);
  if (t == T_ARRAY) return arrLen(v);
  if (t == T_SET) return collCount(v);
  return -1;
}

// @ts-ignore: decorator
@inline
function elemAt(v: usize, i: i32): usize {
  // sets: any order is fine for sum/product; max/min compare every element
  return typeOf(v) == T_ARRAY ? arrAt(v, i) : load<usize>(load<usize>(v, 12) + <usize>i * 12);
}

export function mg_sum(v: usize): usize {
  let n = elems(v);
  if (n < 0) return 0;
  let acc = newInt(0);
  for (let i = 0; i < n; i++) {
    let x = elemAt(v, i);
    if (typeOf(x) != T_NUMBER) return 0;
    acc = numAdd(acc, x);
  }
  return acc;
}

export function mg_product(v: usize): usize {
  let n = elems(v);
  if (n < 0) return 0;
  let acc = newInt(1);
  for (let i = 0; i < n; i++) {
    let x = elemAt(v, i);
    if (typeOf(x) != T_NUMBER) return 0;
    acc = numMul(acc, x);
  }
  return acc;
}

export function mg_max(v: usize): usize {
  let n = elems(v);
  if (n <= 0) return 0;
  let best = elemAt(v, 0);
  for (let i = 1; i < n; i++) {
    let x = elemAt(v, i);
    if (compareValues(x, best) > 0) best = x;
  }
  return best;
}

export function mg_min(v: usize): usize {
  let n = elems(v);
  if (n <= 0) return 0;
  let best = elemAt(v, 0);
  for (let i = 1; i < n; i++) {
    let x = elemAt(v, i);
    if (compareValues(x, best) < 0) best = x;
  }
  return best;
}

export function mg_sort(v: usize): usize {
  let n = elems(v);
  if (n < 0) return 0;
  let r = newArr(n);
  let data = load<usize>(r, 12);
  if (typeOf(v) == T_SET) {
    collSort(v);
    let ents = load<usize>(v, 12);
    for (let i = 0; i < n; i++) store<usize>(data + (<usize>i << 2), load<usize>(ents + <usize>i * 12));
    store<i32>(r, n, 4);
    return r;
  }
  memory.copy(data, load<usize>(v, 12), <usize>n << 2);
  store<i32>(r, n, 4);
  sortValues(data, n);
  return r;
}

/** any(xs) / all(xs): the deprecated v0 aggregates over an array or a set;
 *  an element counts only when it is the boolean true. */
function anyAll(xs: usize, wantAll: bool): usize {
  let n = elems(xs);
  if (n < 0) return 0;
  for (let i = 0; i < n; i++) {
    let x = elemAt(xs, i);
    let isTrue = typeOf(x) == T_BOOL && load<i32>(x, 4) != 0;
    if (wantAll && !isTrue) return FALSE_V;
    if (!wantAll && isTrue) return TRUE_V;
  }
  return wantAll ? TRUE_V : FALSE_V;
}

export function mg_any(xs: usize): usize { return anyAll(xs, false); }
export function mg_all(xs: usize): usize { return anyAll(xs, true); }
