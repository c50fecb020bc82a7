// The value functions behind each transform, built once per plan. A `null`
// stays `null` under every transform but drop (it discloses nothing). When a
// value has a type the transform cannot handle (noise on a string, a date
// generalization of a number), the answer is `null`: fail closed, never the
// clear value.

import { createHmac } from 'node:crypto'
import { MeshgateError } from '../../errors/index.js'
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
    case 'keep': return (v) => v
    case 'drop': return DROP
    case 'redact': return () => null
    case 'mask': return maskFn(t.show_first, t.show_last, t.char)
    case 'hash': {
      const key = needKey(keys, 'hash')
      return (v) => v === null ? null : createHmac('sha256', key).update(canonical(v)).digest('hex')
    }
    case 'tokenize': {
      // A key derived for tokens, so a token never equals the hash of the same value.
      const key = createHmac('sha256', needKey(keys, 'tokenize')).update('meshgate/tokenize/v1').digest()
      return (v) => v === null ? null : TOKEN_PREFIX + createHmac('sha256', key).update(canonical(v)).digest('base64url').slice(0, 22)
    }
    case 'generalize': return generalizeFn(t)
    case 'noise': {
      const scale = t.sensitivity / t.epsilon
      const uniform = keys.uniform ?? cryptoUniform
      return (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) return null
        const noisy = v + laplace(scale, uniform)
        // Rounding an integer is post-processing: it keeps the privacy guarantee.
        return Number.isInteger(v) ? Math.round(noisy) : noisy
      }
    }
  }
}

function needKey(keys: AnonymizeKeys, action: string): string | Buffer {
  if (keys.key === undefined || keys.key.length === 0) {
    throw new MeshgateError('anonymize_rule_error', `transform \`${action}\` needs a key and none is configured`,
      undefined, { hint: 'set the anonymization key in the sidecar config' })
  }
  return keys.key
}

/** The bytes a value is hashed as: strings as themselves, anything else as JSON. */
function canonical(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? 'null'
}

function maskFn(first: number, last: number, char: string): ValueFn {
  return (v) => {
    if (v === null) return null
    const s = typeof v === 'string' ? v : canonical(v)
    // Count code points so a mask never splits a surrogate pair.
    const cps = [...s]
    const n = cps.length
    // Never reveal the whole value: when the shown parts would cover it, mask all.
    if (first + last >= n) return char.repeat(n)
    return cps.slice(0, first).join('') + char.repeat(n - first - last) + (last ? cps.slice(n - last).join('') : '')
  }
}

const DATE_RE = /^(\d{4})-(\d{2})(?:-\d{2})?(?:$|[T ])/

function generalizeFn(t: Extract<Transform, { action: 'generalize' }>): ValueFn {
  return (v) => {
    if (v === null) return null
    if (typeof v === 'string') {
      if (t.to) {
        const m = DATE_RE.exec(v)
        if (m) return t.to === 'year' ? m[1] : `${m[1]}-${m[2]}`
      }
      if (t.prefix !== undefined) return [...v].slice(0, t.prefix).join('')
      return null
    }
    if (typeof v === 'number' && t.width !== undefined && Number.isFinite(v)) {
      const lo = Math.floor(v / t.width) * t.width
      // Integer data and width: an inclusive range ("20-29"); otherwise [lo, lo+width).
      if (Number.isInteger(v) && Number.isInteger(t.width)) return `${lo}-${lo + t.width - 1}`
      return `${lo}-${lo + t.width}`
    }
    return null
  }
}
