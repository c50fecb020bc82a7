// regex-vm.ts — compiles a regex-parse.ts tree to a program and runs it on
// a Pike VM (Thompson's construction with submatch tracking, as Go's
// regexp/pike.go): all threads advance over the subject's code points in
// lockstep, ordered by priority, so a search is linear in subject × program
// and never backtracks. Leftmost-first semantics: the first thread (in
// priority order) to reach MATCH wins and cuts off every lower one.
// Repetition compiles as Go's simplify + compile do: x{2,5} is
// xx(x(x(x)?)?)?, and x* of an x that can match empty is (x+)? (Go issue
// 46123), which decides what its groups capture.

import { alloc } from "./value";
import { decodeAt, seqLen } from "./utf8";
import {
  N_EMPTY, N_NOMATCH, N_LIT, N_CLASS, N_ANY, N_ANYNL, N_ASSERT, N_CAP, N_STAR, N_PLUS, N_QUEST, N_REPEAT,
  N_CONCAT, N_ALT, F_LAZY, E_BEGIN_LINE, E_END_LINE, E_BEGIN_TEXT, E_END_TEXT, E_WORD, E_NOT_WORD,
} from "./regex-parse";

// instructions: 12 bytes, op u8 @0, a i32 @4, b i32 @8
const I_RUNE: u8 = 1;   // a: code point
const I_CLASS: u8 = 2;  // a: ranges address, b: range count
const I_ANY: u8 = 3;
const I_ANYNL: u8 = 4;
const I_SPLIT: u8 = 5;  // a: preferred next, b: other
const I_JMP: u8 = 6;    // a
const I_SAVE: u8 = 7;   // a: capture slot
const I_ASSERT: u8 = 8; // a: E_* condition
const I_MATCH: u8 = 9;
const I_FAIL: u8 = 10;

const INST: usize = 12;
/** Go's limit on a program (regexp/syntax maxSize): larger patterns are "expression too large". */
const MAX_INST: i32 = 3355443;

let prog: usize = 0;
let progLen: i32 = 0;
let progCap: i32 = 0;
let tooLarge = false;

function emit(op: u8, a: i32, b: i32): i32 {
  if (progLen == progCap) {
    let ncap = progCap << 1;
    let np = alloc(<usize>ncap * INST);
    memory.copy(np, prog, <usize>progLen * INST);
    prog = np;
    progCap = ncap;
  }
  if (progLen >= MAX_INST) tooLarge = true;
  let at = prog + <usize>progLen * INST;
  store<u8>(at, op);
  store<i32>(at, a, 4);
  store<i32>(at, b, 8);
  return progLen++;
}

// @ts-ignore: decorator
@inline function instAt(p: usize, i: i32): usize { return p + <usize>i * INST; }

function patchA(i: i32, v: i32): void { store<i32>(instAt(prog, i), v, 4); }
function patchB(i: i32, v: i32): void { store<i32>(instAt(prog, i), v, 8); }

function sub(x: usize): usize { return load<usize>(x, 12); }
function child(x: usize, i: i32): usize { return load<usize>(load<usize>(x, 12) + (<usize>i << 2)); }
function lazy(x: usize): bool { return (load<u8>(x, 1) & F_LAZY) != 0; }

/** Whether x can match the empty string (Go's frag.nullable). */
function nullable(x: usize): bool {
  let op = load<u8>(x);
  if (op == N_LIT || op == N_CLASS || op == N_ANY || op == N_ANYNL || op == N_NOMATCH) return false;
  if (op == N_CAP || op == N_PLUS) return nullable(sub(x));
  if (op == N_REPEAT) return load<i32>(x, 4) == 0 || nullable(sub(x));
  if (op == N_CONCAT) {
    for (let i = 0; i < load<i32>(x, 16); i++) if (!nullable(child(x, i))) return false;
    return true;
  }
  if (op == N_ALT) {
    for (let i = 0; i < load<i32>(x, 16); i++) if (nullable(child(x, i))) return true;
    return false;
  }
  return true; // empty, assertions, star, quest
}

/** x? (greedy unless lazy): SPLIT body, out. */
function quest(x: usize, isLazy: bool): void {
  let s = emit(I_SPLIT, 0, 0);
  gen(x);
  if (isLazy) { patchA(s, progLen); patchB(s, s + 1); }
  else { patchA(s, s + 1); patchB(s, progLen); }
}

/** x+: body; SPLIT body, out. */
function plus(x: usize, isLazy: bool): void {
  let body = progLen;
  gen(x);
  let s = emit(I_SPLIT, 0, 0);
  if (isLazy) { patchA(s, s + 1); patchB(s, body); }
  else { patchA(s, body); patchB(s, s + 1); }
}

/** x*: L: SPLIT body, out; body; JMP L — or (x+)? when x can match empty. */
function star(x: usize, isLazy: bool): void {
  if (nullable(x)) {
    let s = emit(I_SPLIT, 0, 0);
    plus(x, isLazy);
    if (isLazy) { patchA(s, progLen); patchB(s, s + 1); }
    else { patchA(s, s + 1); patchB(s, progLen); }
    return;
  }
  let s = emit(I_SPLIT, 0, 0);
  gen(x);
  emit(I_JMP, s, 0);
  if (isLazy) { patchA(s, progLen); patchB(s, s + 1); }
  else { patchA(s, s + 1); patchB(s, progLen); }
}

/** x** is x*, x++ is x+, x?? is x? (same greediness), as Go's simplify. */
function unwrap(x: usize): usize {
  let op = load<u8>(x);
  let s = sub(x);
  while (load<u8>(s) == op && lazy(s) == lazy(x)) s = sub(s);
  return s;
}

function gen(x: usize): void {
  if (tooLarge) return;
  let op = load<u8>(x);
  if (op == N_EMPTY) return;
  if (op == N_NOMATCH) { emit(I_FAIL, 0, 0); return; }
  if (op == N_LIT) { emit(I_RUNE, load<i32>(x, 4), 0); return; }
  if (op == N_CLASS) {
    let p = load<usize>(x, 12), n = load<i32>(x, 16);
    if (n == 1 && load<u32>(p) == 0 && load<u32>(p, 4) == 0x10ffff) emit(I_ANY, 0, 0);
    else emit(I_CLASS, <i32>p, n);
    return;
  }
  if (op == N_ANY) { emit(I_ANY, 0, 0); return; }
  if (op == N_ANYNL) { emit(I_ANYNL, 0, 0); return; }
  if (op == N_ASSERT) { emit(I_ASSERT, load<i32>(x, 4), 0); return; }
  if (op == N_CAP) {
    let k = load<i32>(x, 4);
    emit(I_SAVE, k << 1, 0);
    gen(sub(x));
    emit(I_SAVE, (k << 1) | 1, 0);
    return;
  }
  if (op == N_STAR) { star(unwrap(x), lazy(x)); return; }
  if (op == N_PLUS) { plus(unwrap(x), lazy(x)); return; }
  if (op == N_QUEST) { quest(unwrap(x), lazy(x)); return; }
  if (op == N_REPEAT) {
    let lo = load<i32>(x, 4), hi = load<i32>(x, 8);
    let s = sub(x);
    let isLazy = lazy(x);
    if (hi == -1) {
      // x{n,} is n-1 copies of x, then x+ (x{0,} is x*)
      if (lo == 0) { star(s, isLazy); return; }
      for (let i = 0; i < lo - 1; i++) gen(s);
      plus(s, isLazy);
      return;
    }
    if (lo == 0 && hi == 0) return;
    for (let i = 0; i < lo; i++) gen(s);
    // the optional copies nest: x{2,5} is xx(x(x(x)?)?)?
    let k = hi - lo;
    if (k <= 0) return;
    let splits = alloc(<usize>k << 2);
    for (let i = 0; i < k; i++) {
      store<i32>(splits + (<usize>i << 2), emit(I_SPLIT, 0, 0));
      gen(s);
    }
    for (let i = 0; i < k; i++) {
      let sp = load<i32>(splits + (<usize>i << 2));
      if (isLazy) { patchA(sp, progLen); patchB(sp, sp + 1); }
      else { patchA(sp, sp + 1); patchB(sp, progLen); }
    }
    return;
  }
  if (op == N_CONCAT) {
    for (let i = 0; i < load<i32>(x, 16); i++) gen(child(x, i));
    return;
  }
  if (op == N_ALT) {
    let n = load<i32>(x, 16);
    let jumps = alloc(<usize>n << 2);
    for (let i = 0; i < n - 1; i++) {
      let s = emit(I_SPLIT, progLen + 1, 0);
      gen(child(x, i));
      store<i32>(jumps + (<usize>i << 2), emit(I_JMP, 0, 0));
      patchB(s, progLen);
    }
    gen(child(x, n - 1));
    for (let i = 0; i < n - 1; i++) patchA(load<i32>(jumps + (<usize>i << 2)), progLen);
    return;
  }
}

/**
 * A compiled program: 32 bytes, insts @0, count @4, capture slots @8
 * (2 × (groups + 1)), anchored @12, the VM's buffers for 0, 2 and all slots
 * @16 @20 @24 (allocated by the first search that needs them), marks @28,
 * the epoch its marks belong to @32.
 */
export const PROG: usize = 36;

/** Compiles tree `re` with `groups` capture groups; 0 when the program is too large. */
export function compileProgram(re: usize, groups: i32): usize {
  progCap = 64;
  prog = alloc(<usize>progCap * INST);
  progLen = 0;
  tooLarge = false;
  emit(I_SAVE, 0, 0);
  gen(re);
  emit(I_SAVE, 1, 0);
  emit(I_MATCH, 0, 0);
  if (tooLarge) return 0;
  let p = alloc(PROG);
  memory.fill(p, 0, PROG);
  store<usize>(p, prog);
  store<i32>(p, progLen, 4);
  store<i32>(p, (groups + 1) << 1, 8);
  // a program whose every path starts with \A matches only at 0
  store<i32>(p, anchoredAt(1) ? 1 : 0, 12);
  let marks = alloc(<usize>progLen << 2);
  memory.fill(marks, 0xff, <usize>progLen << 2);
  store<usize>(p, marks, 28);
  store<i32>(p, markEpoch, 32);
  return p;
}

function anchoredAt(pc: i32): bool {
  let at = instAt(prog, pc);
  let op = load<u8>(at);
  if (op == I_ASSERT) return (load<i32>(at, 4) & E_BEGIN_TEXT) != 0;
  if (op == I_SAVE) return anchoredAt(pc + 1);
  return false;
}

// ---- the VM -----------------------------------------------------------------------

let vmProg: usize = 0;
let ncap: i32 = 0;       // capture slots tracked (0: match only; 2: bounds; all: groups)
let subj: usize = 0;
let subjLen: i32 = 0;
let marks: usize = 0;    // per instruction: the generation that last added it
let markGen: i32 = 0;   // grows with every step: a mark from an earlier step never matches
let markEpoch: i32 = 0; // bumped when markGen starts over
let listCaps: usize = 0; // per list, per instruction: ncap i32 slots

@inline function isWordByte(b: u32): bool {
  return (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) || b == 0x5f;
}

/** The empty-width conditions that hold at byte offset p. */
function context(p: i32): i32 {
  let f = 0;
  let before: u32 = p > 0 ? load<u8>(subj + <usize>(p - 1)) : 0xffffffff;
  let after: u32 = p < subjLen ? load<u8>(subj + <usize>p) : 0xffffffff;
  if (p == 0) f |= E_BEGIN_TEXT | E_BEGIN_LINE;
  else if (before == 0x0a) f |= E_BEGIN_LINE;
  if (p == subjLen) f |= E_END_TEXT | E_END_LINE;
  else if (after == 0x0a) f |= E_END_LINE;
  // \b is ASCII-only in RE2: a byte of a multi-byte sequence is never a word byte
  let wb = (before != 0xffffffff && isWordByte(before)) != (after != 0xffffffff && isWordByte(after));
  f |= wb ? E_WORD : E_NOT_WORD;
  return f;
}

/** Adds pc (following jumps, splits, saves and assertions) to `list`; `caps` holds the thread's slots. */
function addThread(list: usize, lcaps: usize, n: i32, pc: i32, pos: i32, caps: usize, ctx: i32): i32 {
  let m = marks + (<usize>pc << 2);
  if (load<i32>(m) == markGen) return n;
  store<i32>(m, markGen);
  let at = instAt(load<usize>(vmProg), pc);
  let op = load<u8>(at);
  if (op == I_JMP) return addThread(list, lcaps, n, load<i32>(at, 4), pos, caps, ctx);
  if (op == I_SPLIT) {
    n = addThread(list, lcaps, n, load<i32>(at, 4), pos, caps, ctx);
    return addThread(list, lcaps, n, load<i32>(at, 8), pos, caps, ctx);
  }
  if (op == I_SAVE) {
    let slot = load<i32>(at, 4);
    if (slot >= ncap) return addThread(list, lcaps, n, pc + 1, pos, caps, ctx);
    let sp = caps + (<usize>slot << 2);
    let old = load<i32>(sp);
    store<i32>(sp, pos);
    n = addThread(list, lcaps, n, pc + 1, pos, caps, ctx);
    store<i32>(sp, old);
    return n;
  }
  if (op == I_ASSERT) {
    let want = load<i32>(at, 4);
    if ((ctx & want) != want) return n;
    return addThread(list, lcaps, n, pc + 1, pos, caps, ctx);
  }
  if (op == I_FAIL) return n;
  store<i32>(list + (<usize>n << 2), pc);
  if (ncap > 0) memory.copy(lcaps + (<usize>pc * <usize>ncap << 2), caps, <usize>ncap << 2);
  return n + 1;
}

function inClass(c: u32, p: usize, n: i32): bool {
  let lo = 0, hi = n - 1;
  while (lo <= hi) {
    let mid = (lo + hi) >> 1;
    let r = p + (<usize>mid << 3);
    if (c < load<u32>(r)) hi = mid - 1;
    else if (c > load<u32>(r, 4)) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The capture slots of the last match (ncap of them; -1: unset). */
export let matchCaps: usize = 0;

let clistBuf: usize = 0;
let nlistBuf: usize = 0;
let ccapsBuf: usize = 0;
let ncapsBuf: usize = 0;
let workBuf: usize = 0;

/**
 * Readies the VM to run program p tracking `slots` capture slots (0: only
 * whether there is a match; 2: its bounds; more: groups). Its thread lists
 * live with the program, allocated by the first search that needs them, so
 * repeated calls with one pattern in an evaluation allocate nothing.
 */
export function prepare(p: usize, slots: i32): void {
  vmProg = p;
  ncap = slots;
  let len = load<i32>(p, 4);
  let at = p + 16 + (slots == 0 ? 0 : slots == 2 ? 4 : 8);
  let st = load<usize>(at);
  if (st == 0) {
    st = alloc(24);
    store<usize>(st, alloc(<usize>len << 2));
    store<usize>(st, alloc(<usize>len << 2), 4);
    store<usize>(st, alloc(<usize>len * <usize>slots << 2), 8);
    store<usize>(st, alloc(<usize>len * <usize>slots << 2), 12);
    store<usize>(st, alloc(<usize>(slots + 1) << 2), 16);
    store<usize>(st, alloc(<usize>(slots + 1) << 2), 20);
    store<usize>(at, st);
  }
  clistBuf = load<usize>(st);
  nlistBuf = load<usize>(st, 4);
  ccapsBuf = load<usize>(st, 8);
  ncapsBuf = load<usize>(st, 12);
  workBuf = load<usize>(st, 16);
  matchCaps = load<usize>(st, 20);
  marks = load<usize>(p, 28);
  if (markGen > 0x3fffffff) {
    // generations only grow; long before they wrap, start afresh: a new
    // epoch, in which every program clears its marks before its next use
    markGen = 0;
    markEpoch++;
  }
  if (load<i32>(p, 32) != markEpoch) {
    memory.fill(marks, 0xff, <usize>len << 2);
    store<i32>(p, markEpoch, 32);
  }
}

/**
 * Searches s (n bytes) from byte offset `from` with the prepared program:
 * true when it matched; the slots are then at matchCaps.
 */
export function search(s: usize, n: i32, from: i32): bool {
  let p = vmProg;
  let slots = ncap;
  subj = s;
  subjLen = n;
  markGen++;
  let clist = clistBuf, nlist = nlistBuf, ccaps = ccapsBuf, ncaps = ncapsBuf, work = workBuf;
  let anchored = load<i32>(p, 12) != 0;
  let matched = false;
  let nc = 0;
  let pos = from;
  let ctx = context(pos);
  let insts = load<usize>(p);
  while (true) {
    if (nc == 0 && (matched || (anchored && pos > 0))) break;
    if (!matched && (!anchored || pos == 0)) {
      memory.fill(work, 0xff, <usize>slots << 2);
      nc = addThread(clist, ccaps, nc, 0, pos, work, ctx);
    }
    let c: u32 = 0xffffffff;
    let w = 0;
    if (pos < n) {
      c = decodeAt(s + <usize>pos);
      w = seqLen(load<u8>(s + <usize>pos));
    }
    markGen++;
    let nctx = pos < n ? context(pos + w) : 0;
    let nn = 0;
    for (let k = 0; k < nc; k++) {
      let pc = load<i32>(clist + (<usize>k << 2));
      let at = instAt(insts, pc);
      let op = load<u8>(at);
      let tcaps = ccaps + (<usize>pc * <usize>slots << 2);
      if (op == I_MATCH) {
        if (slots > 0) memory.copy(matchCaps, tcaps, <usize>slots << 2);
        matched = true;
        if (slots == 0) return true;
        break; // leftmost-first: lower-priority threads are cut off
      }
      if (w == 0) continue;
      let ok = false;
      if (op == I_RUNE) ok = <u32>load<i32>(at, 4) == c;
      else if (op == I_CLASS) ok = inClass(c, <usize>load<i32>(at, 4), load<i32>(at, 8));
      else if (op == I_ANY) ok = true;
      else if (op == I_ANYNL) ok = c != 0x0a;
      if (ok) nn = addThread(nlist, ncaps, nn, pc + 1, pos + w, tcaps, nctx);
    }
    if (w == 0) break;
    let t = clist; clist = nlist; nlist = t;
    t = ccaps; ccaps = ncaps; ncaps = t;
    nc = nn;
    pos += w;
    ctx = nctx;
  }
  return matched;
}
