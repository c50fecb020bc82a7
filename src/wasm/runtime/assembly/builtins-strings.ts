// builtins-strings.ts — startswith, endswith, contains, and the string
// building used by template strings and concatenation.

import { T_STRING, T_ARRAY, typeOf, strLen, strPtr, boolOf, newStr, arrLen, arrAt, alloc } from "./value";
import { dumpValue, wPretty } from "./json";
import { wLength } from "./writer";

// @ts-ignore: decorator
@inline
function isStr(v: usize): bool {
  return v != 0 && typeOf(v) == T_STRING;
}

export function mg_startswith(s: usize, prefix: usize): usize {
  if (!isStr(s) || !isStr(prefix)) return 0;
  let n = strLen(prefix);
  if (n > strLen(s)) return boolOf(false);
  return boolOf(memory.compare(strPtr(s), strPtr(prefix), n) == 0);
}

export function mg_endswith(s: usize, suffix: usize): usize {
  if (!isStr(s) || !isStr(suffix)) return 0;
  let n = strLen(suffix);
  let m = strLen(s);
  if (n > m) return boolOf(false);
  return boolOf(memory.compare(strPtr(s) + <usize>(m - n), strPtr(suffix), n) == 0);
}

/** Byte-offset of needle in hay, or -1. */
export function strIndexOf(hay: usize, hn: i32, needle: usize, nn: i32): i32 {
  if (nn == 0) return 0;
  if (nn > hn) return -1;
  let first = load<u8>(needle);
  let last = hn - nn;
  for (let i = 0; i <= last; i++) {
    if (load<u8>(hay + i) == first && memory.compare(hay + i, needle, nn) == 0) return i;
  }
  return -1;
}

export function mg_contains(s: usize, sub: usize): usize {
  if (!isStr(s) || !isStr(sub)) return 0;
  return boolOf(strIndexOf(strPtr(s), strLen(s), strPtr(sub), strLen(sub)) >= 0);
}

/** The text a template-string hole prints: strings as is, others in OPA's
 *  value syntax (sets as `{…}`). */
export function mg_template_str(v: usize): usize {
  if (v == 0) return 0;
  if (typeOf(v) == T_STRING) return v;
  wPretty = true;
  let p = dumpValue(v, true);
  wPretty = false;
  return newStr(p, wLength());
}

/** Concatenation of an array of strings. */
export function mg_str_join(a: usize): usize {
  if (a == 0 || typeOf(a) != T_ARRAY) return 0;
  let n = arrLen(a);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let s = arrAt(a, i);
    if (!isStr(s)) return 0;
    total += strLen(s);
  }
  if (n == 1) return arrAt(a, 0);
  let buf = alloc(<usize>total);
  let k: usize = 0;
  for (let i = 0; i < n; i++) {
    let s = arrAt(a, i);
    memory.copy(buf + k, strPtr(s), strLen(s));
    k += strLen(s);
  }
  return newStr(buf, total);
}
