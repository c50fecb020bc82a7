// builtins-regex-globs.ts — regex.globs_match inside the module: do two
// "glob-like" regexes (literals, `.`, classes, \d \w \s, `*`, `+`, `?`)
// match a common string? Each pattern becomes a list of tokens (a character
// set, repeated zero or more times, optional, or once); a walk over pairs of
// positions in the two lists, each pair visited once, finds whether both can
// reach their ends together: time is the product of the two lengths. Syntax
// and messages are meshgate's host implementation's (src/builtins/regex.ts).

import { T_STRING, typeOf, strLen, strPtr, boolOf, alloc } from "./value";
import { decodeAt, seqLen } from "./utf8";
import { wBegin, wAscii, wStart, wLength } from "./writer";
import { begin, failWith, quoteJSON } from "./builtins-regex";

// token: neg u8 @0, quantifier u8 @1 (0 once, 1 star, 2 optional), first range @4, range count @8
const TOK: usize = 12;
const Q_ONE: u8 = 0;
const Q_STAR: u8 = 1;
const Q_OPT: u8 = 2;

let ranges: usize = 0; // (lo, hi) u32 pairs of every token of both patterns
let rangeLen: i32 = 0;
let rangeCap: i32 = 0;

function addRange(lo: u32, hi: u32): void {
  if (rangeLen == rangeCap) {
    let ncap = rangeCap << 1;
    let np = alloc(<usize>ncap << 3);
    memory.copy(np, ranges, <usize>rangeLen << 3);
    ranges = np;
    rangeCap = ncap;
  }
  store<u32>(ranges + (<usize>rangeLen << 3), lo);
  store<u32>(ranges + (<usize>rangeLen << 3), hi, 4);
  rangeLen++;
}

/** \d \w \s (as the host reads them): adds the ranges, false for any other letter. */
function classEscape(c: u32): bool {
  if (c == 0x64) { addRange(0x30, 0x39); return true; }
  if (c == 0x77) { addRange(0x30, 0x39); addRange(0x41, 0x5a); addRange(0x5f, 0x5f); addRange(0x61, 0x7a); return true; }
  if (c == 0x73) { addRange(9, 10); addRange(12, 13); addRange(32, 32); return true; }
  return false;
}

const NONE: u32 = 0xffffffff;

// the pattern being parsed, as code points
let cps: usize = 0;
let ncp: i32 = 0;
// @ts-ignore: decorator
@inline function cp(i: i32): u32 { return i >= 0 && i < ncp ? load<u32>(cps + (<usize>i << 2)) : NONE; }

let toks: usize = 0;
let ntok: i32 = 0;

function push(neg: bool, q: u8, first: i32): void {
  let at = toks + <usize>ntok * TOK;
  store<u8>(at, neg ? 1 : 0);
  store<u8>(at, q, 1);
  store<i32>(at, first, 4);
  store<i32>(at, rangeLen - first, 8);
  ntok++;
}

/** The message of a pattern error: `<what> in "<pattern>"` (or with the offending character). */
function patternError(what: string, pv: usize, ch: u32): usize {
  wBegin(strLen(pv) + 48);
  wAscii(what);
  if (ch != NONE) {
    let b = alloc(1);
    store<u8>(b, <u8>ch);
    quoteJSON(b, 1);
    wAscii(" in ");
  }
  quoteJSON(strPtr(pv), strLen(pv));
  let p = wStart(), n = wLength();
  return failWith("regex.globs_match", p, n);
}

/** Parses pattern value pv into tokens at `toks` (count `ntok`); false after recording an error. */
function parse(pv: usize): bool {
  let p = strPtr(pv), n = strLen(pv);
  cps = alloc(<usize>(n + 1) << 2);
  ncp = 0;
  for (let i = 0; i < n; i += seqLen(load<u8>(p + <usize>i))) {
    store<u32>(cps + (<usize>ncp << 2), decodeAt(p + <usize>i));
    ncp++;
  }
  toks = alloc(<usize>(2 * ncp + 1) * TOK);
  ntok = 0;
  let i = 0;
  while (i < ncp) {
    let c = cp(i++);
    let first = rangeLen;
    let neg = false;
    if (c == 0x2e) neg = true; // any character: the negation of nothing
    else if (c == 0x5c) {
      let e = cp(i++);
      if (e == NONE) { patternError("trailing backslash in ", pv, NONE); return false; }
      if (!classEscape(e)) addRange(e, e);
    } else if (c == 0x5b) {
      neg = cp(i) == 0x5e;
      if (neg) i++;
      let firstChar = true;
      while (i < ncp && (cp(i) != 0x5d || firstChar)) {
        firstChar = false;
        let a = cp(i++);
        // a class ending in a backslash (`[\`, `[a-\`) is unclosed
        if (a == 0x5c) {
          a = cp(i++);
          if (a == NONE) { patternError("unclosed character class in ", pv, NONE); return false; }
        }
        let nx = cp(i + 1);
        if (cp(i) == 0x2d && nx != NONE && nx != 0x5d) {
          i += 2;
          let b = nx;
          if (nx == 0x5c) {
            b = cp(i++);
            if (b == NONE) { patternError("unclosed character class in ", pv, NONE); return false; }
          }
          addRange(a, b);
        } else if (cp(i - 2) == 0x5c && (a == 0x64 || a == 0x77 || a == 0x73)) classEscape(a);
        else addRange(a, a);
      }
      if (cp(i++) != 0x5d) { patternError("unclosed character class in ", pv, NONE); return false; }
    } else if (c == 0x2a || c == 0x2b || c == 0x3f) {
      patternError("quantifier without operand in ", pv, NONE);
      return false;
    } else if (c == 0x28 || c == 0x29 || c == 0x7c || c == 0x7b || c == 0x7d || c == 0x5e || c == 0x24) {
      patternError("unsupported syntax ", pv, c);
      return false;
    } else addRange(c, c);
    let q = cp(i);
    if (q == 0x2a) { i++; push(neg, Q_STAR, first); }
    else if (q == 0x3f) { i++; push(neg, Q_OPT, first); }
    else if (q == 0x2b) {
      // x+ is x then x*
      i++;
      push(neg, Q_ONE, first);
      let at = toks + <usize>ntok * TOK;
      store<u8>(at, neg ? 1 : 0);
      store<u8>(at, Q_STAR, 1);
      store<i32>(at, first, 4);
      store<i32>(at, rangeLen - first, 8);
      ntok++;
    } else push(neg, Q_ONE, first);
  }
  return true;
}

function inRanges(c: u32, first: i32, count: i32): bool {
  for (let k = first; k < first + count; k++) {
    let r = ranges + (<usize>k << 3);
    if (c >= load<u32>(r) && c <= load<u32>(r, 4)) return true;
  }
  return false;
}

/** Whether the character sets of tokens ta and tb share a character. */
function intersects(ta: usize, tb: usize): bool {
  let na = load<u8>(ta) != 0, nb = load<u8>(tb) != 0;
  if (na && nb) return true;
  if (!na && !nb) {
    for (let i = load<i32>(ta, 4); i < load<i32>(ta, 4) + load<i32>(ta, 8); i++) {
      for (let j = load<i32>(tb, 4); j < load<i32>(tb, 4) + load<i32>(tb, 8); j++) {
        let ri = ranges + (<usize>i << 3), rj = ranges + (<usize>j << 3);
        if (load<u32>(ri) <= load<u32>(rj, 4) && load<u32>(rj) <= load<u32>(ri, 4)) return true;
      }
    }
    return false;
  }
  let pos = na ? tb : ta, neg = na ? ta : tb;
  let nf = load<i32>(neg, 4), nc = load<i32>(neg, 8);
  // some character of `pos` outside every range of `neg`: try the ends of
  // each positive range and the characters just past each negated range
  for (let i = load<i32>(pos, 4); i < load<i32>(pos, 4) + load<i32>(pos, 8); i++) {
    let lo = load<u32>(ranges + (<usize>i << 3)), hi = load<u32>(ranges + (<usize>i << 3), 4);
    if (lo <= hi && !inRanges(lo, nf, nc)) return true;
    if (lo <= hi && !inRanges(hi, nf, nc)) return true;
    for (let k = nf; k < nf + nc; k++) {
      let l = <i64>load<u32>(ranges + (<usize>k << 3)) - 1, h = <i64>load<u32>(ranges + (<usize>k << 3), 4) + 1;
      if (l >= <i64>lo && l <= <i64>hi && !inRanges(<u32>l, nf, nc)) return true;
      if (h >= <i64>lo && h <= <i64>hi && !inRanges(<u32>h, nf, nc)) return true;
    }
  }
  return false;
}

/** regex.globs_match(glob1, glob2): whether some string matches both. */
export function mg_regex_globs_match(g1: usize, g2: usize): usize {
  begin();
  if (g1 == 0 || typeOf(g1) != T_STRING || g2 == 0 || typeOf(g2) != T_STRING) return 0;
  rangeCap = 16;
  ranges = alloc(<usize>rangeCap << 3);
  rangeLen = 0;
  if (!parse(g1)) return 0;
  let a = toks, na = ntok;
  if (!parse(g2)) return 0;
  let b = toks, nb = ntok;
  let w = nb + 1;
  let cells = (na + 1) * w;
  let seen = alloc(<usize>((cells + 7) >> 3));
  memory.fill(seen, 0, <usize>((cells + 7) >> 3));
  let stack = alloc(<usize>(cells + 1) << 3);
  let sp = 0;
  store<i32>(stack, 0);
  store<i32>(stack, 0, 4);
  sp = 1;
  while (sp > 0) {
    sp--;
    let i0 = load<i32>(stack + (<usize>sp << 3)), j0 = load<i32>(stack + (<usize>sp << 3), 4);
    // the positions reachable from i0 (and j0) by skipping starred and optional tokens
    for (let i = i0; i <= na; i++) {
      for (let j = j0; j <= nb; j++) {
        let cell = i * w + j;
        let bit = seen + <usize>(cell >> 3);
        let mask = <u32>1 << <u32>(cell & 7);
        if ((<u32>load<u8>(bit) & mask) == 0) {
          store<u8>(bit, <u8>(<u32>load<u8>(bit) | mask));
          if (i == na && j == nb) return boolOf(true);
          if (i < na && j < nb) {
            let ta = a + <usize>i * TOK, tb = b + <usize>j * TOK;
            if (intersects(ta, tb)) {
              store<i32>(stack + (<usize>sp << 3), load<u8>(ta, 1) == Q_STAR ? i : i + 1);
              store<i32>(stack + (<usize>sp << 3), load<u8>(tb, 1) == Q_STAR ? j : j + 1, 4);
              sp++;
            }
          }
        }
        if (j >= nb || load<u8>(b + <usize>j * TOK, 1) == Q_ONE) break;
      }
      if (i >= na || load<u8>(a + <usize>i * TOK, 1) == Q_ONE) break;
    }
  }
  return boolOf(false);
}
