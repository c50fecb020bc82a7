// `policy rollback` (the built binary, as a child process) against a real
// registry on 127.0.0.1: exit 0 with the revision now current, 1 refused
// (the registry's code and message: a domain token on `global`, no such
// revision, bytes removed by retention) or unreachable, 2 usage errors
// (nothing is sent).

import t from 'tap'
import { bundleDigest } from '../../src/bundle/index.js'
import { globalBundle, governance, ordersTeam, put, runPolicy, startTestRegistry } from '../fixtures/registry/harness.js'
import { workspace } from './fixtures/run-policy.js'

async function current(url: string): Promise<string> {
  return ((await (await fetch(`${url}/v1/bundles`)).json()) as { result: { revision: string }[] }).result[0]!.revision
}

t.test('rolls back by revision or digest: exit 0, the revision is current', async (t) => {
  const reg = await startTestRegistry(t)
  const token = await governance()
  const g1 = await globalBundle('g1')
  await put(reg.url, 'global', g1, token)
  await put(reg.url, 'global', await globalBundle('g2'), token)
  const dir = workspace(t, {})
  const r = await runPolicy(['rollback', '--registry', reg.url, '--name', 'global', '--revision', 'g1'], dir, { MESHGATE_TOKEN: token })
  t.equal(r.stderr, '')
  t.equal(r.code, 0)
  t.equal(r.stdout, `global: revision g1 is current, digest ${bundleDigest(g1)}\n`)
  t.equal(await current(reg.url), 'g1')
  const again = await runPolicy(['rollback', '--registry', `${reg.url}/`, '--name', 'global', '--digest', bundleDigest(g1), '--token', token], dir)
  t.equal(again.code, 0, 'already current: still 0')
  t.equal(again.stdout, `global: revision g1 is current (it already was), digest ${bundleDigest(g1)}\n`)
})

t.test("refused: exit 1 with the registry's code and message", async (t) => {
  const reg = await startTestRegistry(t, { storage: '  retention: { revisions: 1 }' })
  const token = await governance()
  await put(reg.url, 'global', await globalBundle('g1'), token)
  await put(reg.url, 'global', await globalBundle('g2'), token)
  const dir = workspace(t, {})
  const args = ['rollback', '--registry', reg.url, '--name', 'global', '--revision']
  const scope = await runPolicy([...args, 'g1', '--token', await ordersTeam()], dir)
  t.equal(scope.code, 1)
  t.match(scope.stderr, /^global: roots_forbidden: /)
  const pruned = await runPolicy([...args, 'g1', '--token', token], dir)
  t.equal(pruned.code, 1)
  t.match(pruned.stderr, /^global: revision_pruned: revision `g1` of bundle `global` is in the history, but its bytes were removed by retention\n/)
  const missing = await runPolicy([...args, 'g9', '--token', token], dir)
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^global: resource_not_found: bundle `global` has no revision `g9`/)
  t.equal(await current(reg.url), 'g2', 'nothing changed')
})

t.test('usage errors exit 2 and send nothing', async (t) => {
  const reg = await startTestRegistry(t)
  const token = await governance()
  await put(reg.url, 'global', await globalBundle('g1'), token)
  const dir = workspace(t, {})
  const base = ['rollback', '--registry', reg.url, '--name', 'global']
  const cases: [string[], RegExp][] = [
    [[...base, '--token', token], /exactly one of `--revision <rev>` and `--digest/],
    [[...base, '--revision', 'g1', '--digest', `sha256:${'0'.repeat(64)}`, '--token', token], /exactly one of/],
    [[...base, '--digest', 'sha256:xyz', '--token', token], /digest `sha256:xyz` is not sha256:<64 hex digits>/],
    [['rollback', '--name', 'global', '--revision', 'g1', '--token', token], /name the registry/],
    [['rollback', '--registry', 'ftp://x', '--name', 'global', '--revision', 'g1', '--token', token], /is not an http\(s\) URL/],
    [['rollback', '--registry', reg.url, '--name', '../etc', '--revision', 'g1', '--token', token], /bundle name `\.\.\/etc`/],
    [[...base, '--revision', 'g1'], /no token/],
    [[...base, '--revision', 'g1', '--token', token, 'extra'], /unexpected argument `extra`/],
  ]
  for (const [args, err] of cases) {
    const r = await runPolicy(args, dir, { MESHGATE_TOKEN: '' })
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, err, args.join(' '))
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace')
  }
  const revs = (await (await fetch(`${reg.url}/v1/bundles/global/revisions`)).json()) as { result: unknown[] }
  t.equal(revs.result.length, 1, 'the registry got no rollback')
})
