// `policy sign`: add OPA's `/.signatures.json` to a bundle already built
// (cli stage: flags in, read and check the bundle, sign its members, write
// it back atomically). Where `opa sign` writes `.signatures.json` beside a
// bundle folder, this signs the .tar.gz itself; the signature format is the
// same (src/bundle/sign.ts).

import { readFile } from 'node:fs/promises'
import { packEntries, readBundle, saveBundleBytes, signEntries, withSignature } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import { parseVerbArgs, usageError, type CliCommand } from './command.js'
import { SIGNING_FLAGS, SIGNING_HELP, signingOptions } from './signing-flags.js'

const help = `Usage: policy sign <bundle.tar.gz> --signing-key <pem> [options]

Sign a bundle: write OPA's /.signatures.json (a JWS over the SHA-256 of every
other file) into it, replacing any signature it had. The bundle is checked
first; an invalid bundle is not signed.

Options:
${SIGNING_HELP}
  -o, --output <file>        where to write the signed bundle (default: replace
                             the input, atomically)
  -h, --help                 show this help
`

export const command: CliCommand = {
  name: 'sign',
  summary: "sign a bundle (OPA's .signatures.json)",
  help,
  run,
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('sign', argv, { ...SIGNING_FLAGS, output: { type: 'string', short: 'o' } })
  if (positionals.length !== 1) throw usageError('sign', positionals.length ? 'name one bundle file' : 'name the bundle file to sign')
  const file = positionals[0]!
  const opts = await signingOptions('sign', values)
  if (!opts) throw usageError('sign', 'name the private key with `--signing-key <pem>`')
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (e) {
    throw new MeshgateError('io_error', `cannot read bundle \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  const bundle = readBundle(bytes, file)
  const sig = await signEntries(bundle.files!, opts)
  await saveBundleBytes((values.output as string | undefined) ?? file, packEntries(withSignature(bundle.files!, sig)))
  return 0
}
