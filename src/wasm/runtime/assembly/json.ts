// json.ts — JSON parsing and dumping (opa_json_parse/dump) plus OPA's value
// text (opa_value_parse/dump), which adds set literals `{1, 2}` / `set()` and
// non-string object keys. Parsed strings and number literals point into the
// input buffer whenever no unescaping is needed (no copy).

import {
  alloc, T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET,
  NULL_V, TRUE_V, FALSE_V, typeOf, newStr, strLen, strPtr, newArr, arrPush,
  arrLen, arrAt,
} from "./value";
import { scanNumber, numFromText, numTextMax, writeNumber } from "./number";
import { newColl, collInsert, collAdd, collSort, collCount } from "./object";
import {
  wBegin, wReserve, wAdvance, wByte, wBytes, wAscii, wFinish, wLength, wStart,
  wSaveBuf, wSaveLen, wSaveCap, wRestore,
} from "./writer";

// ---- parsing ----------------------------------------------------------------

let pos: usize = 0;
let end: usize = 0;
let valueSyntax: bool = false; // accept set literals and non-string keys

// @ts-ignore: decorator
@inline
function skipWs(): void {
  while (pos < end) {
    let c = load<u8>(pos);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    pos++;
  }
}

function hexDigit(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  c |= 0x20;
  if (c - 0x61 < 6) return <i32>(c - 0x61 + 10);
  return -1;
}

function hex4(p: usize): i32 {
  if (p + 4 > end) return -1;
  let r = 0;
  for (let i: usize = 0; i < 4; i++) {
    let d = hexDigit(load<u8>(p + i));
    if (d < 0) return -1;
    r = (r << 4) | d;
  }
  return r;
}

function putUtf8(out: usize, cp: u32): usize {
  if (cp < 0x80) { store<u8>(out, <u8>cp); return 1; }
  if (cp < 0x800) {
    store<u8>(out, <u8>(0xc0 | (cp >> 6)));
    store<u8>(out + 1, <u8>(0x80 | (cp & 0x3f)));
    return 2;
  }
  if (cp < 0x10000) {
    store<u8>(out, <u8>(0xe0 | (cp >> 12)));
    store<u8>(out + 1, <u8>(0x80 | ((cp >> 6) & 0x3f)));
    store<u8>(out + 2, <u8>(0x80 | (cp & 0x3f)));
    return 3;
  }
  store<u8>(out, <u8>(0xf0 | (cp >> 18)));
  store<u8>(out + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
  store<u8>(out + 2, <u8>(0x80 | ((cp >> 6) & 0x3f)));
  store<u8>(out + 3, <u8>(0x80 | (cp & 0x3f)));
  return 4;
}

/** Parses a string; pos is just after the opening quote. */
function parseString(): usize {
  let start = pos;
  let escaped = false;
  while (true) {
    if (pos >= end) return 0;
    let c = load<u8>(pos);
    if (c == 0x22) break;
    if (c < 0x20) return 0;
    if (c == 0x5c) {
      escaped = true;
      pos += 2;
      continue;
    }
    pos++;
  }
  if (pos > end) return 0;
  let rawEnd = pos;
  pos++; // closing quote
  if (!escaped) return newStr(start, <i32>(rawEnd - start));
  // unescaped text is never longer than its escaped form
  let buf = alloc(16 + (rawEnd - start));
  let out = buf + 16;
  let p = start;
  while (p < rawEnd) {
    let c = load<u8>(p);
    if (c != 0x5c) { store<u8>(out++, c); p++; continue; }
    let e = load<u8>(p + 1);
    p += 2;
    switch (e) {
      case 0x22: store<u8>(out++, 0x22); break;
      case 0x5c: store<u8>(out++, 0x5c); break;
      case 0x2f: store<u8>(out++, 0x2f); break;
      case 0x62: store<u8>(out++, 0x08); break;
      case 0x66: store<u8>(out++, 0x0c); break;
      case 0x6e: store<u8>(out++, 0x0a); break;
      case 0x72: store<u8>(out++, 0x0d); break;
      case 0x74: store<u8>(out++, 0x09); break;
      case 0x75: {
        let u = hex4(p);
        if (u < 0 || p + 4 > rawEnd) return 0;
        p += 4;
        let cp = <u32>u;
        if (cp >= 0xd800 && cp < 0xdc00) {
          let lo = (p + 6 <= rawEnd && load<u8>(p) == 0x5c && load<u8>(p + 1) == 0x75) ? hex4(p + 2) : -1;
          if (lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (<u32>lo - 0xdc00);
            p += 6;
          } else {
            cp = 0xfffd; // lone surrogate, as Go decodes it
          }
        } else if (cp >= 0xdc00 && cp < 0xe000) {
          cp = 0xfffd;
        }
        out += putUtf8(out, cp);
        break;
      }
      default: return 0;
    }
  }
  let v = buf;
  store<u32>(v, T_STRING);
  store<u32>(v, 0, 4);
  store<i32>(v, <i32>(out - (buf + 16)), 8);
  store<usize>(v, buf + 16, 12);
  return v;
}

function matchWord(w: u32, n: usize): bool {
  // w holds up to 4 ASCII bytes little-endian
  if (pos + n > end) return false;
  for (let i: usize = 0; i < n; i++) {
    if (<u32>load<u8>(pos + i) != ((w >> (<u32>i << 3)) & 0xff)) return false;
  }
  pos += n;
  return true;
}

function parseValue(): usize {
  skipWs();
  if (pos >= end) return 0;
  let c = load<u8>(pos);
  switch (c) {
    case 0x22: { pos++; return parseString(); }
    case 0x7b: { pos++; return parseObjectOrSet(); }
    case 0x5b: {
      pos++;
      let a = newArr(4);
      skipWs();
      if (pos < end && load<u8>(pos) == 0x5d) { pos++; return a; }
      while (true) {
        let x = parseValue();
        if (x == 0) return 0;
        arrPush(a, x);
        skipWs();
        if (pos >= end) return 0;
        let d = load<u8>(pos++);
        if (d == 0x5d) return a;
        if (d != 0x2c) return 0;
      }
      return 0;
    }
    case 0x74: return matchWord(0x65757274, 4) ? TRUE_V : 0; // true
    case 0x66: {
      if (!matchWord(0x736c6166, 4)) return 0; // fals
      if (pos < end && load<u8>(pos) == 0x65) { pos++; return FALSE_V; }
      return 0;
    }
    case 0x6e: return matchWord(0x6c6c756e, 4) ? NULL_V : 0; // null
    case 0x73: {
      // set()
      if (valueSyntax && matchWord(0x28746573, 4) && pos < end && load<u8>(pos) == 0x29) {
        pos++;
        return newColl(T_SET, 4);
      }
      return 0;
    }
    default: {
      let n = scanNumber(pos, end);
      if (n == 0) return 0;
      let v = numFromText(pos, <i32>n);
      pos += n;
      return v;
    }
  }
}

function parseObjectOrSet(): usize {
  skipWs();
  if (pos < end && load<u8>(pos) == 0x7d) { pos++; return newColl(T_OBJECT, 4); }
  let first = parseValue();
  if (first == 0) return 0;
  skipWs();
  if (pos >= end) return 0;
  let c = load<u8>(pos);
  if (c != 0x3a) {
    // a set literal
    if (!valueSyntax) return 0;
    let s = newColl(T_SET, 4);
    collAdd(s, first);
    while (true) {
      skipWs();
      if (pos >= end) return 0;
      let d = load<u8>(pos++);
      if (d == 0x7d) return s;
      if (d != 0x2c) return 0;
      let x = parseValue();
      if (x == 0) return 0;
      collAdd(s, x);
    }
    return 0;
  }
  if (!valueSyntax && typeOf(first) != T_STRING) return 0;
  let o = newColl(T_OBJECT, 4);
  let k = first;
  while (true) {
    // at ':'
    pos++;
    let v = parseValue();
    if (v == 0) return 0;
    collInsert(o, k, v); // duplicate keys: the last one wins, as in Go
    skipWs();
    if (pos >= end) return 0;
    let d = load<u8>(pos++);
    if (d == 0x7d) return o;
    if (d != 0x2c) return 0;
    skipWs();
    if (pos >= end) return 0;
    if (valueSyntax) {
      k = parseValue();
      if (k == 0) return 0;
    } else {
      if (load<u8>(pos) != 0x22) return 0;
      pos++;
      k = parseString();
      if (k == 0) return 0;
    }
    skipWs();
    if (pos >= end || load<u8>(pos) != 0x3a) return 0;
  }
  return 0;
}

/** Parses text at p..p+len; 0 when malformed. */
export function parseText(p: usize, len: i32, sets: bool): usize {
  pos = p;
  end = p + <usize>len;
  valueSyntax = sets;
  let v = parseValue();
  if (v == 0) return 0;
  skipWs();
  if (pos != end) return 0;
  return v;
}

// ---- dumping ------------------------------------------------------------------

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/** Writes a JSON string literal for bytes p..p+n. */
export function writeQuoted(p: usize, n: i32): void {
  let out = wReserve(n + 2);
  store<u8>(out, 0x22);
  let k = 1;
  let i = 0;
  while (i < n) {
    let c = load<u8>(p + i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) {
      store<u8>(out + k++, c);
      i++;
      continue;
    }
    // escapes grow the text: commit and reserve more
    wAdvance(k);
    out = wReserve(6 + (n - i) + 1);
    k = 0;
    store<u8>(out + k++, 0x5c);
    if (c == 0x22 || c == 0x5c) store<u8>(out + k++, c);
    else if (c == 0x0a) store<u8>(out + k++, 0x6e);
    else if (c == 0x0d) store<u8>(out + k++, 0x72);
    else if (c == 0x09) store<u8>(out + k++, 0x74);
    else if (c == 0x08) store<u8>(out + k++, 0x62);
    else if (c == 0x0c) store<u8>(out + k++, 0x66);
    else {
      store<u8>(out + k++, 0x75);
      store<u8>(out + k++, 0x30);
      store<u8>(out + k++, 0x30);
      store<u8>(out + k++, load<u8>(HEX + (c >> 4)));
      store<u8>(out + k++, load<u8>(HEX + (c & 15)));
    }
    i++;
  }
  store<u8>(out + k++, 0x22);
  wAdvance(k);
}

/** Writes v; `sets` selects OPA value syntax (set literals, raw keys). */
/** Rego's printed form (template strings, print): `, ` and `: ` separators. */
export let wPretty: bool = false;

// @ts-ignore: decorator
@inline
function sep(c: u8): void {
  wByte(c);
  if (wPretty) wByte(0x20);
}

export function writeValue(v: usize, sets: bool): void {
  if (v == 0) { wAscii("null"); return; }
  switch (typeOf(v)) {
    case T_NULL: { wAscii("null"); return; }
    case T_BOOL: { if (load<i32>(v, 4)) wAscii("true"); else wAscii("false"); return; }
    case T_NUMBER: {
      let out = wReserve(numTextMax(v));
      wAdvance(writeNumber(out, v));
      return;
    }
    case T_STRING: { writeQuoted(strPtr(v), strLen(v)); return; }
    case T_ARRAY: {
      wByte(0x5b);
      let n = arrLen(v);
      for (let i = 0; i < n; i++) {
        if (i) sep(0x2c);
        writeValue(arrAt(v, i), sets);
      }
      wByte(0x5d);
      return;
    }
    case T_SET: {
      let n = collCount(v);
      if (sets && n == 0) { wAscii("set()"); return; }
      collSort(v);
      let ents = load<usize>(v, 12);
      wByte(sets ? 0x7b : 0x5b);
      for (let i = 0; i < n; i++) {
        if (i) sep(0x2c);
        writeValue(load<usize>(ents + <usize>i * 12), sets);
      }
      wByte(sets ? 0x7d : 0x5d);
      return;
    }
    default: {
      collSort(v);
      let n = collCount(v);
      let ents = load<usize>(v, 12);
      // strings sort between numbers and arrays: all keys are strings iff the
      // first and last are
      if (!sets && n > 0 && (typeOf(load<usize>(ents)) != T_STRING ||
          typeOf(load<usize>(ents + <usize>(n - 1) * 12)) != T_STRING)) {
        writeObjectStringified(v);
        return;
      }
      wByte(0x7b);
      for (let i = 0; i < n; i++) {
        if (i) sep(0x2c);
        let e = ents + <usize>i * 12;
        writeValue(load<usize>(e), sets);
        sep(0x3a);
        writeValue(load<usize>(e, 4), sets);
      }
      wByte(0x7d);
    }
  }
}

/** JSON for an object with non-string keys: each key becomes its JSON text as
 *  a string and the members are ordered by that text, as OPA's Go JSON
 *  encoding of such an object does (a later duplicate text wins). */
function writeObjectStringified(v: usize): void {
  let n = collCount(v);
  let ents = load<usize>(v, 12);
  let tmp = newColl(T_OBJECT, n);
  for (let i = 0; i < n; i++) {
    let e = ents + <usize>i * 12;
    let k = load<usize>(e);
    if (typeOf(k) != T_STRING) k = keyText(k);
    collInsert(tmp, k, load<usize>(e, 4));
  }
  writeValue(tmp, false);
}

/** The JSON text of a value, as a string value. */
function keyText(k: usize): usize {
  let b = wSaveBuf(), l = wSaveLen(), c = wSaveCap();
  wBegin(64);
  writeValue(k, false);
  let s = newStr(wStart(), wLength());
  wRestore(b, l, c);
  return s;
}

/** Dumps v as a NUL-terminated string; returns its address. */
export function dumpValue(v: usize, sets: bool): usize {
  wBegin(256);
  writeValue(v, sets);
  return wFinish();
}
