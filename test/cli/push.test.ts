// `policy push` (the built binary, as a child process) against a real
// registry on 127.0.0.1: exit 0 published (revision and digest printed), 1
// refused (the registry's code and message) or unreachable, 2 usage errors
// and bundles already invalid locally (nothing is sent).

import t from 'tap'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { bundle, globalBundle, governance, KEYS, ordersTeam, runPolicy, startTestRegistry } from '../fixtures/registry/harness.js'
import { workspace } from './fixtures/run-policy.js'

async function closedPort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const { port } = srv.address() as { port: number }
  await new Promise((r) => srv.close(r))
  return port
}

t.test('publishes: exit 0 with revision and digest; the token may come from MESHGATE_TOKEN', async (t) => {
  const reg = await startTestRegistry(t)
  const dir = workspace(t, {})
  writeFileSync(join(dir, 'g1.tar.gz'), await globalBundle('g1'))
  const r = await runPolicy(['push', 'g1.tar.gz', '--registry', reg.url, '--name', 'global'], dir, { MESHGATE_TOKEN: await governance() })
  t.equal(r.stderr, '')
  t.equal(r.code, 0)
  t.match(r.stdout, /^published global: revision g1, digest sha256:[0-9a-f]{64}\n$/)
  const again = await runPolicy(['push', 'g1.tar.gz', '--registry', `${reg.url}/`, '--name', 'global', '--token', await governance()], dir)
  t.equal(again.code, 0)
  t.match(again.stdout, /^unchanged \(already current\) global: revision g1/)
})

t.test("refused: exit 1 with the registry's code and message", async (t) => {
  const reg = await startTestRegistry(t)
  const dir = workspace(t, {})
  writeFileSync(join(dir, 'g1.tar.gz'), await globalBundle('g1'))
  writeFileSync(
    join(dir, 'forged.tar.gz'),
    await bundle({ roots: ['global'], revision: 'f', exports: ['global/access'], sign: { key: KEYS.orders, kid: 'orders' } }),
  )
  const scope = await runPolicy(['push', 'g1.tar.gz', '--registry', reg.url, '--name', 'global', '--token', await ordersTeam()], dir)
  t.equal(scope.code, 1)
  t.match(scope.stderr, /^g1\.tar\.gz: roots_forbidden: the token may publish under `domains\/orders`, not the bundle's roots \(root `global`\)\n/)
  const sig = await runPolicy(['push', 'forged.tar.gz', '--registry', reg.url, '--name', 'global', '--token', await governance()], dir)
  t.equal(sig.code, 1)
  t.match(sig.stderr, /forged\.tar\.gz: bundle_signature_error: key `orders` may not sign/)
  const expired = await runPolicy(['push', 'g1.tar.gz', '--registry', reg.url, '--name', 'global', '--token', 'not.a.jwt'], dir)
  t.equal(expired.code, 1)
  t.match(expired.stderr, /token_invalid/)
  t.equal((await fetch(`${reg.url}/bundles/global`)).status, 404, 'nothing was published')
})

t.test('usage errors and locally invalid bundles exit 2 and send nothing', async (t) => {
  const reg = await startTestRegistry(t)
  const dir = workspace(t, { 'junk.tar.gz': 'not a bundle' })
  writeFileSync(join(dir, 'g1.tar.gz'), await globalBundle('g1'))
  const token = await governance()
  const cases: [string[], RegExp][] = [
    [['push', 'g1.tar.gz', '--registry', reg.url, '--token', token], /cli_usage_error: name the bundle with `--name <name>`/],
    [['push', 'g1.tar.gz', '--name', 'global', '--token', token], /cli_usage_error: name the registry/],
    [['push', 'g1.tar.gz', '--registry', 'ftp://x', '--name', 'global', '--token', token], /is not an http\(s\) URL/],
    [['push', 'g1.tar.gz', '--registry', reg.url, '--name', '../etc', '--token', token], /bundle name `\.\.\/etc`/],
    [['push', '--registry', reg.url, '--name', 'global', '--token', token], /name the bundle file/],
    [['push', 'g1.tar.gz', '--registry', reg.url, '--name', 'global'], /no token: pass `--token <jwt>` or set MESHGATE_TOKEN/],
    [['push', 'junk.tar.gz', '--registry', reg.url, '--name', 'global', '--token', token], /bundle_format_error: `junk\.tar\.gz` is not a gzipped tar/],
    [['push', 'missing.tar.gz', '--registry', reg.url, '--name', 'global', '--token', token], /io_error: cannot read bundle `missing\.tar\.gz`/],
  ]
  for (const [args, err] of cases) {
    const r = await runPolicy(args, dir, { MESHGATE_TOKEN: '' })
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, err, args.join(' '))
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
  }
  t.same(await (await fetch(`${reg.url}/v1/bundles`)).json(), { result: [] }, 'the registry got nothing')
})

t.test('an unreachable registry: exit 1, registry_unreachable', async (t) => {
  const dir = workspace(t, {})
  writeFileSync(join(dir, 'g1.tar.gz'), await globalBundle('g1'))
  const r = await runPolicy(
    ['push', 'g1.tar.gz', '--registry', `http://127.0.0.1:${await closedPort()}`, '--name', 'global', '--token', await governance()],
    dir,
  )
  t.equal(r.code, 1)
  t.match(r.stderr, /^registry_unreachable: cannot reach the registry at `http:\/\/127\.0\.0\.1:\d+`: ECONNREFUSED/)
})
