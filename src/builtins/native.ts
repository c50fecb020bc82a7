// Built-ins the wasm runtime implements itself (docs/runtime-api.md): the
// hot ones (operators, equality, count, membership, object.get, prefix and
// suffix checks). Their calls compile to direct runtime calls, never to the
// host.

import type { BuiltinDecl, TypeSpec } from './types.js'

const num: TypeSpec = 'number'
const any: TypeSpec = 'any'
const coll: TypeSpec = { anyOf: ['array', 'set', 'object'] }
const numColl: TypeSpec = { anyOf: ['array', 'set'] }

export const decls: BuiltinDecl[] = [
  { name: 'plus', args: [num, num], result: num, infix: '+', native: 'mg_plus' },
  { name: 'minus', args: [{ anyOf: ['number', 'set'] }, { anyOf: ['number', 'set'] }], result: { anyOf: ['number', 'set'] }, infix: '-', native: 'mg_minus' },
  { name: 'mul', args: [num, num], result: num, infix: '*', native: 'mg_mul' },
  { name: 'div', args: [num, num], result: num, infix: '/', native: 'mg_div' },
  { name: 'rem', args: [num, num], result: num, infix: '%', native: 'mg_rem' },
  { name: 'abs', args: [num], result: num, native: 'mg_abs' },
  { name: 'round', args: [num], result: num, native: 'mg_round' },
  { name: 'ceil', args: [num], result: num, native: 'mg_ceil' },
  { name: 'floor', args: [num], result: num, native: 'mg_floor' },
  { name: 'count', args: [{ anyOf: ['string', 'array', 'set', 'object'] }], result: num, native: 'mg_count' },
  { name: 'sum', args: [numColl], result: num, native: 'mg_sum' },
  { name: 'product', args: [numColl], result: num, native: 'mg_product' },
  { name: 'max', args: [numColl], result: any, native: 'mg_max' },
  { name: 'min', args: [numColl], result: any, native: 'mg_min' },
  { name: 'sort', args: [numColl], result: 'array', native: 'mg_sort' },
  { name: 'equal', args: [any, any], result: 'boolean', infix: '==', native: 'mg_eq' },
  { name: 'neq', args: [any, any], result: 'boolean', infix: '!=', native: 'mg_neq' },
  { name: 'lt', args: [any, any], result: 'boolean', infix: '<', native: 'mg_lt' },
  { name: 'lte', args: [any, any], result: 'boolean', infix: '<=', native: 'mg_lte' },
  { name: 'gt', args: [any, any], result: 'boolean', infix: '>', native: 'mg_gt' },
  { name: 'gte', args: [any, any], result: 'boolean', infix: '>=', native: 'mg_gte' },
  { name: 'internal.member_2', args: [any, any], result: 'boolean', native: 'mg_member2' },
  { name: 'internal.member_3', args: [any, any, any], result: 'boolean', native: 'mg_member3' },
  { name: 'startswith', args: ['string', 'string'], result: 'boolean', native: 'mg_startswith' },
  { name: 'endswith', args: ['string', 'string'], result: 'boolean', native: 'mg_endswith' },
  { name: 'contains', args: ['string', 'string'], result: 'boolean', native: 'mg_contains' },
  { name: 'object.get', args: ['object', any, any], result: any, native: 'mg_object_get' },
  { name: 'and', args: ['set', 'set'], result: 'set', infix: '&', native: 'mg_and' },
  { name: 'or', args: ['set', 'set'], result: 'set', infix: '|', native: 'mg_or' },
  { name: 'array.concat', args: ['array', 'array'], result: 'array', native: 'mg_array_concat' },
  { name: 'array.slice', args: ['array', num, num], result: 'array', native: 'mg_array_slice' },
  { name: 'union', args: [{ set: 'set' }], result: 'set', native: 'mg_union' },
  { name: 'intersection', args: [{ set: 'set' }], result: 'set', native: 'mg_intersection' },
  { name: 'type_name', args: [any], result: 'string', native: 'mg_type_name' },
  { name: 'is_number', args: [any], result: 'boolean', native: 'mg_is_number' },
  { name: 'is_string', args: [any], result: 'boolean', native: 'mg_is_string' },
  { name: 'is_boolean', args: [any], result: 'boolean', native: 'mg_is_boolean' },
  { name: 'is_array', args: [any], result: 'boolean', native: 'mg_is_array' },
  { name: 'is_set', args: [any], result: 'boolean', native: 'mg_is_set' },
  { name: 'is_object', args: [any], result: 'boolean', native: 'mg_is_object' },
  { name: 'is_null', args: [any], result: 'boolean', native: 'mg_is_null' },
  { name: 'object.keys', args: ['object'], result: 'set', native: 'mg_object_keys' },
]

/** Built-ins the planner handles itself (no runtime or host function). */
export const plannerDecls: BuiltinDecl[] = [
  { name: 'print', args: [], result: undefined },
  { name: 'trace', args: ['string'], result: 'boolean' },
  { name: 'rego.metadata.rule', args: [], result: 'any' },
  { name: 'rego.metadata.chain', args: [], result: 'array' },
  { name: 'opa.runtime', args: [], result: 'object' },
  { name: 'assign', args: [any, any], result: 'boolean' },
  { name: 'eq', args: [any, any], result: 'boolean' },
  // OPA's http.send needs network access from inside a synchronous host
  // call; meshgate declares it (so `with http.send as mock` compiles) but
  // calling it unmocked fails with the SDK's "not implemented" error.
  { name: 'http.send', args: ['object'], result: 'object' },
]
