// builtins-format.ts — sprintf and format_int inside the module: Go's
// fmt.Sprintf applied to Rego values the way OPA converts them (topdown's
// builtinSprintf): a number whose text is an integer is an int (a *big.Int
// past int64, kept exact), any other number a float64, a string a string, and
// every other value its Rego text. The opa-wasm SDK's own `sprintf` follows
// JavaScript, not Go, and would shadow a host function of that name, which is
// why this one runs in the module.
//
// Output is built with the shared writer (writer.ts): composite arguments are
// turned into text before writing starts, so nothing else uses it meanwhile.

import {
  T_NUMBER, T_STRING, T_ARRAY, T_NULL, T_BOOL, typeOf, strLen, strPtr, newStr,
  arrLen, arrAt, alloc,
} from "./value";
import { numKind, numF64, numTextMax, writeNumber, K_INT, numI64 } from "./number";
import { dumpValue, wPretty } from "./json";
import { wBegin, wByte, wBytes, wReserve, wAdvance, wLength, wStart, wAscii } from "./writer";
import { exactDigits, shortestDigits, roundDigits, DEC_DIGITS, decLen, decPoint, convertBase, convLen } from "./decimal";
import { decodeAt, encodeAt, seqLen, runeCount, runeOffset } from "./utf8";

// ---- arguments ----------------------------------------------------------------

const A_INT: u8 = 1;   // @16 i64
const A_BIG: u8 = 2;   // @1 negative, @4 magnitude digits, @8 their count
const A_FLOAT: u8 = 3; // @16 f64
const A_STR: u8 = 4;   // @4 bytes, @8 length
const ARG_SIZE: usize = 24;

/** OPA's conversion of one Rego value to a Go fmt argument, at rec. */
function convertArg(v: usize, rec: usize): void {
  let t = typeOf(v);
  if (t == T_STRING) {
    store<u8>(rec, A_STR);
    store<usize>(rec, strPtr(v), 4);
    store<i32>(rec, strLen(v), 8);
    return;
  }
  if (t == T_NUMBER) {
    if (numKind(v) == K_INT) {
      store<u8>(rec, A_INT);
      store<i64>(rec, numI64(v), 16);
      return;
    }
    // the number's text decides, as in OPA (json.Number → Int64, big.Int, float64)
    let buf = alloc(<usize>numTextMax(v));
    let n = writeNumber(buf, v);
    let neg = load<u8>(buf) == 0x2d;
    let s = neg ? 1 : 0;
    let integral = n > s;
    for (let i = s; i < n; i++) {
      let c = load<u8>(buf + i);
      if (c < 0x30 || c > 0x39) { integral = false; break; }
    }
    if (integral) {
      let p = buf + <usize>s;
      let m = n - s;
      while (m > 1 && load<u8>(p) == 0x30) { p++; m--; }
      let cmp = m == 19 ? memory.compare(p, I64_LIMIT, 19) : 0;
      if (m < 19 || (m == 19 && (cmp < 0 || (cmp == 0 && neg)))) {
        let x: i64 = 0;
        for (let i = 0; i < m; i++) x = x * 10 + <i64>(load<u8>(p + i) - 0x30);
        store<u8>(rec, A_INT);
        store<i64>(rec, neg ? -x : x, 16);
        return;
      }
      store<u8>(rec, A_BIG);
      store<u8>(rec, neg ? 1 : 0, 1);
      store<usize>(rec, p, 4);
      store<i32>(rec, m, 8);
      return;
    }
    let f = numF64(v);
    if (!isFinite(f)) {
      // beyond float64's range OPA passes the number's text
      store<u8>(rec, A_STR);
      store<usize>(rec, buf, 4);
      store<i32>(rec, n, 8);
      return;
    }
    store<u8>(rec, A_FLOAT);
    store<f64>(rec, f, 16);
    return;
  }
  // null, booleans and composites: their Rego text
  let p: usize;
  let n: i32;
  if (t == T_NULL) { p = NULL_TEXT; n = 4; }
  else if (t == T_BOOL) {
    if (load<i32>(v, 4)) { p = TRUE_TEXT; n = 4; } else { p = FALSE_TEXT; n = 5; }
  } else {
    wPretty = true;
    p = dumpValue(v, true);
    n = wLength();
    wPretty = false;
  }
  store<u8>(rec, A_STR);
  store<usize>(rec, p, 4);
  store<i32>(rec, n, 8);
}

// "9223372036854775808": the magnitude of int64's minimum (ASCII bytes)
const I64_LIMIT = memory.data<u8>([0x39, 0x32, 0x32, 0x33, 0x33, 0x37, 0x32, 0x30, 0x33, 0x36, 0x38, 0x35, 0x34, 0x37, 0x37, 0x35, 0x38, 0x30, 0x38]);
const NULL_TEXT = memory.data<u8>([0x6e, 0x75, 0x6c, 0x6c]);
const TRUE_TEXT = memory.data<u8>([0x74, 0x72, 0x75, 0x65]);
const FALSE_TEXT = memory.data<u8>([0x66, 0x61, 0x6c, 0x73, 0x65]);
const HEX_LOWER = memory.data<u8>([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66]);
const HEX_UPPER = memory.data<u8>([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46]);

// ---- flags of the verb being formatted ---------------------------------------

let fMinus = false, fPlus = false, fSharp = false, fSpace = false, fZero = false;
let sharpV = false; // %#v: strings print quoted
let fWid = -1;  // -1: no width
let fPrec = -1; // -1: no precision

function clearFlags(): void {
  fMinus = false; fPlus = false; fSharp = false; fSpace = false; fZero = false;
  fWid = -1; fPrec = -1;
}

/** Pads what was written since `start` to the width, in code points: spaces
 *  on the left (right with `-`), or zeros after a leading sign when `zero`. */
function padFrom(start: i32, zero: bool, signAware: bool): void {
  if (fWid < 0) return;
  let len = wLength() - start;
  let runes = runeCount(wStart() + <usize>start, len);
  if (runes >= fWid) return;
  let n = fWid - runes;
  if (fMinus) {
    let p = wReserve(n);
    memory.fill(p, 0x20, n);
    wAdvance(n);
    return;
  }
  wReserve(n);
  let base = wStart() + <usize>start;
  memory.copy(base + <usize>n, base, <usize>len);
  if (zero) {
    let first = len > 0 ? load<u8>(base + <usize>n) : 0;
    if (signAware && (first == 0x2b || first == 0x2d || first == 0x20)) {
      store<u8>(base, first);
      memory.fill(base + 1, 0x30, n);
    } else memory.fill(base, 0x30, n);
  } else memory.fill(base, 0x20, n);
  wAdvance(n);
}

function writeSign(neg: bool): void {
  if (neg) wByte(0x2d); else if (fPlus) wByte(0x2b); else if (fSpace) wByte(0x20);
}

// ---- integers -------------------------------------------------------------------

function hexDigit(d: u32, upper: bool): u32 {
  return load<u8>((upper ? HEX_UPPER : HEX_LOWER) + d);
}

/** Digits of |x| in base (2, 8, 10, 16), written to a fresh buffer; sets convLen. */
function i64Digits(x: i64, base: u32, upper: bool): usize {
  let u: u64 = x < 0 ? <u64>(-x) : <u64>x;
  let tmp = alloc(64);
  let k = 64;
  do { store<u8>(tmp + --k, <u8>hexDigit(<u32>(u % base), upper)); u /= base; } while (u != 0);
  digitsLen = 64 - k;
  return tmp + k;
}
let digitsLen: i32 = 0;

/** Writes an integer with Go's %d %b %o %O %x %X rules: precision is a
 *  minimum digit count, and the 0 flag (without precision) pads digits to
 *  the width, before any 0x prefix (fmt's fmtInteger). */
function writeInt(neg: bool, digits: usize, nd: i32, verb: u32): void {
  let start = wLength();
  let prec = 0;
  let zero = nd == 1 && load<u8>(digits) == 0x30;
  if (fPrec == 0 && zero) { padFrom(start, false, false); return; }
  if (fPrec >= 0) {
    prec = fPrec;
  } else if (fZero && fWid > 0 && !fMinus) {
    prec = fWid;
    if (neg || fPlus || fSpace) prec--;
  }
  writeSign(neg);
  if (fSharp || verb == 0x4f) {
    switch (verb) {
      case 0x62: wAscii("0b"); break;
      case 0x6f: if (prec <= nd && !(nd > 0 && load<u8>(digits) == 0x30)) wByte(0x30); break;
      case 0x4f: wAscii("0o"); break;
      case 0x78: wAscii("0x"); break;
      case 0x58: wAscii("0X"); break;
    }
  }
  for (let i = nd; i < prec; i++) wByte(0x30);
  wBytes(digits, nd);
  padFrom(start, false, false);
}

function baseOf(verb: u32): u32 {
  switch (verb) {
    case 0x62: return 2;
    case 0x6f: case 0x4f: return 8;
    case 0x78: case 0x58: return 16;
  }
  return 10;
}

/** %c %q %U of a code point (Go: fmtC, fmtQc, fmtUnicode). */
function writeRuneVerb(x: i64, verb: u32): void {
  let start = wLength();
  // invalid code points print as U+FFFD (utf8.AppendRune, strconv.QuoteRune)
  let c: u32 = x < 0 || x > 0x10ffff || (x >= 0xd800 && x < 0xe000) ? 0xfffd : <u32>x;
  if (verb == 0x63) {
    let p = wReserve(4);
    wAdvance(encodeAt(p, c));
  } else if (verb == 0x71) {
    wByte(0x27);
    quoteRune(c, 0x27, fPlus);
    wByte(0x27);
  } else {
    wAscii("U+");
    let u: u64 = <u64>x;
    let tmp = alloc(16);
    let k = 16;
    do { store<u8>(tmp + --k, <u8>hexDigit(<u32>(u & 15), true)); u >>= 4; } while (u != 0);
    let prec = fPrec > 4 ? fPrec : 4;
    for (let i = 16 - k; i < prec; i++) wByte(0x30);
    wBytes(tmp + k, 16 - k);
    if (fSharp && x >= 0 && x <= 0x10ffff && isPrint(<u32>x)) {
      wAscii(" '");
      let p = wReserve(4);
      wAdvance(encodeAt(p, <u32>x));
      wByte(0x27);
    }
  }
  padFrom(start, false, false);
}

// ---- floats ---------------------------------------------------------------------

function writeExp(e: i32, upper: bool): void {
  wByte(upper ? 0x45 : 0x65);
  wByte(e < 0 ? 0x2d : 0x2b);
  if (e < 0) e = -e;
  if (e < 10) wByte(0x30);
  let tmp = alloc(8);
  let k = 8;
  do { store<u8>(tmp + --k, <u8>(0x30 + e % 10)); e /= 10; } while (e != 0);
  wBytes(tmp + k, 8 - k);
}

function digitAt(i: i32): u32 {
  return i < decLen ? <u32>load<u8>(DEC_DIGITS + i) : 0x30;
}

/** d.ddd e±XX with prec fraction digits, from the current digits. */
function writeEText(prec: i32, upper: bool): void {
  wByte(digitAt(0));
  if (prec > 0) {
    wByte(0x2e);
    for (let i = 1; i <= prec; i++) wByte(digitAt(i));
  }
  writeExp(decLen == 0 ? 0 : decPoint - 1, upper);
}

/** ddd.ddd with prec fraction digits, from the current digits. */
function writeFText(prec: i32): void {
  if (decPoint <= 0 || decLen == 0) wByte(0x30);
  else for (let i = 0; i < decPoint; i++) wByte(digitAt(i));
  if (prec > 0) {
    wByte(0x2e);
    for (let i = 0; i < prec; i++) {
      let j = decPoint + i;
      wByte(j < 0 || decLen == 0 ? 0x30 : digitAt(j));
    }
  }
}

function writeFloat(x: f64, verb: u32): void {
  let start = wLength();
  let neg = x < 0 || (x == 0 && 1 / x < 0);
  if (isNaN(x)) { if (fPlus) wByte(0x2b); else if (fSpace) wByte(0x20); wAscii("NaN"); padFrom(start, false, false); return; }
  writeSign(neg);
  if (!isFinite(x)) { wAscii("Inf"); padFrom(start, false, false); return; }
  switch (verb) {
    case 0x65: case 0x45: { // e E
      let p = fPrec >= 0 ? fPrec : 6;
      exactDigits(x);
      roundDigits(p + 1);
      writeEText(p, verb == 0x45);
      break;
    }
    case 0x66: case 0x46: { // f F
      let p = fPrec >= 0 ? fPrec : 6;
      exactDigits(x);
      roundDigits(decPoint + p);
      writeFText(p);
      break;
    }
    default: { // v g G (b x X print as %g)
      let shortest = fPrec < 0;
      let prec = fPrec;
      if (prec == 0) prec = 1;
      if (shortest) shortestDigits(x);
      else { exactDigits(x); roundDigits(prec); }
      let nd = decLen == 0 ? 1 : decLen;
      let dp = decLen == 0 ? 1 : decPoint;
      if (shortest) prec = nd;
      let eprec = prec;
      if (eprec > nd && nd >= dp) eprec = nd;
      if (shortest) eprec = 6;
      let exp = dp - 1;
      if (exp < -4 || exp >= eprec) {
        let p = (prec < nd ? prec : nd) - 1;
        writeEText(fSharp ? prec - 1 : p, verb == 0x47);
      } else {
        let p = prec > dp ? nd : prec;
        let fr = fSharp ? prec - dp : p - dp;
        writeFText(fr > 0 ? fr : 0);
      }
    }
  }
  padFrom(start, fZero, true);
}

// ---- strings --------------------------------------------------------------------

/** Unicode code points Go's strconv.IsPrint rejects, as far as the host
 *  implementation (builtins/rego-text.ts goQuote) distinguishes them. */
function isPrint(c: u32): bool {
  if (c < 0x20 || c == 0x7f) return false;
  if ((c >= 0x80 && c < 0xa0) || c == 0xad || (c >= 0xd800 && c < 0xe000) || c == 0xfeff || c == 0x2028 || c == 0x2029) return false;
  return true;
}

/** Writes c escaped as strconv.Quote does inside `quote` (no surrounding
 *  quotes); `ascii` escapes every non-ASCII code point (QuoteToASCII). */
function quoteRune(c: u32, quote: u32, ascii: bool): void {
  if (c == quote || c == 0x5c) { wByte(0x5c); wByte(c); return; }
  switch (c) {
    case 7: wAscii("\\a"); return;
    case 8: wAscii("\\b"); return;
    case 12: wAscii("\\f"); return;
    case 10: wAscii("\\n"); return;
    case 13: wAscii("\\r"); return;
    case 9: wAscii("\\t"); return;
    case 11: wAscii("\\v"); return;
  }
  if (c < 0x20 || c == 0x7f) {
    wAscii("\\x");
    wByte(hexDigit(c >> 4, false));
    wByte(hexDigit(c & 15, false));
    return;
  }
  if (!isPrint(c) || (ascii && c >= 0x80)) {
    let n = c > 0xffff ? 8 : 4;
    wAscii(c > 0xffff ? "\\U" : "\\u");
    for (let i = n - 1; i >= 0; i--) wByte(hexDigit((c >> (<u32>i * 4)) & 15, false));
    return;
  }
  let p = wReserve(4);
  wAdvance(encodeAt(p, c));
}

function writeQuotedString(p: usize, n: i32): void {
  if (fSharp) {
    // strconv.CanBackquote: no backquote and no control character but tab
    let ok = true;
    for (let i = 0; i < n; i++) {
      let b = load<u8>(p + i);
      if (b == 0x60 || b == 0x7f || (b < 0x20 && b != 0x09)) { ok = false; break; }
    }
    if (ok && !(n >= 3 && hasBOM(p, n))) {
      wByte(0x60); wBytes(p, n); wByte(0x60);
      return;
    }
  }
  wByte(0x22);
  let i = 0;
  while (i < n) {
    let c = decodeAt(p + i);
    i += seqLen(load<u8>(p + i));
    quoteRune(c, 0x22, fPlus);
  }
  wByte(0x22);
}

function hasBOM(p: usize, n: i32): bool {
  for (let i = 0; i + 3 <= n; i++) {
    if (load<u8>(p + i) == 0xef && load<u8>(p + i + 1) == 0xbb && load<u8>(p + i + 2) == 0xbf) return true;
  }
  return false;
}

/** Returns false for a verb strings do not take. */
function writeString(p: usize, n: i32, verb: u32): bool {
  let start = wLength();
  if (verb == 0x78 || verb == 0x58) {
    let upper = verb == 0x58;
    let len = fPrec >= 0 && fPrec < n ? fPrec : n;
    for (let i = 0; i < len; i++) {
      if (i > 0 && fSpace) wByte(0x20);
      if (fSharp && (i == 0 || fSpace)) { wByte(0x30); wByte(upper ? 0x58 : 0x78); }
      let b = <u32>load<u8>(p + i);
      wByte(hexDigit(b >> 4, upper));
      wByte(hexDigit(b & 15, upper));
    }
    padFrom(start, fZero, false);
    return true;
  }
  if (verb != 0x73 && verb != 0x76 && verb != 0x71) return false;
  if (fPrec >= 0) n = runeOffset(p, n, fPrec);
  if (verb == 0x71 || (verb == 0x76 && sharpV)) writeQuotedString(p, n); else wBytes(p, n);
  padFrom(start, fZero, false);
  return true;
}

// ---- one argument ---------------------------------------------------------------

/** Formats the argument at rec with verb; false when the verb does not apply. */
function formatArg(rec: usize, verb: u32): bool {
  let kind = load<u8>(rec);
  if (kind == A_STR) return writeString(load<usize>(rec, 4), load<i32>(rec, 8), verb);
  if (kind == A_FLOAT) {
    switch (verb) {
      case 0x76: case 0x62: case 0x67: case 0x47: case 0x78: case 0x58:
      case 0x66: case 0x46: case 0x65: case 0x45:
        writeFloat(load<f64>(rec, 16), verb);
        return true;
    }
    return false;
  }
  let isBig = kind == A_BIG;
  let neg = isBig ? load<u8>(rec, 1) != 0 : load<i64>(rec, 16) < 0;
  switch (verb) {
    case 0x76: case 0x64: case 0x62: case 0x6f: case 0x4f: case 0x78: case 0x58: {
      let base = baseOf(verb);
      let upper = verb == 0x58;
      let d: usize, nd: i32;
      if (isBig) { d = convertBase(load<usize>(rec, 4), load<i32>(rec, 8), base, upper); nd = convLen; }
      else { d = i64Digits(load<i64>(rec, 16), base, upper); nd = digitsLen; }
      writeInt(neg, d, nd, verb);
      return true;
    }
    case 0x73: {
      // *big.Int formats %s as decimal; Go's int has no %s
      if (!isBig) return false;
      let start = wLength();
      if (neg) wByte(0x2d);
      wBytes(load<usize>(rec, 4), load<i32>(rec, 8));
      padFrom(start, fZero, false);
      return true;
    }
    case 0x63: case 0x71: case 0x55:
      if (isBig) return false;
      writeRuneVerb(load<i64>(rec, 16), verb);
      return true;
  }
  return false;
}

function typeName(rec: usize): void {
  switch (load<u8>(rec)) {
    case A_INT: wAscii("int"); break;
    case A_BIG: wAscii("*big.Int"); break;
    case A_FLOAT: wAscii("float64"); break;
    default: wAscii("string");
  }
}

function plainV(rec: usize): void {
  clearFlags();
  formatArg(rec, 0x76);
}

/** `%!z(int=5)`: the value printed with %v under the verb's flags, as Go's
 *  badVerb does; a *big.Int formats itself, plainly, as `big.Int=…`. */
function badVerb(rec: usize, verb: u32): void {
  wAscii("%!");
  let p = wReserve(4);
  wAdvance(encodeAt(p, verb));
  wByte(0x28);
  if (load<u8>(rec) == A_BIG) {
    wAscii("big.Int=");
    clearFlags();
  } else typeName(rec);
  if (load<u8>(rec) != A_BIG) wByte(0x3d);
  formatArg(rec, 0x76);
  wByte(0x29);
}

// ---- the format string -------------------------------------------------------------

let fmtP: usize = 0;
let fmtEnd: i32 = 0;

/** Go's parsenum: digits at i; -1 when none, -2 on overflow (past 1e6). */
let numEnd: i32 = 0;
function parseNum(i: i32): i32 {
  let n = 0;
  let any = false;
  while (i < fmtEnd) {
    let c = <u32>load<u8>(fmtP + i);
    if (c < 0x30 || c > 0x39) break;
    if (n > 1000000) { numEnd = fmtEnd; return -2; }
    n = n * 10 + <i32>(c - 0x30);
    any = true;
    i++;
  }
  numEnd = i;
  return any ? n : -1;
}

// argNumber's results
let anArg: i32 = 0;
let anI: i32 = 0;
let anFound = false;
let goodArgNum = true;
let reordered = false;

/** Go's argNumber: an explicit `[n]` index at i. */
function argNumber(argNum: i32, i: i32, nargs: i32): void {
  anArg = argNum; anI = i; anFound = false;
  if (i >= fmtEnd || load<u8>(fmtP + i) != 0x5b) return;
  reordered = true;
  // parseArgNumber: at least "[n]"
  let ok = false;
  let index = 0;
  let wid = 1;
  if (fmtEnd - i >= 3) {
    for (let j = i + 1; j < fmtEnd; j++) {
      if (load<u8>(fmtP + j) == 0x5d) {
        let saveEnd = fmtEnd;
        fmtEnd = j;
        let n = parseNum(i + 1);
        let ni = numEnd;
        fmtEnd = saveEnd;
        wid = j - i + 1;
        if (n >= 0 && ni == j) { ok = true; index = n - 1; }
        break;
      }
    }
  }
  if (ok && index >= 0 && index < nargs) { anArg = index; anI = i + wid; anFound = true; return; }
  goodArgNum = false;
  anI = i + wid;
  anFound = ok;
}

/** Go's intFromArg: the argument as a width or precision (-1 when it is not
 *  an int of at most 1e6 in magnitude; `okInt` says which). */
let okInt = false;
function intFromArg(args: usize, argNum: i32, nargs: i32): i32 {
  okInt = false;
  if (argNum >= nargs) return 0;
  let rec = args + <usize>argNum * ARG_SIZE;
  if (load<u8>(rec) != A_INT) return 0;
  let x = load<i64>(rec, 16);
  if (x > 1000000 || x < -1000000) return 0;
  okInt = true;
  return <i32>x;
}

/** sprintf(format, values): Go's fmt.Sprintf over OPA's argument conversion. */
export function mg_sprintf(format: usize, values: usize): usize {
  if (format == 0 || values == 0 || typeOf(format) != T_STRING || typeOf(values) != T_ARRAY) return 0;
  let nargs = arrLen(values);
  let args = alloc(<usize>nargs * ARG_SIZE);
  for (let i = 0; i < nargs; i++) convertArg(arrAt(values, i), args + <usize>i * ARG_SIZE);
  fmtP = strPtr(format);
  fmtEnd = strLen(format);
  let end = fmtEnd;
  wBegin(end + 16);
  let argNum = 0;
  let afterIndex = false;
  reordered = false;
  let i = 0;
  while (i < end) {
    goodArgNum = true;
    let last = i;
    while (i < end && load<u8>(fmtP + i) != 0x25) i++;
    if (i > last) wBytes(fmtP + last, i - last);
    if (i >= end) break;
    i++;
    clearFlags();
    for (; i < end; i++) {
      let c = load<u8>(fmtP + i);
      if (c == 0x23) fSharp = true;
      else if (c == 0x30) fZero = !fMinus;
      else if (c == 0x2b) fPlus = true;
      else if (c == 0x2d) { fMinus = true; fZero = false; }
      else if (c == 0x20) fSpace = true;
      else break;
    }
    argNumber(argNum, i, nargs);
    argNum = anArg; i = anI; afterIndex = anFound;
    if (i < end && load<u8>(fmtP + i) == 0x2a) {
      i++;
      let w = intFromArg(args, argNum, nargs);
      if (argNum < nargs) argNum++;
      if (!okInt) wAscii("%!(BADWIDTH)");
      else {
        fWid = w;
        if (w < 0) { fWid = -w; fMinus = true; fZero = false; }
      }
      afterIndex = false;
    } else {
      let w = parseNum(i);
      i = numEnd;
      if (w >= 0) { fWid = w; if (afterIndex) goodArgNum = false; }
    }
    if (i + 1 < end && load<u8>(fmtP + i) == 0x2e) {
      i++;
      if (afterIndex) goodArgNum = false;
      argNumber(argNum, i, nargs);
      argNum = anArg; i = anI; afterIndex = anFound;
      if (i < end && load<u8>(fmtP + i) == 0x2a) {
        i++;
        let pr = intFromArg(args, argNum, nargs);
        if (argNum < nargs) argNum++;
        if (pr < 0) okInt = false;
        if (!okInt) wAscii("%!(BADPREC)"); else fPrec = pr;
        afterIndex = false;
      } else {
        let pr = parseNum(i);
        i = numEnd;
        fPrec = pr >= 0 ? pr : 0;
      }
    }
    if (!afterIndex) {
      argNumber(argNum, i, nargs);
      argNum = anArg; i = anI; afterIndex = anFound;
    }
    if (i >= end) { wAscii("%!(NOVERB)"); break; }
    let verb = decodeAt(fmtP + i);
    i += seqLen(load<u8>(fmtP + i));
    if (verb == 0x25) { wByte(0x25); continue; }
    if (!goodArgNum) {
      wAscii("%!");
      let p = wReserve(4);
      wAdvance(encodeAt(p, verb));
      wAscii("(BADINDEX)");
      continue;
    }
    if (argNum >= nargs) {
      wAscii("%!");
      let p = wReserve(4);
      wAdvance(encodeAt(p, verb));
      wAscii("(MISSING)");
      continue;
    }
    let rec = args + <usize>argNum * ARG_SIZE;
    sharpV = false;
    if (verb == 0x76) {
      // %+v and %#v are their own formats in Go: the flags move aside
      sharpV = fSharp;
      fSharp = false;
      fPlus = false;
    }
    if (!formatArg(rec, verb)) badVerb(rec, verb);
    argNum++;
  }
  if (!reordered && argNum < nargs) {
    wAscii("%!(EXTRA ");
    for (let k = argNum; k < nargs; k++) {
      if (k > argNum) wAscii(", ");
      let rec = args + <usize>k * ARG_SIZE;
      typeName(rec);
      wByte(0x3d);
      plainV(rec);
    }
    wByte(0x29);
  }
  return newStr(wStart(), wLength());
}

/** format_int(number, base): the integer part (truncated toward zero) in
 *  base 2, 8, 10 or 16, lower-case, exact for integers of any size. */
export function mg_format_int(x: usize, base: usize): usize {
  if (x == 0 || base == 0 || typeOf(x) != T_NUMBER || typeOf(base) != T_NUMBER) return 0;
  if (numKind(base) != K_INT) return 0;
  let b = numI64(base);
  if (b != 2 && b != 8 && b != 10 && b != 16) return 0;
  let rec = alloc(ARG_SIZE);
  convertArg(x, rec);
  let kind = load<u8>(rec);
  let neg: bool;
  let d: usize;
  let nd: i32;
  if (kind == A_INT) {
    let v = load<i64>(rec, 16);
    neg = v < 0;
    d = i64Digits(v, <u32>b, false);
    nd = digitsLen;
  } else {
    let mag: usize, n: i32;
    if (kind == A_BIG) { neg = load<u8>(rec, 1) != 0; mag = load<usize>(rec, 4); n = load<i32>(rec, 8); }
    else {
      let f = Math.trunc(load<f64>(rec, 16));
      neg = f < 0;
      exactDigits(f);
      n = decLen == 0 ? 1 : decPoint;
      mag = alloc(<usize>n);
      if (decLen == 0) store<u8>(mag, 0x30);
      else for (let i = 0; i < n; i++) store<u8>(mag + i, <u8>digitAt(i));
    }
    d = convertBase(mag, n, <u32>b, false);
    nd = convLen;
  }
  let isZero = nd == 1 && load<u8>(d) == 0x30;
  wBegin(nd + 1);
  if (neg && !isZero) wByte(0x2d);
  wBytes(d, nd);
  return newStr(wStart(), wLength());
}
