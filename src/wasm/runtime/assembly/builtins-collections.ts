// builtins-collections.ts — object.get, object.keys, set & and |, union and
// intersection of a set of sets, array.concat and array.slice.

import { T_ARRAY, T_OBJECT, T_SET, T_NUMBER, typeOf, newArr, arrLen, arrAt } from "./value";
import { numToI64, numOk } from "./number";
import { newColl, collCount, collFindH, collAdd } from "./object";
import { getValue } from "./access";

/** object.get(obj, key, default); an array key is a path (empty: obj). */
export function mg_object_get(obj: usize, key: usize, dflt: usize): usize {
  if (obj == 0 || key == 0 || dflt == 0 || typeOf(obj) != T_OBJECT) return 0;
  if (typeOf(key) != T_ARRAY) {
    let x = getValue(obj, key);
    return x != 0 ? x : dflt;
  }
  let n = arrLen(key);
  let cur = obj;
  for (let i = 0; i < n; i++) {
    cur = getValue(cur, arrAt(key, i));
    if (cur == 0) return dflt;
  }
  return cur;
}

export function mg_object_keys(obj: usize): usize {
  if (obj == 0 || typeOf(obj) != T_OBJECT) return 0;
  let n = collCount(obj);
  let r = newColl(T_SET, n);
  let ents = load<usize>(obj, 12);
  for (let i = 0; i < n; i++) collAdd(r, load<usize>(ents + <usize>i * 12));
  return r;
}

// @ts-ignore: decorator
@inline
function isSet(v: usize): bool {
  return v != 0 && typeOf(v) == T_SET;
}

function setAddAll(r: usize, s: usize): void {
  let n = collCount(s);
  let ents = load<usize>(s, 12);
  for (let i = 0; i < n; i++) collAdd(r, load<usize>(ents + <usize>i * 12));
}

function setIntersect(a: usize, b: usize): usize {
  if (collCount(b) < collCount(a)) { let t = a; a = b; b = t; }
  let n = collCount(a);
  let r = newColl(T_SET, n);
  let ents = load<usize>(a, 12);
  for (let i = 0; i < n; i++) {
    let e = ents + <usize>i * 12;
    if (collFindH(b, load<usize>(e), load<u32>(e, 8)) >= 0) collAdd(r, load<usize>(e));
  }
  return r;
}

export function mg_and(a: usize, b: usize): usize {
  if (!isSet(a) || !isSet(b)) return 0;
  return setIntersect(a, b);
}

export function mg_or(a: usize, b: usize): usize {
  if (!isSet(a) || !isSet(b)) return 0;
  let r = newColl(T_SET, collCount(a) + collCount(b));
  setAddAll(r, a);
  setAddAll(r, b);
  return r;
}

/** union(set of sets) */
export function mg_union(ss: usize): usize {
  if (!isSet(ss)) return 0;
  let n = collCount(ss);
  let ents = load<usize>(ss, 12);
  let r = newColl(T_SET, 8);
  for (let i = 0; i < n; i++) {
    let s = load<usize>(ents + <usize>i * 12);
    if (!isSet(s)) return 0;
    setAddAll(r, s);
  }
  return r;
}

/** intersection(set of sets); the empty set of sets gives the empty set. */
export function mg_intersection(ss: usize): usize {
  if (!isSet(ss)) return 0;
  let n = collCount(ss);
  let ents = load<usize>(ss, 12);
  for (let i = 0; i < n; i++) if (!isSet(load<usize>(ents + <usize>i * 12))) return 0;
  if (n == 0) return newColl(T_SET, 4);
  let r = load<usize>(ents);
  for (let i = 1; i < n; i++) r = setIntersect(r, load<usize>(ents + <usize>i * 12));
  return n == 1 ? setCopy(r) : r;
}

function setCopy(s: usize): usize {
  let r = newColl(T_SET, collCount(s));
  setAddAll(r, s);
  return r;
}

export function mg_array_concat(a: usize, b: usize): usize {
  if (a == 0 || b == 0 || typeOf(a) != T_ARRAY || typeOf(b) != T_ARRAY) return 0;
  let na = arrLen(a);
  let nb = arrLen(b);
  let r = newArr(na + nb);
  let d = load<usize>(r, 12);
  memory.copy(d, load<usize>(a, 12), <usize>na << 2);
  memory.copy(d + (<usize>na << 2), load<usize>(b, 12), <usize>nb << 2);
  store<i32>(r, na + nb, 4);
  return r;
}

/** array.slice(arr, start, stop): integer bounds, clamped to [0, len]. */
export function mg_array_slice(a: usize, start: usize, stop: usize): usize {
  if (a == 0 || start == 0 || stop == 0 || typeOf(a) != T_ARRAY) return 0;
  if (typeOf(start) != T_NUMBER || typeOf(stop) != T_NUMBER) return 0;
  let s = numToI64(start);
  if (!numOk) return 0;
  let e = numToI64(stop);
  if (!numOk) return 0;
  let n = <i64>arrLen(a);
  if (s < 0) s = 0;
  if (e > n) e = n;
  if (s >= e) return newArr(0);
  let len = <i32>(e - s);
  let r = newArr(len);
  memory.copy(load<usize>(r, 12), load<usize>(a, 12) + (<usize>s << 2), <usize>len << 2);
  store<i32>(r, len, 4);
  return r;
}
