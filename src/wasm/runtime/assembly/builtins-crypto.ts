// builtins-crypto.ts — crypto.md5, crypto.sha1, crypto.sha256 and
// crypto.hmac.{md5,sha1,sha256,sha512}, crypto.hmac.equal inside the module:
// the digests of a string's UTF-8 bytes as lower-case hex, as OPA's
// topdown/crypto.go returns them. The round constants are the standard
// ones (RFC 1321, FIPS 180-4); test/wasm/runtime/crypto.test.ts checks every
// digest against node:crypto.

import { T_STRING, typeOf, strLen, strPtr, newStr, alloc, boolOf } from "./value";

// @ts-ignore: decorator
@inline
function isStr(v: usize): bool {
  return v != 0 && typeOf(v) == T_STRING;
}

const MD5_K = memory.data<u32>([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
  0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
  0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x2441453, 0xd8a1e681, 0xe7d3fbc8,
  0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
  0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
  0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x4881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
  0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
]);
const MD5_S = memory.data<u8>([
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
]);
const SHA256_K = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0xfc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x6ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const SHA256_H = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const SHA512_K = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
  0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
  0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
  0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
  0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0xfc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
  0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
  0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x6ca6351e003826f, 0x142929670a0e6e70,
  0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
  0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
  0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
  0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
  0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
  0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
  0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
  0x6f067aa72176fba, 0xa637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
  0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
  0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
]);
const SHA512_H = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
]);
const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

const A_MD5: i32 = 0;
const A_SHA1: i32 = 1;
const A_SHA256: i32 = 2;
const A_SHA512: i32 = 3;

// digest state (up to 8 words of 64 bits) and the message schedule
const STATE = memory.data(64, 8);
const W = memory.data(640, 8);

function blockSize(alg: i32): i32 { return alg == A_SHA512 ? 128 : 64; }
function digestSize(alg: i32): i32 { return alg == A_MD5 ? 16 : alg == A_SHA1 ? 20 : alg == A_SHA256 ? 32 : 64; }

function init(alg: i32): void {
  if (alg == A_MD5 || alg == A_SHA1) {
    store<u32>(STATE, 0x67452301);
    store<u32>(STATE, 0xefcdab89, 4);
    store<u32>(STATE, 0x98badcfe, 8);
    store<u32>(STATE, 0x10325476, 12);
    store<u32>(STATE, 0xc3d2e1f0, 16);
  } else if (alg == A_SHA256) memory.copy(STATE, SHA256_H, 32);
  else memory.copy(STATE, SHA512_H, 64);
}

// @ts-ignore: decorator
@inline function be32(p: usize): u32 { return bswap<u32>(load<u32>(p)); }
// @ts-ignore: decorator
@inline function be64(p: usize): u64 { return bswap<u64>(load<u64>(p)); }

function blockMD5(p: usize): void {
  let a = load<u32>(STATE), b = load<u32>(STATE, 4), c = load<u32>(STATE, 8), d = load<u32>(STATE, 12);
  for (let i = 0; i < 64; i++) {
    let f: u32, g: i32;
    if (i < 16) { f = (b & c) | (~b & d); g = i; }
    else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
    else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
    else { f = c ^ (b | ~d); g = (7 * i) & 15; }
    let t = d;
    d = c;
    c = b;
    b = b + rotl<u32>(a + f + load<u32>(MD5_K + (<usize>i << 2)) + load<u32>(p + (<usize>g << 2)), load<u8>(MD5_S + i));
    a = t;
  }
  store<u32>(STATE, load<u32>(STATE) + a);
  store<u32>(STATE, load<u32>(STATE, 4) + b, 4);
  store<u32>(STATE, load<u32>(STATE, 8) + c, 8);
  store<u32>(STATE, load<u32>(STATE, 12) + d, 12);
}

function blockSHA1(p: usize): void {
  for (let i = 0; i < 16; i++) store<u32>(W + (<usize>i << 2), be32(p + (<usize>i << 2)));
  for (let i = 16; i < 80; i++) {
    let x = load<u32>(W + (<usize>(i - 3) << 2)) ^ load<u32>(W + (<usize>(i - 8) << 2)) ^ load<u32>(W + (<usize>(i - 14) << 2)) ^ load<u32>(W + (<usize>(i - 16) << 2));
    store<u32>(W + (<usize>i << 2), rotl<u32>(x, 1));
  }
  let a = load<u32>(STATE), b = load<u32>(STATE, 4), c = load<u32>(STATE, 8), d = load<u32>(STATE, 12), e = load<u32>(STATE, 16);
  for (let i = 0; i < 80; i++) {
    let f: u32, k: u32;
    if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
    else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
    else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
    else { f = b ^ c ^ d; k = 0xca62c1d6; }
    let t = rotl<u32>(a, 5) + f + e + k + load<u32>(W + (<usize>i << 2));
    e = d; d = c; c = rotl<u32>(b, 30); b = a; a = t;
  }
  store<u32>(STATE, load<u32>(STATE) + a);
  store<u32>(STATE, load<u32>(STATE, 4) + b, 4);
  store<u32>(STATE, load<u32>(STATE, 8) + c, 8);
  store<u32>(STATE, load<u32>(STATE, 12) + d, 12);
  store<u32>(STATE, load<u32>(STATE, 16) + e, 16);
}

function blockSHA256(p: usize): void {
  for (let i = 0; i < 16; i++) store<u32>(W + (<usize>i << 2), be32(p + (<usize>i << 2)));
  for (let i = 16; i < 64; i++) {
    let w15 = load<u32>(W + (<usize>(i - 15) << 2)), w2 = load<u32>(W + (<usize>(i - 2) << 2));
    let s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
    let s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
    store<u32>(W + (<usize>i << 2), load<u32>(W + (<usize>(i - 16) << 2)) + s0 + load<u32>(W + (<usize>(i - 7) << 2)) + s1);
  }
  let a = load<u32>(STATE), b = load<u32>(STATE, 4), c = load<u32>(STATE, 8), d = load<u32>(STATE, 12);
  let e = load<u32>(STATE, 16), f = load<u32>(STATE, 20), g = load<u32>(STATE, 24), h = load<u32>(STATE, 28);
  for (let i = 0; i < 64; i++) {
    let S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
    let ch = (e & f) ^ (~e & g);
    let t1 = h + S1 + ch + load<u32>(SHA256_K + (<usize>i << 2)) + load<u32>(W + (<usize>i << 2));
    let S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
    let maj = (a & b) ^ (a & c) ^ (b & c);
    let t2 = S0 + maj;
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(STATE, load<u32>(STATE) + a);
  store<u32>(STATE, load<u32>(STATE, 4) + b, 4);
  store<u32>(STATE, load<u32>(STATE, 8) + c, 8);
  store<u32>(STATE, load<u32>(STATE, 12) + d, 12);
  store<u32>(STATE, load<u32>(STATE, 16) + e, 16);
  store<u32>(STATE, load<u32>(STATE, 20) + f, 20);
  store<u32>(STATE, load<u32>(STATE, 24) + g, 24);
  store<u32>(STATE, load<u32>(STATE, 28) + h, 28);
}

function blockSHA512(p: usize): void {
  for (let i = 0; i < 16; i++) store<u64>(W + (<usize>i << 3), be64(p + (<usize>i << 3)));
  for (let i = 16; i < 80; i++) {
    let w15 = load<u64>(W + (<usize>(i - 15) << 3)), w2 = load<u64>(W + (<usize>(i - 2) << 3));
    let s0 = rotr<u64>(w15, 1) ^ rotr<u64>(w15, 8) ^ (w15 >>> 7);
    let s1 = rotr<u64>(w2, 19) ^ rotr<u64>(w2, 61) ^ (w2 >>> 6);
    store<u64>(W + (<usize>i << 3), load<u64>(W + (<usize>(i - 16) << 3)) + s0 + load<u64>(W + (<usize>(i - 7) << 3)) + s1);
  }
  let a = load<u64>(STATE), b = load<u64>(STATE, 8), c = load<u64>(STATE, 16), d = load<u64>(STATE, 24);
  let e = load<u64>(STATE, 32), f = load<u64>(STATE, 40), g = load<u64>(STATE, 48), h = load<u64>(STATE, 56);
  for (let i = 0; i < 80; i++) {
    let S1 = rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41);
    let ch = (e & f) ^ (~e & g);
    let t1 = h + S1 + ch + load<u64>(SHA512_K + (<usize>i << 3)) + load<u64>(W + (<usize>i << 3));
    let S0 = rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39);
    let maj = (a & b) ^ (a & c) ^ (b & c);
    let t2 = S0 + maj;
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  store<u64>(STATE, load<u64>(STATE) + a);
  store<u64>(STATE, load<u64>(STATE, 8) + b, 8);
  store<u64>(STATE, load<u64>(STATE, 16) + c, 16);
  store<u64>(STATE, load<u64>(STATE, 24) + d, 24);
  store<u64>(STATE, load<u64>(STATE, 32) + e, 32);
  store<u64>(STATE, load<u64>(STATE, 40) + f, 40);
  store<u64>(STATE, load<u64>(STATE, 48) + g, 48);
  store<u64>(STATE, load<u64>(STATE, 56) + h, 56);
}

function block(alg: i32, p: usize): void {
  if (alg == A_MD5) blockMD5(p);
  else if (alg == A_SHA1) blockSHA1(p);
  else if (alg == A_SHA256) blockSHA256(p);
  else blockSHA512(p);
}

/** The digest of the concatenation a ‖ b (either may be empty), written to out. */
function digest(alg: i32, a: usize, an: i32, b: usize, bn: i32, out: usize): void {
  let bs = blockSize(alg);
  let total = an + bn;
  // message + 0x80 + zeros + length (8 or 16 bytes), padded to the block size
  let lenBytes = alg == A_SHA512 ? 16 : 8;
  let padded = ((total + 1 + lenBytes + bs - 1) / bs) * bs;
  let msg = alloc(<usize>padded);
  memory.copy(msg, a, an);
  memory.copy(msg + an, b, bn);
  store<u8>(msg + total, 0x80);
  memory.fill(msg + total + 1, 0, <usize>(padded - total - 1));
  let bits = <u64>total << 3;
  if (alg == A_MD5) store<u64>(msg + padded - 8, bits);
  else store<u64>(msg + padded - 8, bswap<u64>(bits));
  init(alg);
  for (let i = 0; i < padded; i += bs) block(alg, msg + i);
  let n = digestSize(alg);
  if (alg == A_MD5) memory.copy(out, STATE, 16);
  else if (alg == A_SHA512) for (let i = 0; i < 8; i++) store<u64>(out + (<usize>i << 3), bswap<u64>(load<u64>(STATE + (<usize>i << 3))));
  else for (let i = 0; i < n / 4; i++) store<u32>(out + (<usize>i << 2), bswap<u32>(load<u32>(STATE + (<usize>i << 2))));
}

function hexString(p: usize, n: i32): usize {
  let out = alloc(<usize>(n * 2));
  for (let i = 0; i < n; i++) {
    let b = <u32>load<u8>(p + i);
    store<u8>(out + (i << 1), load<u8>(HEX + (b >> 4)));
    store<u8>(out + (i << 1) + 1, load<u8>(HEX + (b & 15)));
  }
  return newStr(out, n * 2);
}

function hash(alg: i32, s: usize): usize {
  if (!isStr(s)) return 0;
  let out = alloc(64);
  digest(alg, strPtr(s), strLen(s), 0, 0, out);
  return hexString(out, digestSize(alg));
}

/** HMAC (RFC 2104) of the message under the key, both strings' bytes. */
function hmac(alg: i32, msg: usize, key: usize): usize {
  if (!isStr(msg) || !isStr(key)) return 0;
  let bs = blockSize(alg);
  let k = alloc(<usize>bs);
  memory.fill(k, 0, <usize>bs);
  if (strLen(key) > bs) digest(alg, strPtr(key), strLen(key), 0, 0, k);
  else memory.copy(k, strPtr(key), strLen(key));
  let pad = alloc(<usize>bs);
  for (let i = 0; i < bs; i++) store<u8>(pad + i, load<u8>(k + i) ^ 0x36);
  let inner = alloc(64);
  digest(alg, pad, bs, strPtr(msg), strLen(msg), inner);
  for (let i = 0; i < bs; i++) store<u8>(pad + i, load<u8>(k + i) ^ 0x5c);
  let out = alloc(64);
  digest(alg, pad, bs, inner, digestSize(alg), out);
  return hexString(out, digestSize(alg));
}

export function mg_crypto_md5(s: usize): usize { return hash(A_MD5, s); }
export function mg_crypto_sha1(s: usize): usize { return hash(A_SHA1, s); }
export function mg_crypto_sha256(s: usize): usize { return hash(A_SHA256, s); }
export function mg_hmac_md5(m: usize, k: usize): usize { return hmac(A_MD5, m, k); }
export function mg_hmac_sha1(m: usize, k: usize): usize { return hmac(A_SHA1, m, k); }
export function mg_hmac_sha256(m: usize, k: usize): usize { return hmac(A_SHA256, m, k); }
export function mg_hmac_sha512(m: usize, k: usize): usize { return hmac(A_SHA512, m, k); }

/** crypto.hmac.equal: the two strings are equal, compared without an early
 *  exit (Go's hmac.Equal is constant-time in the contents). */
export function mg_hmac_equal(a: usize, b: usize): usize {
  if (!isStr(a) || !isStr(b)) return 0;
  let n = strLen(a);
  if (n != strLen(b)) return boolOf(false);
  let diff: u32 = 0;
  for (let i = 0; i < n; i++) diff |= <u32>(load<u8>(strPtr(a) + i) ^ load<u8>(strPtr(b) + i));
  return boolOf(diff == 0);
}
