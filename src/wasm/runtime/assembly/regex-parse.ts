// regex-parse.ts — the parser of the in-module regex engine: RE2 syntax as
// Go's regexp/syntax reads it under regexp.Compile's flags (Perl classes,
// non-greedy forms, (?flags), Unicode groups; `.` stops at \n, ^ and $ at
// the text's ends unless (?s) / (?m)). A pattern (UTF-8) becomes a tree of
// nodes in the arena that regex-vm.ts compiles to a Pike VM program. Syntax
// errors carry Go's error codes and the fragment Go quotes, so a message
// reads as OPA's: error parsing regexp: missing closing ]: `[a`.
// Case folding (?i) and negation are resolved here (on regex-ranges.ts):
// a class node holds the final sorted ranges; a folded literal becomes the
// class of its orbit.

import { alloc } from "./value";
import { decodeAt, seqLen } from "./utf8";
import {
  rbPtr, rbLen, rbBegin, rbClean, rbNegate, addFolded, addRange as addRangeFolded, addGroup as addGroupFolded, foldNext,
  tblPtr, tableRanges, tableIndex, DIGIT, SPACE, WORD,
} from "./regex-ranges";

// ---- nodes --------------------------------------------------------------------
// 24 bytes: op u8 @0, flags u8 @1, a i32 @4, b i32 @8, p usize @12, n i32 @16.

export const N_EMPTY: u8 = 1;   // matches the empty string
export const N_NOMATCH: u8 = 2; // matches nothing
export const N_LIT: u8 = 3;     // a: code point
export const N_CLASS: u8 = 4;   // p: (lo, hi) u32 pairs, n: count
export const N_ANY: u8 = 5;     // any code point
export const N_ANYNL: u8 = 6;   // any but \n
export const N_ASSERT: u8 = 7;  // a: E_* condition
export const N_CAP: u8 = 8;     // a: group index, p: sub
export const N_STAR: u8 = 9;    // p: sub
export const N_PLUS: u8 = 10;
export const N_QUEST: u8 = 11;
export const N_REPEAT: u8 = 12; // a: min, b: max (-1: none), p: sub
export const N_CONCAT: u8 = 13; // p: node pointers, n: count
export const N_ALT: u8 = 14;

export const F_LAZY: u8 = 1;

export const E_BEGIN_LINE: i32 = 1;
export const E_END_LINE: i32 = 2;
export const E_BEGIN_TEXT: i32 = 4;
export const E_END_TEXT: i32 = 8;
export const E_WORD: i32 = 16;
export const E_NOT_WORD: i32 = 32;

const NODE: usize = 24;

function node(op: u8, a: i32, b: i32, p: usize, n: i32): usize {
  let x = alloc(NODE);
  store<u8>(x, op);
  store<u8>(x, 0, 1);
  store<i32>(x, a, 4);
  store<i32>(x, b, 8);
  store<usize>(x, p, 12);
  store<i32>(x, n, 16);
  return x;
}

// ---- parser state (one parse at a time; reset by parse()) ---------------------

// flags in force
const FOLD_CASE: i32 = 1;
const DOT_NL: i32 = 2;
const MULTI_LINE: i32 = 4;
const NON_GREEDY: i32 = 8;

let pp: usize = 0; // pattern bytes
let pn: i32 = 0;
let pi: i32 = 0;
let flags: i32 = 0;
/** Groups so far; group i's name is at names + 8*i (ptr, len; len 0: unnamed). */
export let groupCount: i32 = 0;
export let names: usize = 0;
let namesCap: i32 = 0;

// The error, if any: Go's code text and the quoted fragment of the pattern.
export let errCode: string = "";
export let errFrom: usize = 0;
export let errLen: i32 = 0;

function fail(code: string, from: i32, to: i32): usize {
  if (errCode.length == 0) {
    errCode = code;
    errFrom = pp + <usize>from;
    errLen = to - from;
  }
  return 0;
}

function failWhole(code: string): usize {
  return fail(code, 0, pn);
}

// @ts-ignore: decorator
@inline function more(): bool { return pi < pn; }
// @ts-ignore: decorator
@inline function byteAt(i: i32): u32 { return <u32>load<u8>(pp + <usize>i); }

function peek(): u32 { return decodeAt(pp + <usize>pi); }

function next(): u32 {
  let c = decodeAt(pp + <usize>pi);
  pi += seqLen(byteAt(pi));
  return c;
}

function lookingAt2(a: u32, b: u32): bool {
  return pi + 1 < pn && byteAt(pi) == a && byteAt(pi + 1) == b;
}

// ---- named groups: Perl, POSIX, Unicode ----------------------------------------------

function addRange(lo: u32, hi: u32): void {
  addRangeFolded(lo, hi, (flags & FOLD_CASE) != 0);
}

function addGroup(p: usize, n: i32, negate: bool): void {
  addGroupFolded(p, n, negate, (flags & FOLD_CASE) != 0);
}

/** \d \D \s \S \w \W at pi: adds the group and returns true. */
function perlClass(): bool {
  if (pi + 1 >= pn || byteAt(pi) != 0x5c) return false;
  let c = byteAt(pi + 1);
  let neg = c == 0x44 || c == 0x53 || c == 0x57;
  let l = c | 0x20;
  if (l == 0x64) addGroup(DIGIT, 1, neg);
  else if (l == 0x73) addGroup(SPACE, 3, neg);
  else if (l == 0x77) addGroup(WORD, 4, neg);
  else return false;
  pi += 2;
  return true;
}

const POSIX = memory.data<u8>([
  // name length, name, range count, ranges (lo, hi) as bytes
  5, 0x61, 0x6c, 0x6e, 0x75, 0x6d, 3, 0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a, // alnum
  5, 0x61, 0x6c, 0x70, 0x68, 0x61, 2, 0x41, 0x5a, 0x61, 0x7a, // alpha
  5, 0x61, 0x73, 0x63, 0x69, 0x69, 1, 0x00, 0x7f, // ascii
  5, 0x62, 0x6c, 0x61, 0x6e, 0x6b, 2, 0x09, 0x09, 0x20, 0x20, // blank
  5, 0x63, 0x6e, 0x74, 0x72, 0x6c, 2, 0x00, 0x1f, 0x7f, 0x7f, // cntrl
  5, 0x64, 0x69, 0x67, 0x69, 0x74, 1, 0x30, 0x39, // digit
  5, 0x67, 0x72, 0x61, 0x70, 0x68, 1, 0x21, 0x7e, // graph
  5, 0x6c, 0x6f, 0x77, 0x65, 0x72, 1, 0x61, 0x7a, // lower
  5, 0x70, 0x72, 0x69, 0x6e, 0x74, 1, 0x20, 0x7e, // print
  5, 0x70, 0x75, 0x6e, 0x63, 0x74, 4, 0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e, // punct
  5, 0x73, 0x70, 0x61, 0x63, 0x65, 2, 0x09, 0x0d, 0x20, 0x20, // space
  5, 0x75, 0x70, 0x70, 0x65, 0x72, 1, 0x41, 0x5a, // upper
  4, 0x77, 0x6f, 0x72, 0x64, 4, 0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a, // word
  6, 0x78, 0x64, 0x69, 0x67, 0x69, 0x74, 3, 0x30, 0x39, 0x41, 0x46, 0x61, 0x66, // xdigit
  0,
]);

/** [:name:] or [:^name:] at pi (inside a class): adds it; false when pi holds no `[:…:]`; an error for an unknown name. */
function posixClass(): bool {
  if (pi + 2 >= pn || byteAt(pi) != 0x5b || byteAt(pi + 1) != 0x3a) return false;
  let end = -1;
  for (let i = pi + 2; i + 1 < pn; i++) if (byteAt(i) == 0x3a && byteAt(i + 1) == 0x5d) { end = i; break; }
  if (end < 0) return false;
  let start = pi;
  let nameAt = pi + 2;
  let neg = byteAt(nameAt) == 0x5e;
  if (neg) nameAt++;
  let nameLen = end - nameAt;
  pi = end + 2;
  let q = POSIX;
  while (load<u8>(q) != 0) {
    let l = <i32>load<u8>(q);
    let count = <i32>load<u8>(q + 1 + l);
    if (l == nameLen && memory.compare(q + 1, pp + <usize>nameAt, l) == 0) {
      let rs = alloc(<usize>count << 3);
      for (let i = 0; i < count; i++) {
        store<u32>(rs + (<usize>i << 3), load<u8>(q + 2 + l + (i << 1)));
        store<u32>(rs + (<usize>i << 3), load<u8>(q + 3 + l + (i << 1)), 4);
      }
      addGroup(rs, count, neg);
      return true;
    }
    q += 2 + l + (count << 1);
  }
  fail("invalid character class range", start, pi);
  return true;
}

function nameIs(p: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  for (let i = 0; i < n; i++) if (<u32>load<u8>(p + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

/** \pX, \p{Name}, \p{^Name}, \PX … at pi: adds the group and returns true; an error for a bad name. */
function unicodeClass(): bool {
  if (pi + 1 >= pn || byteAt(pi) != 0x5c || (byteAt(pi + 1) | 0x20) != 0x70) return false;
  let start = pi;
  let neg = byteAt(pi + 1) == 0x50;
  pi += 2;
  if (!more()) { fail("invalid character class range", start, pn); return true; }
  let nameAt = pi, nameLen = 0;
  if (byteAt(pi) != 0x7b) {
    next();
    nameLen = pi - nameAt;
  } else {
    let end = -1;
    for (let i = pi; i < pn; i++) if (byteAt(i) == 0x7d) { end = i; break; }
    if (end < 0) { fail("invalid character class range", start, pn); return true; }
    nameAt = pi + 1;
    nameLen = end - nameAt;
    pi = end + 1;
  }
  if (nameLen > 0 && byteAt(nameAt) == 0x5e) { neg = !neg; nameAt++; nameLen--; }
  let name = pp + <usize>nameAt;
  let n = 0;
  if (nameIs(name, nameLen, "Any")) {
    tblPtr = alloc(8); store<u32>(tblPtr, 0); store<u32>(tblPtr, 0x10ffff, 4); n = 1;
  } else if (nameIs(name, nameLen, "Ascii")) {
    tblPtr = alloc(8); store<u32>(tblPtr, 0); store<u32>(tblPtr, 0x7f, 4); n = 1;
  } else if (nameIs(name, nameLen, "Assigned")) {
    n = tableRanges(tableIndex(changetype<usize>(CN_NAME), 2));
    neg = !neg;
  } else {
    let k = nameIs(name, nameLen, "Lc") ? tableIndex(changetype<usize>(LC_NAME), 2) : tableIndex(name, nameLen);
    if (k < 0) { fail("invalid character class range", start, pi); return true; }
    n = tableRanges(k);
  }
  addGroup(tblPtr, n, neg);
  return true;
}

const CN_NAME = memory.data<u8>([0x43, 0x6e]);
const LC_NAME = memory.data<u8>([0x4c, 0x43]);

// ---- escapes ---------------------------------------------------------------------

function unhex(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30;
  if (c >= 0x61 && c <= 0x66) return <i32>c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return <i32>c - 0x41 + 10;
  return -1;
}

function isAlnum(c: u32): bool {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
}

/** The escape at pi (a backslash), as Go's parseEscape reads it: a code point, or -1 after an error. */
function escape(): i64 {
  let start = pi;
  pi++;
  if (!more()) { fail("trailing backslash at end of expression", 0, 0); return -1; }
  let c = next();
  if (c < 0x80 && !isAlnum(c)) return c;
  if (c >= 0x31 && c <= 0x37 && !(more() && byteAt(pi) >= 0x30 && byteAt(pi) <= 0x37)) {
    // a lone digit would be a backreference: unsupported
  } else if (c >= 0x30 && c <= 0x37) {
    let r = c - 0x30;
    for (let i = 1; i < 3; i++) {
      if (!more() || byteAt(pi) < 0x30 || byteAt(pi) > 0x37) break;
      r = r * 8 + byteAt(pi) - 0x30;
      pi++;
    }
    return r;
  } else if (c == 0x78) {
    if (more()) {
      let d = next();
      if (d == 0x7b) {
        let nhex = 0;
        let r: i64 = 0;
        let ok = false;
        while (more()) {
          let e = next();
          if (e == 0x7d) { ok = nhex > 0; break; }
          let v = unhex(e);
          if (v < 0) break;
          r = r * 16 + v;
          if (r > 0x10ffff) break;
          nhex++;
        }
        if (ok) return r;
      } else if (more()) {
        let x = unhex(d);
        let y = unhex(next());
        if (x >= 0 && y >= 0) return x * 16 + y;
      }
    }
  } else if (c == 0x61) return 7;
  else if (c == 0x66) return 12;
  else if (c == 0x6e) return 10;
  else if (c == 0x72) return 13;
  else if (c == 0x74) return 9;
  else if (c == 0x76) return 11;
  fail("invalid escape sequence", start, pi);
  return -1;
}

// ---- classes ----------------------------------------------------------------------

/** One class character (an escape or a code point), or -1 after an error. */
function classChar(whole: i32): i64 {
  if (!more()) { fail("missing closing ]", whole, pn); return -1; }
  if (byteAt(pi) == 0x5c) return escape();
  return next();
}

/** [...] at pi. */
function parseClass(): usize {
  let whole = pi;
  pi++;
  let neg = false;
  if (more() && byteAt(pi) == 0x5e) { neg = true; pi++; }
  rbBegin();
  let first = true;
  while (!more() || byteAt(pi) != 0x5d || first) {
    first = false;
    if (!more()) return fail("missing closing ]", whole, pn);
    let before = pi;
    if (posixClass()) { if (errCode.length) return 0; continue; }
    if (unicodeClass()) { if (errCode.length) return 0; continue; }
    if (perlClass()) continue;
    let lo = classChar(whole);
    if (lo < 0) return 0;
    let hi = lo;
    if (pi + 1 < pn && byteAt(pi) == 0x2d && byteAt(pi + 1) != 0x5d) {
      pi++;
      hi = classChar(whole);
      if (hi < 0) return 0;
      if (hi < lo) return fail("invalid character class range", before, pi);
    }
    addRange(<u32>lo, <u32>hi);
  }
  pi++;
  rbClean();
  if (neg) rbNegate();
  return classNode();
}

function classNode(): usize {
  if (rbLen == 0) return node(N_NOMATCH, 0, 0, 0, 0);
  return node(N_CLASS, 0, 0, rbPtr, rbLen);
}

function literal(c: u32): usize {
  if ((flags & FOLD_CASE) != 0 && foldNext(c) != c) {
    rbBegin();
    addFolded(c, c);
    rbClean();
    return classNode();
  }
  return node(N_LIT, <i32>c, 0, 0, 0);
}

// ---- the grammar ----------------------------------------------------------------------

// A growable list of node pointers per concatenation / alternation.
function listPush(list: usize, n: i32, cap: i32, x: usize): usize {
  if (n == cap) {
    let np = alloc(<usize>(cap << 1) << 2);
    memory.copy(np, list, <usize>n << 2);
    list = np;
  }
  store<usize>(list + (<usize>n << 2), x);
  return list;
}

const MAX_DEPTH: i32 = 1000;
let depth: i32 = 0;

/** A decimal repeat count at pi (no leading zeros); -1 when none, -2 when too long. */
function repeatInt(): i32 {
  let start = pi;
  while (more() && byteAt(pi) >= 0x30 && byteAt(pi) <= 0x39) pi++;
  let n = pi - start;
  if (n == 0 || (n > 1 && byteAt(start) == 0x30)) return -1;
  if (n > 8) return -2;
  let v = 0;
  for (let i = start; i < pi; i++) v = v * 10 + <i32>byteAt(i) - 0x30;
  return v;
}

let repMin: i32 = 0;
let repMax: i32 = 0;

/** {n}, {n,}, {n,m} at pi: true and the counts (pi past it); false (pi unchanged) when it is a literal `{`. */
function repeatBraces(): bool {
  let start = pi;
  pi++;
  let lo = repeatInt();
  if (lo == -1 || !more()) { pi = start; return false; }
  let hi = lo;
  if (byteAt(pi) == 0x2c) {
    pi++;
    if (!more()) { pi = start; return false; }
    if (byteAt(pi) == 0x7d) hi = -1;
    else {
      hi = repeatInt();
      if (hi == -1) { pi = start; return false; }
    }
  }
  if (!more() || byteAt(pi) != 0x7d) { pi = start; return false; }
  pi++;
  if (lo < 0 || lo > 1000 || hi == -2 || hi > 1000 || (hi >= 0 && lo > hi)) {
    fail("invalid repeat count", start, pi);
    return true;
  }
  repMin = lo;
  repMax = hi;
  return true;
}

/** Go's repeatIsValid: nested counts multiply to at most n. */
function repeatValid(x: usize, n: i32): bool {
  let op = load<u8>(x);
  if (op == N_REPEAT) {
    let m = load<i32>(x, 8);
    if (m == 0) return true;
    if (m < 0) m = load<i32>(x, 4);
    if (m > n) return false;
    if (m > 0) n = n / m;
  }
  if (op == N_CAP || op == N_STAR || op == N_PLUS || op == N_QUEST || op == N_REPEAT) return repeatValid(load<usize>(x, 12), n);
  if (op == N_CONCAT || op == N_ALT) {
    let k = load<i32>(x, 16);
    for (let i = 0; i < k; i++) if (!repeatValid(load<usize>(load<usize>(x, 12) + (<usize>i << 2)), n)) return false;
  }
  return true;
}

/** An alternation up to `)` or the end; `group` says whether a `)` closes it. */
function parseAlt(inGroup: bool): usize {
  if (++depth > MAX_DEPTH) return fail("expression nests too deeply", 0, pn);
  let alts = alloc(4 << 2), na = 0, acap = 4;
  while (true) {
    let items = alloc(8 << 2), ni = 0, icap = 8;
    let lastRepeat = -1;
    while (more()) {
      let c = byteAt(pi);
      if (c == 0x7c || c == 0x29) break;
      let repeatAt = -1;
      let item: usize = 0;
      if (c == 0x2a || c == 0x2b || c == 0x3f || c == 0x7b) {
        let before = pi;
        let op: u8 = 0;
        if (c == 0x7b) {
          if (!repeatBraces()) {
            pi++;
            item = literal(0x7b);
          } else {
            if (errCode.length) return 0;
            op = N_REPEAT;
          }
        } else {
          pi++;
          op = c == 0x2a ? N_STAR : c == 0x2b ? N_PLUS : N_QUEST;
        }
        if (op != 0) {
          repeatAt = before;
          let f = flags;
          if (more() && byteAt(pi) == 0x3f) { pi++; f ^= NON_GREEDY; }
          if (lastRepeat >= 0) return fail("invalid nested repetition operator", lastRepeat, pi);
          if (ni == 0) return fail("missing argument to repetition operator", before, pi);
          let sub = load<usize>(items + (<usize>(ni - 1) << 2));
          let re = node(op, op == N_REPEAT ? repMin : 0, op == N_REPEAT ? repMax : 0, sub, 0);
          if ((f & NON_GREEDY) != 0) store<u8>(re, F_LAZY, 1);
          if (op == N_REPEAT && (repMin >= 2 || repMax >= 2) && !repeatValid(re, 1000)) return fail("invalid repeat count", before, pi);
          store<usize>(items + (<usize>(ni - 1) << 2), re);
        }
      } else if (c == 0x28) {
        let start = pi;
        if (lookingAt2(0x28, 0x3f)) {
          // (?P<name>…), (?<name>…), (?flags), (?flags:…)
          let q = pi + 2;
          let named = (q < pn && byteAt(q) == 0x50 && q + 1 < pn && byteAt(q + 1) == 0x3c) || (q < pn && byteAt(q) == 0x3c);
          if (named) {
            let begin = byteAt(q) == 0x50 ? q + 2 : q + 1;
            let end = -1;
            for (let i = begin; i < pn; i++) if (byteAt(i) == 0x3e) { end = i; break; }
            if (end < 0) return fail("invalid named capture", start, pn);
            let okName = end > begin;
            for (let i = begin; i < end; i++) {
              let b = byteAt(i);
              if (!(b == 0x5f || isAlnum(b))) okName = false;
            }
            if (!okName) return fail("invalid named capture", start, end + 1);
            for (let g = 1; g <= groupCount; g++) {
              let gl = load<i32>(names + (<usize>g << 3), 4);
              if (gl == end - begin && memory.compare(load<usize>(names + (<usize>g << 3)), pp + <usize>begin, gl) == 0) {
                return fail("duplicate capture group name", begin, end);
              }
            }
            pi = end + 1;
            item = group(pp + <usize>begin, end - begin);
            if (item == 0) return 0;
          } else {
            pi += 2;
            let f = flags;
            let sign = 1;
            let saw = false;
            let done = false;
            while (more()) {
              let d = next();
              if (d == 0x69) { f = sign > 0 ? f | FOLD_CASE : f & ~FOLD_CASE; saw = true; }
              else if (d == 0x6d) { f = sign > 0 ? f | MULTI_LINE : f & ~MULTI_LINE; saw = true; }
              else if (d == 0x73) { f = sign > 0 ? f | DOT_NL : f & ~DOT_NL; saw = true; }
              else if (d == 0x55) { f = sign > 0 ? f | NON_GREEDY : f & ~NON_GREEDY; saw = true; }
              else if (d == 0x2d) {
                if (sign < 0) break;
                sign = -1;
                saw = false;
              } else if (d == 0x3a || d == 0x29) {
                if (sign < 0 && !saw) break;
                if (d == 0x29) { flags = f; done = true; break; }
                // (?flags:…): a non-capturing group with its own flags
                let saved = flags;
                flags = f;
                let sub = parseAlt(true);
                flags = saved;
                if (sub == 0) return 0;
                item = sub;
                done = true;
                break;
              } else break;
            }
            if (!done) return fail("invalid or unsupported Perl syntax", start, pi);
            if (item == 0) { lastRepeat = -1; continue; } // flags only: nothing to concatenate
          }
        } else {
          pi++;
          item = group(0, 0);
          if (item == 0) return 0;
        }
      } else if (c == 0x5b) {
        item = parseClass();
        if (item == 0) return 0;
      } else if (c == 0x5e) {
        pi++;
        item = node(N_ASSERT, (flags & MULTI_LINE) != 0 ? E_BEGIN_LINE : E_BEGIN_TEXT, 0, 0, 0);
      } else if (c == 0x24) {
        pi++;
        item = node(N_ASSERT, (flags & MULTI_LINE) != 0 ? E_END_LINE : E_END_TEXT, 0, 0, 0);
      } else if (c == 0x2e) {
        pi++;
        item = node((flags & DOT_NL) != 0 ? N_ANY : N_ANYNL, 0, 0, 0, 0);
      } else if (c == 0x5c) {
        let d = pi + 1 < pn ? byteAt(pi + 1) : 0;
        if (d == 0x41) { pi += 2; item = node(N_ASSERT, E_BEGIN_TEXT, 0, 0, 0); }
        else if (d == 0x7a) { pi += 2; item = node(N_ASSERT, E_END_TEXT, 0, 0, 0); }
        else if (d == 0x62) { pi += 2; item = node(N_ASSERT, E_WORD, 0, 0, 0); }
        else if (d == 0x42) { pi += 2; item = node(N_ASSERT, E_NOT_WORD, 0, 0, 0); }
        else if (d == 0x43) return fail("invalid escape sequence", pi, pi + 2);
        else if (d == 0x51) {
          // \Q…\E: literal text
          pi += 2;
          let end = pn, resume = pn;
          for (let i = pi; i + 1 < pn; i++) if (byteAt(i) == 0x5c && byteAt(i + 1) == 0x45) { end = i; resume = i + 2; break; }
          while (pi < end) {
            items = listPush(items, ni, icap, literal(next()));
            if (ni == icap) icap <<= 1;
            ni++;
          }
          pi = resume;
          lastRepeat = -1;
          continue;
        } else {
          rbBegin();
          if (unicodeClass()) {
            if (errCode.length) return 0;
            rbClean();
            item = classNode();
          } else if (perlClass()) {
            rbClean();
            item = classNode();
          } else {
            let r = escape();
            if (r < 0) return 0;
            item = literal(<u32>r);
          }
        }
      } else {
        item = literal(next());
      }
      if (item != 0) {
        items = listPush(items, ni, icap, item);
        if (ni == icap) icap <<= 1;
        ni++;
      }
      lastRepeat = repeatAt;
    }
    let cat = ni == 0 ? node(N_EMPTY, 0, 0, 0, 0) : ni == 1 ? load<usize>(items) : node(N_CONCAT, 0, 0, items, ni);
    alts = listPush(alts, na, acap, cat);
    if (na == acap) acap <<= 1;
    na++;
    if (more() && byteAt(pi) == 0x7c) { pi++; continue; }
    break;
  }
  if (more()) {
    // at a `)`
    if (!inGroup) return failWhole("unexpected )");
    pi++;
  } else if (inGroup) return failWhole("missing closing )");
  depth--;
  return na == 1 ? load<usize>(alts) : node(N_ALT, 0, 0, alts, na);
}

/** A capturing group's body (pi past its opening); the flags it sets end with it. */
function group(name: usize, nameLen: i32): usize {
  let k = ++groupCount;
  if (k >= namesCap) {
    let ncap = namesCap << 1;
    let np = alloc(<usize>ncap << 3);
    memory.copy(np, names, <usize>namesCap << 3);
    names = np;
    namesCap = ncap;
  }
  store<usize>(names + (<usize>k << 3), name);
  store<i32>(names + (<usize>k << 3), nameLen, 4);
  let saved = flags;
  let sub = parseAlt(true);
  flags = saved;
  if (sub == 0) return 0;
  return node(N_CAP, k, 0, sub, 0);
}

/** Parses n bytes at p; the tree, or 0 with errCode / errFrom / errLen set. */
export function parse(p: usize, n: i32): usize {
  pp = p; pn = n; pi = 0;
  flags = 0;
  depth = 0;
  groupCount = 0;
  namesCap = 8;
  names = alloc(<usize>namesCap << 3);
  store<usize>(names, 0);
  store<i32>(names, 0, 4);
  errCode = "";
  errFrom = 0;
  errLen = 0;
  let re = parseAlt(false);
  if (errCode.length) return 0;
  return re;
}
