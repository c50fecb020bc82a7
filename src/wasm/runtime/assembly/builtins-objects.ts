// builtins-objects.ts — object.union, object.union_n, object.filter, object.subset,
// object.remove, array.reverse, array.flatten inside the module (OPA's
// topdown/object.go and array.go). Keys are compared as values, so
// non-string keys filter like string ones.

import { T_ARRAY, T_OBJECT, T_SET, typeOf, boolOf, newArr, arrPush, arrLen, arrAt } from "./value";
import { newColl, collCount, collKeyAt, collValAt, collGet, collInsert, collCopy, collFind } from "./object";
import { equalValues } from "./compare";

// @ts-ignore: decorator
@inline
function isObj(v: usize): bool {
  return v != 0 && typeOf(v) == T_OBJECT;
}

/** a with b merged in: objects under the same key merge recursively, any
 *  other value of b replaces a's (OPA's mergeWithOverwrite). */
function union(a: usize, b: usize): usize {
  let out = collCopy(a);
  let n = collCount(b);
  for (let i = 0; i < n; i++) {
    let k = collKeyAt(b, i), v = collValAt(b, i);
    let prev = collGet(out, k);
    collInsert(out, k, prev != 0 && isObj(prev) && isObj(v) ? union(prev, v) : v);
  }
  return out;
}

export function mg_object_union(a: usize, b: usize): usize {
  if (!isObj(a) || !isObj(b)) return 0;
  return union(a, b);
}

export function mg_object_union_n(xs: usize): usize {
  if (xs == 0 || typeOf(xs) != T_ARRAY) return 0;
  let n = arrLen(xs);
  let out = newColl(T_OBJECT, 4);
  for (let i = 0; i < n; i++) {
    let x = arrAt(xs, i);
    if (!isObj(x)) return 0;
    out = union(out, x);
  }
  return out;
}

/** Is k among the keys operand (an array's or set's elements, an object's keys)? */
function hasKey(keys: usize, k: usize): bool {
  let t = typeOf(keys);
  if (t == T_OBJECT || t == T_SET) return collFind(keys, k) >= 0;
  let n = arrLen(keys);
  for (let i = 0; i < n; i++) if (equalValues(arrAt(keys, i), k)) return true;
  return false;
}

function filterKeys(o: usize, keys: usize, keep: bool): usize {
  if (!isObj(o) || keys == 0) return 0;
  let t = typeOf(keys);
  if (t != T_ARRAY && t != T_SET && t != T_OBJECT) return 0;
  let n = collCount(o);
  let out = newColl(T_OBJECT, n);
  for (let i = 0; i < n; i++) {
    let k = collKeyAt(o, i);
    if (hasKey(keys, k) == keep) collInsert(out, k, collValAt(o, i));
  }
  return out;
}

export function mg_object_filter(o: usize, keys: usize): usize { return filterKeys(o, keys, true); }
export function mg_object_remove(o: usize, keys: usize): usize { return filterKeys(o, keys, false); }

export function mg_array_reverse(a: usize): usize {
  if (a == 0 || typeOf(a) != T_ARRAY) return 0;
  let n = arrLen(a);
  let out = newArr(n);
  for (let i = n - 1; i >= 0; i--) arrPush(out, arrAt(a, i));
  return out;
}

/** One level: array elements are spliced in, everything else kept. */
export function mg_array_flatten(a: usize): usize {
  if (a == 0 || typeOf(a) != T_ARRAY) return 0;
  let n = arrLen(a);
  let out = newArr(n);
  for (let i = 0; i < n; i++) {
    let x = arrAt(a, i);
    if (typeOf(x) == T_ARRAY) {
      let m = arrLen(x);
      for (let j = 0; j < m; j++) arrPush(out, arrAt(x, j));
    } else arrPush(out, x);
  }
  return out;
}

// ---- object.subset (OPA's topdown/subset.go) ----------------------------------

/** Does every element of set `sub` belong to set `sup`? (no recursion, as OPA) */
function setSubset(sup: usize, sub: usize): bool {
  let n = collCount(sub);
  for (let i = 0; i < n; i++) if (collFind(sup, collKeyAt(sub, i)) < 0) return false;
  return true;
}

/** Is `sub` a contiguous run of `sup`'s elements? */
function arraySubset(sup: usize, sub: usize): bool {
  let n = arrLen(sup), m = arrLen(sub);
  if (m > n) return false;
  for (let s = 0; s + m <= n; s++) {
    let j = 0;
    while (j < m && equalValues(arrAt(sup, s + j), arrAt(sub, j))) j++;
    if (j == m) return true;
  }
  return false;
}

/** OPA's arraySetSubset, quirks included: it counts matching elements of the
 *  array (duplicates count twice) and stops once the count reaches the set's
 *  size, so an empty array contains no set, not even the empty one. */
function arraySetSubset(sup: usize, sub: usize): bool {
  let unmatched = collCount(sub);
  let n = arrLen(sup);
  for (let i = 0; i < n; i++) {
    if (collFind(sub, arrAt(sup, i)) >= 0) unmatched--;
    if (unmatched == 0) return true;
  }
  return false;
}

/** Objects recursively: each key of sub is in sup with an equal value, or
 *  both values are objects (recursively), sets or arrays in the subset sense. */
function objectSubset(sup: usize, sub: usize): bool {
  let n = collCount(sub);
  for (let i = 0; i < n; i++) {
    let sv = collValAt(sub, i);
    let pv = collGet(sup, collKeyAt(sub, i));
    if (pv == 0) return false;
    if (equalValues(pv, sv)) continue;
    let tp = typeOf(pv), ts = typeOf(sv);
    if (tp != ts) return false;
    if (tp == T_OBJECT) { if (!objectSubset(pv, sv)) return false; }
    else if (tp == T_SET) { if (!setSubset(pv, sv)) return false; }
    else if (tp == T_ARRAY) { if (!arraySubset(pv, sv)) return false; }
    else return false;
  }
  return true;
}

/** object.subset(super, sub): both objects, both sets, both arrays, or an
 *  array and a set; any other pair is an error (undefined). */
export function mg_object_subset(sup: usize, sub: usize): usize {
  if (sup == 0 || sub == 0) return 0;
  let tp = typeOf(sup), ts = typeOf(sub);
  if (tp == T_OBJECT && ts == T_OBJECT) return boolOf(objectSubset(sup, sub));
  if (tp == T_SET && ts == T_SET) return boolOf(setSubset(sup, sub));
  if (tp == T_ARRAY && ts == T_ARRAY) return boolOf(arraySubset(sup, sub));
  if (tp == T_ARRAY && ts == T_SET) return boolOf(arraySetSubset(sup, sub));
  return 0;
}
