// `policy rollback`: make an earlier revision of a bundle current again on the
// registry (cli stage: flags in, the registry stage's client, the answer
// out). The registry applies the same token rules as to a publish and checks
// the revision's signature again (docs/registry.md, "History and rollback").
// Exit codes as `policy push`: 0 rolled back (or already current), 1 refused
// by the registry (its code and reason printed: no such revision, roots not
// covered, bytes removed by retention) or the registry unreachable, 2 a usage
// error.

import { BUNDLE_DIGEST } from '../bundle/index.js'
import { parseVerbArgs, usageError, type CliCommand } from './command.js'
import { REGISTRY_FLAGS, registryTarget } from './registry-flags.js'

const help = `Usage: policy rollback --registry <url> --name <name> (--revision <rev> | --digest <sha256:…>) [--token <jwt>]

Make an earlier revision of a bundle current again on a meshgate registry
(POST <url>/v1/bundles/<name>/rollback). Sidecars long-polling the bundle
take it within a second. The token must cover the roots of both the current
and the target revision; the target's signature is checked again with the
registry's keys today (docs/registry.md).

Options:
      --registry <url>   the registry, e.g. https://registry.example.com
      --name <name>      the bundle's name there
      --revision <rev>   the revision to make current (as the history lists it)
      --digest <d>       or its digest, sha256:<64 hex digits>
      --token <jwt>      the bearer token (default: $MESHGATE_TOKEN)
  -h, --help             show this help

Exit codes: 0 rolled back or already current (revision and digest printed),
1 refused by the registry (its code and message printed) or registry
unreachable, 2 usage error.
`

export const command: CliCommand = {
  name: 'rollback',
  summary: 'make an earlier revision of a bundle current on the registry',
  help,
  run,
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseVerbArgs('rollback', argv, { ...REGISTRY_FLAGS, revision: { type: 'string' }, digest: { type: 'string' } })
  if (positionals.length) throw usageError('rollback', `unexpected argument \`${positionals[0]}\``)
  const revision = values.revision as string | undefined
  const digest = values.digest as string | undefined
  const { registry, name, token } = await registryTarget('rollback', values)
  if ((revision === undefined) === (digest === undefined))
    throw usageError('rollback', 'name the target with exactly one of `--revision <rev>` and `--digest <sha256:…>`')
  if (revision === '') throw usageError('rollback', '`--revision` is empty')
  if (digest !== undefined && !BUNDLE_DIGEST.test(digest)) throw usageError('rollback', `digest \`${digest}\` is not sha256:<64 hex digits>`)
  const { rollbackBundle } = await import('../registry/index.js')
  const r = await rollbackBundle(registry, name, digest !== undefined ? { digest } : { revision: revision! }, token)
  if (r.ok) {
    // The registry answers 200 both when it rolled back and when the revision was already current; `changed` tells which.
    const was = r.record.changed === false ? ' (it already was)' : ''
    process.stdout.write(`${name}: revision ${r.revision} is current${was}, digest ${r.digest}\n`)
    return 0
  }
  process.stderr.write(`${name}: ${r.error.code}: ${r.error.message}\n`)
  for (const e of r.error.errors ?? []) process.stderr.write(`\t${typeof e === 'string' ? e : JSON.stringify(e)}\n`)
  return 1
}
