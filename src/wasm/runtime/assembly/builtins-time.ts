// builtins-time.ts — the time.* built-ins that need no clock, inside the
// module: Go's time.Parse over reference layouts (time.parse_ns,
// time.parse_rfc3339_ns), time.ParseDuration, and the calendar views of an
// instant (time.date, time.clock, time.weekday, time.format, time.diff,
// time.add_date) in the proleptic Gregorian calendar, all in exact int64
// nanoseconds (OPA's range, 1677..2262), so no value is rounded to an f64.
//
// Zones: an operand `ns`, `[ns]`, `[ns, ""]` or `[ns, "UTC"]` is answered
// here, as is every offset written inside a parsed value. A named zone
// (`"Europe/Paris"`, Go's `"Local"`) needs the IANA database or the process's
// zone: the function then sets the host-defer flag and returns undefined,
// and generated code calls the host built-in of the same (OPA's) name
// instead (mg_take_host_defer; docs/compiler.md, "Built-ins").
//
// Failures record OPA's message (mg_builtin_abort prints it in strict mode),
// as meshgate's host implementation (src/builtins/time.ts) words it.

import { T_NUMBER, T_STRING, T_ARRAY, typeOf, strLen, strPtr, newStrCopy, newArr, arrPush, arrLen, arrAt, alloc, opa_abort } from "./value";
import { K_INT, numKind, numI64, numF64, newInt } from "./number";
import { wBegin, wByte, wBytes, wAscii, wLength, wStart } from "./writer";
import { writeQuoted } from "./json";
import { keepBuiltinError, clearBuiltinError } from "./builtin-error";

const NS_PER_SEC: i64 = 1000000000;

// ---- host defer and error messages ------------------------------------------

let hostDefer = false;

/** True (once) when the last built-in call left its answer to the host. */
export function takeHostDefer(): bool {
  let d = hostDefer;
  hostDefer = false;
  return d;
}

function clearErr(): void {
  clearBuiltinError();
  hostDefer = false;
}

/** Records the message the writer holds as `name`'s error. */
function keepErr(name: string): void {
  keepBuiltinError(name, wStart(), wLength());
}

function simpleErr(name: string, msg: string): usize {
  wBegin(msg.length);
  wAscii(msg);
  keepErr(name);
  return 0;
}


// ---- calendar arithmetic (days since 1970-01-01) ----------------------------

// @ts-ignore: decorator
@inline
function floorDiv(a: i64, b: i64): i64 {
  let q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) q--;
  return q;
}

function daysFromCivil(y: i64, m: i64, d: i64): i64 {
  let yy = m <= 2 ? y - 1 : y;
  let era = floorDiv(yy, 400);
  let yoe = yy - era * 400;
  let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

let cY: i64 = 0, cM: i64 = 0, cD: i64 = 0;
function civilFromDays(z0: i64): void {
  let z = z0 + 719468;
  let era = floorDiv(z, 146097);
  let doe = z - era * 146097;
  let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  let mp = (5 * doy + 2) / 153;
  cD = doy - (153 * mp + 2) / 5 + 1;
  cM = mp < 10 ? mp + 3 : mp - 9;
  cY = cM <= 2 ? era * 400 + yoe + 1 : era * 400 + yoe;
}

function daysIn(m: i64, y: i64): i64 {
  if (m == 2) return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28;
  return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
}

// The fields of an instant viewed in UTC.
let fY: i64 = 0, fM: i64 = 0, fD: i64 = 0, fH: i64 = 0, fMi: i64 = 0, fS: i64 = 0;
let fNs: i64 = 0, fWd: i64 = 0, fYd: i64 = 0;
function fieldsOf(ns: i64): void {
  let sec = floorDiv(ns, NS_PER_SEC);
  fNs = ns - sec * NS_PER_SEC;
  let days = floorDiv(sec, 86400);
  let sod = sec - days * 86400;
  civilFromDays(days);
  fY = cY; fM = cM; fD = cD;
  fH = sod / 3600;
  fMi = (sod / 60) % 60;
  fS = sod % 60;
  fWd = ((days % 7) + 11) % 7;
  fYd = days - daysFromCivil(fY, 1, 1) + 1;
}

// The instant sec + nsec as int64 ns; false when it is outside int64.
let outNs: i64 = 0;
function toNs(sec: i64, nsec: i64): bool {
  // 9223372036.854775807 s is int64's end; -9223372037 + 0.145224192 its start
  if (sec > 9223372036 || sec < -9223372037) return false;
  if (sec == 9223372036 && nsec > 854775807) return false;
  if (sec == -9223372037 && nsec < 145224192) return false;
  outNs = sec >= 0 ? sec * NS_PER_SEC + nsec : (sec + 1) * NS_PER_SEC + (nsec - NS_PER_SEC);
  return true;
}

// ---- names and layouts ------------------------------------------------------

function monthName(m: i64): string {
  switch (<i32>m) {
    case 1: return "January"; case 2: return "February"; case 3: return "March";
    case 4: return "April"; case 5: return "May"; case 6: return "June";
    case 7: return "July"; case 8: return "August"; case 9: return "September";
    case 10: return "October"; case 11: return "November";
  }
  return "December";
}

function dayName(d: i64): string {
  switch (<i32>d) {
    case 0: return "Sunday"; case 1: return "Monday"; case 2: return "Tuesday";
    case 3: return "Wednesday"; case 4: return "Thursday"; case 5: return "Friday";
  }
  return "Saturday";
}

/** Bytes p..p+n equal the ASCII literal s. */
function eqAscii(p: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  let q = changetype<usize>(s);
  for (let i = 0; i < n; i++) if (<u32>load<u8>(p + i) != <u32>load<u16>(q + (<usize>i << 1))) return false;
  return true;
}

/** An ASCII literal as UTF-8 bytes in the arena. */
function asciiBytes(s: string): usize {
  let n = s.length;
  let out = alloc(<usize>n + 1);
  let q = changetype<usize>(s);
  for (let i = 0; i < n; i++) store<u8>(out + i, <u8>load<u16>(q + (<usize>i << 1)));
  return out;
}

const RFC3339 = "2006-01-02T15:04:05Z07:00";
const RFC3339_NANO = "2006-01-02T15:04:05.999999999Z07:00";

// Go's named layout constants (time.RFC3339, …) as `name=layout;` pairs:
// one table scanned by one loop keeps the code small.
const NAMED_LAYOUTS = "ANSIC=Mon Jan _2 15:04:05 2006;UnixDate=Mon Jan _2 15:04:05 MST 2006;RubyDate=Mon Jan 02 15:04:05 -0700 2006;RFC822=02 Jan 06 15:04 MST;RFC822Z=02 Jan 06 15:04 -0700;RFC850=Monday, 02-Jan-06 15:04:05 MST;RFC1123=Mon, 02 Jan 2006 15:04:05 MST;RFC1123Z=Mon, 02 Jan 2006 15:04:05 -0700;RFC3339=2006-01-02T15:04:05Z07:00;RFC3339Nano=2006-01-02T15:04:05.999999999Z07:00;Kitchen=3:04PM;Stamp=Jan _2 15:04:05;StampMilli=Jan _2 15:04:05.000;StampMicro=Jan _2 15:04:05.000000;StampNano=Jan _2 15:04:05.000000000;DateTime=2006-01-02 15:04:05;DateOnly=2006-01-02;TimeOnly=15:04:05;";

/** The layout Go names p..p+n, as bytes in the arena (namedLen: its length); 0 when none. */
let namedLen: i32 = 0;
function namedLayout(p: usize, n: i32): usize {
  let t = changetype<usize>(NAMED_LAYOUTS);
  let tn = NAMED_LAYOUTS.length;
  let i = 0;
  while (i < tn) {
    let eq = i;
    while (<u32>load<u16>(t + (<usize>eq << 1)) != 0x3d) eq++;
    let end = eq + 1;
    while (<u32>load<u16>(t + (<usize>end << 1)) != 0x3b) end++;
    let match = eq - i == n;
    for (let j = 0; match && j < n; j++) if (<u32>load<u8>(p + j) != <u32>load<u16>(t + (<usize>(i + j) << 1))) match = false;
    if (match) {
      namedLen = end - eq - 1;
      let out = alloc(<usize>namedLen);
      for (let j = 0; j < namedLen; j++) store<u8>(out + j, <u8>load<u16>(t + (<usize>(eq + 1 + j) << 1)));
      return out;
    }
    i = end + 1;
  }
  return 0;
}

// Layout elements (Go's std* constants); a chunk is (kind, a, b): a literal
// is (S_LIT, start, length), a fraction (S_FRAC0|S_FRAC9, digits, separator).
const S_LIT: i32 = 0;
const S_JANUARY: i32 = 1, S_JAN: i32 = 2, S_MONDAY: i32 = 3, S_MON: i32 = 4, S_MST: i32 = 5;
const S_01: i32 = 6, S_02: i32 = 7, S_03: i32 = 8, S_04: i32 = 9, S_05: i32 = 10, S_06: i32 = 11;
const S_002: i32 = 12, S_15: i32 = 13, S_1: i32 = 14, S_2006: i32 = 15, S_2: i32 = 16;
const S___2: i32 = 17, S__2: i32 = 18, S_3: i32 = 19, S_4: i32 = 20, S_5: i32 = 21, S_PM: i32 = 22, S_pm: i32 = 23;
// zone offsets: -07:00:00 -070000 -07:00 -0700 -07, then the Z forms
const S_NHHMMSS_C: i32 = 24, S_NHHMMSS: i32 = 25, S_NHHMM_C: i32 = 26, S_NHHMM: i32 = 27, S_NHH: i32 = 28;
const S_ZHHMMSS_C: i32 = 29, S_ZHHMMSS: i32 = 30, S_ZHHMM_C: i32 = 31, S_ZHHMM: i32 = 32, S_ZHH: i32 = 33;
const S_FRAC0: i32 = 34, S_FRAC9: i32 = 35;
const N_PREFIXES: i32 = 33;

/** The text of a std element, in the order the layout scanner tries them. */
function stdText(k: i32): string {
  switch (k) {
    case S_JANUARY: return "January"; case S_JAN: return "Jan"; case S_MONDAY: return "Monday";
    case S_MON: return "Mon"; case S_MST: return "MST"; case S_01: return "01"; case S_02: return "02";
    case S_03: return "03"; case S_04: return "04"; case S_05: return "05"; case S_06: return "06";
    case S_002: return "002"; case S_15: return "15"; case S_1: return "1"; case S_2006: return "2006";
    case S_2: return "2"; case S___2: return "__2"; case S__2: return "_2"; case S_3: return "3";
    case S_4: return "4"; case S_5: return "5"; case S_PM: return "PM"; case S_pm: return "pm";
    case S_NHHMMSS_C: return "-07:00:00"; case S_NHHMMSS: return "-070000"; case S_NHHMM_C: return "-07:00";
    case S_NHHMM: return "-0700"; case S_NHH: return "-07"; case S_ZHHMMSS_C: return "Z07:00:00";
    case S_ZHHMMSS: return "Z070000"; case S_ZHHMM_C: return "Z07:00"; case S_ZHHMM: return "Z0700";
  }
  return "Z07";
}

// @ts-ignore: decorator
@inline
function isDigit(c: u32): bool { return c >= 0x30 && c <= 0x39; }

function startsWithAscii(p: usize, n: i32, i: i32, s: string): bool {
  let m = s.length;
  if (i + m > n) return false;
  let q = changetype<usize>(s);
  for (let j = 0; j < m; j++) if (<u32>load<u8>(p + i + j) != <u32>load<u16>(q + (<usize>j << 1))) return false;
  return true;
}

/** The layout's chunks (12 bytes each) and their count. */
let nChunks: i32 = 0;
function chunksOf(p: usize, n: i32): usize {
  let out = alloc(<usize>(n + 1) * 12);
  let k = 0;
  let litStart = -1;
  let i = 0;
  while (i < n) {
    let c = <u32>load<u8>(p + i);
    let d: u32 = i + 1 < n ? <u32>load<u8>(p + i + 1) : 0;
    if ((c == 0x2e || c == 0x2c) && (d == 0x30 || d == 0x39)) {
      let j = i + 1;
      while (j < n && <u32>load<u8>(p + j) == d) j++;
      if (!(j < n && isDigit(load<u8>(p + j)))) {
        if (litStart >= 0) { chunk(out, k++, S_LIT, litStart, i - litStart); litStart = -1; }
        chunk(out, k++, d == 0x30 ? S_FRAC0 : S_FRAC9, j - i - 1, <i32>c);
        i = j;
        continue;
      }
    }
    let found = 0;
    for (let s = 1; s <= N_PREFIXES; s++) {
      let t = stdText(s);
      if (!startsWithAscii(p, n, i, t)) continue;
      if ((s == S_JAN || s == S_MON) && i + 3 < n) {
        let e = <u32>load<u8>(p + i + 3);
        if (e >= 0x61 && e <= 0x7a) continue;
      }
      if (s == S__2 && startsWithAscii(p, n, i, "_2006")) continue;
      found = s;
      break;
    }
    if (found != 0) {
      if (litStart >= 0) { chunk(out, k++, S_LIT, litStart, i - litStart); litStart = -1; }
      chunk(out, k++, found, 0, 0);
      i += stdText(found).length;
      continue;
    }
    if (litStart < 0) litStart = i;
    i++;
  }
  if (litStart >= 0) chunk(out, k++, S_LIT, litStart, n - litStart);
  nChunks = k;
  return out;
}

// @ts-ignore: decorator
@inline
function chunk(out: usize, k: i32, kind: i32, a: i32, b: i32): void {
  let r = out + <usize>k * 12;
  store<i32>(r, kind);
  store<i32>(r, a, 4);
  store<i32>(r, b, 8);
}

// ---- formatting -------------------------------------------------------------

/** The first n characters of an ASCII literal. */
function wAsciiN(s: string, n: i32): void {
  let q = changetype<usize>(s);
  for (let i = 0; i < n; i++) wByte(<u32>load<u16>(q + (<usize>i << 1)));
}

/** |x| in decimal, left-padded with `ch` to width w, `-` first when negative. */
function writePadded(x: i64, w: i32, ch: u32): void {
  let neg = x < 0;
  let u: u64 = neg ? <u64>(-x) : <u64>x;
  let buf = alloc(24);
  let k = 0;
  do { store<u8>(buf + k++, <u8>(0x30 + <u32>(u % 10))); u /= 10; } while (u != 0);
  if (neg) wByte(0x2d);
  for (let i = k; i < w; i++) wByte(ch);
  while (k > 0) wByte(load<u8>(buf + --k));
}

function writeOffsetZero(kind: i32): void {
  if (kind >= S_ZHHMMSS_C) { wByte(0x5a); return; }
  switch (kind) {
    case S_NHH: wAscii("+00"); break;
    case S_NHHMM: wAscii("+0000"); break;
    case S_NHHMM_C: wAscii("+00:00"); break;
    case S_NHHMMSS: wAscii("+000000"); break;
    default: wAscii("+00:00:00");
  }
}

/** The instant `ns` in UTC laid out as Go's time.Format does. */
function formatUtc(ns: i64, lp: usize, ln: i32): usize {
  fieldsOf(ns);
  let cs = chunksOf(lp, ln);
  wBegin(ln + 16);
  let digits9 = alloc(9);
  let x = fNs;
  for (let i = 8; i >= 0; i--) { store<u8>(digits9 + i, <u8>(0x30 + <i32>(x % 10))); x /= 10; }
  let h12: i64 = fH % 12 == 0 ? <i64>12 : fH % 12;
  for (let ci = 0; ci < nChunks; ci++) {
    let r = cs + <usize>ci * 12;
    let kind = load<i32>(r), a = load<i32>(r, 4), b = load<i32>(r, 8);
    switch (kind) {
      case S_LIT: wBytes(lp + a, b); break;
      case S_JANUARY: wAscii(monthName(fM)); break;
      case S_JAN: wAsciiN(monthName(fM), 3); break;
      case S_1: writePadded(fM, 0, 0x30); break;
      case S_01: writePadded(fM, 2, 0x30); break;
      case S_MONDAY: wAscii(dayName(fWd)); break;
      case S_MON: wAsciiN(dayName(fWd), 3); break;
      case S_2: writePadded(fD, 0, 0x30); break;
      case S__2: writePadded(fD, 2, 0x20); break;
      case S_02: writePadded(fD, 2, 0x30); break;
      case S___2: writePadded(fYd, 3, 0x20); break;
      case S_002: writePadded(fYd, 3, 0x30); break;
      case S_15: writePadded(fH, 2, 0x30); break;
      case S_3: writePadded(h12, 0, 0x30); break;
      case S_03: writePadded(h12, 2, 0x30); break;
      case S_4: writePadded(fMi, 0, 0x30); break;
      case S_04: writePadded(fMi, 2, 0x30); break;
      case S_5: writePadded(fS, 0, 0x30); break;
      case S_05: writePadded(fS, 2, 0x30); break;
      case S_2006: writePadded(fY, 4, 0x30); break;
      case S_06: writePadded(((fY % 100) + 100) % 100, 2, 0x30); break;
      case S_PM: wAscii(fH >= 12 ? "PM" : "AM"); break;
      case S_pm: wAscii(fH >= 12 ? "pm" : "am"); break;
      case S_MST: wAscii("UTC"); break;
      case S_FRAC0: wByte(<u32>b); wBytes(digits9, min(a, 9)); break;
      case S_FRAC9: {
        let n = min(a, 9);
        while (n > 0 && load<u8>(digits9 + n - 1) == 0x30) n--;
        if (n > 0) { wByte(<u32>b); wBytes(digits9, n); }
        break;
      }
      default: writeOffsetZero(kind);
    }
  }
  return newStrCopy(wStart(), wLength());
}

// ---- operands ---------------------------------------------------------------

/** An integral number as int64 (the host's Number.isInteger and ±2^63 bounds). */
let intOk = false;
function intOf(v: usize): i64 {
  intOk = false;
  if (v == 0 || typeOf(v) != T_NUMBER) return 0;
  if (numKind(v) == K_INT) { intOk = true; return numI64(v); }
  let f = numF64(v);
  if (!isFinite(f) || f != Math.trunc(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0) return 0;
  intOk = true;
  return <i64>f;
}

// OPA's time operand: `ns`, `[ns, tz]` or `[ns, tz, layout]`.
let tNs: i64 = 0;
let tLayout: usize = 0, tLayoutLen: i32 = 0;
const OPERAND_OK: i32 = 0, OPERAND_BAD: i32 = 1, OPERAND_HOST: i32 = 2;

function operand(name: string, v: usize): i32 {
  let nv = v;
  tLayout = 0;
  if (v == 0) return OPERAND_BAD;
  if (typeOf(v) == T_ARRAY) {
    let n = arrLen(v);
    if (n == 0) return OPERAND_BAD;
    nv = arrAt(v, 0);
    if (typeOf(nv) != T_NUMBER) return OPERAND_BAD;
    if (n > 1) {
      let z = arrAt(v, 1);
      if (typeOf(z) != T_STRING) return OPERAND_BAD;
      let zl = strLen(z);
      // "" and "UTC" are Go's UTC; any other name is the host's to resolve
      if (zl != 0 && !eqAscii(strPtr(z), zl, "UTC")) { hostDefer = true; return OPERAND_HOST; }
    }
    if (n > 2) {
      let l = arrAt(v, 2);
      if (typeOf(l) != T_STRING) return OPERAND_BAD;
      tLayout = strPtr(l);
      tLayoutLen = strLen(l);
      let named = namedLayout(tLayout, tLayoutLen);
      if (named != 0) { tLayout = named; tLayoutLen = namedLen; }
    }
  } else if (typeOf(v) != T_NUMBER) return OPERAND_BAD;
  tNs = intOf(nv);
  if (!intOk) { simpleErr(name, "timestamp too big"); return OPERAND_BAD; }
  return OPERAND_OK;
}

// ---- time.date, time.clock, time.weekday, time.format -----------------------

function triple(a: i64, b: i64, c: i64): usize {
  let r = newArr(3);
  arrPush(r, newInt(a));
  arrPush(r, newInt(b));
  arrPush(r, newInt(c));
  return r;
}

export function mg_time_date(x: usize): usize {
  clearErr();
  if (operand("time.date", x) != OPERAND_OK) return 0;
  fieldsOf(tNs);
  return triple(fY, fM, fD);
}

export function mg_time_clock(x: usize): usize {
  clearErr();
  if (operand("time.clock", x) != OPERAND_OK) return 0;
  fieldsOf(tNs);
  return triple(fH, fMi, fS);
}

export function mg_time_weekday(x: usize): usize {
  clearErr();
  if (operand("time.weekday", x) != OPERAND_OK) return 0;
  fieldsOf(tNs);
  let s = dayName(fWd);
  let b = asciiBytes(s);
  return newStrCopy(b, s.length);
}

export function mg_time_format(x: usize): usize {
  clearErr();
  if (operand("time.format", x) != OPERAND_OK) return 0;
  if (tLayout == 0) return formatUtc(tNs, asciiBytes(RFC3339_NANO), RFC3339_NANO.length);
  return formatUtc(tNs, tLayout, tLayoutLen);
}

/** time.diff: the calendar difference [y, m, d, h, min, s], earlier first
 *  (OPA's, after icza/gox: a negative field borrows from the next). */
export function mg_time_diff(a: usize, b: usize): usize {
  clearErr();
  let ra = operand("time.diff", a);
  if (ra == OPERAND_BAD) return 0;
  let na = tNs;
  let rb = operand("time.diff", b);
  if (rb == OPERAND_BAD) return 0;
  if (ra == OPERAND_HOST || rb == OPERAND_HOST) { hostDefer = true; return 0; }
  let nb = tNs;
  if (na > nb) { let t = na; na = nb; nb = t; }
  fieldsOf(na);
  let y1 = fY, m1 = fM, d1 = fD, h1 = fH, mi1 = fMi, s1 = fS;
  fieldsOf(nb);
  let year = fY - y1, month = fM - m1, day = fD - d1, hour = fH - h1, mi = fMi - mi1, sec = fS - s1;
  if (sec < 0) { sec += 60; mi--; }
  if (mi < 0) { mi += 60; hour--; }
  if (hour < 0) { hour += 24; day--; }
  if (day < 0) { day += daysIn(m1, y1); month--; }
  if (month < 0) { month += 12; year--; }
  let r = newArr(6);
  arrPush(r, newInt(year)); arrPush(r, newInt(month)); arrPush(r, newInt(day));
  arrPush(r, newInt(hour)); arrPush(r, newInt(mi)); arrPush(r, newInt(sec));
  return r;
}

/** time.add_date(ns, years, months, days): Go's AddDate in UTC, an
 *  overflowing month or day normalised as time.Date does. */
export function mg_time_add_date(x: usize, years: usize, months: usize, days: usize): usize {
  clearErr();
  let ns = intOf(x);
  if (!intOk) {
    if (x != 0 && typeOf(x) == T_NUMBER && isFinite(numF64(x)) && numF64(x) == Math.trunc(numF64(x))) simpleErr("time.add_date", "timestamp too big");
    return 0;
  }
  let dy = intOf(years);
  if (!intOk) return 0;
  let dm = intOf(months);
  if (!intOk) return 0;
  let dd = intOf(days);
  if (!intOk) return 0;
  // Beyond these the result is far outside int64 ns whatever the other operands.
  const LIMIT: i64 = <i64>1 << 50;
  if (dy > LIMIT || dy < -LIMIT || dm > LIMIT || dm < -LIMIT || dd > LIMIT || dd < -LIMIT) return simpleErr("time.add_date", "time outside of valid range");
  fieldsOf(ns);
  let m0 = fM + dm - 1;
  let year = fY + dy + floorDiv(m0, 12);
  let month = ((m0 % 12) + 12) % 12 + 1;
  if (year > (<i64>1 << 40) || year < -(<i64>1 << 40)) return simpleErr("time.add_date", "time outside of valid range");
  let day = daysFromCivil(year, month, 1) + fD + dd - 1;
  // int64 ns spans ±106752 days
  if (day > 200000 || day < -200000) return simpleErr("time.add_date", "time outside of valid range");
  let sec = day * 86400 + fH * 3600 + fMi * 60 + fS;
  if (!toNs(sec, fNs)) return simpleErr("time.add_date", "time outside of valid range");
  return newInt(outNs);
}

// ---- parsing ----------------------------------------------------------------

let pv: usize = 0;    // the value being parsed
let pvLen: i32 = 0;
let pl: usize = 0;    // its layout
let plLen: i32 = 0;
let pName: string = "";

/** Starts the message both cannot-parse forms share: `parsing time "v" as "layout": cannot parse "rest" as `. */
function cannotParseHead(rest: i32): void {
  wBegin(64);
  wAscii("parsing time ");
  writeQuoted(pv, pvLen);
  wAscii(" as ");
  writeQuoted(pl, plLen);
  wAscii(": cannot parse ");
  writeQuoted(pv + rest, pvLen - rest);
  wAscii(" as ");
}

/** `parsing time "v" as "layout": cannot parse "rest" as "elem"`; 0. */
function cannotParse(rest: i32, elemKind: i32, fracDigits: i32, fracSep: i32): usize {
  cannotParseHead(rest);
  wByte(0x22);
  if (elemKind == S_FRAC0 || elemKind == S_FRAC9) {
    wByte(<u32>fracSep);
    for (let i = 0; i < fracDigits; i++) wByte(elemKind == S_FRAC0 ? 0x30 : 0x39);
  } else wAscii(stdText(elemKind));
  wByte(0x22);
  keepErr(pName);
  return 0;
}

/** The cannot-parse message for a literal layout element. */
function cannotParseLit(rest: i32, litStart: i32, litLen: i32): usize {
  cannotParseHead(rest);
  writeQuoted(pl + litStart, litLen);
  keepErr(pName);
  return 0;
}

function outOfRange(what: string): usize {
  wBegin(64);
  wAscii("parsing time ");
  writeQuoted(pv, pvLen);
  wAscii(": ");
  wAscii(what);
  wAscii(" out of range");
  keepErr(pName);
  return 0;
}

/** 1 or 2 digits (exactly 2 when `fixed`) at i; their value, -1 when none. */
let numEnd: i32 = 0;
function digitsAt(i: i32, min: i32, max: i32): i64 {
  let j = i;
  let x: i64 = 0;
  while (j < pvLen && j - i < max && isDigit(load<u8>(pv + j))) { x = x * 10 + <i64>(load<u8>(pv + j) - 0x30); j++; }
  if (j - i < min) return -1;
  numEnd = j;
  return x;
}

/** ASCII case-insensitive match of the first m characters of `s` at i. */
function matchFold(i: i32, s: string, m: i32): bool {
  if (i + m > pvLen) return false;
  let q = changetype<usize>(s);
  for (let j = 0; j < m; j++) {
    let c = <u32>load<u8>(pv + i + j);
    let d = <u32>load<u16>(q + (<usize>j << 1));
    if (c >= 0x41 && c <= 0x5a) c += 32;
    if (d >= 0x41 && d <= 0x5a) d += 32;
    if (c != d) return false;
  }
  return true;
}

/** A fraction `.123`/`,5` at i: its ns value, or -1 (numEnd: its end). */
function fractionAt(i: i32): i64 {
  if (i >= pvLen) return -1;
  let c = load<u8>(pv + i);
  if (c != 0x2e && c != 0x2c) return -1;
  let j = i + 1;
  let x: i64 = 0;
  let k = 0;
  while (j < pvLen && isDigit(load<u8>(pv + j))) {
    if (k < 9) { x = x * 10 + <i64>(load<u8>(pv + j) - 0x30); k++; }
    j++;
  }
  if (j == i + 1) return -1;
  for (; k < 9; k++) x *= 10;
  numEnd = j;
  return x;
}

let parsedNs: i64 = 0;

/** Go's time.Parse of value by layout (UTC unless the value carries an
 *  offset); true and parsedNs, or false with the error recorded. */
function parseTime(name: string, lp: usize, ln: i32, vp: usize, vn: i32): bool {
  pv = vp; pvLen = vn; pl = lp; plLen = ln; pName = name;
  let year: i64 = 1, month: i64 = -1, day: i64 = -1, yday: i64 = -1;
  let hour: i64 = 0, mi: i64 = 0, sec: i64 = 0, nsec: i64 = 0;
  let pm = false, am = false;
  let offset: i64 = 0;
  let cs = chunksOf(lp, ln);
  let nc = nChunks;
  let i = 0; // position in the value
  for (let ci = 0; ci < nc; ci++) {
    let r = cs + <usize>ci * 12;
    let kind = load<i32>(r), a = load<i32>(r, 4), b = load<i32>(r, 8);
    // Numeric elements read their digits here, in one place (min..max digits).
    let nmin = 0, nmax = 0;
    switch (kind) {
      case S_2006: nmin = 4; nmax = 4; break;
      case S_06: case S_01: case S_02: case S_03: case S_04: case S_05: nmin = 2; nmax = 2; break;
      case S_1: case S_2: case S__2: case S_15: case S_3: case S_4: case S_5: nmin = 1; nmax = 2; break;
      case S_002: nmin = 3; nmax = 3; break;
      case S___2: nmin = 1; nmax = 3; break;
    }
    let x: i64 = 0;
    if (nmax > 0) {
      if (kind == S__2 && i < vn && load<u8>(vp + i) == 0x20) i++;
      if (kind == S___2) {
        if (i < vn && load<u8>(vp + i) == 0x20) i++;
        if (i < vn && load<u8>(vp + i) == 0x20) i++;
      }
      x = digitsAt(i, nmin, nmax);
      if (x < 0) { cannotParse(i, kind, 0, 0); return false; }
      i = numEnd;
    }
    switch (kind) {
      case S_LIT: {
        if (i + b > vn || memory.compare(vp + i, lp + a, <usize>b) != 0) { cannotParseLit(i, a, b); return false; }
        i += b;
        break;
      }
      case S_2006: year = x; break;
      case S_06: year = x >= 69 ? 1900 + x : 2000 + x; break;
      case S_JANUARY:
      case S_JAN: {
        let found = 0;
        for (let m = 1; m <= 12; m++) {
          let s = monthName(m);
          let sl = kind == S_JAN ? 3 : s.length;
          if (matchFold(i, s, sl)) { found = m; i += sl; break; }
        }
        if (found == 0) { cannotParse(i, kind, 0, 0); return false; }
        month = found;
        break;
      }
      case S_MONDAY:
      case S_MON: {
        let found = false;
        for (let d = 0; d < 7; d++) {
          let s = dayName(d);
          let sl = kind == S_MON ? 3 : s.length;
          if (matchFold(i, s, sl)) { found = true; i += sl; break; }
        }
        if (!found) { cannotParse(i, kind, 0, 0); return false; }
        break;
      }
      case S_1:
      case S_01:
        month = x;
        if (month < 1 || month > 12) { outOfRange("month"); return false; }
        break;
      case S_2:
      case S__2:
      case S_02: day = x; break;
      case S___2:
      case S_002: yday = x; break;
      case S_15:
        hour = x;
        if (hour > 23) { outOfRange("hour"); return false; }
        break;
      case S_3:
      case S_03:
        hour = x;
        if (hour > 12) { outOfRange("hour"); return false; }
        break;
      case S_4:
      case S_04:
        mi = x;
        if (mi > 59) { outOfRange("minute"); return false; }
        break;
      case S_5:
      case S_05: {
        sec = x;
        if (sec > 59) { outOfRange("second"); return false; }
        // A fraction after the seconds is taken even when the layout has none.
        let nextFrac = false;
        if (ci + 1 < nc) {
          let nk = load<i32>(cs + <usize>(ci + 1) * 12);
          nextFrac = nk == S_FRAC0 || nk == S_FRAC9;
        }
        if (!nextFrac) {
          let f = fractionAt(i);
          if (f >= 0) { nsec = f; i = numEnd; }
        }
        break;
      }
      case S_PM:
      case S_pm: {
        let up = kind == S_PM;
        if (i + 2 <= vn && load<u8>(vp + i + 1) == (up ? 0x4d : 0x6d)) {
          let c = load<u8>(vp + i);
          if (c == (up ? 0x50 : 0x70)) pm = true;
          else if (c == (up ? 0x41 : 0x61)) am = true;
          else { cannotParse(i, kind, 0, 0); return false; }
        } else { cannotParse(i, kind, 0, 0); return false; }
        i += 2;
        break;
      }
      case S_FRAC0: {
        // exactly `a` digits after the separator
        let ok = i < vn && (load<u8>(vp + i) == 0x2e || load<u8>(vp + i) == 0x2c);
        let j = i + 1;
        let x: i64 = 0;
        let k = 0;
        while (ok && k < a) {
          if (j >= vn || !isDigit(load<u8>(vp + j))) { ok = false; break; }
          if (k < 9) x = x * 10 + <i64>(load<u8>(vp + j) - 0x30);
          j++; k++;
        }
        if (!ok) { cannotParse(i, kind, a, b); return false; }
        for (let q = a; q < 9; q++) x *= 10;
        nsec = x; i = j;
        break;
      }
      case S_FRAC9: {
        let f = fractionAt(i);
        if (f >= 0) { nsec = f; i = numEnd; }
        break;
      }
      case S_MST: {
        let len = 0;
        let off: i64 = 0;
        if (i + 3 <= vn && load<u8>(vp + i) == 0x55 && load<u8>(vp + i + 1) == 0x54 && load<u8>(vp + i + 2) == 0x43) len = 3;
        else if (i + 5 <= vn && load<u8>(vp + i) == 0x47 && load<u8>(vp + i + 1) == 0x4d && load<u8>(vp + i + 2) == 0x54 &&
          (load<u8>(vp + i + 3) == 0x2b || load<u8>(vp + i + 3) == 0x2d) && isDigit(load<u8>(vp + i + 4))) {
          let h = <i64>(load<u8>(vp + i + 4) - 0x30);
          len = 5;
          if (i + 5 < vn && isDigit(load<u8>(vp + i + 5))) { h = h * 10 + <i64>(load<u8>(vp + i + 5) - 0x30); len = 6; }
          off = load<u8>(vp + i + 3) == 0x2d ? -h * 3600 : h * 3600;
        } else {
          let k = 0;
          while (i + k < vn && load<u8>(vp + i + k) >= 0x41 && load<u8>(vp + i + k) <= 0x5a) k++;
          if (k >= 3) len = k > 5 ? (load<u8>(vp + i + 5) == 0x54 ? 6 : 5) : k;
        }
        if (len == 0) { cannotParse(i, kind, 0, 0); return false; }
        offset = off; i += len;
        break;
      }
      default: {
        // zone offsets
        if (kind >= S_ZHHMMSS_C && i < vn && load<u8>(vp + i) == 0x5a) { offset = 0; i++; break; }
        let form = kind >= S_ZHHMMSS_C ? kind - 5 : kind;
        let ok = i < vn && (load<u8>(vp + i) == 0x2b || load<u8>(vp + i) == 0x2d);
        let j = i + 1;
        let hh: i64 = 0, mm: i64 = 0, ss: i64 = 0;
        let groups = form == S_NHH ? 1 : form == S_NHHMM || form == S_NHHMM_C ? 2 : 3;
        let colons = form == S_NHHMM_C || form == S_NHHMMSS_C;
        for (let g = 0; ok && g < groups; g++) {
          if (g > 0 && colons) { if (j < vn && load<u8>(vp + j) == 0x3a) j++; else { ok = false; break; } }
          if (j + 2 > vn || !isDigit(load<u8>(vp + j)) || !isDigit(load<u8>(vp + j + 1))) { ok = false; break; }
          let x = <i64>(load<u8>(vp + j) - 0x30) * 10 + <i64>(load<u8>(vp + j + 1) - 0x30);
          if (g == 0) hh = x; else if (g == 1) mm = x; else ss = x;
          j += 2;
        }
        if (!ok) { cannotParse(i, kind, 0, 0); return false; }
        let o = hh * 3600 + mm * 60 + ss;
        offset = load<u8>(vp + i) == 0x2d ? -o : o;
        i = j;
      }
    }
  }
  if (i != vn) {
    wBegin(64);
    wAscii("parsing time ");
    writeQuoted(pv, pvLen);
    wAscii(": extra text: ");
    writeQuoted(pv + i, pvLen - i);
    keepErr(name);
    return false;
  }
  if (pm && hour < 12) hour += 12;
  else if (am && hour == 12) hour = 0;
  if (yday >= 0) {
    let leap = daysIn(2, year) == 29;
    if (yday < 1 || yday > (leap ? 366 : 365)) { outOfRange("day-of-year"); return false; }
    civilFromDays(daysFromCivil(year, 1, 1) + yday - 1);
    if (month >= 0 && month != cM) { outOfRange("day-of-year"); return false; }
    if (day >= 0 && day != cD) { outOfRange("day-of-year"); return false; }
    month = cM;
    day = cD;
  }
  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day < 1 || day > daysIn(month, year)) { outOfRange("day"); return false; }
  let local = daysFromCivil(year, month, day) * 86400 + hour * 3600 + mi * 60 + sec;
  if (!toNs(local - offset, nsec)) { simpleErr(name, "time outside of valid range"); return false; }
  parsedNs = outNs;
  return true;
}

export function mg_time_parse_ns(layout: usize, value: usize): usize {
  clearErr();
  if (layout == 0 || value == 0 || typeOf(layout) != T_STRING || typeOf(value) != T_STRING) return 0;
  if (!parseTime("time.parse_ns", strPtr(layout), strLen(layout), strPtr(value), strLen(value))) return 0;
  return newInt(parsedNs);
}

export function mg_time_parse_rfc3339_ns(value: usize): usize {
  clearErr();
  if (value == 0 || typeOf(value) != T_STRING) return 0;
  if (!parseTime("time.parse_rfc3339_ns", asciiBytes(RFC3339), RFC3339.length, strPtr(value), strLen(value))) return 0;
  return newInt(parsedNs);
}

// ---- durations (Go's time.ParseDuration) -------------------------------------

/** ns per unit for the unit text p..p+n (ns us µs μs ms s m h), 0 when unknown. */
function unitNs(p: usize, n: i32): u64 {
  if (eqAscii(p, n, "ns")) return 1;
  if (eqAscii(p, n, "us")) return 1000;
  // µ (U+00B5) and μ (U+03BC)
  if (n == 3 && load<u8>(p + 2) == 0x73 && ((load<u8>(p) == 0xc2 && load<u8>(p + 1) == 0xb5) || (load<u8>(p) == 0xce && load<u8>(p + 1) == 0xbc))) return 1000;
  if (eqAscii(p, n, "ms")) return 1000000;
  if (eqAscii(p, n, "s")) return 1000000000;
  if (eqAscii(p, n, "m")) return 60000000000;
  if (eqAscii(p, n, "h")) return 3600000000000;
  return 0;
}

function durationErr(p: usize, n: i32, what: i32, up: usize, un: i32): usize {
  wBegin(32);
  if (what == 0) wAscii("time: invalid duration ");
  else if (what == 1) wAscii("time: missing unit in duration ");
  else {
    wAscii("time: unknown unit ");
    writeQuoted(up, un);
    wAscii(" in duration ");
  }
  writeQuoted(p, n);
  keepErr("time.parse_duration_ns");
  return 0;
}

export function mg_time_parse_duration_ns(value: usize): usize {
  clearErr();
  if (value == 0 || typeOf(value) != T_STRING) return 0;
  let p = strPtr(value), n = strLen(value);
  let i = 0;
  let neg = false;
  if (n > 0 && (load<u8>(p) == 0x2d || load<u8>(p) == 0x2b)) { neg = load<u8>(p) == 0x2d; i++; }
  if (n - i == 1 && load<u8>(p + i) == 0x30) return newInt(0);
  if (i == n) return durationErr(p, n, 0, 0, 0);
  let limit: u64 = neg ? 0x8000000000000000 : 0x7fffffffffffffff;
  let total: u64 = 0;
  while (i < n) {
    // integer digits (u64 with an overflow flag), then an optional fraction
    let is = i;
    let whole: u64 = 0;
    let big = false;
    while (i < n && isDigit(load<u8>(p + i))) {
      let d = <u64>(load<u8>(p + i) - 0x30);
      if (whole > (0xffffffffffffffff - d) / 10) big = true; else whole = whole * 10 + d;
      i++;
    }
    let ie = i;
    let fs = i, fe = i;
    if (i < n && load<u8>(p + i) == 0x2e) {
      i++;
      fs = i;
      while (i < n && isDigit(load<u8>(p + i))) i++;
      fe = i;
    }
    if (ie == is && fe == fs) return durationErr(p, n, 0, 0, 0);
    let us = i;
    while (i < n && !isDigit(load<u8>(p + i)) && load<u8>(p + i) != 0x2e) i++;
    if (i == us) return durationErr(p, n, 1, 0, 0);
    let unit = unitNs(p + us, i - us);
    if (unit == 0) return durationErr(p, n, 2, p + us, i - us);
    // floor(0.fraction × unit): long multiplication, the carry is the result
    let carry: u64 = 0;
    for (let k = fe - 1; k >= fs; k--) carry = (<u64>(load<u8>(p + k) - 0x30) * unit + carry) / 10;
    if (big || whole > limit / unit) return durationErr(p, n, 0, 0, 0);
    let v = whole * unit + carry;
    if (v > limit - total) return durationErr(p, n, 0, 0, 0);
    total += v;
  }
  return newInt(neg ? <i64>(0 - total) : <i64>total);
}
