// Built-ins the wasm runtime implements itself (docs/runtime-api.md): the
// hot ones (operators, equality, count, membership, object.get, prefix and
// suffix checks), and the families a typical access, masking or
// compatibility policy calls (issue 12: sprintf and formatting, strings,
// encodings, units, digests, objects, semver, CIDRs, globs, time, regexes, YAML),
// so that a module runs in any OPA SDK without meshgate's host functions.
// Their calls compile to direct runtime calls, never to the host; which
// runtime function computes each is wasm/natives.ts's table.

import type { BuiltinDecl, TypeSpec } from './types.js'
import { hostDecls } from './declarations.js'

const num: TypeSpec = 'number'
const any: TypeSpec = 'any'
const coll: TypeSpec = { anyOf: ['array', 'set', 'object'] }
const numColl: TypeSpec = { anyOf: ['array', 'set'] }

export const decls: BuiltinDecl[] = [
  { name: 'plus', args: [num, num], result: num, infix: '+' },
  { name: 'minus', args: [{ anyOf: ['number', 'set'] }, { anyOf: ['number', 'set'] }], result: { anyOf: ['number', 'set'] }, infix: '-' },
  { name: 'mul', args: [num, num], result: num, infix: '*' },
  { name: 'div', args: [num, num], result: num, infix: '/' },
  { name: 'rem', args: [num, num], result: num, infix: '%' },
  { name: 'abs', args: [num], result: num },
  { name: 'round', args: [num], result: num },
  { name: 'ceil', args: [num], result: num },
  { name: 'floor', args: [num], result: num },
  { name: 'count', args: [{ anyOf: ['string', 'array', 'set', 'object'] }], result: num },
  { name: 'sum', args: [numColl], result: num },
  { name: 'product', args: [numColl], result: num },
  { name: 'max', args: [numColl], result: any },
  { name: 'min', args: [numColl], result: any },
  { name: 'sort', args: [numColl], result: 'array' },
  { name: 'equal', args: [any, any], result: 'boolean', infix: '==' },
  { name: 'neq', args: [any, any], result: 'boolean', infix: '!=' },
  { name: 'lt', args: [any, any], result: 'boolean', infix: '<' },
  { name: 'lte', args: [any, any], result: 'boolean', infix: '<=' },
  { name: 'gt', args: [any, any], result: 'boolean', infix: '>' },
  { name: 'gte', args: [any, any], result: 'boolean', infix: '>=' },
  { name: 'internal.member_2', args: [any, any], result: 'boolean' },
  { name: 'internal.member_3', args: [any, any, any], result: 'boolean' },
  { name: 'startswith', args: ['string', 'string'], result: 'boolean' },
  { name: 'endswith', args: ['string', 'string'], result: 'boolean' },
  { name: 'contains', args: ['string', 'string'], result: 'boolean' },
  { name: 'object.get', args: ['object', any, any], result: any },
  { name: 'and', args: ['set', 'set'], result: 'set', infix: '&' },
  { name: 'or', args: ['set', 'set'], result: 'set', infix: '|' },
  { name: 'array.concat', args: ['array', 'array'], result: 'array' },
  { name: 'array.slice', args: ['array', num, num], result: 'array' },
  { name: 'union', args: [{ set: 'set' }], result: 'set' },
  { name: 'intersection', args: [{ set: 'set' }], result: 'set' },
  { name: 'type_name', args: [any], result: 'string' },
  { name: 'is_number', args: [any], result: 'boolean' },
  { name: 'is_string', args: [any], result: 'boolean' },
  { name: 'is_boolean', args: [any], result: 'boolean' },
  { name: 'is_array', args: [any], result: 'boolean' },
  { name: 'is_set', args: [any], result: 'boolean' },
  { name: 'is_object', args: [any], result: 'boolean' },
  { name: 'is_null', args: [any], result: 'boolean' },
  { name: 'object.keys', args: ['object'], result: 'set' },
  ...inModule([
    // formatting (runtime: builtins-format.ts)
    'sprintf',
    'format_int',
    // strings (builtins-text.ts)
    'concat',
    'split',
    'replace',
    'strings.replace_n',
    'lower',
    'upper',
    'trim',
    'trim_left',
    'trim_right',
    'trim_prefix',
    'trim_suffix',
    'trim_space',
    'substring',
    'indexof',
    'indexof_n',
    'strings.count',
    'strings.reverse',
    'strings.any_prefix_match',
    'strings.any_suffix_match',
    // encodings (builtins-encoding.ts)
    'base64.encode',
    'base64.decode',
    'base64.is_valid',
    'base64url.encode',
    'base64url.encode_no_pad',
    'base64url.decode',
    'hex.encode',
    'hex.decode',
    'urlquery.encode',
    'urlquery.decode',
    'urlquery.encode_object',
    'urlquery.decode_object',
    'json.marshal',
    'json.unmarshal',
    'json.is_valid',
    // units (builtins-units.ts)
    'units.parse',
    'units.parse_bytes',
    // digests (builtins-crypto.ts)
    'crypto.md5',
    'crypto.sha1',
    'crypto.sha256',
    'crypto.hmac.md5',
    'crypto.hmac.sha1',
    'crypto.hmac.sha256',
    'crypto.hmac.sha512',
    'crypto.hmac.equal',
    // objects and arrays (builtins-objects.ts)
    'object.union',
    'object.union_n',
    'object.filter',
    'object.remove',
    'array.reverse',
    'array.flatten',
    // semver (builtins-semver.ts)
    'semver.compare',
    'semver.is_valid',
    // CIDRs (builtins-net.ts)
    'net.cidr_contains',
    'net.cidr_overlap',
    'net.cidr_intersects',
    'net.cidr_is_valid',
    // globs (builtins-glob.ts)
    'glob.match',
    'glob.quote_meta',
    // time without a clock (builtins-time.ts); add_date works in UTC only
    'time.parse_ns',
    'time.parse_rfc3339_ns',
    'time.parse_duration_ns',
    'time.add_date',
    // regular expressions, RE2 (builtins-regex.ts)
    'regex.match',
    're_match',
    'regex.is_valid',
    'regex.find_n',
    'regex.find_all_string_submatch_n',
    'regex.split',
    'regex.replace',
    'regex.template_match',
    'regex.globs_match', // builtins-regex-globs.ts
    // the json/object/net/numbers remainder (builtins-objects.ts,
    // builtins-json-doc.ts, builtins-net.ts, builtins-numeric.ts,
    // builtins-aggregates.ts, builtins-graph.ts)
    'object.subset',
    'json.filter',
    'json.remove',
    'json.patch',
    'json.marshal_with_options',
    'net.cidr_contains_matches',
    'net.cidr_merge',
    'net.cidr_expand',
    'to_number',
    'numbers.range',
    'numbers.range_step',
    'any',
    'all',
    'bits.and',
    'bits.or',
    'bits.xor',
    'bits.negate',
    'bits.lsh',
    'bits.rsh',
    'walk',
    'graph.reachable',
    'graph.reachable_paths',
    // YAML (builtins-yaml.ts: yaml-parse.ts, yaml-emit.ts)
    'yaml.marshal',
    'yaml.unmarshal',
    'yaml.is_valid',
  ]),
  // time with an optional zone operand: a named zone is the host's (types.ts)
  ...inModule(['time.date', 'time.clock', 'time.weekday', 'time.format', 'time.diff']).map((d) => ({ ...d, hostFallback: true })),
]

/** OPA's declarations (declarations.ts) of built-ins the runtime also computes. */
function inModule(names: string[]): BuiltinDecl[] {
  return names.map((n) => {
    const d = hostDecls.find((h) => h.name === n)
    if (!d) throw new Error(`native.ts: ${n} has no declaration`)
    return d
  })
}

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
