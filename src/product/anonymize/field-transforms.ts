// The value functions behind each transform, built once per plan, defined
// for every JSON type so that no shape of value can slip through in clear:
//
//   type      keep  redact drop  hash/tokenize    mask          generalize          noise
//   string    as is null   left  HMAC of itself   masked chars  date/prefix or null null
//   number    as is null   out   HMAC of JSON     null          range or null       noisy
//   boolean   as is null         HMAC of JSON     null          null                null
//   null      null  null         null             null          null                null
//   array     as is null         HMAC of JSON     each element  each element        each element
//   object    as is null         HMAC of JSON     null          null                null
//
// `null` is the answer whenever a transform cannot represent its result in
// the value's own type: it is what redact sends, so consumers already read it
// as "withheld", whereas any stand-in value (a masked number as 0, digits
// zeroed, a string where the contract says number) would pass for data.
// The per-element transforms (mask, generalize, noise) are defined on
// scalars; an array of scalars is transformed element by element (nested
// arrays too), which discloses its length and nothing else. An object under
// them becomes null, because its keys may be data (`{"ana@x.io": 3}`) and no
// rule says which of its values may be shown. Objects that the plan
// describes field by field are walked in apply.ts and never reach here.

import { createHmac } from 'node:crypto'
import { MeshgateError } from '../../errors/index.js'
import { canonicalJson } from './canonical-json.js'
import { HmacSha256 } from './hmac-sha256.js'
import { cryptoUniform, laplace, type UniformSource } from './laplace.js'
import type { Transform } from './transforms.js'

export interface AnonymizeKeys {
  /** Key for `hash` and (derived) `tokenize`; from the sidecar's config. */
  key?: string | Buffer
  /** Uniform source for `noise`; defaults to the OS CSPRNG. */
  uniform?: UniformSource
}

export type ValueFn = (v: unknown) => unknown

/** Marks a field to leave out of the output record. */
export const DROP: unique symbol = Symbol('drop')

export const TOKEN_PREFIX = 'tok_'

export function valueFunction(t: Transform, keys: AnonymizeKeys): ValueFn | typeof DROP {
  switch (t.action) {
    case 'keep':
      return (v) => v
    case 'drop':
      return DROP
    case 'redact':
      return () => null
    case 'mask':
      return eachElement(maskFn(t.show_first, t.show_last, t.char))
    case 'hash': {
      // HMAC-SHA256, hex: hmac-sha256.ts computes what createHmac would, faster.
      const hmac = new HmacSha256(needKey(keys, 'hash'))
      return (v) => (v === null ? null : hmac.hex(digestInput(v)))
    }
    case 'tokenize': {
      // A key derived for tokens, so a token never equals the hash of the same value.
      const hmac = new HmacSha256(createHmac('sha256', needKey(keys, 'tokenize')).update('meshgate/tokenize/v1').digest())
      return (v) => (v === null ? null : TOKEN_PREFIX + hmac.base64url(digestInput(v)).slice(0, 22))
    }
    case 'generalize':
      return eachElement(generalizeFn(t))
    case 'noise': {
      const scale = t.sensitivity / t.epsilon
      const uniform = keys.uniform ?? cryptoUniform
      return eachElement((v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) return null
        const noisy = v + laplace(scale, uniform)
        // Rounding an integer is post-processing: it keeps the privacy guarantee.
        return Number.isInteger(v) ? Math.round(noisy) : noisy
      })
    }
  }
}

function needKey(keys: AnonymizeKeys, action: string): string | Buffer {
  if (keys.key === undefined || keys.key.length === 0) {
    throw new MeshgateError('anonymize_rule_error', `transform \`${action}\` needs a key and none is configured`, undefined, {
      hint: 'set the anonymization key in the sidecar config',
    })
  }
  return keys.key
}

/**
 * What a value is digested as: a string as itself (so a hashed e-mail joins
 * with one hashed elsewhere), anything else as canonical JSON.
 */
function digestInput(v: unknown): string {
  return typeof v === 'string' ? v : canonicalJson(v)
}

/** A scalar transform lifted to arrays (element by element, at any depth); objects become null. */
function eachElement(scalar: ValueFn): ValueFn {
  const fn = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return scalar(v)
    if (Array.isArray(v)) return v.map(fn)
    return null
  }
  return fn
}

/** Runs of mask characters up to this length are built once per mask and reused. */
const MASK_RUNS = 64

function maskFn(first: number, last: number, char: string): ValueFn {
  // Most masked values are short (ids, names, cities): their run of mask
  // characters is looked up rather than built by `repeat` for every value.
  // Filled on first use, one entry per length, bounded by MASK_RUNS.
  const runs: string[] = []
  const run = (n: number): string => (n < MASK_RUNS ? (runs[n] ??= char.repeat(n)) : char.repeat(n))
  return (v) => {
    // Only a string can hold mask characters; see the table at the top.
    if (typeof v !== 'string') return null
    // Count code points so a mask never splits a surrogate pair; without
    // surrogates, code points are code units and slicing is enough.
    if (!SURROGATE.test(v)) {
      const n = v.length
      if (first + last >= n) return run(n)
      return v.slice(0, first) + run(n - first - last) + (last ? v.slice(n - last) : '')
    }
    const cps = [...v]
    const n = cps.length
    // Never reveal the whole value: when the shown parts would cover it, mask all.
    if (first + last >= n) return run(n)
    return cps.slice(0, first).join('') + run(n - first - last) + (last ? cps.slice(n - last).join('') : '')
  }
}

const SURROGATE = /[\ud800-\udfff]/
const DATE_RE = /^(\d{4})-(\d{2})(?:-\d{2})?(?:$|[T ])/

function generalizeFn(t: Extract<Transform, { action: 'generalize' }>): ValueFn {
  return (v) => {
    if (typeof v === 'string') {
      if (t.to) {
        const m = DATE_RE.exec(v)
        if (m) return t.to === 'year' ? m[1] : `${m[1]}-${m[2]}`
      }
      if (t.prefix !== undefined) return prefixOf(v, t.prefix)
      return null
    }
    if (typeof v === 'number' && t.width !== undefined && Number.isFinite(v)) {
      const lo = Math.floor(v / t.width) * t.width
      // Integer data and width: an inclusive range ("20-29"); otherwise [lo, lo+width).
      if (Number.isInteger(v) && Number.isInteger(t.width)) return `${lo}-${lo + t.width - 1}`
      return `${lo}-${lo + t.width}`
    }
    // Booleans, and a number or string this rule has no dimension for.
    return null
  }
}

/** The first `n` code points of `s` (a surrogate pair is one). */
function prefixOf(s: string, n: number): string {
  // Without a surrogate among the first n units they are the first n code points.
  let i = 0
  const end = Math.min(n, s.length)
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdfff) return [...s].slice(0, n).join('')
    i++
  }
  return s.slice(0, end)
}
