// crypto.* digest and HMAC host built-ins (node:crypto). Strings are hashed
// as their UTF-8 bytes and digests are lowercase hex, as in OPA.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { BuiltinError, type HostImpl } from './types.js'

function str(name: string, i: number, v: unknown): string {
  if (typeof v !== 'string') throw new BuiltinError(name, `operand ${i} must be string`, 'eval_type_error')
  return v
}

const digest = (alg: string) => (x: unknown) =>
  createHash(alg)
    .update(str(`crypto.${alg}`, 1, x))
    .digest('hex')

const hmac = (alg: string) => (message: unknown, key: unknown) => {
  const name = `crypto.hmac.${alg}`
  return createHmac(alg, str(name, 2, key))
    .update(str(name, 1, message))
    .digest('hex')
}

/** Constant-time comparison, so that policies comparing MACs leak no timing. */
function hmacEqual(a: unknown, b: unknown): boolean {
  const x = Buffer.from(str('crypto.hmac.equal', 1, a))
  const y = Buffer.from(str('crypto.hmac.equal', 2, b))
  return x.length === y.length && timingSafeEqual(x, y)
}

export const impls: Record<string, HostImpl> = {
  'crypto.md5': digest('md5'),
  'crypto.sha1': digest('sha1'),
  'crypto.sha256': digest('sha256'),
  'crypto.hmac.md5': hmac('md5'),
  'crypto.hmac.sha1': hmac('sha1'),
  'crypto.hmac.sha256': hmac('sha256'),
  'crypto.hmac.sha512': hmac('sha512'),
  'crypto.hmac.equal': hmacEqual,
}
