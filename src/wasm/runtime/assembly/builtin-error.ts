// builtin-error.ts — the message of the last in-module built-in that failed,
// for a strict build's abort. A failing built-in answers undefined and
// records OPA's wording of why (keepBuiltinError); the code generated for a
// strict build then calls mg_builtin_abort, which reports that message when
// it is this built-in's, else the generic text the call site passes.
import { opa_abort } from "./value";
import { wBegin, wByte, wStart } from "./writer";

let errName: string = "";
let errPtr: usize = 0;
let errLen: i32 = 0;

/** Records `len` bytes at `ptr` (arena memory, which outlives the call) as built-in `name`'s error. */
export function keepBuiltinError(name: string, ptr: usize, len: i32): void {
  errName = name;
  errPtr = ptr;
  errLen = len;
}

/** Forgets the recorded error (the arena holding it is being reset). */
export function clearBuiltinError(): void {
  errName = "";
  errPtr = 0;
  errLen = 0;
}

function cstrLen(p: usize): i32 {
  let n = 0;
  while (load<u8>(p + n) != 0) n++;
  return n;
}

/** Whether the recorded error is `name`'s (a NUL-terminated ASCII string). */
function recordedFor(name: usize, nameLen: i32): bool {
  if (errLen == 0 || errName.length != nameLen) return false;
  let s = changetype<usize>(errName);
  for (let i = 0; i < nameLen; i++) if (<u32>load<u16>(s + (<usize>i << 1)) != <u32>load<u8>(name + i)) return false;
  return true;
}

/**
 * Strict-mode abort of a failed in-module built-in: `prefix` (the call's
 * "file:row:col: eval_builtin_error: ") + `name` + ": " + the message it
 * recorded; `fallback` when it recorded none, or the recorded one belongs to
 * another built-in (all three NUL-terminated). The SDK reads abort text
 * byte by byte: one `?` per code point outside printable ASCII.
 */
export function mg_builtin_abort(prefix: usize, name: usize, fallback: usize): void {
  let nl = cstrLen(name);
  if (!recordedFor(name, nl)) {
    clearBuiltinError();
    opa_abort(fallback);
    unreachable();
  }
  wBegin(errLen + 96);
  for (let q = prefix; load<u8>(q) != 0; q++) wByte(load<u8>(q));
  for (let i = 0; i < nl; i++) wByte(load<u8>(name + i));
  wByte(0x3a);
  wByte(0x20);
  for (let i = 0; i < errLen; i++) {
    let b = <u32>load<u8>(errPtr + <usize>i);
    if (b >= 0x20 && b < 0x7f) wByte(b);
    else if ((b & 0xc0) != 0x80) wByte(0x3f);
  }
  wByte(0);
  let text = wStart();
  clearBuiltinError();
  opa_abort(text);
  unreachable();
}
