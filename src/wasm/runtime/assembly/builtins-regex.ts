// builtins-regex.ts — OPA's regex built-ins inside the module: regex.match
// (and Rego v0's re_match), regex.is_valid, regex.find_n,
// regex.find_all_string_submatch_n, regex.split, regex.replace and
// regex.template_match, on the RE2 engine of regex-parse.ts + regex-vm.ts.
// Match iteration, Split, ReplaceAllString and Expand follow Go's regexp
// package, which OPA calls. A pattern compiles once per evaluation: compiled
// programs are kept in the arena, keyed by the pattern text, and forgotten
// when the SDK resets the heap (regexForget, from opa_heap_ptr_set).
// An invalid pattern makes the call undefined; the message OPA would give
// (`regex.match: error parsing regexp: missing closing ]: `[``) is kept for
// strict builds, whose abort reads it (mg_builtin_abort).

import {
  T_STRING, T_NUMBER, typeOf, strLen, strPtr, newStr, newArr, arrPush, boolOf, alloc, opa_abort,
} from "./value";
import { numIsIntegral, numToI64, numOk } from "./number";
import { wBegin, wByte, wBytes, wLength, wStart, wAscii } from "./writer";
import { decodeAt, seqLen } from "./utf8";
import { parse, groupCount, names, errCode, errFrom, errLen } from "./regex-parse";
import { inTable } from "./regex-ranges";
import { compileProgram, prepare, search, matchCaps } from "./regex-vm";
import { keepBuiltinError, clearBuiltinError } from "./builtin-error";

// ---- the per-evaluation cache ----------------------------------------------------
// entry: next @0, pattern ptr @4, pattern len @8, program @12 (0: invalid),
// groups @16, names @20, message ptr @24, message len @28


const ENTRY: usize = 32;
const CACHE_MAX: i32 = 64;
let cache: usize = 0;
let cacheSize: i32 = 0;

/** Drops every compiled pattern: the arena they live in is being reset. */
export function regexForget(): void {
  cache = 0;
  cacheSize = 0;
  clearBuiltinError();
}

function compiled(p: usize, n: i32): usize {
  for (let e = cache; e != 0; e = load<usize>(e)) {
    if (load<i32>(e, 8) == n && memory.compare(load<usize>(e, 4), p, n) == 0) return e;
  }
  let e = alloc(ENTRY);
  // the key is copied: the pattern's own bytes may be a temporary string
  let key = alloc(<usize>n);
  memory.copy(key, p, n);
  store<usize>(e, key, 4);
  store<i32>(e, n, 8);
  let re = parse(p, n);
  let prog: usize = 0;
  if (re != 0) {
    prog = compileProgram(re, groupCount);
    if (prog == 0) {
      // Go: the whole pattern is quoted
      wBegin(64);
      wAscii("error parsing regexp: expression too large: `");
      wBytes(p, n);
      wByte(0x60);
      store<usize>(e, wStart(), 24);
      store<i32>(e, wLength(), 28);
    }
  } else {
    wBegin(64 + errLen);
    wAscii("error parsing regexp: ");
    wAscii(errCode);
    wAscii(": `");
    wBytes(errFrom, errLen);
    wByte(0x60);
    store<usize>(e, wStart(), 24);
    store<i32>(e, wLength(), 28);
  }
  store<usize>(e, prog, 12);
  store<i32>(e, groupCount, 16);
  store<usize>(e, names, 20);
  if (cacheSize >= CACHE_MAX) { cache = 0; cacheSize = 0; }
  store<usize>(e, cache);
  cache = e;
  cacheSize++;
  return e;
}

// ---- the error a strict build reports -----------------------------------------------


/** Records `builtin`'s error message for mg_builtin_abort (builtin-error.ts); the call then answers undefined. */
export function failWith(builtin: string, msg: usize, len: i32): usize {
  keepBuiltinError(builtin, msg, len);
  return 0;
}

/** The program for pattern value pv, or 0 after recording its syntax error. */
function programOf(builtin: string, pv: usize): usize {
  let e = compiled(strPtr(pv), strLen(pv));
  let prog = load<usize>(e, 12);
  if (prog == 0) failWith(builtin, load<usize>(e, 24), load<i32>(e, 28));
  return prog;
}


/** Each call starts with no message: only its own failure may leave one. */
export function begin(): void {
  clearBuiltinError();
}

// @ts-ignore: decorator
@inline function isStr(v: usize): bool { return v != 0 && typeOf(v) == T_STRING; }

// ---- match, is_valid -------------------------------------------------------------------

function match(builtin: string, pattern: usize, value: usize): usize {
  begin();
  if (!isStr(pattern) || !isStr(value)) return 0;
  let prog = programOf(builtin, pattern);
  if (prog == 0) return 0;
  prepare(prog, 0);
  return boolOf(search(strPtr(value), strLen(value), 0));
}

export function mg_regex_match(pattern: usize, value: usize): usize {
  return match("regex.match", pattern, value);
}

/** Rego v0's re_match (deprecated), the same function. */
export function mg_re_match(pattern: usize, value: usize): usize {
  return match("re_match", pattern, value);
}

export function mg_regex_is_valid(pattern: usize): usize {
  begin();
  if (!isStr(pattern)) return boolOf(false);
  return boolOf(load<usize>(compiled(strPtr(pattern), strLen(pattern)), 12) != 0);
}

// ---- Go's allMatches: find_n, find_all_string_submatch_n, split ----------------------

let mStart: i32 = 0;
let mEnd: i32 = 0;
let iterPos: i32 = 0;
let iterPrevEnd: i32 = -1;

function iterBegin(): void {
  iterPos = 0;
  iterPrevEnd = -1;
}

/** The next match to deliver (Go skips an empty match right after a match); false when none is left. */
function iterNext(s: usize, n: i32): bool {
  while (iterPos <= n) {
    if (!search(s, n, iterPos)) return false;
    mStart = load<i32>(matchCaps);
    mEnd = load<i32>(matchCaps, 4);
    let accept = true;
    if (mEnd == iterPos) {
      if (mStart == iterPrevEnd) accept = false;
      iterPos += iterPos < n ? seqLen(load<u8>(s + <usize>iterPos)) : 1;
    } else iterPos = mEnd;
    iterPrevEnd = mEnd;
    if (accept) return true;
  }
  return false;
}

/** An integer operand as a match limit (negative: all); intOk false for anything else. */
let intOk = false;
function limitOf(v: usize): i64 {
  intOk = false;
  if (v == 0 || typeOf(v) != T_NUMBER || !numIsIntegral(v)) return 0;
  let x = numToI64(v);
  if (!numOk) return 0;
  intOk = true;
  return x;
}

function substr(s: usize, a: i32, b: i32): usize {
  return a < 0 ? newStr(s, 0) : newStr(s + <usize>a, b - a);
}

export function mg_regex_find_n(pattern: usize, value: usize, number: usize): usize {
  begin();
  if (!isStr(pattern) || !isStr(value)) return 0;
  let limit = limitOf(number);
  if (!intOk) return 0;
  let prog = programOf("regex.find_n", pattern);
  if (prog == 0) return 0;
  let out = newArr(0);
  if (limit == 0) return out;
  let s = strPtr(value), n = strLen(value);
  prepare(prog, 2);
  iterBegin();
  let count: i64 = 0;
  while ((limit < 0 || count < limit) && iterNext(s, n)) {
    arrPush(out, newStr(s + <usize>mStart, mEnd - mStart));
    count++;
  }
  return out;
}

export function mg_regex_find_all_string_submatch_n(pattern: usize, value: usize, number: usize): usize {
  begin();
  if (!isStr(pattern) || !isStr(value)) return 0;
  let limit = limitOf(number);
  if (!intOk) return 0;
  let prog = programOf("regex.find_all_string_submatch_n", pattern);
  if (prog == 0) return 0;
  let out = newArr(0);
  if (limit == 0) return out;
  let s = strPtr(value), n = strLen(value);
  let slots = load<i32>(prog, 8);
  prepare(prog, slots);
  iterBegin();
  let count: i64 = 0;
  while ((limit < 0 || count < limit) && iterNext(s, n)) {
    let groups = newArr(slots >> 1);
    for (let g = 0; g < slots; g += 2) {
      let a = load<i32>(matchCaps + (<usize>g << 2));
      let b = load<i32>(matchCaps + (<usize>(g + 1) << 2));
      arrPush(groups, a < 0 || b < 0 ? newStr(s, 0) : substr(s, a, b));
    }
    arrPush(out, groups);
    count++;
  }
  return out;
}

/** regex.split(pattern, value): Go's Regexp.Split(value, -1). */
export function mg_regex_split(pattern: usize, value: usize): usize {
  begin();
  if (!isStr(pattern) || !isStr(value)) return 0;
  let prog = programOf("regex.split", pattern);
  if (prog == 0) return 0;
  let s = strPtr(value), n = strLen(value);
  let out = newArr(0);
  if (strLen(pattern) > 0 && n == 0) {
    arrPush(out, newStr(s, 0));
    return out;
  }
  prepare(prog, 2);
  iterBegin();
  let beg = 0, end = 0;
  while (iterNext(s, n)) {
    end = mStart;
    if (mEnd != 0) arrPush(out, newStr(s + <usize>beg, end - beg));
    beg = mEnd;
  }
  if (end != n) arrPush(out, newStr(s + <usize>beg, n - beg));
  return out;
}

// ---- replace --------------------------------------------------------------------------

/** Go's unicode.IsLetter || unicode.IsDigit || '_': the characters of a $name. */
function nameRune(c: u32): bool {
  if (c < 0x80) return c == 0x5f || (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
  return inTable(LETTER, 1, c) || inTable(DIGIT_ND, 2, c);
}

const LETTER = memory.data<u8>([0x4c]);
const DIGIT_ND = memory.data<u8>([0x4e, 0x64]);

/** Go's Regexp.Expand of template t (tn bytes) for the match in matchCaps over s. */
function expand(t: usize, tn: i32, s: usize, slots: i32, groups: i32, gnames: usize): void {
  let i = 0;
  while (i < tn) {
    let c = <u32>load<u8>(t + <usize>i);
    if (c != 0x24) { wByte(c); i++; continue; }
    i++;
    if (i < tn && load<u8>(t + <usize>i) == 0x24) { wByte(0x24); i++; continue; }
    // extract: ${name} or $name, a name of letters, digits and _
    let j = i;
    let brace = j < tn && load<u8>(t + <usize>j) == 0x7b;
    if (brace) j++;
    let nameAt = j;
    while (j < tn) {
      let r = decodeAt(t + <usize>j);
      if (!nameRune(r)) break;
      j += seqLen(load<u8>(t + <usize>j));
    }
    let nameLen = j - nameAt;
    let ok = nameLen > 0;
    if (ok && brace) {
      if (j >= tn || load<u8>(t + <usize>j) != 0x7d) ok = false;
      else j++;
    }
    if (!ok) { wByte(0x24); continue; } // malformed: the $ is text
    i = j;
    // a number (no leading zeros, below 1e8) names a group by index
    let num = 0;
    for (let k = 0; k < nameLen; k++) {
      let d = <i32>load<u8>(t + <usize>(nameAt + k)) - 0x30;
      if (d < 0 || d > 9 || num >= 100000000) { num = -1; break; }
      num = num * 10 + d;
    }
    if (nameLen > 1 && load<u8>(t + <usize>nameAt) == 0x30) num = -1;
    let g = -1;
    if (num >= 0) g = num;
    else {
      for (let k = 1; k <= groups; k++) {
        let gl = load<i32>(gnames + (<usize>k << 3), 4);
        if (gl == nameLen && memory.compare(load<usize>(gnames + (<usize>k << 3)), t + <usize>nameAt, gl) == 0) { g = k; break; }
      }
    }
    if (g >= 0 && (g << 1) + 1 < slots) {
      let a = load<i32>(matchCaps + (<usize>(g << 1) << 2));
      let b = load<i32>(matchCaps + (<usize>((g << 1) + 1) << 2));
      if (a >= 0 && b >= 0) wBytes(s + <usize>a, b - a);
    }
  }
}

/** regex.replace(value, pattern, replacement): Go's Regexp.ReplaceAllString. */
export function mg_regex_replace(value: usize, pattern: usize, repl: usize): usize {
  begin();
  if (!isStr(value) || !isStr(pattern) || !isStr(repl)) return 0;
  let e = compiled(strPtr(pattern), strLen(pattern));
  let prog = load<usize>(e, 12);
  if (prog == 0) return failWith("regex.replace", load<usize>(e, 24), load<i32>(e, 28));
  let s = strPtr(value), n = strLen(value);
  let t = strPtr(repl), tn = strLen(repl);
  let slots = load<i32>(prog, 8);
  prepare(prog, slots);
  wBegin(n + tn);
  let lastEnd = 0, pos = 0;
  while (pos <= n) {
    if (!search(s, n, pos)) break;
    let a = load<i32>(matchCaps), b = load<i32>(matchCaps, 4);
    wBytes(s + <usize>lastEnd, a - lastEnd);
    // no replacement for an empty match right after a match
    if (b > lastEnd || a == 0) expand(t, tn, s, slots, load<i32>(e, 16), load<usize>(e, 20));
    lastEnd = b;
    let w = pos < n ? seqLen(load<u8>(s + <usize>pos)) : 1;
    if (pos + w > b) pos += w;
    else if (pos + 1 > b) pos++;
    else pos = b;
  }
  wBytes(s + <usize>lastEnd, n - lastEnd);
  return newStr(wStart(), wLength());
}

// ---- template_match ----------------------------------------------------------------------

/** Appends s with Go's regexp.QuoteMeta: a backslash before each of \.+*?()|[]{}^$. */
function quoteMeta(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + <usize>i);
    if (c == 0x5c || c == 0x2e || c == 0x2b || c == 0x2a || c == 0x3f || c == 0x28 || c == 0x29 || c == 0x7c ||
        c == 0x5b || c == 0x5d || c == 0x7b || c == 0x7d || c == 0x5e || c == 0x24) wByte(0x5c);
    wByte(c);
  }
}

/** Appends s as a JSON string literal (the host's message quotes the template so). */
export function quoteJSON(p: usize, n: i32): void {
  wByte(0x22);
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + <usize>i);
    if (c == 0x22 || c == 0x5c) { wByte(0x5c); wByte(c); }
    else if (c == 0x0a) wAscii("\\n");
    else if (c == 0x0d) wAscii("\\r");
    else if (c == 0x09) wAscii("\\t");
    else if (c == 0x08) wAscii("\\b");
    else if (c == 0x0c) wAscii("\\f");
    else if (c < 0x20) {
      wAscii("\\u00");
      wByte(c < 0x10 ? 0x30 : 0x31);
      let d = c & 15;
      wByte(d < 10 ? 0x30 + d : 0x61 + d - 10);
    } else wByte(c);
  }
  wByte(0x22);
}

/** The first code point of a delimiter string (none: 0xffffffff, which no character equals). */
function delimiter(v: usize): u32 {
  return strLen(v) > 0 ? decodeAt(strPtr(v)) : 0xffffffff;
}

/** regex.template_match(template, value, start delimiter, end delimiter): text outside the delimiters literal, inside a regex. */
export function mg_regex_template_match(tpl: usize, value: usize, open: usize, close: usize): usize {
  begin();
  if (!isStr(tpl) || !isStr(value) || !isStr(open) || !isStr(close)) return 0;
  let t = strPtr(tpl), tn = strLen(tpl);
  let o = delimiter(open), c = delimiter(close);
  // the spans [start, end) of the delimited parts, as byte offsets
  let spans = alloc(<usize>(tn + 1) << 3);
  let ns = 0;
  let level = 0, idx = 0;
  let i = 0;
  let balanced = true;
  while (i < tn) {
    let r = decodeAt(t + <usize>i);
    let w = seqLen(load<u8>(t + <usize>i));
    if (r == o) {
      if (++level == 1) idx = i;
    } else if (r == c) {
      if (--level == 0) {
        store<i32>(spans + (<usize>ns << 3), idx);
        store<i32>(spans + (<usize>ns << 3), i + w, 4);
        ns++;
      } else if (level < 0) { balanced = false; break; }
    }
    i += w;
  }
  if (!balanced || level != 0) {
    wBegin(tn + 32);
    wAscii("unbalanced braces in ");
    quoteJSON(t, tn);
    let msg = wStart(), len = wLength();
    return failWith("regex.template_match", msg, len);
  }
  let ow = strLen(open) > 0 ? seqLen(load<u8>(strPtr(open))) : 0;
  let cw = strLen(close) > 0 ? seqLen(load<u8>(strPtr(close))) : 0;
  // each delimited part must be a valid regex on its own
  for (let k = 0; k < ns; k++) {
    let a = load<i32>(spans + (<usize>k << 3)) + ow, b = load<i32>(spans + (<usize>k << 3), 4) - cw;
    wBegin(b - a + 2);
    wByte(0x5e);
    wBytes(t + <usize>a, b - a);
    wByte(0x24);
    let p = wStart(), pl = wLength();
    let e = compiled(p, pl);
    if (load<usize>(e, 12) == 0) return failWith("regex.template_match", load<usize>(e, 24), load<i32>(e, 28));
  }
  wBegin(tn * 2 + 2);
  wByte(0x5e);
  let end = 0;
  for (let k = 0; k < ns; k++) {
    let a = load<i32>(spans + (<usize>k << 3)), b = load<i32>(spans + (<usize>k << 3), 4);
    quoteMeta(t + <usize>end, a - end);
    wByte(0x28);
    wBytes(t + <usize>(a + ow), b - cw - a - ow);
    wByte(0x29);
    end = b;
  }
  quoteMeta(t + <usize>end, tn - end);
  wByte(0x24);
  let p = wStart(), pl = wLength();
  let e = compiled(p, pl);
  let prog = load<usize>(e, 12);
  if (prog == 0) return failWith("regex.template_match", load<usize>(e, 24), load<i32>(e, 28));
  prepare(prog, 0);
  return boolOf(search(strPtr(value), strLen(value), 0));
}
