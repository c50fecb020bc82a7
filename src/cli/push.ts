// `policy push`: publish a bundle to the registry (cli stage: flags in, the
// bundle checked locally, the registry stage's client, the answer out).
// Exit codes: 0 published, 1 refused by the registry (its code and reason
// printed) or the registry unreachable, 2 a usage error or a bundle that is
// already invalid here.

import { readFile } from 'node:fs/promises'
import { readBundle } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import { parseVerbArgs, usageError, type CliCommand } from './command.js'
import { REGISTRY_FLAGS, registryTarget } from './registry-flags.js'

const help = `Usage: policy push <bundle.tar.gz> --registry <url> --name <name> [--token <jwt>]

Publish a bundle to a meshgate registry (PUT <url>/v1/bundles/<name>). The
bundle is checked locally first. The registry checks the token's roots, the
signature, the size and that the bundle loads (docs/registry.md).

Options:
      --registry <url>   the registry, e.g. https://registry.example.com
      --name <name>      the bundle's name there (what sidecars download)
      --token <jwt>      the publisher's bearer token (default: $MESHGATE_TOKEN)
  -h, --help             show this help

Exit codes: 0 published (revision and digest printed), 1 refused by the
registry (its code and message printed) or registry unreachable, 2 usage error
or a bundle that is invalid locally.
`

export const command: CliCommand = {
  name: 'push',
  summary: 'publish a bundle to the registry',
  help,
  run,
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('push', argv, REGISTRY_FLAGS)
  if (positionals.length !== 1) throw usageError('push', positionals.length ? 'name one bundle file' : 'name the bundle file to publish')
  const file = positionals[0]!
  const { registry, name, token } = await registryTarget('push', values)
  const { pushBundle } = await import('../registry/index.js')

  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (e) {
    throw new MeshgateError('io_error', `cannot read bundle \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  readBundle(bytes, file) // a bundle invalid here would only be refused there

  const r = await pushBundle(registry, name, bytes, token)
  if (r.ok) {
    process.stdout.write(`${r.status === 201 ? 'published' : 'unchanged (already current)'} ${name}: revision ${r.revision}, digest ${r.digest}\n`)
    return 0
  }
  process.stderr.write(`${file}: ${r.error.code}: ${r.error.message}\n`)
  for (const e of r.error.errors ?? []) process.stderr.write(`\t${typeof e === 'string' ? e : JSON.stringify(e)}\n`)
  return 1
}
