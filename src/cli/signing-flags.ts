// The signing flags `policy build` and `policy sign` share, with OPA's names
// (`opa build`/`opa sign`): --signing-key (a PEM file), --signing-alg,
// --claims-file, --scope, and for build --verification-key to check the
// signature just made. Reads the files and hands the bundle stage plain
// options; the signing itself is src/bundle/sign.ts.

import { readFile } from 'node:fs/promises'
import { defaultAlgorithmFor, privateKeyFrom, type SigningOptions } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import { usageError } from './command.js'

export const SIGNING_FLAGS = {
  'signing-key': { type: 'string' },
  'signing-alg': { type: 'string' },
  'claims-file': { type: 'string' },
  scope: { type: 'string' },
  'verification-key-id': { type: 'string' },
} as const

export const SIGNING_HELP = `      --signing-key <pem>    sign the bundle with this private key (PEM file):
                             writes /.signatures.json as OPA does
      --signing-alg <alg>    RS256, RS384, RS512, PS256, PS384, PS512, ES256,
                             ES384, ES512 or EdDSA (default: what the key is,
                             RS256 for RSA keys as in OPA)
      --claims-file <file>   a JSON object of extra claims for the signature
                             (OPA's; e.g. iss, scope)
      --scope <scope>        the signature's scope claim
      --verification-key-id <id>
                             key id written as the JWS kid (and, without a
                             claims file, the keyid claim); the registry then
                             checks only that key. Without it no kid is written
                             (opa build writes \`default\`)`

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>

/** Signing options from the flags, or undefined when --signing-key is absent. */
export async function signingOptions(verb: string, values: Values): Promise<SigningOptions | undefined> {
  const keyFile = values['signing-key'] as string | undefined
  if (keyFile === undefined) {
    for (const f of ['signing-alg', 'claims-file', 'scope', 'verification-key-id']) {
      if (values[f] !== undefined) throw usageError(verb, `\`--${f}\` needs \`--signing-key\``)
    }
    return undefined
  }
  const key = await readText(keyFile, 'signing key')
  const opts: SigningOptions = { key, algorithm: (values['signing-alg'] as string | undefined) ?? defaultAlgorithmFor(key) }
  privateKeyFrom(key, opts.algorithm!) // a key that cannot sign fails now, before any compiling
  if (values['verification-key-id'] !== undefined) opts.keyId = values['verification-key-id'] as string
  if (values.scope !== undefined) opts.scope = values.scope as string
  const claimsFile = values['claims-file'] as string | undefined
  if (claimsFile !== undefined) {
    let claims: unknown
    try {
      claims = JSON.parse(await readText(claimsFile, 'claims file'))
    } catch (e) {
      if (e instanceof MeshgateError) throw e
      throw usageError(verb, `claims file \`${claimsFile}\` is not JSON: ${(e as Error).message}`)
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw usageError(verb, `claims file \`${claimsFile}\` must hold a JSON object`)
    opts.claims = claims as Record<string, unknown>
  }
  return opts
}

export async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    throw new MeshgateError('io_error', `cannot read ${what} \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}
