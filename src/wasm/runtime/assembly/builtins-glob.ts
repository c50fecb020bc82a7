// builtins-glob.ts — glob.match and glob.quote_meta inside the module. The
// pattern (gobwas/glob syntax, as OPA uses it: `*` within delimiters, `**`
// across them, `?`, `[a-z]` and `[!…]` classes, `{a,b}` alternatives, `\`
// escapes) compiles to a small program that a Pike VM runs over the
// subject's code points: every thread advances in lockstep, so matching is
// linear in the subject times the pattern, with no backtracking.

import { T_STRING, T_ARRAY, T_NULL, typeOf, strLen, strPtr, newStr, arrLen, arrAt, alloc, boolOf } from "./value";
import { decodeAt, seqLen, encodeAt } from "./utf8";
import { wBegin, wByte, wReserve, wAdvance, wLength, wStart } from "./writer";

const OP_CHAR: u8 = 1;    // a: code point
const OP_NOTSEP: u8 = 2;  // any code point but a delimiter
const OP_ANY: u8 = 3;     // any code point
const OP_CLASS: u8 = 4;   // a: first range, b: range count, c: negated
const OP_SPLIT: u8 = 5;   // a, b: next instructions
const OP_JMP: u8 = 6;     // a: next instruction
const OP_MATCH: u8 = 7;

const INST: usize = 16;

// the program being compiled / run
let prog: usize = 0;
let progLen: i32 = 0;
let progCap: i32 = 0;
let ranges: usize = 0; // (lo, hi) u32 pairs
let rangeLen: i32 = 0;
let bad = false;

// the pattern
let pp: usize = 0;
let pn: i32 = 0;
let pi: i32 = 0;

function emit(op: u8, a: i32, b: i32, c: i32): i32 {
  if (progLen == progCap) {
    let ncap = progCap * 2;
    let np = alloc(<usize>ncap * INST);
    memory.copy(np, prog, <usize>progLen * INST);
    prog = np;
    progCap = ncap;
  }
  let at = prog + <usize>progLen * INST;
  store<u8>(at, op);
  store<i32>(at, a, 4);
  store<i32>(at, b, 8);
  store<i32>(at, c, 12);
  return progLen++;
}

// @ts-ignore: decorator
@inline function instAt(i: i32): usize { return prog + <usize>i * INST; }

function addRange(lo: u32, hi: u32): void {
  store<u32>(ranges + (<usize>rangeLen << 3), lo);
  store<u32>(ranges + (<usize>rangeLen << 3), hi, 4);
  rangeLen++;
}

/** The code point at pi, advancing past it. */
function next(): u32 {
  let c = decodeAt(pp + pi);
  pi += seqLen(load<u8>(pp + pi));
  return c;
}

function peek(): u32 {
  return pi < pn ? decodeAt(pp + pi) : 0xffffffff;
}

/** A sequence up to the end, or (inside braces) up to an unconsumed , or }. */
function compileSeq(depth: i32): void {
  while (pi < pn && !bad) {
    let c = peek();
    if (depth > 0 && (c == 0x2c || c == 0x7d)) return;
    next();
    if (c == 0x2a) {
      let any = false;
      while (peek() == 0x2a) { next(); any = true; }
      // L: split body, out; body: (not)sep; jmp L
      let split = emit(OP_SPLIT, 0, 0, 0);
      emit(any ? OP_ANY : OP_NOTSEP, 0, 0, 0);
      emit(OP_JMP, split, 0, 0);
      store<i32>(instAt(split), split + 1, 4);
      store<i32>(instAt(split), progLen, 8);
    } else if (c == 0x3f) emit(OP_NOTSEP, 0, 0, 0);
    else if (c == 0x5c) {
      if (pi >= pn) { bad = true; return; }
      emit(OP_CHAR, <i32>next(), 0, 0);
    } else if (c == 0x5b) {
      let neg = false;
      if (peek() == 0x21) { neg = true; next(); }
      let first = rangeLen;
      let closed = false;
      while (pi < pn) {
        let a = next();
        if (a == 0x5d) { closed = true; break; }
        if (a == 0x5c) a = pi < pn ? next() : 0xffffffff;
        // a range a-b, unless the - is followed by ] or nothing
        let save = pi;
        if (peek() == 0x2d) {
          next();
          if (pi < pn && peek() != 0x5d) {
            let b = next();
            if (b < a) { bad = true; return; }
            addRange(a, b);
            continue;
          }
          pi = save;
        }
        if (a != 0xffffffff) addRange(a, a);
      }
      if (!closed || rangeLen == first) { bad = true; return; }
      emit(OP_CLASS, first, rangeLen - first, neg ? 1 : 0);
    } else if (c == 0x7b) {
      let jumps = alloc(4 * 64);
      let nj = 0;
      while (true) {
        let split = emit(OP_SPLIT, 0, 0, 0);
        store<i32>(instAt(split), progLen, 4);
        compileSeq(depth + 1);
        if (bad) return;
        if (pi >= pn) { bad = true; return; } // unclosed {
        let d = next();
        if (d == 0x7d) {
          // the last alternative: its split has nowhere else to go
          store<u8>(instAt(split), OP_JMP);
          break;
        }
        if (nj == 64) { bad = true; return; }
        let j = emit(OP_JMP, 0, 0, 0);
        store<i32>(jumps + (<usize>nj << 2), j);
        nj++;
        store<i32>(instAt(split), progLen, 8);
      }
      for (let k = 0; k < nj; k++) store<i32>(instAt(load<i32>(jumps + (<usize>k << 2))), progLen, 4);
    } else if (c == 0x7d) { bad = true; return; }
    else emit(OP_CHAR, <i32>c, 0, 0);
  }
}

function compile(p: usize, n: i32): bool {
  progCap = 32;
  prog = alloc(<usize>progCap * INST);
  progLen = 0;
  ranges = alloc(<usize>(n + 1) * 8);
  rangeLen = 0;
  bad = false;
  pp = p; pn = n; pi = 0;
  compileSeq(0);
  if (bad || pi != pn) return false;
  emit(OP_MATCH, 0, 0, 0);
  return true;
}

// ---- the VM ---------------------------------------------------------------------

let delims: usize = 0;
let delimCount: i32 = 0;

function isDelim(c: u32): bool {
  for (let i = 0; i < delimCount; i++) if (load<u32>(delims + (<usize>i << 2)) == c) return true;
  return false;
}

function inClass(c: u32, first: i32, count: i32): bool {
  for (let i = first; i < first + count; i++) {
    let r = ranges + (<usize>i << 3);
    if (c >= load<u32>(r) && c <= load<u32>(r, 4)) return true;
  }
  return false;
}

// thread lists: pcs, and a generation mark per instruction
let marks: usize = 0;
let gen: i32 = 0;

function addThread(list: usize, n: i32, pc: i32): i32 {
  let m = marks + (<usize>pc << 2);
  if (load<i32>(m) == gen) return n;
  store<i32>(m, gen);
  let at = instAt(pc);
  let op = load<u8>(at);
  if (op == OP_JMP) return addThread(list, n, load<i32>(at, 4));
  if (op == OP_SPLIT) {
    n = addThread(list, n, load<i32>(at, 4));
    return addThread(list, n, load<i32>(at, 8));
  }
  store<i32>(list + (<usize>n << 2), pc);
  return n + 1;
}

function run(s: usize, sn: i32): bool {
  marks = alloc(<usize>progLen * 4);
  memory.fill(marks, 0xff, <usize>progLen * 4);
  let cur = alloc(<usize>progLen * 4);
  let nxt = alloc(<usize>progLen * 4);
  gen = 0;
  let nc = addThread(cur, 0, 0);
  let i = 0;
  while (i < sn && nc > 0) {
    let c = decodeAt(s + i);
    i += seqLen(load<u8>(s + i));
    gen++;
    let nn = 0;
    for (let k = 0; k < nc; k++) {
      let pc = load<i32>(cur + (<usize>k << 2));
      let at = instAt(pc);
      let op = load<u8>(at);
      let ok = false;
      if (op == OP_CHAR) ok = <u32>load<i32>(at, 4) == c;
      else if (op == OP_NOTSEP) ok = !isDelim(c);
      else if (op == OP_ANY) ok = true;
      else if (op == OP_CLASS) ok = inClass(c, load<i32>(at, 4), load<i32>(at, 8)) != (load<i32>(at, 12) != 0);
      if (ok) nn = addThread(nxt, nn, pc + 1);
    }
    let t = cur; cur = nxt; nxt = t;
    nc = nn;
  }
  if (i < sn) return false;
  for (let k = 0; k < nc; k++) if (load<u8>(instAt(load<i32>(cur + (<usize>k << 2)))) == OP_MATCH) return true;
  return false;
}

/** glob.match(pattern, delimiters, match): delimiters null (none) or an
 *  array of strings, each giving its first code point ([] means ["."]). */
export function mg_glob_match(pattern: usize, delimiters: usize, match: usize): usize {
  if (pattern == 0 || typeOf(pattern) != T_STRING || match == 0 || typeOf(match) != T_STRING || delimiters == 0) return 0;
  let t = typeOf(delimiters);
  if (t == T_NULL) delimCount = 0;
  else if (t == T_ARRAY) {
    let n = arrLen(delimiters);
    delims = alloc(<usize>(n + 1) * 4);
    delimCount = 0;
    for (let i = 0; i < n; i++) {
      let d = arrAt(delimiters, i);
      if (typeOf(d) != T_STRING) return 0;
      if (strLen(d) > 0) { store<u32>(delims + (<usize>delimCount << 2), decodeAt(strPtr(d))); delimCount++; }
    }
    if (delimCount == 0) { store<u32>(delims, 0x2e); delimCount = 1; }
  } else return 0;
  if (!compile(strPtr(pattern), strLen(pattern))) return 0;
  return boolOf(run(strPtr(match), strLen(match)));
}

/** glob.quote_meta: a backslash before each of * ? \ [ ] { }. */
export function mg_glob_quote_meta(pattern: usize): usize {
  if (pattern == 0 || typeOf(pattern) != T_STRING) return 0;
  let p = strPtr(pattern), n = strLen(pattern);
  wBegin(n * 2);
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x2a || c == 0x3f || c == 0x5c || c == 0x5b || c == 0x5d || c == 0x7b || c == 0x7d) wByte(0x5c);
    wByte(c);
  }
  return newStr(wStart(), wLength());
}
