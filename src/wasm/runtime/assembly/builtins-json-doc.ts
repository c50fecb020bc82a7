// builtins-json-doc.ts — json.filter, json.remove, json.patch and
// json.marshal_with_options inside the module (OPA's topdown/json.go over
// ast.Object.Filter and internal/edittree). Paths are JSON pointers ("a/b",
// a leading "/" optional, "~1" and "~0" unescaped) or arrays of segments;
// array segments keep their type, so a number segment does not select an
// array element (OPA matches array positions by their decimal string) but
// does select a number key. Values are immutable: an edit copies the
// containers on its path and shares everything else.

import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, NULL_V, typeOf, strLen, strPtr,
  newStr, newArr, arrPush, arrLen, arrAt, alloc,
} from "./value";
import { newColl, collCount, collKeyAt, collValAt, collGet, collInsert, collAdd, collCopy, collFind, collRemove } from "./object";
import { equalValues } from "./compare";
import { numToI64, numOk, writeI64 } from "./number";
import { mg_json_marshal } from "./builtins-encoding";
import { wBegin, wByte, wBytes, wLength, wStart } from "./writer";

// ---- paths ----------------------------------------------------------------------

/** Bytes p[s, e) with "~1" → "/" then "~0" → "~" (Go's two ReplaceAll calls). */
function unescapeSegment(p: usize, s: i32, e: i32): usize {
  let n = e - s;
  let hasTilde = false;
  for (let i = s; i < e; i++) if (load<u8>(p + i) == 0x7e) { hasTilde = true; break; }
  if (!hasTilde) return newStr(p + s, n);
  // pass 1: ~1 → /
  let a = alloc(<usize>n);
  let k = 0;
  for (let i = s; i < e; i++) {
    let c = load<u8>(p + i);
    if (c == 0x7e && i + 1 < e && load<u8>(p + i + 1) == 0x31) { store<u8>(a + k++, 0x2f); i++; }
    else store<u8>(a + k++, c);
  }
  // pass 2: ~0 → ~
  let b = alloc(<usize>k);
  let m = 0;
  for (let i = 0; i < k; i++) {
    let c = load<u8>(a + i);
    if (c == 0x7e && i + 1 < k && load<u8>(a + i + 1) == 0x30) { store<u8>(b + m++, 0x7e); i++; }
    else store<u8>(b + m++, c);
  }
  return newStr(b, m);
}

/** OPA's parsePath: a pointer string ("" is the root; leading slashes
 *  trimmed) or an array of segments (kept as they are); 0 for anything else. */
function parsePath(v: usize): usize {
  if (v == 0) return 0;
  let t = typeOf(v);
  if (t == T_ARRAY) return v;
  if (t != T_STRING) return 0;
  let p = strPtr(v), n = strLen(v);
  let out = newArr(4);
  if (n == 0) return out;
  let s = 0;
  while (s < n && load<u8>(p + s) == 0x2f) s++;
  let start = s;
  for (let i = s; i <= n; i++) {
    if (i == n || load<u8>(p + i) == 0x2f) {
      arrPush(out, unescapeSegment(p, start, i));
      start = i + 1;
    }
  }
  return out;
}

/** The paths operand of json.filter / json.remove (an array or a set of
 *  paths) as OPA's pathsToObject: nested objects keyed by segment, null
 *  where a path ends (a shorter path swallows longer ones; the empty path
 *  is ignored). 0 for a malformed operand. */
function pathsToObject(paths: usize): usize {
  if (paths == 0) return 0;
  let t = typeOf(paths);
  if (t != T_ARRAY && t != T_SET) return 0;
  let n = t == T_ARRAY ? arrLen(paths) : collCount(paths);
  let root = newColl(T_OBJECT, 4);
  for (let i = 0; i < n; i++) {
    let path = parsePath(t == T_ARRAY ? arrAt(paths, i) : collKeyAt(paths, i));
    if (path == 0) return 0;
    let m = arrLen(path);
    if (m == 0) continue;
    let node = root;
    let done = false;
    for (let j = 0; j < m - 1; j++) {
      let k = arrAt(path, j);
      let child = collGet(node, k);
      if (child == 0) {
        let o = newColl(T_OBJECT, 4);
        collInsert(node, k, o);
        node = o;
        continue;
      }
      if (typeOf(child) == T_NULL) { done = true; break; }
      node = child;
    }
    if (!done) collInsert(node, arrAt(path, m - 1), NULL_V);
  }
  return root;
}

/** The decimal string of an array index, the key OPA looks positions up by. */
function indexKey(i: i32): usize {
  let p = alloc(12);
  return newStr(p, writeI64(p, <i64>i));
}

// ---- json.filter ------------------------------------------------------------------

/** ast.Object.Filter: scalars under a deeper filter are kept whole. */
function filterValue(o: usize, filter: usize): usize {
  if (typeOf(filter) == T_NULL) return o;
  let t = typeOf(o);
  if (t == T_ARRAY) {
    let n = arrLen(o);
    let out = newArr(n);
    for (let i = 0; i < n; i++) {
      let sub = collGet(filter, indexKey(i));
      if (sub != 0) arrPush(out, filterValue(arrAt(o, i), sub));
    }
    return out;
  }
  if (t == T_SET) {
    let n = collCount(o);
    let out = newColl(T_SET, n);
    for (let i = 0; i < n; i++) {
      let x = collKeyAt(o, i);
      let sub = collGet(filter, x);
      if (sub != 0) collAdd(out, filterValue(x, sub));
    }
    return out;
  }
  if (t == T_OBJECT) {
    let n = collCount(filter);
    let out = newColl(T_OBJECT, n);
    for (let i = 0; i < n; i++) {
      let k = collKeyAt(filter, i);
      let v = collGet(o, k);
      if (v != 0) collInsert(out, k, filterValue(v, collValAt(filter, i)));
    }
    return out;
  }
  return o;
}

export function mg_json_filter(o: usize, paths: usize): usize {
  if (o == 0 || typeOf(o) != T_OBJECT) return 0;
  let filter = pathsToObject(paths);
  if (filter == 0) return 0;
  return filterValue(o, filter);
}

// ---- json.remove ------------------------------------------------------------------

/** OPA's jsonRemove: 0 when b marks a as removed. */
function removeValue(a: usize, b: usize): usize {
  if (b == 0) return a;
  let tb = typeOf(b);
  if (tb == T_NULL) return 0;
  if (tb != T_OBJECT) return a;
  let t = typeOf(a);
  if (t == T_OBJECT) {
    let n = collCount(a);
    let out = newColl(T_OBJECT, n);
    for (let i = 0; i < n; i++) {
      let k = collKeyAt(a, i);
      let d = removeValue(collValAt(a, i), collGet(b, k));
      if (d != 0) collInsert(out, k, d);
    }
    return out;
  }
  if (t == T_SET) {
    let n = collCount(a);
    let out = newColl(T_SET, n);
    for (let i = 0; i < n; i++) {
      let x = collKeyAt(a, i);
      let d = removeValue(x, collGet(b, x));
      if (d != 0) collAdd(out, d);
    }
    return out;
  }
  if (t == T_ARRAY) {
    let n = arrLen(a);
    let out = newArr(n);
    for (let i = 0; i < n; i++) {
      let d = removeValue(arrAt(a, i), collGet(b, indexKey(i)));
      if (d != 0) arrPush(out, d);
    }
    return out;
  }
  return a;
}

export function mg_json_remove(o: usize, paths: usize): usize {
  if (o == 0 || typeOf(o) != T_OBJECT) return 0;
  let b = pathsToObject(paths);
  if (b == 0) return 0;
  return removeValue(o, b);
}

// ---- json.patch -------------------------------------------------------------------

/** edittree's toIndex: an integral number, "-" (the length), or a decimal
 *  string without leading zeros (Go's ParseInt: an optional sign); -1 if none. */
function toIndex(len: i32, seg: usize): i64 {
  let t = typeOf(seg);
  if (t == T_NUMBER) {
    let i = numToI64(seg);
    if (!numOk) return -1;
    return i;
  }
  if (t != T_STRING) return -1;
  let p = strPtr(seg), n = strLen(seg);
  if (n == 1 && load<u8>(p) == 0x2d) return <i64>len;
  if (n == 0) return -1;
  if (n > 1 && load<u8>(p) == 0x30) return -1; // leading zeros
  let i = 0;
  let neg = false;
  let c0 = load<u8>(p);
  if (c0 == 0x2b || c0 == 0x2d) { neg = c0 == 0x2d; i = 1; }
  if (i == n) return -1;
  let x: i64 = 0;
  for (; i < n; i++) {
    let d = <i32>load<u8>(p + i) - 0x30;
    if (d < 0 || d > 9) return -1;
    x = x * 10 + d;
    if (x > 0x7fffffff) return -1;
  }
  return neg ? -x : x;
}

/** The member of container c at seg, or 0. */
function child(c: usize, seg: usize): usize {
  let t = typeOf(c);
  if (t == T_OBJECT) return collGet(c, seg);
  if (t == T_SET) return collFind(c, seg) >= 0 ? seg : 0;
  if (t == T_ARRAY) {
    let i = toIndex(arrLen(c), seg);
    if (i < 0 || i >= <i64>arrLen(c)) return 0;
    return arrAt(c, <i32>i);
  }
  return 0;
}

/** A copy of container c with the member at seg replaced by v (it exists). */
function withChild(c: usize, seg: usize, v: usize): usize {
  let t = typeOf(c);
  if (t == T_OBJECT) {
    let o = collCopy(c);
    collInsert(o, seg, v);
    return o;
  }
  if (t == T_SET) {
    // a set member changed below: the old member leaves, the new one joins
    let s = collCopy(c);
    collRemove(s, seg);
    collAdd(s, v);
    return s;
  }
  let i = <i32>toIndex(arrLen(c), seg);
  let n = arrLen(c);
  let a = newArr(n);
  for (let j = 0; j < n; j++) arrPush(a, j == i ? v : arrAt(c, j));
  return a;
}

/** edittree's Insert on container c; 0 on error. */
function insertInto(c: usize, seg: usize, v: usize): usize {
  let t = typeOf(c);
  if (t == T_OBJECT) {
    let o = collCopy(c);
    collInsert(o, seg, v);
    return o;
  }
  if (t == T_SET) {
    if (!equalValues(seg, v)) return 0;
    let s = collCopy(c);
    collAdd(s, v);
    return s;
  }
  if (t == T_ARRAY) {
    let n = arrLen(c);
    let i = toIndex(n, seg);
    if (i < 0 || i > <i64>n) return 0;
    let a = newArr(n + 1);
    for (let j = 0; j < n; j++) {
      if (<i64>j == i) arrPush(a, v);
      arrPush(a, arrAt(c, j));
    }
    if (i == <i64>n) arrPush(a, v);
    return a;
  }
  return 0;
}

/** edittree's Delete on container c; 0 when seg is not there. */
function deleteFrom(c: usize, seg: usize): usize {
  let t = typeOf(c);
  if (t == T_OBJECT || t == T_SET) {
    if (collFind(c, seg) < 0) return 0;
    let o = collCopy(c);
    collRemove(o, seg);
    return o;
  }
  if (t == T_ARRAY) {
    let n = arrLen(c);
    let i = toIndex(n, seg);
    if (i < 0 || i >= <i64>n) return 0;
    let a = newArr(n - 1);
    for (let j = 0; j < n; j++) if (<i64>j != i) arrPush(a, arrAt(c, j));
    return a;
  }
  return 0;
}

const OP_ADD: i32 = 1;
const OP_REMOVE: i32 = 2;

/** doc with v inserted at (OP_ADD) or the member removed from (OP_REMOVE)
 *  path[i..]; 0 on error. The path is not empty. */
function editAt(doc: usize, path: usize, i: i32, op: i32, v: usize): usize {
  let seg = arrAt(path, i);
  if (i == arrLen(path) - 1) return op == OP_ADD ? insertInto(doc, seg, v) : deleteFrom(doc, seg);
  let c = child(doc, seg);
  if (c == 0) return 0;
  let d = editAt(c, path, i + 1, op, v);
  if (d == 0) return 0;
  return withChild(doc, seg, d);
}

/** The value at path, or 0. */
function valueAt(doc: usize, path: usize): usize {
  let n = arrLen(path);
  let cur = doc;
  for (let i = 0; i < n && cur != 0; i++) cur = child(cur, arrAt(path, i));
  return cur;
}

function add(doc: usize, path: usize, v: usize): usize {
  if (arrLen(path) == 0) return v;
  return editAt(doc, path, 0, OP_ADD, v);
}

function remove(doc: usize, path: usize): usize {
  // removing the root leaves no document: OPA's patch then fails
  if (arrLen(path) == 0) return 0;
  return editAt(doc, path, 0, OP_REMOVE, 0);
}

/** ASCII bytes of `s` equal the string value v? */
function strIs(v: usize, s: string): bool {
  let n = s.length;
  if (strLen(v) != n) return false;
  let p = strPtr(v);
  for (let i = 0; i < n; i++) if (<u32>load<u8>(p + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

/** The member of object o named by the ASCII `name`, or 0. */
function attr(o: usize, name: string): usize {
  let n = collCount(o);
  for (let i = 0; i < n; i++) {
    let k = collKeyAt(o, i);
    if (typeOf(k) == T_STRING && strIs(k, name)) return collValAt(o, i);
  }
  return 0;
}

/** One operation; 0 when it fails (the whole patch then is undefined). */
function applyOp(doc: usize, op: usize): usize {
  if (typeOf(op) != T_OBJECT) return 0;
  let name = attr(op, "op");
  if (name == 0 || typeOf(name) != T_STRING) return 0;
  let pathV = attr(op, "path");
  if (pathV == 0) return 0;
  let isMove = strIs(name, "move"), isCopy = strIs(name, "copy");
  let isAdd = strIs(name, "add"), isRemove = strIs(name, "remove");
  let isReplace = strIs(name, "replace"), isTest = strIs(name, "test");
  if (!(isMove || isCopy || isAdd || isRemove || isReplace || isTest)) return 0;
  let from: usize = 0;
  if (isMove || isCopy) {
    let fromV = attr(op, "from");
    if (fromV == 0) return 0;
    from = parsePath(fromV);
  }
  let value: usize = 0;
  if (isAdd || isReplace || isTest) {
    value = attr(op, "value");
    if (value == 0) return 0;
  }
  let path = parsePath(pathV);
  if (path == 0) return 0;
  if (isAdd) return add(doc, path, value);
  if (isRemove) return remove(doc, path);
  if (isReplace) {
    if (arrLen(path) == 0) return value;
    let d = remove(doc, path);
    return d == 0 ? 0 : add(d, path, value);
  }
  if (isTest) return equalValues(valueAt(doc, path), value) ? doc : 0;
  if (from == 0) return 0;
  let chunk = valueAt(doc, from);
  if (chunk == 0) return 0;
  if (isCopy) return add(doc, path, chunk);
  // move
  let d = remove(doc, from);
  if (d == 0) return 0;
  return add(d, path, chunk);
}

/** json.patch(doc, ops): RFC 6902 as OPA applies it. A failing operation
 *  makes the result undefined without an error, as in OPA. */
export function mg_json_patch(doc: usize, ops: usize): usize {
  if (doc == 0 || ops == 0 || typeOf(ops) != T_ARRAY) return 0;
  let n = arrLen(ops);
  let cur = doc;
  for (let i = 0; i < n; i++) {
    cur = applyOp(cur, arrAt(ops, i));
    if (cur == 0) return 0;
  }
  return cur;
}

// ---- json.marshal_with_options ------------------------------------------------------

/** Go's json.Indent over compact JSON text: each element on its own line
 *  after `prefix` and one `indent` per level, ": " after keys, empty
 *  arrays and objects kept as [] and {}. */
function indentJSON(p: usize, n: i32, prefix: usize, indent: usize): usize {
  wBegin(n * 2 + 16);
  let depth = 0;
  let inStr = false;
  let needIndent = false;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (inStr) {
      wByte(c);
      if (c == 0x5c) { wByte(<u32>load<u8>(p + i + 1)); i++; }
      else if (c == 0x22) inStr = false;
      continue;
    }
    if (needIndent && c != 0x5d && c != 0x7d) {
      needIndent = false;
      newline(prefix, indent, depth);
    }
    if (c == 0x22) { inStr = true; wByte(c); continue; }
    if (c == 0x7b || c == 0x5b) { wByte(c); depth++; needIndent = true; continue; }
    if (c == 0x2c) { wByte(c); newline(prefix, indent, depth); continue; }
    if (c == 0x3a) { wByte(c); wByte(0x20); continue; }
    if (c == 0x7d || c == 0x5d) {
      if (needIndent) needIndent = false; // empty: [] or {}
      else newline(prefix, indent, depth - 1);
      depth--;
      wByte(c);
      continue;
    }
    wByte(c);
  }
  return newStr(wStart(), wLength());
}

function newline(prefix: usize, indent: usize, depth: i32): void {
  wByte(0x0a);
  wBytes(strPtr(prefix), strLen(prefix));
  for (let d = 0; d < depth; d++) wBytes(strPtr(indent), strLen(indent));
}

/** json.marshal_with_options(x, {pretty, indent, prefix}): an indent or a
 *  prefix implies pretty unless pretty is given; pretty output is Go's
 *  MarshalIndent with the prefix also before the first line (OPA adds it).
 *  Unknown keys and mistyped options are errors. */
export function mg_json_marshal_with_options(x: usize, opts: usize): usize {
  if (x == 0 || opts == 0 || typeOf(opts) != T_OBJECT) return 0;
  let indent: usize = 0, prefix: usize = 0;
  let implicit = false, explicitSet = false, explicit = false;
  let n = collCount(opts);
  for (let i = 0; i < n; i++) {
    let k = collKeyAt(opts, i), v = collValAt(opts, i);
    if (typeOf(k) != T_STRING) return 0;
    if (strIs(k, "prefix") || strIs(k, "indent")) {
      if (typeOf(v) != T_STRING) return 0;
      if (strIs(k, "prefix")) prefix = v; else indent = v;
      implicit = true;
    } else if (strIs(k, "pretty")) {
      if (typeOf(v) != T_BOOL) return 0;
      explicitSet = true;
      explicit = load<i32>(v, 4) != 0;
    } else return 0;
  }
  let compact = mg_json_marshal(x);
  if (!(explicitSet ? explicit : implicit)) return compact;
  if (indent == 0) { let t = alloc(1); store<u8>(t, 0x09); indent = newStr(t, 1); }
  if (prefix == 0) prefix = newStr(0, 0);
  let body = indentJSON(strPtr(compact), strLen(compact), prefix, indent);
  if (strLen(prefix) == 0) return body;
  wBegin(strLen(prefix) + strLen(body));
  wBytes(strPtr(prefix), strLen(prefix));
  wBytes(strPtr(body), strLen(body));
  return newStr(wStart(), wLength());
}
