// builtins-types.ts — type_name and the is_* checks (false for other types).

import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, typeOf, boolOf,
} from "./value";

const NAMES = memory.data<u8>([
  110, 117, 108, 108,                  // null      @0  4
  98, 111, 111, 108, 101, 97, 110,     // boolean   @4  7
  110, 117, 109, 98, 101, 114,         // number    @11 6
  115, 116, 114, 105, 110, 103,        // string    @17 6
  97, 114, 114, 97, 121,               // array     @23 5
  111, 98, 106, 101, 99, 116,          // object    @28 6
  115, 101, 116,                       // set       @34 3
]);

// one interned string value per type, built on first use
const NAME_VALUES = memory.data(8 * 16, 8);

export function mg_type_name(v: usize): usize {
  if (v == 0) return 0;
  let t = <i32>typeOf(v);
  let sv = NAME_VALUES + <usize>t * 16;
  if (load<u8>(sv) == 0) {
    let off = 0, len = 0;
    switch (t) {
      case T_NULL: { off = 0; len = 4; break; }
      case T_BOOL: { off = 4; len = 7; break; }
      case T_NUMBER: { off = 11; len = 6; break; }
      case T_STRING: { off = 17; len = 6; break; }
      case T_ARRAY: { off = 23; len = 5; break; }
      case T_OBJECT: { off = 28; len = 6; break; }
      default: { off = 34; len = 3; }
    }
    store<u32>(sv, T_STRING);
    store<u32>(sv, 0, 4);
    store<i32>(sv, len, 8);
    store<usize>(sv, NAMES + <usize>off, 12);
  }
  return sv;
}

export function mg_is_number(v: usize): usize { return v == 0 ? 0 : boolOf(typeOf(v) == T_NUMBER); }
export function mg_is_string(v: usize): usize { return v == 0 ? 0 : boolOf(typeOf(v) == T_STRING); }
export function mg_is_boolean(v: usize): usize { return v == 0 ? 0 : boolOf(typeOf(v) == T_BOOL); }
export function mg_is_array(v: usize): usize { return v == 0 ? 0 : boolOf(typeOf(v) == T_ARRAY); }
export function mg_is_set(v: usize): usize { return v == 0 ? 0 : boolOf(typeOf(v) == T_SET); }
export function mg_is_object(v: usize): usize { return v == 0 ? 0 : boolOf(typeOf(v) == T_OBJECT); }
export function mg_is_null(v: usize): usize { return v == 0 ? 0 : boolOf(typeOf(v) == T_NULL); }

