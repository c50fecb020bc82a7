// index.ts — the runtime's public surface: the OPA Wasm ABI functions the
// SDK calls and the mg_* functions generated code calls (docs/runtime-api.md).
// Everything here is a thin wrapper over the area files.

import {
  heapPtr, setHeapPtr, alloc, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET,
  NULL_V, TRUE_V, FALSE_V, typeOf, boolOf, newStr, newArr, arrPush, arrLen, arrAt, fatal,
} from "./value";
import { newInt, newFloat, numFromText, scanNumber, numToI64, numOk } from "./number";
import {
  newColl, collCount, collInsert, collInsertChecked, collAdd, collKeyAt, collValAt,
} from "./object";
import { compareValues, equalValues } from "./compare";
import { parseText, dumpValue } from "./json";
import { getValue, mergeObjects, upsert, addPath, removePath } from "./access";
import { mg_or as setUnion } from "./builtins-collections";

export {
  mg_plus, mg_minus, mg_mul, mg_div, mg_rem, mg_abs, mg_round, mg_ceil, mg_floor,
} from "./builtins-numbers";
export { mg_count, mg_sum, mg_product, mg_max, mg_min, mg_sort } from "./builtins-aggregates";
export {
  mg_eq, mg_neq, mg_lt, mg_lte, mg_gt, mg_gte, mg_member2, mg_member3,
} from "./builtins-compare";
export {
  mg_startswith, mg_endswith, mg_contains, mg_template_str, mg_str_join,
} from "./builtins-strings";
export { mg_sprintf, mg_format_int } from "./builtins-format";
export {
  mg_concat, mg_split, mg_replace, mg_replace_n, mg_lower, mg_upper, mg_trim, mg_trim_left,
  mg_trim_right, mg_trim_prefix, mg_trim_suffix, mg_trim_space, mg_substring, mg_indexof,
  mg_indexof_n, mg_strings_count, mg_strings_reverse, mg_any_prefix_match, mg_any_suffix_match,
} from "./builtins-text";
export {
  mg_base64_encode, mg_base64_decode, mg_base64_is_valid, mg_base64url_encode, mg_base64url_encode_no_pad, mg_base64url_decode, mg_hex_encode, mg_hex_decode, mg_urlquery_encode, mg_urlquery_decode, mg_urlquery_encode_object, mg_urlquery_decode_object, mg_json_marshal, mg_json_unmarshal, mg_json_is_valid,
} from "./builtins-encoding";
export { mg_units_parse, mg_units_parse_bytes } from "./builtins-units";
export {
  mg_crypto_md5, mg_crypto_sha1, mg_crypto_sha256, mg_hmac_md5, mg_hmac_sha1, mg_hmac_sha256, mg_hmac_sha512, mg_hmac_equal,
} from "./builtins-crypto";
export {
  mg_object_union, mg_object_union_n, mg_object_filter, mg_object_remove, mg_array_reverse, mg_array_flatten,
} from "./builtins-objects";
export { mg_semver_compare, mg_semver_is_valid } from "./builtins-semver";
export { mg_cidr_contains, mg_cidr_intersects, mg_cidr_is_valid } from "./builtins-net";
export { mg_glob_match, mg_glob_quote_meta } from "./builtins-glob";
export { mg_object_subset } from "./builtins-objects";
export {
  mg_json_filter, mg_json_remove, mg_json_patch, mg_json_marshal_with_options,
} from "./builtins-json-doc";
export {
  mg_cidr_contains_matches, mg_cidr_expand, mg_cidr_merge,
} from "./builtins-net";
export {
  mg_to_number, mg_numbers_range, mg_numbers_range_step, mg_bits_and, mg_bits_or, mg_bits_xor,
  mg_bits_negate, mg_bits_lsh, mg_bits_rsh,
} from "./builtins-numeric";
export { mg_any, mg_all } from "./builtins-aggregates";
export { mg_walk, mg_graph_reachable, mg_graph_reachable_paths } from "./builtins-graph";
export {
  mg_time_parse_ns, mg_time_parse_rfc3339_ns, mg_time_parse_duration_ns, mg_time_date, mg_time_clock,
  mg_time_weekday, mg_time_format, mg_time_diff, mg_time_add_date,
} from "./builtins-time";
import { takeHostDefer } from "./builtins-time";
export {
  mg_regex_match, mg_re_match, mg_regex_is_valid, mg_regex_find_n, mg_regex_find_all_string_submatch_n,
  mg_regex_split, mg_regex_replace, mg_regex_template_match,
} from "./builtins-regex";
export { mg_regex_globs_match } from "./builtins-regex-globs";
import { regexForget } from "./builtins-regex";
export { mg_builtin_abort } from "./builtin-error";
export { mg_yaml_marshal, mg_yaml_unmarshal, mg_yaml_is_valid } from "./builtins-yaml";
export {
  mg_object_get, mg_object_keys, mg_and, mg_or, mg_union, mg_intersection,
  mg_array_concat, mg_array_slice,
} from "./builtins-collections";
export {
  mg_type_name, mg_is_number, mg_is_string, mg_is_boolean, mg_is_array, mg_is_set,
  mg_is_object, mg_is_null,
} from "./builtins-types";

// ---- OPA Wasm ABI -------------------------------------------------------------

export function opa_malloc(size: usize): usize {
  return alloc(size);
}

/** The arena is reset as a whole; single blocks are never freed. */
export function opa_free(ptr: usize): void {}

export function opa_value_free(v: usize): void {}

// Parsed values may outlive the evaluation that reads them (setData puts
// them below the heap mark the SDK resets to), so they are frozen: sorted
// now, never lazily later, when a sort would store a pointer to memory the
// next evaluation reuses.
export function opa_json_parse(ptr: usize, len: i32): usize {
  let v = parseText(ptr, len, false);
  mg_freeze(v);
  return v;
}

export function opa_value_parse(ptr: usize, len: i32): usize {
  let v = parseText(ptr, len, true);
  mg_freeze(v);
  return v;
}

/**
 * The evaluation's own input: it lives above the heap mark and dies with the
 * evaluation, so it needs no freezing (sorting it eagerly on every decision
 * would be wasted work for objects the policy never iterates).
 */
export function mg_input_parse(ptr: usize, len: i32): usize {
  return parseText(ptr, len, true);
}

/** Sort every object and set inside v now (see opa_json_parse). */
export function mg_freeze(v: usize): void {
  if (v == 0) return;
  let t = typeOf(v);
  if (t == T_ARRAY) {
    let n = arrLen(v);
    for (let i = 0; i < n; i++) mg_freeze(arrAt(v, i));
  } else if (t == T_OBJECT || t == T_SET) {
    let n = collCount(v);
    for (let i = 0; i < n; i++) {
      mg_freeze(collKeyAt(v, i));
      mg_freeze(collValAt(v, i));
    }
  }
}

export function opa_json_dump(v: usize): usize {
  return dumpValue(v, false);
}

export function opa_value_dump(v: usize): usize {
  return dumpValue(v, true);
}

export function opa_heap_ptr_get(): usize {
  return heapPtr;
}

export function opa_heap_ptr_set(p: usize): void {
  setHeapPtr(p);
  // compiled regex programs live in the arena being reset
  regexForget();
}

export function opa_value_add_path(base: usize, path: usize, v: usize): i32 {
  return addPath(base, path, v);
}

export function opa_value_remove_path(base: usize, path: usize): i32 {
  return removePath(base, path);
}

// ABI 1.3 stash hooks: a single arena has nothing to stash.
export function opa_heap_blocks_stash(): void {}
export function opa_heap_blocks_restore(): void {}
export function opa_heap_stash_clear(): void {}

// ---- construction ------------------------------------------------------------------

export function mg_type(v: usize): i32 {
  return v == 0 ? 0 : <i32>typeOf(v);
}

export function mg_null(): usize {
  return NULL_V;
}

export function mg_bool(b: i32): usize {
  return b ? TRUE_V : FALSE_V;
}

export function mg_int(x: i64): usize {
  return newInt(x);
}

export function mg_float(x: f64): usize {
  return newFloat(x);
}

/** A number from its literal text (JSON grammar); aborts on malformed text,
 *  which only a code generator bug can produce. */
export function mg_num_str(ptr: usize, len: i32): usize {
  if (len <= 0 || scanNumber(ptr, ptr + <usize>len) != <usize>len) fatal("internal: malformed number literal");
  return numFromText(ptr, len);
}

export function mg_str(ptr: usize, len: i32): usize {
  return newStr(ptr, len);
}

export function mg_arr(cap: i32): usize {
  return newArr(cap);
}

export function mg_arr_push(a: usize, v: usize): void {
  arrPush(a, v);
}

export function mg_obj(): usize {
  return newColl(T_OBJECT, 4);
}

export function mg_obj_insert(o: usize, k: usize, v: usize): void {
  collInsert(o, k, v);
}

export function mg_obj_insert_checked(o: usize, k: usize, v: usize): i32 {
  return collInsertChecked(o, k, v);
}

export function mg_set(): usize {
  return newColl(T_SET, 4);
}

export function mg_set_add(s: usize, v: usize): void {
  collAdd(s, v);
}

/** Arrays become sets (host built-in results); sets pass through. */
export function mg_to_set(v: usize): usize {
  if (v == 0) return 0;
  let t = typeOf(v);
  if (t == T_SET) return v;
  if (t != T_ARRAY) return 0;
  let n = arrLen(v);
  let s = newColl(T_SET, n);
  for (let i = 0; i < n; i++) collAdd(s, arrAt(v, i));
  return s;
}

// ---- inspection and iteration --------------------------------------------------------

export function mg_len(v: usize): i32 {
  if (v == 0) return -1;
  let t = typeOf(v);
  if (t == T_ARRAY) return arrLen(v);
  if (t == T_OBJECT || t == T_SET) return collCount(v);
  return -1;
}

export function mg_key_at(v: usize, i: i32): usize {
  if (v == 0) return 0;
  let t = typeOf(v);
  if (t == T_ARRAY) return <u32>i < <u32>arrLen(v) ? newInt(i) : 0;
  if (t == T_OBJECT || t == T_SET) return collKeyAt(v, i);
  return 0;
}

export function mg_val_at(v: usize, i: i32): usize {
  if (v == 0) return 0;
  let t = typeOf(v);
  if (t == T_ARRAY) return <u32>i < <u32>arrLen(v) ? arrAt(v, i) : 0;
  if (t == T_OBJECT || t == T_SET) return collValAt(v, i);
  return 0;
}

export function mg_get(v: usize, k: usize): usize {
  return getValue(v, k);
}

export function mg_is_true(v: usize): i32 {
  return v == TRUE_V ? 1 : 0;
}

export function mg_equal(a: usize, b: usize): i32 {
  return equalValues(a, b) ? 1 : 0;
}

export function mg_compare(a: usize, b: usize): i32 {
  return compareValues(a, b);
}

export function mg_obj_merge(a: usize, b: usize): usize {
  if (a == 0 || b == 0 || typeOf(a) != T_OBJECT || typeOf(b) != T_OBJECT) return 0;
  return mergeObjects(a, b);
}

export function mg_upsert(root: usize, path: usize, v: usize): usize {
  if (path == 0 || typeOf(path) != T_ARRAY || v == 0) return 0;
  return upsert(root, path, 0, v);
}

// ---- code-generator helpers ---------------------------------------------------

/** An integral number value as i32 (the rule index stores definition numbers); -1 otherwise. */
export function mg_to_i32(v: usize): i32 {
  if (v == 0 || typeOf(v) != T_NUMBER) return -1;
  let n = numToI64(v);
  if (!numOk || n < 0 || n > 0x7fffffff) return -1;
  return <i32>n;
}

// ---- sets across the host boundary ----------------------------------------------
// The SDK passes host built-in arguments and results as JSON, where a set is
// an array. For built-ins whose meaning depends on sets (walk, object.subset,
// sprintf…), meshgate wraps each set as {"__meshgate_set__": [...]} on the
// way out and unwraps such objects on the way back.

const SET_MARK = "__meshgate_set__";

function hasSet(v: usize): bool {
  if (v == 0) return false;
  let t = typeOf(v);
  if (t == T_SET) return true;
  if (t == T_ARRAY) {
    let n = arrLen(v);
    for (let i = 0; i < n; i++) if (hasSet(arrAt(v, i))) return true;
  } else if (t == T_OBJECT) {
    let n = collCount(v);
    for (let i = 0; i < n; i++) if (hasSet(collKeyAt(v, i)) || hasSet(collValAt(v, i))) return true;
  }
  return false;
}

function markKey(): usize {
  // ASCII bytes of the static literal, copied without managed strings.
  let n = SET_MARK.length;
  let p = alloc(<usize>n);
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>SET_MARK.charCodeAt(i));
  return newStr(p, n);
}

function mark(v: usize, key: usize): usize {
  let t = typeOf(v);
  if (t == T_SET) {
    let n = collCount(v);
    let a = newArr(n);
    for (let i = 0; i < n; i++) arrPush(a, mark(collKeyAt(v, i), key));
    let o = newColl(T_OBJECT, 1);
    collInsert(o, key, a);
    return o;
  }
  if (t == T_ARRAY) {
    let n = arrLen(v);
    let a = newArr(n);
    for (let i = 0; i < n; i++) arrPush(a, mark(arrAt(v, i), key));
    return a;
  }
  if (t == T_OBJECT) {
    let n = collCount(v);
    let o = newColl(T_OBJECT, n);
    for (let i = 0; i < n; i++) collInsert(o, mark(collKeyAt(v, i), key), mark(collValAt(v, i), key));
    return o;
  }
  return v;
}

/** v with every set wrapped as {"__meshgate_set__": [...]}; v itself when it holds no set. */
export function mg_mark_sets(v: usize): usize {
  if (!hasSet(v)) return v;
  return mark(v, markKey());
}

function isMarker(v: usize, key: usize): bool {
  if (typeOf(v) != T_OBJECT || collCount(v) != 1) return false;
  return equalValues(collKeyAt(v, 0), key) && typeOf(collValAt(v, 0)) == T_ARRAY;
}

function unmark(v: usize, key: usize): usize {
  if (v == 0) return v;
  let t = typeOf(v);
  if (t == T_ARRAY) {
    let n = arrLen(v);
    let a = newArr(n);
    for (let i = 0; i < n; i++) arrPush(a, unmark(arrAt(v, i), key));
    return a;
  }
  if (t == T_OBJECT) {
    if (isMarker(v, key)) {
      let items = collValAt(v, 0);
      let n = arrLen(items);
      let s = newColl(T_SET, n);
      for (let i = 0; i < n; i++) collAdd(s, unmark(arrAt(items, i), key));
      return s;
    }
    let n = collCount(v);
    let o = newColl(T_OBJECT, n);
    for (let i = 0; i < n; i++) collInsert(o, collKeyAt(v, i), unmark(collValAt(v, i), key));
    return o;
  }
  return v;
}

/** The inverse of mg_mark_sets, for host results. */
export function mg_unmark_sets(v: usize): usize {
  if (v == 0) return 0;
  let r = unmark(v, markKey());
  mg_freeze(r);
  return r;
}

/**
 * Two documents of one path joined (rules of a ref-head object meeting rules
 * below it): objects join key by key for `depth` levels (the ref head's
 * keys); below that, sets unite and equal values stay. Any other clash is a
 * conflict (0): a rule's value is not extended by another rule.
 */
export function mg_union_docs(a: usize, b: usize, depth: i32): usize {
  if (a == 0 || b == 0) return 0;
  let ta = typeOf(a), tb = typeOf(b);
  if (ta == T_SET && tb == T_SET) return setUnion(a, b);
  if (depth > 0 && ta == T_OBJECT && tb == T_OBJECT) {
    let n = collCount(a), m = collCount(b);
    let o = newColl(T_OBJECT, n + m);
    for (let i = 0; i < n; i++) collInsert(o, collKeyAt(a, i), collValAt(a, i));
    for (let i = 0; i < m; i++) {
      let k = collKeyAt(b, i), v = collValAt(b, i);
      let have = getValue(o, k);
      if (have == 0) { collInsert(o, k, v); continue; }
      let u = mg_union_docs(have, v, depth - 1);
      if (u == 0) return 0;
      collInsert(o, k, u);
    }
    return o;
  }
  return equalValues(a, b) ? a : 0;
}

// ---- in-module built-ins that hand over to the host or fail ---------------------

/** 1 when the built-in just called left its answer to the host built-in of
 *  the same name (a time zone the module does not hold); generated code then
 *  calls the host. Reading it clears it. */
export function mg_take_host_defer(): i32 {
  return takeHostDefer() ? 1 : 0;
}

