// yaml-parse.ts — yaml.unmarshal / yaml.is_valid inside the module: a YAML
// reader producing the value OPA's yaml.unmarshal gives (sigs.k8s.io/yaml:
// go-yaml v2 reads the document, the result goes through JSON). Plain
// scalars resolve as go-yaml v2 does (yaml-resolve.ts); timestamps stay text.
//
// Three outcomes: a value, invalid YAML (unmarshal undefined, is_valid
// false), or a construct this reader does not cover (both undefined, so a
// strict build aborts): tags, `?` complex keys, collection/null/empty/float
// keys, anchors on implicit keys, multiple documents, directives, .inf/.nan
// (no JSON value; OPA errors), floats out of range, a merge key overriding an
// earlier explicit key (go-yaml v2 and YAML 1.1 disagree), YAML 1.1's extra
// line breaks (NEL, LS, PS) and control characters (C0, DEL, C1) written
// raw, and the places where libyaml and the host implementation read the
// same text differently (each marked where it is detected). docs/runtime-api.md
// lists them. Integers keep every digit (issue 12), also past uint64 where
// go-yaml would fall back to a float.

import {
  T_OBJECT, T_ARRAY, T_NUMBER, typeOf, newStr, newStrCopy, newArr, arrPush, arrLen, arrAt, alloc,
  NULL_V, TRUE_V, FALSE_V,
} from "./value";
import { newColl, collInsert, collGet, collAdd, collFind, collCount, collKeyAt, collValAt } from "./object";
import { numKind, K_INT, writeNumber } from "./number";
import { resolvePlain, resolved, digitVal, R_STR, R_VALUE, R_MERGE, R_UNSUPPORTED } from "./yaml-resolve";
import { wBegin, wByte, wBytes, wLength, wStart, wSaveBuf, wSaveCap, wRestore } from "./writer";
import { encodeAt } from "./utf8";

const OK: i32 = 0;
const INVALID: i32 = 1;
const UNSUPPORTED: i32 = 2;

let src: usize = 0;
let end: usize = 0;
let pos: usize = 0;
let status: i32 = OK;
/** Anchor table: {name ptr, name len, value} entries, newest last. */
let anchors: usize = 0;
let anchorN: i32 = 0;
let anchorCap: i32 = 0;
/** Lines that continue a flow scalar or collection must start at this
 *  column or further (one past the enclosing block's indentation); the host
 *  implementation errors otherwise, libyaml is lenient: not covered. */
let flowMinCol: i32 = 0;
/** Set while the node being read follows a property (`&a`) on its line: an
 *  implicit key there would carry the anchor, which is not covered. */
let afterProperty: bool = false;

/** The `<<` merge key, kept apart from any string key. */
const MERGE_KEY: usize = memory.data<u32>([0, 0]);

function fail(s: i32): usize {
  if (status == OK) status = s;
  return 0;
}

// @ts-ignore: decorator
@inline
function at(p: usize): u32 {
  return p < end ? <u32>load<u8>(p) : 0;
}

// @ts-ignore: decorator
@inline
function isWs(c: u32): bool {
  return c == 0x20 || c == 0x09;
}

/** Blank: space, tab, line break or the end of input (c == 0 at end). */
function isBlankAt(p: usize): bool {
  if (p >= end) return true;
  let c = <u32>load<u8>(p);
  return c == 0x20 || c == 0x09 || c == 0x0a;
}

function isFlowInd(c: u32): bool {
  return c == 0x2c || c == 0x5b || c == 0x5d || c == 0x7b || c == 0x7d;
}

function lineStart(p: usize): usize {
  while (p > src && load<u8>(p - 1) != 0x0a) p--;
  return p;
}

function column(p: usize): i32 {
  return <i32>(p - lineStart(p));
}

/** The spaces that open p's line (tabs are no indentation). */
function spaceIndent(p: usize): i32 {
  let q = lineStart(p);
  let s = q;
  while (q < end && load<u8>(q) == 0x20) q++;
  return <i32>(q - s);
}

function skipToEol(): void {
  while (pos < end && load<u8>(pos) != 0x0a) pos++;
}

/** Skips spaces, tabs, comments and line breaks up to the next content; a tab
 *  in a line's indentation before content is an error (as YAML says). */
function skipBlank(): void {
  while (pos < end) {
    let c = <u32>load<u8>(pos);
    if (c == 0x20) { pos++; continue; }
    if (c == 0x09) {
      // a tab before content at the start of a line is indentation
      let ls = lineStart(pos);
      let q = pos;
      while (q < end && isWs(load<u8>(q))) q++;
      let d = at(q);
      let onlyWs = true;
      for (let r = ls; r < pos; r++) if (!isWs(load<u8>(r))) { onlyWs = false; break; }
      if (onlyWs && d != 0 && d != 0x0a && d != 0x23) {
        // the host errors on tab indentation before a key, an entry or a
        // plain scalar, but takes it before flow collections and quotes
        let lenient = d == 0x5b || d == 0x7b || d == 0x22 || d == 0x27 || d == 0x7c || d == 0x3e || d == 0x26 || d == 0x2a || d == 0x21;
        fail(lenient ? UNSUPPORTED : INVALID);
        return;
      }
      pos++;
      continue;
    }
    if (c == 0x0a) { pos++; continue; }
    if (c == 0x23 && (pos == src || isBlankAt(pos - 1))) { skipToEol(); continue; }
    return;
  }
}

/** After a node on its line: only spaces and a comment may follow. */
function restOfLineEmpty(): bool {
  while (pos < end && isWs(load<u8>(pos))) pos++;
  if (pos >= end || load<u8>(pos) == 0x0a) return true;
  if (load<u8>(pos) == 0x23 && isBlankAt(pos - 1)) { skipToEol(); return true; }
  return false;
}

/** `---` or `...` at a line start followed by a blank. */
function atDocMarker(p: usize): bool {
  if (p + 3 > end || column(p) != 0) return false;
  let c = <u32>load<u8>(p);
  if (c != 0x2d && c != 0x2e) return false;
  if (load<u8>(p + 1) != c || load<u8>(p + 2) != c) return false;
  return isBlankAt(p + 3);
}

// ---- anchors ------------------------------------------------------------------------------

/** An anchor or alias name: libyaml takes letters, digits, `_` and `-`,
 *  followed by a blank or `,]}` here (it also allows `?:%@\``, where the
 *  host reads the name on); 0 (invalid) or -1 (not covered) otherwise. */
function readAnchorName(): i32 {
  let s = pos;
  while (pos < end) {
    let c = <u32>load<u8>(pos) | 0x20;
    let d = <u32>load<u8>(pos);
    if ((c >= 0x61 && c <= 0x7a) || (d >= 0x30 && d <= 0x39) || d == 0x5f || d == 0x2d) pos++;
    else break;
  }
  let d = at(pos);
  if (!isBlankAt(pos) && d != 0x2c && d != 0x5d && d != 0x7d) {
    // other characters (`.`, `é`, `*`, `{` in flow context): the host takes
    // them into the name or ends it there, libyaml does not
    return -1;
  }
  return <i32>(pos - s);
}

function setAnchor(name: usize, n: i32, v: usize): void {
  if (anchorN == anchorCap) {
    let cap = anchorCap < 8 ? 8 : anchorCap << 1;
    let t = alloc(<usize>cap * 12);
    if (anchorN > 0) memory.copy(t, anchors, <usize>anchorN * 12);
    anchors = t;
    anchorCap = cap;
  }
  let e = anchors + <usize>anchorN * 12;
  store<usize>(e, name);
  store<i32>(e, n, 4);
  store<usize>(e, v, 8);
  anchorN++;
}

function getAnchor(name: usize, n: i32): usize {
  for (let i = anchorN - 1; i >= 0; i--) {
    let e = anchors + <usize>i * 12;
    if (load<i32>(e, 4) == n && memory.compare(load<usize>(e), name, n) == 0) return load<usize>(e, 8);
  }
  return 0;
}

// ---- keys ------------------------------------------------------------------------------

/** resolvePlain, reporting what has no JSON value as not covered. */
function resolve(p: usize, n: i32): i32 {
  let r = resolvePlain(p, n);
  if (r == R_UNSUPPORTED) fail(UNSUPPORTED);
  return r;
}

/** A mapping key as OPA's JSON sees it: strings as they are, booleans and
 *  integers as their text; null, float and collection keys are not covered. */
function keyOf(v: usize): usize {
  if (v == 0) return 0;
  let t = typeOf(v);
  if (t == 4 /* string */) return v;
  if (v == TRUE_V) return newStr(changetype<usize>(TRUE_TEXT), 4);
  if (v == FALSE_V) return newStr(changetype<usize>(FALSE_TEXT), 5);
  if (t == T_NUMBER && numKind(v) == K_INT) {
    let out = alloc(32);
    return newStr(out, writeNumber(out, v));
  }
  return fail(UNSUPPORTED);
}

const TRUE_TEXT = memory.data<u8>([0x74, 0x72, 0x75, 0x65]);
const FALSE_TEXT = memory.data<u8>([0x66, 0x61, 0x6c, 0x73, 0x65]);

// ---- mappings ----------------------------------------------------------------------------

/** Adds key → value; the merge key merges a mapping (or a sequence of them,
 *  the first one winning) under the keys not already there. */
function mapPut(obj: usize, k: usize, v: usize): void {
  if (k != MERGE_KEY) { collInsert(obj, k, v); return; }
  let added = newColl(7, 4);
  if (typeOf(v) == T_OBJECT) { mergeOne(obj, v, added); return; }
  if (typeOf(v) != T_ARRAY) { fail(INVALID); return; }
  for (let i = 0; i < arrLen(v); i++) {
    let m = arrAt(v, i);
    if (typeOf(m) != T_OBJECT) { fail(INVALID); return; }
    mergeOne(obj, m, added);
  }
}

function mergeOne(obj: usize, m: usize, added: usize): void {
  for (let i = 0; i < collCount(m); i++) {
    let k = collKeyAt(m, i);
    if (collGet(obj, k) != 0) {
      if (collFind(added, k) >= 0) continue; // an earlier merged mapping wins
      // an explicit key before `<<`: go-yaml v2 lets the merge win, YAML 1.1 the key
      fail(UNSUPPORTED);
      return;
    }
    collInsert(obj, k, collValAt(m, i));
    collAdd(added, k);
  }
}

// ---- scalars ----------------------------------------------------------------------------

/** Drops trailing spaces and tabs written since `keep`. */
function trimWritten(keep: i32): void {
  let n = wLength();
  let b = wStart();
  while (n > keep && isWs(load<u8>(b + n - 1))) n--;
  wRestore(wSaveBuf(), n, wSaveCap());
}

/** At a line break inside a flow scalar: folds it (one break → space, k
 *  empty lines → k newlines); pos ends at the next line's content. */
function foldBreak(keep: i32): void {
  trimWritten(keep);
  pos++; // the break
  let empty = 0;
  while (true) {
    while (pos < end && isWs(load<u8>(pos))) pos++;
    if (pos < end && load<u8>(pos) == 0x0a) { empty++; pos++; continue; }
    break;
  }
  if (pos < end && spaceIndent(pos) < flowMinCol) { fail(UNSUPPORTED); return; }
  if (empty == 0) wByte(0x20);
  else for (let i = 0; i < empty; i++) wByte(0x0a);
}

function singleQuoted(): usize {
  pos++;
  wBegin(32);
  let keep = 0;
  while (true) {
    if (pos >= end) return fail(INVALID);
    let c = <u32>load<u8>(pos);
    if (c == 0x27) {
      if (at(pos + 1) == 0x27) { wByte(0x27); pos += 2; keep = wLength(); continue; }
      pos++;
      break;
    }
    if (c == 0x0a) { foldBreak(keep); if (atDocMarker(pos)) return fail(INVALID); keep = wLength(); continue; }
    wByte(c);
    pos++;
    if (!isWs(c)) keep = wLength();
  }
  return newStrCopy(wStart(), wLength());
}

function hexRun(k: i32): i32 {
  let x: u32 = 0;
  for (let i = 0; i < k; i++) {
    let d = digitVal(at(pos + i));
    if (d >= 16) return -1;
    x = (x << 4) | d;
  }
  pos += k;
  return <i32>x;
}

function doubleQuoted(): usize {
  pos++;
  wBegin(32);
  let keep = 0;
  let buf = alloc(8);
  while (true) {
    if (pos >= end) return fail(INVALID);
    let c = <u32>load<u8>(pos);
    if (c == 0x22) { pos++; break; }
    if (c == 0x0a) { foldBreak(keep); if (atDocMarker(pos)) return fail(INVALID); keep = wLength(); continue; }
    if (c != 0x5c) {
      wByte(c);
      pos++;
      if (!isWs(c)) keep = wLength();
      continue;
    }
    pos++;
    let e = at(pos);
    pos++;
    let r: i32 = -2;
    switch (e) {
      case 0x30: r = 0; break;
      case 0x61: r = 7; break;
      case 0x62: r = 8; break;
      case 0x74: case 0x09: r = 9; break;
      case 0x6e: r = 10; break;
      case 0x76: r = 11; break;
      case 0x66: r = 12; break;
      case 0x72: r = 13; break;
      case 0x65: r = 0x1b; break;
      case 0x20: r = 0x20; break;
      case 0x22: r = 0x22; break;
      case 0x2f: r = 0x2f; break;
      case 0x5c: r = 0x5c; break;
      case 0x4e: r = 0x85; break;
      case 0x5f: r = 0xa0; break;
      case 0x4c: r = 0x2028; break;
      case 0x50: r = 0x2029; break;
      case 0x78: r = hexRun(2); break;
      case 0x75: r = hexRun(4); break;
      case 0x55: r = hexRun(8); break;
      case 0x0a: {
        // an escaped line break: no space, the next line's indentation dropped
        let empty = 0;
        while (true) {
          while (pos < end && isWs(load<u8>(pos))) pos++;
          if (pos < end && load<u8>(pos) == 0x0a) { empty++; pos++; continue; }
          break;
        }
        if (pos < end && spaceIndent(pos) < flowMinCol) return fail(UNSUPPORTED);
        for (let i = 0; i < empty; i++) wByte(0x0a);
        keep = wLength();
        continue;
      }
      default: return fail(INVALID);
    }
    if (r < 0 || r > 0x10ffff) return fail(INVALID);
    if (r >= 0xd800 && r < 0xe000) return fail(UNSUPPORTED);
    let k = encodeAt(buf, <u32>r);
    wBytes(buf, k);
    keep = wLength();
  }
  return newStrCopy(wStart(), wLength());
}

/** Can a plain scalar start at pos? */
function plainStart(flow: bool): bool {
  let c = at(pos);
  if (c == 0 || c == 0x0a || isWs(c)) return false;
  if (c == 0x2d || c == 0x3f || c == 0x3a) {
    let d = at(pos + 1);
    return !(isBlankAt(pos + 1) || (flow && isFlowInd(d)));
  }
  if (isFlowInd(c) || c == 0x23 || c == 0x26 || c == 0x2a || c == 0x21 || c == 0x7c || c == 0x3e) return false;
  if (c == 0x27 || c == 0x22 || c == 0x25 || c == 0x40 || c == 0x60) return false;
  return true;
}

/** End of the plain text on this line from pos (trailing blanks excluded);
 *  `plainColon` tells whether it stopped at a `:` indicator. */
let plainColon: bool = false;
function plainLineEnd(flow: bool): usize {
  plainColon = false;
  let q = pos;
  let last = pos;
  while (q < end) {
    let c = <u32>load<u8>(q);
    if (c == 0x0a) break;
    if (c == 0x3a && (isBlankAt(q + 1) || (flow && isFlowInd(at(q + 1))))) { plainColon = true; break; }
    if (c == 0x23 && q > pos && isWs(load<u8>(q - 1))) break;
    if (flow && isFlowInd(c)) break;
    q++;
    if (!isWs(c)) last = q;
  }
  return last;
}

/** A plain scalar in block context at pos, its first line ending at `e`;
 *  continues on lines indented more than `n`. */
function plainBlock(n: i32, e: usize): usize {
  let s = pos;
  pos = e;
  // one line: no copy
  let save = pos;
  if (!restOfLineEmptyPeek()) return fail(INVALID);
  let multi = false;
  wBegin(32);
  while (true) {
    // look at the following lines
    let q = pos;
    while (q < end && isWs(load<u8>(q))) q++;
    if (q < end && load<u8>(q) == 0x23) break; // a comment ends it
    if (q >= end || load<u8>(q) != 0x0a) break;
    let r = q + 1;
    let empty = 0;
    let content: usize = 0;
    while (r < end) {
      let ls = r;
      while (r < end && load<u8>(r) == 0x20) r++;
      let t = r;
      while (t < end && isWs(load<u8>(t))) t++;
      if (t >= end) { r = t; break; }
      if (load<u8>(t) == 0x0a) { empty++; r = t + 1; continue; }
      if (<i32>(r - ls) <= n || load<u8>(t) == 0x23 || atDocMarker(ls)) break;
      content = t;
      break;
    }
    if (content == 0) break;
    if (emptyKeyAt(content)) return fail(UNSUPPORTED);
    if (!multi) { wBytes(s, <i32>(e - s)); multi = true; }
    if (empty == 0) wByte(0x20);
    else for (let i = 0; i < empty; i++) wByte(0x0a);
    pos = content;
    let le = plainLineEnd(false);
    if (plainColon) return fail(INVALID);
    wBytes(pos, <i32>(le - pos));
    pos = le;
    if (!restOfLineEmptyPeek()) return fail(INVALID);
  }
  if (!multi) { pos = save; return plainValue(s, <i32>(e - s)); }
  return newStrCopy(wStart(), wLength());
}

/** Like restOfLineEmpty, but stops before a comment (the caller looks at it). */
function restOfLineEmptyPeek(): bool {
  let q = pos;
  while (q < end && isWs(load<u8>(q))) q++;
  if (q >= end || load<u8>(q) == 0x0a) { pos = q; return true; }
  if (load<u8>(q) == 0x23 && isBlankAt(q - 1)) { pos = q; return true; }
  return false;
}

function plainValue(p: usize, n: i32): usize {
  let r = resolve(p, n);
  if (status != OK) return 0;
  if (r == R_VALUE) return resolved;
  return newStr(p, n); // `<<` as a value is the string, as go-yaml decodes it
}

// ---- block scalars ------------------------------------------------------------------------

function blockScalar(n: i32): usize {
  let literal = load<u8>(pos) == 0x7c;
  pos++;
  let chomp = 0; // 0 clip, 1 strip, 2 keep
  let explicit = 0;
  for (let k = 0; k < 2; k++) {
    let c = at(pos);
    if ((c == 0x2d || c == 0x2b) && chomp == 0) { chomp = c == 0x2d ? 1 : 2; pos++; }
    else if (c >= 0x31 && c <= 0x39 && explicit == 0) { explicit = <i32>(c - 0x30); pos++; }
    else if (c == 0x30) return fail(INVALID);
  }
  if (!isBlankAt(pos) && at(pos) != 0x23) return fail(INVALID);
  if (!restOfLineEmpty()) return fail(INVALID);
  if (pos < end) pos++; // the header's line break
  // libyaml's rule: an explicit indicator counts from the parent's
  // indentation; else the widest of the leading empty lines and the first
  // content line, at least one past the parent and at least 1
  let ind: i32;
  if (explicit > 0) ind = n < 0 ? explicit : n + explicit;
  else {
    let q = pos;
    ind = 0;
    while (q < end) {
      let ls = q;
      while (q < end && load<u8>(q) == 0x20) q++;
      let w = <i32>(q - ls);
      if (w > ind) ind = w;
      if (q < end && load<u8>(q) == 0x0a) { q++; continue; }
      break;
    }
    if (ind < n + 1) ind = n + 1;
    if (ind < 1) {
      // a document-level block scalar at column 0: libyaml ends it (and
      // errors), the host implementation reads it; not covered
      if (q < end && load<u8>(q) != 0x0a) return fail(UNSUPPORTED);
      ind = 1;
    }
  }
  wBegin(64);
  let breaks = 0;
  let prev = 0; // 0 none, 1 normal line, 2 more-indented line
  let lastBreakPos = pos;
  while (pos < end) {
    let ls = pos;
    let q = pos;
    while (q < end && load<u8>(q) == 0x20 && <i32>(q - ls) < ind) q++;
    if (<i32>(q - ls) < ind) {
      // fewer spaces: an empty line, or the end
      let t = q;
      while (t < end && load<u8>(t) == 0x20) t++;
      if (t >= end) { pos = t; break; }
      if (load<u8>(t) == 0x0a) { breaks++; pos = t + 1; continue; }
      // a tab where indentation is expected: libyaml errors, not covered here
      if (load<u8>(t) == 0x09) return fail(UNSUPPORTED);
      pos = ls;
      break;
    }
    if (ind == 0 && atDocMarker(ls)) { pos = ls; break; }
    // a content line (possibly only spaces beyond the indentation)
    let e = q;
    while (e < end && load<u8>(e) != 0x0a) e++;
    if (e == q) { if (e < end) breaks++; pos = e < end ? e + 1 : e; continue; }
    let kind = isWs(load<u8>(q)) ? 2 : 1;
    if (prev == 0) { for (let i = 0; i < breaks; i++) wByte(0x0a); }
    else if (!literal && prev == 1 && kind == 1) {
      if (breaks == 1) wByte(0x20);
      else for (let i = 1; i < breaks; i++) wByte(0x0a);
    } else for (let i = 0; i < breaks; i++) wByte(0x0a);
    wBytes(q, <i32>(e - q));
    prev = kind;
    breaks = e < end ? 1 : 0;
    pos = e < end ? e + 1 : e;
    lastBreakPos = pos;
  }
  // the last line ends the input without a line break: libyaml keeps none,
  // the host implementation adds one (clip and keep), so this is not covered
  if (prev != 0 && breaks == 0 && chomp != 1) return fail(UNSUPPORTED);
  if (chomp == 2) { for (let i = 0; i < breaks; i++) wByte(0x0a); }
  else if (chomp == 0 && prev != 0 && breaks > 0) wByte(0x0a);
  // leave pos at the start of the line that ended the scalar
  return newStrCopy(wStart(), wLength());
}

// ---- flow collections ----------------------------------------------------------------------

function skipFlowBlank(): void {
  let newLine = false;
  while (pos < end) {
    let c = <u32>load<u8>(pos);
    if (c == 0x0a) { newLine = true; pos++; continue; }
    if (isWs(c)) { pos++; continue; }
    if (newLine && spaceIndent(pos) < flowMinCol) { fail(UNSUPPORTED); return; }
    newLine = false;
    if (c == 0x23 && isBlankAt(pos - 1)) { skipToEol(); continue; }
    return;
  }
}

function flowPlain(): usize {
  let s = pos;
  let e = plainLineEnd(true);
  pos = e;
  let multi = false;
  while (true) {
    let q = pos;
    while (q < end && isWs(load<u8>(q))) q++;
    if (q >= end || load<u8>(q) != 0x0a) { pos = q; break; }
    // continue on the next line unless a terminator follows
    let r = q;
    let empty = -1;
    while (r < end && (isWs(load<u8>(r)) || load<u8>(r) == 0x0a)) { if (load<u8>(r) == 0x0a) empty++; r++; }
    let c = at(r);
    if (r >= end || isFlowInd(c) || c == 0x23 || (c == 0x3a && (isBlankAt(r + 1) || isFlowInd(at(r + 1))))) { pos = q; break; }
    if (atDocMarker(r)) return fail(INVALID);
    if (spaceIndent(r) < flowMinCol) return fail(UNSUPPORTED);
    if (!multi) { wBegin(32); wBytes(s, <i32>(e - s)); multi = true; }
    if (empty == 0) wByte(0x20);
    else for (let i = 0; i < empty; i++) wByte(0x0a);
    pos = r;
    let le = plainLineEnd(true);
    wBytes(pos, <i32>(le - pos));
    pos = le;
  }
  if (!multi) return plainValue(s, <i32>(e - s));
  return newStrCopy(wStart(), wLength());
}

/** Does the flow plain scalar ending at pos go on on the next line? */
function flowPlainContinues(): bool {
  let q = pos;
  while (q < end && isWs(load<u8>(q))) q++;
  if (q >= end || load<u8>(q) != 0x0a) return false;
  let r = q;
  while (r < end && (isWs(load<u8>(r)) || load<u8>(r) == 0x0a)) r++;
  let c = at(r);
  return !(r >= end || isFlowInd(c) || c == 0x23 || (c == 0x3a && (isBlankAt(r + 1) || isFlowInd(at(r + 1)))));
}

function flowNode(): usize {
  let c = at(pos);
  if (c == 0x5b) return flowSeq();
  if (c == 0x7b) return flowMap();
  if (c == 0x22) return doubleQuoted();
  if (c == 0x27) return singleQuoted();
  if (c == 0x2a) {
    pos++;
    let s = pos;
    let n = readAnchorName();
    if (n <= 0) return fail(n < 0 ? UNSUPPORTED : INVALID);
    let v = getAnchor(s, n);
    return v == 0 ? fail(INVALID) : v;
  }
  if (c == 0x26) {
    pos++;
    let s = pos;
    let n = readAnchorName();
    if (n <= 0) return fail(n < 0 ? UNSUPPORTED : INVALID);
    skipFlowBlank();
    let v: usize;
    let d = at(pos);
    if (d == 0x2c || d == 0x5d || d == 0x7d) v = NULL_V;
    else if (d == 0x2a || d == 0x26) return fail(INVALID); // an alias takes no anchor, a node one
    else v = flowNode();
    if (v == 0) return 0;
    setAnchor(s, n, v);
    return v;
  }
  if (c == 0x21 || c == 0x3f) return fail(UNSUPPORTED);
  // `:` with nothing before it: a pair with an empty (null) key
  if (c == 0x3a && (isBlankAt(pos + 1) || isFlowInd(at(pos + 1)))) return fail(UNSUPPORTED);
  if (!plainStart(true)) return fail(INVALID);
  return flowPlain();
}

function flowSeq(): usize {
  pos++;
  let arr = newArr(4);
  while (true) {
    skipFlowBlank();
    if (status != OK) return 0;
    let c = at(pos);
    if (c == 0x5d) { pos++; return arr; }
    if (c == 0 || c == 0x2c) return fail(INVALID);
    let v = flowNode();
    if (v == 0) return 0;
    skipFlowBlank();
    c = at(pos);
    if (c == 0x3a) return fail(UNSUPPORTED); // a single-pair mapping inside [ ]
    arrPush(arr, v);
    if (c == 0x2c) { pos++; continue; }
    if (c == 0x5d) { pos++; return arr; }
    return fail(INVALID);
  }
}

function flowMap(): usize {
  pos++;
  let obj = newColl(T_OBJECT, 4);
  while (true) {
    skipFlowBlank();
    let c = at(pos);
    if (c == 0x7d) { pos++; return obj; }
    if (c == 0 || c == 0x2c) return fail(INVALID);
    if (c == 0x5b || c == 0x7b || c == 0x26 || c == 0x2a || c == 0x21 || c == 0x3f) return fail(UNSUPPORTED);
    if (c == 0x3a && (isBlankAt(pos + 1) || isFlowInd(at(pos + 1)))) return fail(UNSUPPORTED);
    let k: usize;
    let start = pos;
    if (c == 0x22 || c == 0x27) {
      k = c == 0x22 ? doubleQuoted() : singleQuoted();
      // a key over several lines: libyaml takes no such implicit key, the host does
      if (k != 0 && spansLines(start, pos)) return fail(UNSUPPORTED);
    } else {
      if (!plainStart(true)) return fail(INVALID);
      let s = pos;
      let e = plainLineEnd(true);
      pos = e;
      if (flowPlainContinues()) return fail(UNSUPPORTED);
      let r = resolve(s, <i32>(e - s));
      if (status != OK) return 0;
      k = r == R_MERGE ? MERGE_KEY : r == R_VALUE ? keyOf(resolved) : newStr(s, <i32>(e - s));
    }
    if (k == 0) return 0;
    skipFlowBlank();
    let v: usize = NULL_V;
    if (at(pos) == 0x3a) {
      pos++;
      skipFlowBlank();
      let d = at(pos);
      if (d != 0x2c && d != 0x7d) v = flowNode();
      if (v == 0) return 0;
      skipFlowBlank();
    }
    if (k == MERGE_KEY && v == NULL_V) return fail(INVALID);
    mapPut(obj, k, v);
    if (status != OK) return 0;
    c = at(pos);
    if (c == 0x2c) { pos++; continue; }
    if (c == 0x7d) { pos++; return obj; }
    return fail(INVALID);
  }
}

// ---- block collections ----------------------------------------------------------------------

/** `: ` opening a line: a pair with an empty (null) key, which the host
 *  reads as the key "" at any indentation and OPA cannot convert. */
function emptyKeyAt(p: usize): bool {
  return at(p) == 0x3a && isBlankAt(p + 1);
}

function spansLines(a: usize, b: usize): bool {
  for (let p = a; p < b; p++) if (load<u8>(p) == 0x0a) return true;
  return false;
}

/** After a flow collection or quoted scalar in block context: a `:` makes it
 *  a key (of a block mapping when the scalar is a key), else the line ends. */
function colonFollows(): bool {
  let q = pos;
  while (q < end && isWs(load<u8>(q))) q++;
  if (at(q) == 0x3a && isBlankAt(q + 1)) { pos = q; return true; }
  return false;
}

const CTX_TOP: i32 = 0;     // document level or a line of its own
const CTX_VALUE: i32 = 1;   // after `key:` on the same line
const CTX_ENTRY: i32 = 2;   // after `- ` on the same line

/** A node at pos in block context; `n` is the parent's indentation. */
function blockNode(n: i32, ctx: i32): usize {
  let c = at(pos);
  let col = column(pos);
  flowMinCol = n + 1;
  if (c == 0x26) {
    pos++;
    let s = pos;
    let len = readAnchorName();
    if (len <= 0) return fail(len < 0 ? UNSUPPORTED : INVALID);
    let v: usize;
    if (restOfLineEmptyPeek()) {
      skipBlank();
      if (status != OK) return 0;
      let col2 = column(pos);
      if (at(pos) == 0x2a) return fail(INVALID); // an alias takes no anchor
      // a second anchor here may belong to the key of a mapping below: not covered
      if (at(pos) == 0x26) return fail(UNSUPPORTED);
      if (pos < end && !atDocMarker(pos) && (col2 > n || (ctx == CTX_VALUE && col2 == n && at(pos) == 0x2d && isBlankAt(pos + 1)))) v = blockNode(n, CTX_TOP);
      else v = NULL_V;
    } else {
      while (pos < end && isWs(load<u8>(pos))) pos++;
      if (at(pos) == 0x2a || at(pos) == 0x26) return fail(INVALID); // an alias takes no anchor, a node one
      let was = afterProperty;
      afterProperty = true;
      v = blockNode(n, ctx == CTX_TOP ? CTX_VALUE : ctx);
      afterProperty = was;
    }
    if (v == 0) return 0;
    setAnchor(s, len, v);
    return v;
  }
  if (c == 0x2a) {
    pos++;
    let s = pos;
    let len = readAnchorName();
    if (len <= 0) return fail(len < 0 ? UNSUPPORTED : INVALID);
    if (colonFollows()) return fail(UNSUPPORTED); // an alias as a key
    let v = getAnchor(s, len);
    if (v == 0) return fail(INVALID);
    if (!restOfLineEmpty()) return fail(INVALID);
    return v;
  }
  if (c == 0x21) return fail(UNSUPPORTED);
  // `? ` complex keys; `: ` an empty (null) key, which OPA cannot convert
  if ((c == 0x3f || c == 0x3a) && isBlankAt(pos + 1)) return fail(UNSUPPORTED);
  if (c == 0x2d && isBlankAt(pos + 1)) {
    if (ctx == CTX_VALUE) return fail(INVALID);
    return blockSeq(col);
  }
  if (c == 0x5b || c == 0x7b) {
    let v = flowNode();
    if (v == 0) return 0;
    if (colonFollows()) return fail(UNSUPPORTED); // a collection as a key
    if (!restOfLineEmpty()) return fail(INVALID);
    return v;
  }
  if (c == 0x7c || c == 0x3e) return blockScalar(n);
  if (c == 0x22 || c == 0x27) {
    let start = pos;
    let s = c == 0x22 ? doubleQuoted() : singleQuoted();
    if (s == 0) return 0;
    if (colonFollows()) {
      if (spansLines(start, pos)) return fail(INVALID); // an implicit key is one line
      if (afterProperty) return fail(UNSUPPORTED);
      if (ctx == CTX_VALUE) return fail(INVALID);
      return blockMap(col, s);
    }
    if (!restOfLineEmpty()) return fail(INVALID);
    return s;
  }
  if (!plainStart(false)) return fail(INVALID);
  let s = pos;
  let e = plainLineEnd(false);
  if (plainColon) {
    if (afterProperty) return fail(UNSUPPORTED);
    if (ctx == CTX_VALUE) return fail(INVALID);
    let r = resolve(s, <i32>(e - s));
    if (status != OK) return 0;
    let k = r == R_MERGE ? MERGE_KEY : r == R_VALUE ? keyOf(resolved) : newStr(s, <i32>(e - s));
    if (k == 0) return 0;
    pos = e;
    while (at(pos) != 0x3a) pos++;
    return blockMap(col, k);
  }
  return plainBlock(n, e);
}

/** A block mapping at column `mcol`; pos is at the first key's `:`. */
function blockMap(mcol: i32, firstKey: usize): usize {
  let obj = newColl(T_OBJECT, 4);
  let k = firstKey;
  while (true) {
    pos++; // the `:`
    let v: usize;
    if (restOfLineEmptyPeek()) {
      skipBlank();
      if (status != OK) return 0;
      let col = column(pos);
      if (pos >= end || atDocMarker(pos)) v = NULL_V;
      else if (col > mcol) v = blockNode(mcol, CTX_TOP);
      else if (col == mcol && at(pos) == 0x2d && isBlankAt(pos + 1)) v = blockSeq(col);
      else v = NULL_V;
    } else {
      while (pos < end && isWs(load<u8>(pos))) pos++;
      v = blockNode(mcol, CTX_VALUE);
    }
    if (v == 0) return 0;
    if (k == MERGE_KEY && v == NULL_V) return fail(INVALID);
    mapPut(obj, k, v);
    if (status != OK) return 0;
    skipBlank();
    if (status != OK) return 0;
    if (pos >= end || atDocMarker(pos)) return obj;
    let col = column(pos);
    if (emptyKeyAt(pos)) return fail(UNSUPPORTED);
    if (col < mcol) return obj;
    if (col > mcol) return fail(INVALID);
    // the next key
    let c = at(pos);
    if (c == 0x2d && isBlankAt(pos + 1)) return fail(INVALID);
    if ((c == 0x3f || c == 0x3a) && isBlankAt(pos + 1)) return fail(UNSUPPORTED);
    if (c == 0x5b || c == 0x7b || c == 0x26 || c == 0x2a || c == 0x21) return fail(UNSUPPORTED);
    if (c == 0x22 || c == 0x27) {
      flowMinCol = mcol + 1;
      let start = pos;
      k = c == 0x22 ? doubleQuoted() : singleQuoted();
      if (k == 0) return 0;
      if (!colonFollows() || spansLines(start, pos)) return fail(INVALID);
      continue;
    }
    if (!plainStart(false)) return fail(INVALID);
    let s = pos;
    let e = plainLineEnd(false);
    if (!plainColon) return fail(INVALID);
    let r = resolve(s, <i32>(e - s));
    if (status != OK) return 0;
    k = r == R_MERGE ? MERGE_KEY : r == R_VALUE ? keyOf(resolved) : newStr(s, <i32>(e - s));
    if (k == 0) return 0;
    pos = e;
    while (at(pos) != 0x3a) pos++;
  }
}

/** A block sequence whose `-` entries are at column `scol`. */
function blockSeq(scol: i32): usize {
  let arr = newArr(4);
  while (true) {
    pos++; // the `-`
    let v: usize;
    if (restOfLineEmptyPeek()) {
      skipBlank();
      if (status != OK) return 0;
      if (pos < end && !atDocMarker(pos) && column(pos) > scol) v = blockNode(scol, CTX_TOP);
      else v = NULL_V;
    } else {
      while (pos < end && isWs(load<u8>(pos))) pos++;
      let was = afterProperty;
      afterProperty = false;
      v = blockNode(scol, CTX_ENTRY);
      afterProperty = was;
    }
    if (v == 0) return 0;
    arrPush(arr, v);
    skipBlank();
    if (status != OK) return 0;
    if (pos >= end || atDocMarker(pos)) return arr;
    let col = column(pos);
    if (emptyKeyAt(pos)) return fail(UNSUPPORTED);
    if (col < scol) return arr;
    if (col > scol) return fail(INVALID);
    if (!(at(pos) == 0x2d && isBlankAt(pos + 1))) return arr;
  }
}

// ---- documents --------------------------------------------------------------------------------

/** Prepares the input: CRLF and CR become LF; characters this reader does not
 *  cover (control characters, NEL, LS, PS, a BOM past the start) are reported. */
function prepare(p: usize, n: i32): bool {
  let cr = false;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x0d) { cr = true; continue; }
    if ((c < 0x20 && c != 0x09 && c != 0x0a) || c == 0x7f) { fail(UNSUPPORTED); return false; }
    if (c == 0xc2 && i + 1 < n && load<u8>(p + i + 1) >= 0x80 && load<u8>(p + i + 1) <= 0x9f) { fail(UNSUPPORTED); return false; }
    if (c == 0xe2 && i + 2 < n && load<u8>(p + i + 1) == 0x80 && (load<u8>(p + i + 2) == 0xa8 || load<u8>(p + i + 2) == 0xa9)) { fail(UNSUPPORTED); return false; }
    if (c == 0xef && i > 0 && i + 2 < n && load<u8>(p + i + 1) == 0xbb && load<u8>(p + i + 2) == 0xbf) { fail(UNSUPPORTED); return false; }
  }
  if (n >= 3 && load<u8>(p) == 0xef && load<u8>(p + 1) == 0xbb && load<u8>(p + 2) == 0xbf) { p += 3; n -= 3; }
  if (cr) {
    let t = alloc(<usize>n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      let c = load<u8>(p + i);
      if (c == 0x0d) { store<u8>(t + m++, 0x0a); if (i + 1 < n && load<u8>(p + i + 1) == 0x0a) i++; }
      else store<u8>(t + m++, c);
    }
    p = t;
    n = m;
  }
  src = p;
  end = p + <usize>n;
  pos = p;
  return true;
}

/** Reads one YAML document; 0 with `status` telling invalid from not covered. */
export function yamlRead(p: usize, n: i32): usize {
  status = OK;
  anchorN = 0;
  anchorCap = 0;
  anchors = 0;
  afterProperty = false;
  flowMinCol = 0;
  if (!prepare(p, n)) return 0;
  skipBlank();
  if (status != OK) return 0;
  if (at(pos) == 0x25 && column(pos) == 0) return fail(UNSUPPORTED); // a directive
  let v: usize = 0;
  if (atDocMarker(pos) && at(pos) == 0x2d) {
    pos += 3;
    if (!restOfLineEmptyPeek()) {
      while (pos < end && isWs(load<u8>(pos))) pos++;
      // a node on the `---` line; an implicit key there is not covered
      afterProperty = true;
      v = blockNode(-1, CTX_VALUE);
      afterProperty = false;
      if (v == 0) return 0;
    }
    skipBlank();
    if (status != OK) return 0;
  }
  if (v == 0) {
    if (pos >= end || atDocMarker(pos)) v = NULL_V;
    else v = blockNode(-1, CTX_TOP);
    if (v == 0) return 0;
    skipBlank();
    if (status != OK) return 0;
  }
  if (atDocMarker(pos) && at(pos) == 0x2e) {
    pos += 3;
    if (!restOfLineEmpty()) return fail(INVALID);
    skipBlank();
    if (status != OK) return 0;
    if (pos < end) return fail(UNSUPPORTED); // another document
  }
  if (pos < end) return fail(atDocMarker(pos) ? UNSUPPORTED : INVALID);
  return v;
}

/** OK, INVALID or UNSUPPORTED for the last yamlRead. */
export function yamlStatus(): i32 {
  return status;
}
