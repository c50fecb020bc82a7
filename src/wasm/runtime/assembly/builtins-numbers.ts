// builtins-numbers.ts — Rego arithmetic: plus, minus (also set difference),
// mul, div, rem, abs, round, ceil, floor. int∘int stays an exact i64 while it
// fits (overflow falls back to f64); div of ints is an int when exact;
// division or remainder by zero and wrong argument types are undefined (0).

import { alloc, T_NUMBER, T_SET, typeOf } from "./value";
import { K_INT, K_TEXT, numKind, numF64, newInt, newIntMag, newFloat, numToI64, numOk } from "./number";
import { newColl, collCount, collFindH, collAdd } from "./object";

// @ts-ignore: decorator
@inline
function bothInts(a: usize, b: usize): bool {
  return numKind(a) == K_INT && numKind(b) == K_INT;
}

// @ts-ignore: decorator
@inline
function bothNumbers(a: usize, b: usize): bool {
  return a != 0 && b != 0 && typeOf(a) == T_NUMBER && typeOf(b) == T_NUMBER;
}

/** |x| as an unsigned magnitude (|MIN| = 2^63). */
// @ts-ignore: decorator
@inline
function absI64(x: i64): u64 {
  return x < 0 ? <u64>(-x) : <u64>x;
}

export function numAdd(a: usize, b: usize): usize {
  if (bothInts(a, b)) {
    let x = load<i64>(a, 8);
    let y = load<i64>(b, 8);
    let r = x + y;
    if (((x ^ r) & (y ^ r)) >= 0) return newInt(r);
    // same signs overflowed: the magnitude still fits u64 (except MIN+MIN)
    let mag = <u64>absI64(x) + <u64>absI64(y);
    if (mag >= <u64>absI64(x)) return newIntMag(x < 0, mag);
  }
  return newFloat(numF64(a) + numF64(b));
}

export function numSub(a: usize, b: usize): usize {
  if (bothInts(a, b)) {
    let x = load<i64>(a, 8);
    let y = load<i64>(b, 8);
    let r = x - y;
    if (((x ^ y) & (x ^ r)) >= 0) return newInt(r);
    // signs differed and overflowed: |x| + |y| with the sign of x
    let mag = <u64>absI64(x) + <u64>absI64(y);
    if (mag >= <u64>absI64(x)) return newIntMag(x < 0, mag);
  }
  return newFloat(numF64(a) - numF64(b));
}

export function numMul(a: usize, b: usize): usize {
  if (bothInts(a, b)) {
    let x = load<i64>(a, 8);
    let y = load<i64>(b, 8);
    if (x == 0 || y == 0) return newInt(0);
    let fits = (x > -0x80000000 && x < 0x80000000 && y > -0x80000000 && y < 0x80000000);
    if (fits) return newInt(x * y);
    if (!((x == -1 && y == i64.MIN_VALUE) || (y == -1 && x == i64.MIN_VALUE))) {
      let r = x * y;
      if (r / y == x) return newInt(r);
    }
  }
  return newFloat(numF64(a) * numF64(b));
}

export function mg_plus(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  return numAdd(a, b);
}

/** Numbers subtract; two sets give their difference. */
export function mg_minus(a: usize, b: usize): usize {
  if (a == 0 || b == 0) return 0;
  let ta = typeOf(a);
  let tb = typeOf(b);
  if (ta == T_NUMBER && tb == T_NUMBER) return numSub(a, b);
  if (ta == T_SET && tb == T_SET) return setDiff(a, b);
  return 0;
}

export function setDiff(a: usize, b: usize): usize {
  let n = collCount(a);
  let r = newColl(T_SET, n);
  let ents = load<usize>(a, 12);
  for (let i = 0; i < n; i++) {
    let e = ents + <usize>i * 12;
    if (collFindH(b, load<usize>(e), load<u32>(e, 8)) < 0) collAdd(r, load<usize>(e));
  }
  return r;
}

export function mg_mul(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  return numMul(a, b);
}

export function mg_div(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  if (bothInts(a, b)) {
    let x = load<i64>(a, 8);
    let y = load<i64>(b, 8);
    if (y == 0) return 0;
    if (x == i64.MIN_VALUE && y == -1) return newIntMag(false, 0x8000000000000000);
    if (x % y == 0) return newInt(x / y);
    return newFloat(<f64>x / <f64>y);
  }
  let d = numF64(b);
  if (d == 0) return 0;
  return newFloat(numF64(a) / d);
}

/** Remainder of integers (truncated, as Go's big.Int Rem); else undefined. */
export function mg_rem(a: usize, b: usize): usize {
  if (!bothNumbers(a, b)) return 0;
  let x = numToI64(a);
  if (!numOk) return 0;
  let y = numToI64(b);
  if (!numOk || y == 0) return 0;
  if (y == -1) return newInt(0);
  return newInt(x % y);
}

export function mg_abs(a: usize): usize {
  if (a == 0 || typeOf(a) != T_NUMBER) return 0;
  let k = numKind(a);
  if (k == K_INT) {
    let x = load<i64>(a, 8);
    if (x >= 0) return a;
    return newIntMag(false, absI64(x));
  } else if (k == K_TEXT) {
    // keep literal exactness: drop the sign from the text
    let p = load<usize>(a, 16);
    if (load<u8>(p) != 0x2d) return a;
    let v = alloc(24);
    memory.copy(v, a, 24);
    store<f64>(v, -load<f64>(a, 8), 8);
    store<usize>(v, p + 1, 16);
    store<i32>(v, load<i32>(a, 20) - 1, 20);
    return v;
  }
  return newFloat(Math.abs(numF64(a)));
}

/** Round half away from zero (Go's math.Round; OPA's round). */
export function mg_round(a: usize): usize {
  if (a == 0 || typeOf(a) != T_NUMBER) return 0;
  if (numKind(a) == K_INT) return a;
  let f = numF64(a);
  let t = Math.trunc(f);
  if (Math.abs(f - t) >= 0.5) t += f < 0 ? -1 : 1;
  return newFloat(t);
}

export function mg_ceil(a: usize): usize {
  if (a == 0 || typeOf(a) != T_NUMBER) return 0;
  if (numKind(a) == K_INT) return a;
  return newFloat(Math.ceil(numF64(a)));
}

export function mg_floor(a: usize): usize {
  if (a == 0 || typeOf(a) != T_NUMBER) return 0;
  if (numKind(a) == K_INT) return a;
  return newFloat(Math.floor(numF64(a)));
}
