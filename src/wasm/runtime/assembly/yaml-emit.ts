// yaml-emit.ts — yaml.marshal inside the module: block style, keys sorted,
// a sequence inside a mapping not indented (`a:\n- 1`), empty collections
// as `[]` / `{}`, integers exact, floats as Go's strconv 'g' (what go-yaml
// v2 prints for OPA: `1e+21`, `1.2345675e+06`). Strings are written as
// meshgate's host implementation writes them (the `yaml` package in YAML 1.1
// mode, no line folding), so that existing answers do not change: plain when
// that reads back as the same string, else quoted (single quotes when the
// text has `"` and no `'`, else double quotes with YAML escapes), and
// multi-line text as a literal block scalar with a chomping indicator (and
// an indentation indicator when it starts with a space). Two departures from
// the host, each where its text would not read back (in OPA, or at all): DEL,
// C1, LS and PS are escaped (\x7f, \N, \L, \P), a document-level block
// scalar is indented by two, text of blank lines with spaces is quoted. A `<<` key is quoted (the host writes a merge key).

import { T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, typeOf, strLen, strPtr, newStr, arrLen, arrAt, alloc } from "./value";
import { collCount, collKeyAt, collValAt } from "./object";
import { numKind, numF64, writeNumber, numTextMax, K_INT, K_TEXT } from "./number";
import { wBegin, wByte, wBytes, wReserve, wAdvance, wLength, wStart } from "./writer";
import { shortestDigits, DEC_DIGITS, decLen, decPoint } from "./decimal";
import { seqLen } from "./utf8";
import { plainReadsAsString } from "./yaml-resolve";

let failed: bool = false;

const HEX = "0123456789abcdef";

function spaces(n: i32): void {
  for (let i = 0; i < n; i++) wByte(0x20);
}

// ---- numbers --------------------------------------------------------------------------------

/** Go's strconv.FormatFloat(f, 'g', -1, 64) layout of the shortest digits
 *  0.DIGITS × 10^point: %e below 1e-4 and from 1e6 (for the shortest
 *  form Go takes the precision as 6), else %f. */
function writeGoFloat(neg: bool, digits: usize, nd: i32, point: i32): void {
  if (nd == 0) { wByte(0x30); return; }
  if (neg) wByte(0x2d);
  let exp = point - 1;
  if (exp < -4 || exp >= 6) {
    wByte(load<u8>(digits));
    if (nd > 1) { wByte(0x2e); wBytes(digits + 1, nd - 1); }
    wByte(0x65);
    let e = exp;
    if (e < 0) { wByte(0x2d); e = -e; } else wByte(0x2b);
    if (e < 10) wByte(0x30);
    let k = e >= 100 ? 3 : e >= 10 ? 2 : 1;
    let buf = wReserve(k);
    for (let i = k - 1; i >= 0; i--) { store<u8>(buf + i, <u8>(0x30 + e % 10)); e /= 10; }
    wAdvance(k);
    return;
  }
  if (point <= 0) {
    wByte(0x30);
    wByte(0x2e);
    for (let i = 0; i < -point; i++) wByte(0x30);
    wBytes(digits, nd);
    return;
  }
  if (nd <= point) {
    wBytes(digits, nd);
    for (let i = nd; i < point; i++) wByte(0x30);
    return;
  }
  wBytes(digits, point);
  wByte(0x2e);
  wBytes(digits + point, nd - point);
}

function writeF64(f: f64): void {
  shortestDigits(f);
  writeGoFloat(f < 0, DEC_DIGITS, decLen, decPoint);
}

/** A float literal's own digits when there are at most 17 (JSON writers
 *  print the shortest digits, which is what Go prints after parsing them);
 *  false for longer ones. */
function writeLiteralFloat(p: usize, n: i32): bool {
  let digits = alloc(<usize>n);
  let nd = 0;
  let point = 0;
  let seenPoint = false;
  let i = 0;
  let neg = load<u8>(p) == 0x2d;
  if (neg) i = 1;
  for (; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x2e) { seenPoint = true; continue; }
    if (c == 0x65 || c == 0x45) break;
    if (nd == 0 && c == 0x30) { if (seenPoint) point--; continue; }
    store<u8>(digits + nd++, <u8>c);
    if (!seenPoint) point++;
  }
  if (i < n) {
    i++;
    let eneg = false;
    if (load<u8>(p + i) == 0x2d) { eneg = true; i++; } else if (load<u8>(p + i) == 0x2b) i++;
    let e = 0;
    for (; i < n; i++) { if (e > 100000) return false; e = e * 10 + <i32>(load<u8>(p + i) - 0x30); }
    point += eneg ? -e : e;
  }
  while (nd > 0 && load<u8>(digits + nd - 1) == 0x30) nd--;
  if (nd > 17) return false;
  if (nd == 0) { wByte(0x30); return true; }
  writeGoFloat(neg, digits, nd, point);
  return true;
}

function writeNum(v: usize): void {
  let k = numKind(v);
  let integral = k == K_INT;
  if (k == K_TEXT) {
    // an integer literal keeps its digits; anything else is read as a float64
    let p = load<usize>(v, 16);
    let n = load<i32>(v, 20);
    integral = true;
    for (let i = 0; i < n; i++) {
      let c = load<u8>(p + i);
      if (c == 0x2e || c == 0x65 || c == 0x45) { integral = false; break; }
    }
  }
  if (integral) {
    let out = wReserve(numTextMax(v));
    wAdvance(writeNumber(out, v));
    return;
  }
  if (k == K_TEXT && writeLiteralFloat(load<usize>(v, 16), load<i32>(v, 20))) return;
  writeF64(numF64(v));
}

// ---- strings: when plain is allowed ----------------------------------------------------------

// @ts-ignore: decorator
@inline
function ch(p: usize, n: i32, i: i32): u32 {
  return i < n ? <u32>load<u8>(p + i) : 0;
}

function isDigit(c: u32): bool { return c >= 0x30 && c <= 0x39; }

function eqAscii(p: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  let q = changetype<usize>(s);
  for (let i = 0; i < n; i++) if (<u32>load<u8>(p + i) != <u32>load<u16>(q + (<usize>i << 1))) return false;
  return true;
}

// The words YAML 1.1 reads as null, booleans, infinities or NaN (`<<` is the
// merge key only as a key: writeString quotes it there),
// each between `|` (a static string: the runtime uses no managed arrays).
const WORDS = "||~|null|Null|NULL|y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON|n|N|no|No|NO|false|False|FALSE|off|Off|OFF|.inf|.Inf|.INF|+.inf|+.Inf|+.INF|-.inf|-.Inf|-.INF|.nan|.NaN|.NAN|";

function isWord(p: usize, n: i32): bool {
  let q = changetype<usize>(WORDS);
  let m = WORDS.length;
  let s = 0;
  for (let i = 1; i < m; i++) {
    if (load<u16>(q + (<usize>i << 1)) != 0x7c) continue;
    // the word between the bars at s and i
    if (i - s - 1 == n) {
      let same = true;
      for (let k = 0; k < n; k++) if (<u32>load<u8>(p + k) != <u32>load<u16>(q + (<usize>(s + 1 + k) << 1))) { same = false; break; }
      if (same) return true;
    }
    s = i;
  }
  return false;
}

/** Would the text read back (YAML 1.1) as something other than a string? */
function resolvesOther(p: usize, n: i32): bool {
  if (isWord(p, n)) return true;
  if (numberLike(p, n)) return true;
  return timestampLike(p, n);
}

function run(p: usize, n: i32, i: i32, allowed: string): i32 {
  let q = changetype<usize>(allowed);
  let m = allowed.length;
  while (i < n) {
    let c = <u32>load<u8>(p + i);
    let ok = false;
    for (let k = 0; k < m; k++) if (<u32>load<u16>(q + (<usize>k << 1)) == c) { ok = true; break; }
    if (!ok) break;
    i++;
  }
  return i;
}

const DEC_ = "0123456789_";

/** YAML 1.1's int (2, 8, 10, 16, base 60) and float syntaxes. */
function numberLike(p: usize, n: i32): bool {
  let i = 0;
  let c = ch(p, n, 0);
  if (c == 0x2b || c == 0x2d) i = 1;
  if (ch(p, n, i) == 0x30 && ch(p, n, i + 1) == 0x78) {
    return i + 2 < n && run(p, n, i + 2, "0123456789abcdefABCDEF_") == n;
  }
  if (ch(p, n, i) == 0x30 && ch(p, n, i + 1) == 0x62) {
    if (i + 2 < n && run(p, n, i + 2, "01_") == n) return true;
  }
  let d = i;
  if (isDigit(ch(p, n, i))) i = run(p, n, i + 1, DEC_);
  let hasInt = i > d;
  if (i == n) return hasInt;
  c = ch(p, n, i);
  if (c == 0x3a && hasInt) {
    // base 60: (:[0-5]?[0-9])+ then optionally .[0-9_]*
    let groups = 0;
    while (ch(p, n, i) == 0x3a) {
      i++;
      if (isDigit(ch(p, n, i)) && isDigit(ch(p, n, i + 1))) {
        if (ch(p, n, i) > 0x35) return false;
        i += 2;
      } else if (isDigit(ch(p, n, i))) i++;
      else return false;
      groups++;
    }
    if (i == n) return true;
    if (ch(p, n, i) == 0x2e) return run(p, n, i + 1, DEC_) == n;
    return false;
  }
  if (c == 0x2e) {
    i = run(p, n, i + 1, DEC_);
    if (i == n) return true;
    c = ch(p, n, i);
  }
  if (c == 0x65 || c == 0x45) {
    i++;
    if (ch(p, n, i) == 0x2b || ch(p, n, i) == 0x2d) i++;
    let s = i;
    i = run(p, n, i, "0123456789");
    return i > s && i == n;
  }
  return false;
}

/** YAML 1.1's timestamp: yyyy-m-d, optionally a time and a zone. */
function timestampLike(p: usize, n: i32): bool {
  let i = 0;
  for (; i < 4; i++) if (!isDigit(ch(p, n, i))) return false;
  if (ch(p, n, 4) != 0x2d) return false;
  i = 5;
  let s = i; while (isDigit(ch(p, n, i)) && i - s < 2) i++;
  if (i == s || ch(p, n, i) != 0x2d) return false;
  i++;
  s = i; while (isDigit(ch(p, n, i)) && i - s < 2) i++;
  if (i == s) return false;
  if (i == n) return true;
  let c = ch(p, n, i);
  if (c == 0x74 || c == 0x54) i++;
  else if (c == 0x20 || c == 0x09) { while (ch(p, n, i) == 0x20 || ch(p, n, i) == 0x09) i++; }
  else return false;
  for (let part = 0; part < 3; part++) {
    s = i; while (isDigit(ch(p, n, i)) && i - s < 2) i++;
    if (i == s) return false;
    if (part < 2) { if (ch(p, n, i) != 0x3a) return false; i++; }
  }
  if (ch(p, n, i) == 0x2e) {
    i++;
    s = i; while (isDigit(ch(p, n, i))) i++;
    if (i == s) return false;
  }
  if (i == n) return true;
  while (ch(p, n, i) == 0x20 || ch(p, n, i) == 0x09) i++;
  c = ch(p, n, i);
  if (c == 0x5a) return i + 1 == n;
  if (c != 0x2b && c != 0x2d) return false;
  i++;
  // [012]?[0-9]
  if (isDigit(ch(p, n, i)) && isDigit(ch(p, n, i + 1))) { if (ch(p, n, i) > 0x32) return false; i += 2; }
  else if (isDigit(ch(p, n, i))) i++;
  else return false;
  if (i == n) return true;
  if (ch(p, n, i) == 0x3a && isDigit(ch(p, n, i + 1)) && isDigit(ch(p, n, i + 2)) && i + 3 == n) return true;
  return false;
}

function has(p: usize, n: i32, c: u32): bool {
  for (let i = 0; i < n; i++) if (<u32>load<u8>(p + i) == c) return true;
  return false;
}

/** A line starting with `%`, `---` or `...`. */
function docMarker(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) {
    if (i > 0 && load<u8>(p + i - 1) != 0x0a) continue;
    let c = ch(p, n, i);
    if (c == 0x25) return true;
    if ((c == 0x2d || c == 0x2e) && ch(p, n, i + 1) == c && ch(p, n, i + 2) == c) return true;
  }
  return false;
}

/** Characters only double quotes can hold: C0 (but tab, LF), DEL, C1, and
 *  LS / PS (YAML 1.1 line breaks). */
function needsEscapes(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if ((c < 0x20 && c != 0x09 && c != 0x0a) || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < n && load<u8>(p + i + 1) >= 0x80 && load<u8>(p + i + 1) <= 0x9f) return true;
    if (c == 0xe2 && i + 2 < n && load<u8>(p + i + 1) == 0x80 && (load<u8>(p + i + 2) == 0xa8 || load<u8>(p + i + 2) == 0xa9)) return true;
  }
  return false;
}

function hexEscape(c: u32): void {
  let h = changetype<usize>(HEX);
  wByte(0x5c);
  wByte(0x78);
  wByte(load<u16>(h + (<usize>(c >> 4) << 1)));
  wByte(load<u16>(h + (<usize>(c & 15) << 1)));
}

// @ts-ignore: decorator
@inline
function sp(c: u32): bool { return c == 0x20 || c == 0x09; }

/** Indicators and spacing that plain text cannot carry. */
function plainUnsafe(p: usize, n: i32): bool {
  let c0 = ch(p, n, 0);
  if (c0 == 0x0a || c0 == 0x09 || c0 == 0x20) return true;
  if (c0 == 0x2c || c0 == 0x5b || c0 == 0x5d || c0 == 0x7b || c0 == 0x7d || c0 == 0x23 || c0 == 0x26 || c0 == 0x2a || c0 == 0x21) return true;
  if (c0 == 0x7c || c0 == 0x3e || c0 == 0x27 || c0 == 0x22 || c0 == 0x25 || c0 == 0x40 || c0 == 0x60) return true;
  if ((c0 == 0x3f || c0 == 0x2d) && (n == 1 || sp(ch(p, n, 1)))) return true;
  for (let i = 0; i + 1 < n; i++) {
    let a = <u32>load<u8>(p + i), b = <u32>load<u8>(p + i + 1);
    if ((a == 0x0a || a == 0x3a) && sp(b)) return true;
    if (sp(a) && b == 0x0a) return true;
    if ((a == 0x0a || sp(a)) && b == 0x23) return true;
  }
  let last = ch(p, n, n - 1);
  return last == 0x0a || last == 0x09 || last == 0x20 || last == 0x3a;
}

// ---- strings: the quoted and block forms ------------------------------------------------------

/** Length in UTF-16 units of JSON.stringify's text (the host's threshold). */
function jsonLength(p: usize, n: i32): i32 {
  let len = 2;
  let i = 0;
  while (i < n) {
    let c = <u32>load<u8>(p + i);
    let k = seqLen(c);
    if (c == 0x22 || c == 0x5c || c == 0x08 || c == 0x0c || c == 0x0a || c == 0x0d || c == 0x09) len += 2;
    else if (c < 0x20) len += 6;
    else len += k == 4 ? 2 : 1;
    i += k;
  }
  return len;
}

function doubleQuoted(p: usize, n: i32, indent: i32, implicitKey: bool): void {
  let ind = indent > 0 ? indent : docMarker(p, n) ? 2 : 0;
  let multi = !implicitKey && jsonLength(p, n) >= 40;
  wByte(0x22);
  let i = 0;
  while (i < n) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x20 && ch(p, n, i + 1) == 0x0a) { wByte(0x5c); wByte(0x20); i++; continue; }
    if (c == 0x0a) {
      // a line break inside: kept as \n, or written as real breaks (an empty line each)
      if (!multi || i + 1 == n) { wByte(0x5c); wByte(0x6e); i++; continue; }
      wByte(0x0a); wByte(0x0a);
      while (ch(p, n, i + 1) == 0x0a && i + 2 < n) { wByte(0x0a); i++; }
      spaces(ind);
      if (ch(p, n, i + 1) == 0x20) wByte(0x5c);
      i++;
      continue;
    }
    // DEL, C1, LS and PS escaped: the host writes them raw, which YAML 1.1
    // readers (libyaml: NEL, LS, PS are line breaks) read otherwise
    if (c == 0x7f) { hexEscape(c); i++; continue; }
    if (c == 0xc2 && ch(p, n, i + 1) >= 0x80 && ch(p, n, i + 1) <= 0x9f) {
      let d = ch(p, n, i + 1);
      if (d == 0x85) { wByte(0x5c); wByte(0x4e); } else hexEscape(d);
      i += 2;
      continue;
    }
    if (c == 0xe2 && ch(p, n, i + 1) == 0x80 && (ch(p, n, i + 2) == 0xa8 || ch(p, n, i + 2) == 0xa9)) {
      wByte(0x5c);
      wByte(ch(p, n, i + 2) == 0xa8 ? 0x4c : 0x50);
      i += 3;
      continue;
    }
    if (c == 0x22) { wByte(0x5c); wByte(0x22); i++; continue; }
    if (c == 0x5c) { wByte(0x5c); wByte(0x5c); i++; continue; }
    if (c < 0x20) {
      wByte(0x5c);
      switch (c) {
        case 0x00: wByte(0x30); break;
        case 0x07: wByte(0x61); break;
        case 0x08: wByte(0x62); break;
        case 0x09: wByte(0x74); break;
        case 0x0b: wByte(0x76); break;
        case 0x0c: wByte(0x66); break;
        case 0x0d: wByte(0x72); break;
        case 0x1b: wByte(0x65); break;
        default: {
          let h = changetype<usize>(HEX);
          wByte(0x78);
          wByte(load<u16>(h + (<usize>(c >> 4) << 1)));
          wByte(load<u16>(h + (<usize>(c & 15) << 1)));
        }
      }
      i++;
      continue;
    }
    wByte(c);
    i++;
  }
  wByte(0x22);
}

function singleQuoted(p: usize, n: i32, indent: i32, implicitKey: bool): void {
  for (let i = 0; i + 1 < n; i++) {
    let a = <u32>load<u8>(p + i), b = <u32>load<u8>(p + i + 1);
    if ((sp(a) && b == 0x0a) || (a == 0x0a && sp(b))) { doubleQuoted(p, n, indent, implicitKey); return; }
  }
  if (implicitKey && has(p, n, 0x0a)) { doubleQuoted(p, n, indent, implicitKey); return; }
  let ind = indent > 0 ? indent : docMarker(p, n) ? 2 : 0;
  wByte(0x27);
  let i = 0;
  while (i < n) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x27) { wByte(0x27); wByte(0x27); i++; continue; }
    if (c == 0x0a) {
      while (i < n && load<u8>(p + i) == 0x0a) { wByte(0x0a); i++; }
      wByte(0x0a);
      spaces(ind);
      continue;
    }
    wByte(c);
    i++;
  }
  wByte(0x27);
}

function quoted(p: usize, n: i32, indent: i32, implicitKey: bool): void {
  if (has(p, n, 0x22) && !has(p, n, 0x27)) singleQuoted(p, n, indent, implicitKey);
  else doubleQuoted(p, n, indent, implicitKey);
}

/** A literal block scalar (`|`, `|-`, `|+`, `|2-` …) for multi-line text. */
function blockLiteral(p: usize, n: i32, indent: i32): void {
  // trailing blanks after the last line break cannot be kept by a block scalar
  let t = n;
  while (t > 0 && sp(load<u8>(p + t - 1))) t--;
  if (t > 0 && t < n && load<u8>(p + t - 1) == 0x0a) { quoted(p, n, indent, false); return; }
  // at the document level the content is indented too (go-yaml's emitter
  // does so; libyaml reads no block scalar content at column 0 there, the
  // host writes it at column 0 anyway)
  let ind = indent > 0 ? indent : 2;
  let endStart = n;
  while (endStart > 0) {
    let c = load<u8>(p + endStart - 1);
    if (c != 0x0a && c != 0x09 && c != 0x20) break;
    endStart--;
  }
  // only blank lines, some with spaces: a reader takes the widest as the
  // indentation and loses the spaces (the host writes it anyway)
  if (endStart == 0 && (has(p, n, 0x20) || has(p, n, 0x09))) { doubleQuoted(p, n, indent, false); return; }
  // chomping from the trailing blank run
  let firstNl = -1, nls = 0;
  for (let i = endStart; i < n; i++) if (load<u8>(p + i) == 0x0a) { if (firstNl < 0) firstNl = i; nls++; }
  let chomp: u32 = 0;
  if (firstNl < 0) chomp = 0x2d;
  else if (endStart == 0 || firstNl != n - 1) chomp = 0x2b;
  // leading: spaces and line breaks before the first other character
  let startWithSpace = false;
  let startNl = -1;
  let se = 0;
  for (; se < endStart; se++) {
    let c = load<u8>(p + se);
    if (c == 0x20) startWithSpace = true;
    else if (c == 0x0a) startNl = se;
    else break;
  }
  wByte(0x7c);
  if (startWithSpace) wByte(ind > 0 ? 0x32 : 0x31);
  if (chomp != 0) wByte(chomp);
  wByte(0x0a);
  spaces(ind);
  // the leading line breaks, each run followed by the indentation
  let bodyStart = startNl >= 0 ? startNl + 1 : 0;
  writeIndentedRuns(p, 0, bodyStart, ind, false);
  writeIndentedRuns(p, bodyStart, endStart, ind, false);
  // the trailing run, without its final line break
  let te = n;
  if (te > endStart && load<u8>(p + te - 1) == 0x0a) te--;
  writeIndentedRuns(p, endStart, te, ind, true);
}

/** Copies p[a, b), writing the indentation after each run of line breaks
 *  (in the trailing part only before a non-break, as the host does). */
function writeIndentedRuns(p: usize, a: i32, b: i32, ind: i32, tail: bool): void {
  let i = a;
  while (i < b) {
    let c = <u32>load<u8>(p + i);
    wByte(c);
    i++;
    if (c == 0x0a && (i >= b || load<u8>(p + i) != 0x0a)) {
      if (!tail || i < b) spaces(ind);
    }
  }
}

/** A string value (implicitKey: a mapping key) at content indentation `indent`. */
function writeString(p: usize, n: i32, indent: i32, implicitKey: bool, top: bool): void {
  if (needsEscapes(p, n)) { doubleQuoted(p, n, indent, implicitKey); return; }
  let nl = has(p, n, 0x0a);
  if (implicitKey && nl) { quoted(p, n, indent, implicitKey); return; }
  if (n == 0 || plainUnsafe(p, n)) {
    if (implicitKey || !nl) quoted(p, n, indent, implicitKey);
    else blockLiteral(p, n, indent);
    return;
  }
  if (!implicitKey && nl) { blockLiteral(p, n, indent); return; }
  if (docMarker(p, n)) {
    if (indent == 0 && !implicitKey) { blockLiteral(p, n, indent); return; }
    // the host indents a key's context one step: a top-level key is quoted
    if (implicitKey && indent == 0) { quoted(p, n, indent, implicitKey); return; }
  }
  if (implicitKey && n == 2 && load<u8>(p) == 0x3c && load<u8>(p + 1) == 0x3c) { quoted(p, n, indent, implicitKey); return; }
  // quoted when either YAML 1.1 (the host's rules) or go-yaml's resolution
  // (`0o17`, `1e3_0`) would read the plain text as something else
  if (resolvesOther(p, n) || !plainReadsAsString(p, n)) { quoted(p, n, indent, implicitKey); return; }
  wBytes(p, n);
}

// ---- collections ------------------------------------------------------------------------------

function isEmptyColl(v: usize): bool {
  let t = typeOf(v);
  if (t == T_ARRAY) return arrLen(v) == 0;
  if (t == T_OBJECT || t == T_SET) return collCount(v) == 0;
  return false;
}

function itemCount(v: usize): i32 {
  return typeOf(v) == T_ARRAY ? arrLen(v) : collCount(v);
}

function itemAt(v: usize, i: i32): usize {
  return typeOf(v) == T_ARRAY ? arrAt(v, i) : collKeyAt(v, i);
}

/** A scalar or an empty collection on the current line. */
function writeInline(v: usize, indent: i32, top: bool): void {
  let t = typeOf(v);
  if (t == T_NULL) { wBytes(changetype<usize>(NULL_T), 4); return; }
  if (t == T_BOOL) {
    if (load<i32>(v, 4) != 0) wBytes(changetype<usize>(TRUE_T), 4); else wBytes(changetype<usize>(FALSE_T), 5);
    return;
  }
  if (t == T_NUMBER) { writeNum(v); return; }
  if (t == T_STRING) { writeString(strPtr(v), strLen(v), indent, false, top); return; }
  if (t == T_OBJECT) { wByte(0x7b); wByte(0x7d); return; }
  wByte(0x5b); wByte(0x5d);
}

const NULL_T = memory.data<u8>([0x6e, 0x75, 0x6c, 0x6c]);
const TRUE_T = memory.data<u8>([0x74, 0x72, 0x75, 0x65]);
const FALSE_T = memory.data<u8>([0x66, 0x61, 0x6c, 0x73, 0x65]);

/** A mapping whose keys sit at column `col`; the first line is already indented. */
function writeMap(o: usize, col: i32): void {
  let n = collCount(o);
  for (let i = 0; i < n; i++) {
    if (i > 0) spaces(col);
    let k = collKeyAt(o, i);
    if (typeOf(k) != T_STRING) { failed = true; return; }
    let kp = strPtr(k), kn = strLen(k);
    if (jsonLength(kp, kn) - 2 > 1024) { failed = true; return; } // the host writes an explicit `? ` key
    writeString(kp, kn, col, true, false);
    wByte(0x3a);
    writeValue(collValAt(o, i), col, true);
  }
}

/** A sequence whose `-` sit at column `col`; the first line is already indented. */
function writeSeq(a: usize, col: i32): void {
  let n = itemCount(a);
  for (let i = 0; i < n; i++) {
    if (i > 0) spaces(col);
    wByte(0x2d);
    writeValue(itemAt(a, i), col, false);
  }
}

/** The value after `key:` (inMap) or `-`, then the line break(s). */
function writeValue(v: usize, col: i32, inMap: bool): void {
  let t = typeOf(v);
  if (t == T_OBJECT && !isEmptyColl(v)) {
    if (inMap) { wByte(0x0a); spaces(col + 2); } else { wByte(0x20); }
    writeMap(v, col + 2);
    return;
  }
  if ((t == T_ARRAY || t == T_SET) && !isEmptyColl(v)) {
    if (inMap) { wByte(0x0a); spaces(col); writeSeq(v, col); }
    else { wByte(0x20); writeSeq(v, col + 2); }
    return;
  }
  wByte(0x20);
  writeInline(v, col + 2, false);
  wByte(0x0a);
}

export function mg_yaml_marshal(v: usize): usize {
  if (v == 0) return 0;
  failed = false;
  wBegin(64);
  let t = typeOf(v);
  if (t == T_OBJECT && !isEmptyColl(v)) writeMap(v, 0);
  else if ((t == T_ARRAY || t == T_SET) && !isEmptyColl(v)) writeSeq(v, 0);
  else { writeInline(v, 0, true); wByte(0x0a); }
  if (failed) return 0;
  return newStr(wStart(), wLength());
}
