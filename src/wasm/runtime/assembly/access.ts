// access.ts — reading and building values by key and path: mg_get, merges,
// upserts for `with`, and the SDK's add/remove path on data.

import { T_ARRAY, T_OBJECT, T_SET, T_NUMBER, typeOf, arrLen, arrAt } from "./value";
import { K_INT, numKind, numToI64, numOk } from "./number";
import { newColl, collCount, collFind, collGet, collInsert, collCopy, collRemove } from "./object";

/** v[k]: array index (integral number), object key, set member (returns k). */
export function getValue(v: usize, k: usize): usize {
  if (v == 0 || k == 0) return 0;
  let t = typeOf(v);
  if (t == T_OBJECT) return collGet(v, k);
  if (t == T_ARRAY) {
    if (typeOf(k) != T_NUMBER) return 0;
    let i: i64;
    if (numKind(k) == K_INT) i = load<i64>(k, 8);
    else {
      i = numToI64(k);
      if (!numOk) return 0;
    }
    if (<u64>i >= <u64>arrLen(v)) return 0;
    return arrAt(v, <i32>i);
  }
  if (t == T_SET) return collFind(v, k) >= 0 ? k : 0;
  return 0;
}

/** Deep merge of two objects; b wins where either side is not an object. */
export function mergeObjects(a: usize, b: usize): usize {
  let r = collCopy(a);
  let n = collCount(b);
  let ents = load<usize>(b, 12);
  for (let i = 0; i < n; i++) {
    let e = ents + <usize>i * 12;
    let k = load<usize>(e);
    let vb = load<usize>(e, 4);
    let va = collGet(a, k);
    if (va != 0 && typeOf(va) == T_OBJECT && typeOf(vb) == T_OBJECT) collInsert(r, k, mergeObjects(va, vb));
    else collInsert(r, k, vb);
  }
  return r;
}

/** A copy of root (an object or 0) with v at path[i..], creating objects. */
export function upsert(root: usize, path: usize, i: i32, v: usize): usize {
  if (i >= arrLen(path)) return v;
  let o = root != 0 && typeOf(root) == T_OBJECT ? collCopy(root) : newColl(T_OBJECT, 4);
  let k = arrAt(path, i);
  let child = root != 0 && typeOf(root) == T_OBJECT ? collGet(root, k) : 0;
  collInsert(o, k, upsert(child, path, i + 1, v));
  return o;
}

// OPA's error codes for opa_value_add_path / remove_path
export const ERR_OK: i32 = 0;
export const ERR_INTERNAL: i32 = 1;
export const ERR_INVALID_TYPE: i32 = 2;
export const ERR_INVALID_PATH: i32 = 3;

/** Sets base[path...] = v in place, creating objects on the way. */
export function addPath(base: usize, path: usize, v: usize): i32 {
  if (base == 0 || path == 0 || v == 0) return ERR_INTERNAL;
  if (typeOf(path) != T_ARRAY) return ERR_INVALID_TYPE;
  let n = arrLen(path);
  if (n == 0) return ERR_INVALID_PATH;
  let cur = base;
  for (let i = 0; i < n - 1; i++) {
    if (typeOf(cur) != T_OBJECT) return ERR_INVALID_PATH;
    let k = arrAt(path, i);
    let next = collGet(cur, k);
    if (next == 0) {
      next = newColl(T_OBJECT, 4);
      collInsert(cur, k, next);
    }
    cur = next;
  }
  if (typeOf(cur) != T_OBJECT) return ERR_INVALID_PATH;
  collInsert(cur, arrAt(path, n - 1), v);
  return ERR_OK;
}

/** Removes base[path...] in place. */
export function removePath(base: usize, path: usize): i32 {
  if (base == 0 || path == 0) return ERR_INTERNAL;
  if (typeOf(path) != T_ARRAY) return ERR_INVALID_TYPE;
  let n = arrLen(path);
  if (n == 0) return ERR_INVALID_PATH;
  let cur = base;
  for (let i = 0; i < n - 1; i++) {
    if (typeOf(cur) != T_OBJECT) return ERR_INVALID_PATH;
    cur = collGet(cur, arrAt(path, i));
    if (cur == 0) return ERR_INVALID_PATH;
  }
  if (typeOf(cur) != T_OBJECT) return ERR_INVALID_PATH;
  if (!collRemove(cur, arrAt(path, n - 1))) return ERR_INVALID_PATH;
  return ERR_OK;
}

