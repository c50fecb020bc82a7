// Keys for bundle signatures: PEM text → node KeyObject, checked against the
// JWS algorithm it is configured with, so a wrong key type is a clear error
// when the key is read, not a vague failure at the first signature. Accepts
// the PEM forms OPA's verifier accepts (PUBLIC KEY, RSA PUBLIC KEY,
// CERTIFICATE, and private keys, whose public half is used). Only asymmetric
// algorithms: a shared HMAC secret lets every verifier sign too, so it could
// never bind a key to the roots it may sign for.

import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto'
import { MeshgateError } from '../errors/index.js'

export const SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number]

/** A verification key as OPA's `keys` config holds it, plus the roots it may sign for. */
export interface VerificationKey {
  algorithm: string
  /** PEM text. */
  key: string
  /** Roots this key may sign bundles for; absent = any (OPA's own config has no such field). */
  roots?: string[]
  /** Expected `scope` claim (OPA's `keys.<id>.scope`); absent = no scope. */
  scope?: string
}

export type KeyMap = Record<string, VerificationKey>

export function isSigningAlgorithm(alg: string): alg is SigningAlgorithm {
  return (SIGNING_ALGORITHMS as readonly string[]).includes(alg)
}

export function publicKeyFrom(pem: string, algorithm: string, what = 'verification key'): KeyObject {
  checkAlgorithm(algorithm, what)
  let key: KeyObject
  try {
    key = /-----BEGIN CERTIFICATE-----/.test(pem) ? new X509Certificate(pem).publicKey : createPublicKey(pem)
  } catch (e) {
    throw new MeshgateError('key_error', `${what} is not a PEM public key, private key or certificate`, undefined, (e as Error).message)
  }
  checkKeyType(key, algorithm, what)
  return key
}

export function privateKeyFrom(pem: string, algorithm: string, what = 'signing key'): KeyObject {
  checkAlgorithm(algorithm, what)
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch (e) {
    throw new MeshgateError('key_error', `${what} is not a PEM private key`, undefined, (e as Error).message)
  }
  checkKeyType(key, algorithm, what)
  return key
}

/** The algorithm a key implies when none is given: RS256 for RSA (OPA's default), ES* by curve, EdDSA. */
export function defaultAlgorithmFor(pem: string): SigningAlgorithm {
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch (e) {
    throw new MeshgateError('key_error', 'signing key is not a PEM private key', undefined, (e as Error).message)
  }
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve
      return curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256'
    }
    case 'ed25519':
    case 'ed448':
      return 'EdDSA'
    case 'rsa-pss':
      return 'PS256'
    default:
      return 'RS256'
  }
}

function checkAlgorithm(algorithm: string, what: string): asserts algorithm is SigningAlgorithm {
  if (!isSigningAlgorithm(algorithm)) {
    const hint = /^HS/.test(algorithm)
      ? 'shared-secret (HMAC) signatures cannot be bound to roots; use a key pair'
      : `use one of ${SIGNING_ALGORITHMS.join(', ')}`
    throw new MeshgateError('key_error', `${what}: algorithm \`${algorithm}\` is not supported`, undefined, hint)
  }
}

const CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }

function checkKeyType(key: KeyObject, algorithm: SigningAlgorithm, what: string): void {
  const type = key.asymmetricKeyType
  const ok = algorithm.startsWith('RS')
    ? type === 'rsa'
    : algorithm.startsWith('PS')
      ? type === 'rsa' || type === 'rsa-pss'
      : algorithm.startsWith('ES')
        ? type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVES[algorithm]
        : type === 'ed25519' || type === 'ed448'
  if (!ok) {
    const curve = key.asymmetricKeyDetails?.namedCurve
    throw new MeshgateError('key_error', `${what} is of type \`${type}${curve ? ` ${curve}` : ''}\`, which cannot make \`${algorithm}\` signatures`)
  }
}
