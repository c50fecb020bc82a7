// builtins-encoding.ts — OPA's encoding built-ins inside the module:
// base64 / base64url, hex, urlquery (Go's url.QueryEscape / ParseQuery) and
// json.marshal / json.unmarshal / json.is_valid (the SDK implements
// json.is_valid itself, differently, so it must never be a host call). Bytes
// a decoder produces that are not UTF-8 become U+FFFD, one per byte, as Go's
// JSON encoder prints OPA's raw string.

import {
  T_STRING, T_ARRAY, T_SET, T_OBJECT, typeOf, strLen, strPtr, newStr, newArr, arrPush, arrLen, arrAt,
  boolOf, alloc,
} from "./value";
import { newColl, collCount, collKeyAt, collValAt, collGet, collInsert } from "./object";
import { wBegin, wByte, wBytes, wReserve, wAdvance, wLength, wStart } from "./writer";
import { parseText, writeValue } from "./json";

// @ts-ignore: decorator
@inline
function isStr(v: usize): bool {
  return v != 0 && typeOf(v) == T_STRING;
}

const B64 = memory.data<u8>([
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
  97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122,
  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 43, 47,
]);
const HEXL = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const HEXU = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 65, 66, 67, 68, 69, 70]);

function finish(): usize {
  return newStr(wStart(), wLength());
}

/** A string over bytes that may not be UTF-8: each byte that does not start
 *  a valid sequence (Go's utf8.DecodeRune) becomes U+FFFD. */
function bytesToString(p: usize, n: i32): usize {
  let i = 0;
  let valid = true;
  while (i < n) {
    let k = validSeq(p + i, n - i);
    if (k == 0) { valid = false; break; }
    i += k;
  }
  if (valid) return newStr(p, n);
  wBegin(n + 8);
  i = 0;
  while (i < n) {
    let k = validSeq(p + i, n - i);
    if (k == 0) { wByte(0xef); wByte(0xbf); wByte(0xbd); i++; }
    else { wBytes(p + i, k); i += k; }
  }
  return finish();
}

// @ts-ignore: decorator
@inline
function cont(b: u32): bool {
  return (b & 0xc0) == 0x80;
}

/** Length of the valid UTF-8 sequence at p (0 when invalid). */
function validSeq(p: usize, left: i32): i32 {
  let b = <u32>load<u8>(p);
  if (b < 0x80) return 1;
  if (b < 0xc2) return 0;
  if (b < 0xe0) return left >= 2 && cont(load<u8>(p, 1)) ? 2 : 0;
  if (b < 0xf0) {
    if (left < 3) return 0;
    let b1 = <u32>load<u8>(p, 1);
    let lo: u32 = b == 0xe0 ? 0xa0 : 0x80;
    let hi: u32 = b == 0xed ? 0x9f : 0xbf;
    return b1 >= lo && b1 <= hi && cont(load<u8>(p, 2)) ? 3 : 0;
  }
  if (b < 0xf5) {
    if (left < 4) return 0;
    let b1 = <u32>load<u8>(p, 1);
    let lo: u32 = b == 0xf0 ? 0x90 : 0x80;
    let hi: u32 = b == 0xf4 ? 0x8f : 0xbf;
    return b1 >= lo && b1 <= hi && cont(load<u8>(p, 2)) && cont(load<u8>(p, 3)) ? 4 : 0;
  }
  return 0;
}

// ---- base64 -------------------------------------------------------------------------

function b64encode(s: usize, url: bool, pad: bool): usize {
  if (!isStr(s)) return 0;
  let p = strPtr(s), n = strLen(s);
  wBegin((n + 2) / 3 * 4 + 1);
  let i = 0;
  while (i + 3 <= n) {
    let x = (<u32>load<u8>(p + i) << 16) | (<u32>load<u8>(p + i + 1) << 8) | <u32>load<u8>(p + i + 2);
    for (let k = 3; k >= 0; k--) wByte(b64char((x >> (<u32>k * 6)) & 63, url));
    i += 3;
  }
  let rest = n - i;
  if (rest > 0) {
    let x = <u32>load<u8>(p + i) << 16;
    if (rest == 2) x |= <u32>load<u8>(p + i + 1) << 8;
    wByte(b64char((x >> 18) & 63, url));
    wByte(b64char((x >> 12) & 63, url));
    if (rest == 2) wByte(b64char((x >> 6) & 63, url));
    if (pad) { wByte(0x3d); if (rest == 1) wByte(0x3d); }
  }
  return finish();
}

function b64char(d: u32, url: bool): u32 {
  let c = <u32>load<u8>(B64 + d);
  if (url) { if (c == 0x2b) return 0x2d; if (c == 0x2f) return 0x5f; }
  return c;
}

function b64value(c: u32, url: bool): i32 {
  if (c >= 0x41 && c <= 0x5a) return <i32>(c - 0x41);
  if (c >= 0x61 && c <= 0x7a) return <i32>(c - 0x61 + 26);
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30 + 52);
  if (url) { if (c == 0x2d) return 62; if (c == 0x5f) return 63; }
  else { if (c == 0x2b) return 62; if (c == 0x2f) return 63; }
  return -1;
}

/** Go's (padded) base64 decoding, \r and \n ignored; decodeLen < 0 when malformed. */
let decodeLen: i32 = 0;
function b64decode(p: usize, n: i32, url: bool): usize {
  let out = alloc(<usize>(n / 4 * 3 + 3));
  let k = 0;
  let acc: u32 = 0;
  let q = 0;      // sextets in the current quantum
  let pads = 0;   // '=' seen
  decodeLen = -1;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x0d || c == 0x0a) continue;
    if (c == 0x3d) {
      if (pads == 0 && q < 2) return 0;
      pads++;
      if (q + pads > 4) return 0;
      continue;
    }
    if (pads > 0) return 0;
    let d = b64value(c, url);
    if (d < 0) return 0;
    acc = (acc << 6) | <u32>d;
    q++;
    if (q == 4) {
      store<u8>(out + k++, <u8>(acc >> 16));
      store<u8>(out + k++, <u8>(acc >> 8));
      store<u8>(out + k++, <u8>acc);
      acc = 0;
      q = 0;
    }
  }
  if (pads > 0) {
    if (q + pads != 4) return 0;
    if (q == 2) store<u8>(out + k++, <u8>(acc >> 4));
    else { store<u8>(out + k++, <u8>(acc >> 10)); store<u8>(out + k++, <u8>(acc >> 2)); }
  } else if (q != 0) return 0;
  decodeLen = k;
  return out;
}

export function mg_base64_encode(s: usize): usize { return b64encode(s, false, true); }
export function mg_base64url_encode(s: usize): usize { return b64encode(s, true, true); }
export function mg_base64url_encode_no_pad(s: usize): usize { return b64encode(s, true, false); }

export function mg_base64_decode(s: usize): usize {
  if (!isStr(s)) return 0;
  let out = b64decode(strPtr(s), strLen(s), false);
  return decodeLen < 0 ? 0 : bytesToString(out, decodeLen);
}

export function mg_base64_is_valid(s: usize): usize {
  if (s == 0) return 0;
  if (!isStr(s)) return boolOf(false);
  b64decode(strPtr(s), strLen(s), false);
  return boolOf(decodeLen >= 0);
}

/** OPA restores the padding that RFC 7515 encoders omit, then decodes. */
export function mg_base64url_decode(s: usize): usize {
  if (!isStr(s)) return 0;
  let p = strPtr(s), n = strLen(s);
  if (n == 0 || load<u8>(p + n - 1) != 0x3d) {
    let r = n % 4;
    if (r == 1) return 0;
    if (r != 0) {
      let q = alloc(<usize>(n + 2));
      memory.copy(q, p, n);
      store<u8>(q + n, 0x3d);
      store<u8>(q + n + 1, 0x3d);
      p = q;
      n += 4 - r;
    }
  }
  let out = b64decode(p, n, true);
  return decodeLen < 0 ? 0 : bytesToString(out, decodeLen);
}

// ---- hex ------------------------------------------------------------------------------

export function mg_hex_encode(s: usize): usize {
  if (!isStr(s)) return 0;
  let p = strPtr(s), n = strLen(s);
  wBegin(n * 2);
  for (let i = 0; i < n; i++) {
    let b = <u32>load<u8>(p + i);
    wByte(load<u8>(HEXL + (b >> 4)));
    wByte(load<u8>(HEXL + (b & 15)));
  }
  return finish();
}

function hexValue(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
  if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x41 + 10);
  return -1;
}

export function mg_hex_decode(s: usize): usize {
  if (!isStr(s)) return 0;
  let p = strPtr(s), n = strLen(s);
  if (n % 2 != 0) return 0;
  let out = alloc(<usize>(n / 2));
  for (let i = 0; i < n; i += 2) {
    let hi = hexValue(load<u8>(p + i)), lo = hexValue(load<u8>(p + i + 1));
    if (hi < 0 || lo < 0) return 0;
    store<u8>(out + (i >> 1), <u8>((hi << 4) | lo));
  }
  return bytesToString(out, n / 2);
}

// ---- urlquery -------------------------------------------------------------------------

/** Go's url.QueryEscape of n bytes at p, appended to the writer. */
function queryEscape(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ||
        c == 0x2d || c == 0x5f || c == 0x2e || c == 0x7e) wByte(c);
    else if (c == 0x20) wByte(0x2b);
    else { wByte(0x25); wByte(load<u8>(HEXU + (c >> 4))); wByte(load<u8>(HEXU + (c & 15))); }
  }
}

/** Go's url.QueryUnescape of n bytes at p; 0 for a malformed % escape. */
function queryUnescape(p: usize, n: i32): usize {
  let out = alloc(<usize>n);
  let k = 0;
  let i = 0;
  while (i < n) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x25) {
      if (i + 2 >= n) return 0;
      let hi = hexValue(load<u8>(p + i + 1)), lo = hexValue(load<u8>(p + i + 2));
      if (hi < 0 || lo < 0) return 0;
      store<u8>(out + k++, <u8>((hi << 4) | lo));
      i += 3;
      continue;
    }
    store<u8>(out + k++, <u8>(c == 0x2b ? 0x20 : c));
    i++;
  }
  return bytesToString(out, k);
}

export function mg_urlquery_encode(s: usize): usize {
  if (!isStr(s)) return 0;
  wBegin(strLen(s) + 8);
  queryEscape(strPtr(s), strLen(s));
  return finish();
}

export function mg_urlquery_decode(s: usize): usize {
  if (!isStr(s)) return 0;
  return queryUnescape(strPtr(s), strLen(s));
}

/** urlquery.encode_object({k: string | array/set of strings}): k=v pairs
 *  joined by &, keys in order. */
export function mg_urlquery_encode_object(o: usize): usize {
  if (o == 0 || typeOf(o) != T_OBJECT) return 0;
  let n = collCount(o);
  for (let i = 0; i < n; i++) {
    let k = collKeyAt(o, i), v = collValAt(o, i);
    if (!isStr(k)) return 0;
    if (isStr(v)) continue;
    let t = typeOf(v);
    if (t != T_ARRAY && t != T_SET) return 0;
    let m = t == T_ARRAY ? arrLen(v) : collCount(v);
    for (let j = 0; j < m; j++) if (!isStr(t == T_ARRAY ? arrAt(v, j) : collKeyAt(v, j))) return 0;
  }
  wBegin(64);
  let first = true;
  for (let i = 0; i < n; i++) {
    let k = collKeyAt(o, i), v = collValAt(o, i);
    let t = typeOf(v);
    let m = t == T_STRING ? 1 : t == T_ARRAY ? arrLen(v) : collCount(v);
    for (let j = 0; j < m; j++) {
      let x = t == T_STRING ? v : t == T_ARRAY ? arrAt(v, j) : collKeyAt(v, j);
      if (!first) wByte(0x26);
      first = false;
      queryEscape(strPtr(k), strLen(k));
      wByte(0x3d);
      queryEscape(strPtr(x), strLen(x));
    }
  }
  return finish();
}

/** Go's url.ParseQuery: &-separated pairs, a ; is an error, values
 *  collected per key in order. */
export function mg_urlquery_decode_object(s: usize): usize {
  if (!isStr(s)) return 0;
  let p = strPtr(s), n = strLen(s);
  let out = newColl(T_OBJECT, 4);
  let i = 0;
  while (i <= n) {
    let j = i;
    while (j < n && load<u8>(p + j) != 0x26) j++;
    if (j > i) {
      let eq = -1;
      for (let x = i; x < j; x++) {
        let c = load<u8>(p + x);
        if (c == 0x3b) return 0;
        if (c == 0x3d && eq < 0) eq = x;
      }
      let k = queryUnescape(p + i, (eq < 0 ? j : eq) - i);
      let v = eq < 0 ? newStr(p, 0) : queryUnescape(p + eq + 1, j - eq - 1);
      if (k == 0 || v == 0) return 0;
      let arr = collGet(out, k);
      if (arr == 0) { arr = newArr(2); collInsert(out, k, arr); }
      arrPush(arr, v);
    }
    i = j + 1;
  }
  return out;
}

// ---- json -------------------------------------------------------------------------------

/** json.marshal: Go's encoding/json text (sets as arrays, keys sorted,
 *  <, >, & and U+2028/U+2029 escaped as \u sequences). */
export function mg_json_marshal(v: usize): usize {
  if (v == 0) return 0;
  wBegin(64);
  writeValue(v, false);
  let p = wStart(), n = wLength();
  // those characters occur only inside strings in JSON text
  let extra = 0;
  for (let i = 0; i < n; i++) {
    let c = load<u8>(p + i);
    if (c == 0x3c || c == 0x3e || c == 0x26) extra += 5;
    else if (c == 0xe2 && i + 2 < n && load<u8>(p + i + 1) == 0x80 && (load<u8>(p + i + 2) == 0xa8 || load<u8>(p + i + 2) == 0xa9)) extra += 3;
  }
  if (extra == 0) return newStr(p, n);
  let out = alloc(<usize>(n + extra));
  let k = 0;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    let esc: u32 = 0;
    if (c == 0x3c || c == 0x3e || c == 0x26) esc = c;
    else if (c == 0xe2 && i + 2 < n && load<u8>(p + i + 1) == 0x80 && (load<u8>(p + i + 2) == 0xa8 || load<u8>(p + i + 2) == 0xa9)) {
      esc = load<u8>(p + i + 2) == 0xa8 ? 0x2028 : 0x2029;
      i += 2;
    }
    if (esc == 0) { store<u8>(out + k++, <u8>c); continue; }
    store<u8>(out + k++, 0x5c);
    store<u8>(out + k++, 0x75);
    for (let s = 12; s >= 0; s -= 4) store<u8>(out + k++, load<u8>(HEXL + ((esc >> <u32>s) & 15)));
  }
  return newStr(out, k);
}

export function mg_json_unmarshal(s: usize): usize {
  if (!isStr(s)) return 0;
  return parseText(strPtr(s), strLen(s), false);
}

export function mg_json_is_valid(s: usize): usize {
  if (s == 0) return 0;
  if (!isStr(s)) return boolOf(false);
  return boolOf(parseText(strPtr(s), strLen(s), false) != 0);
}
