// A publish killed half-way, against the real `policy registry` process: the
// registry is stopped for good at a point inside the commit (the test hook
// MESHGATE_REGISTRY_PAUSE_AT) and SIGKILLed there. After a restart on the
// same data folder the previous revision is still the one served, the
// history does not know the lost publish, no temp file or torn history line
// is left, and the same publish then succeeds and survives
// the next restart. Killed after the history line is complete (before the
// publisher's answer), the publish stands.

import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { globalBundle, governance, put, registryDir, spawnRegistry } from '../fixtures/registry/harness.js'

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? d.path, d.name))
}

const revisions = async (url: string) =>
  ((await (await fetch(`${url}/v1/bundles/global/revisions`)).json()) as { result: { revision: string }[] }).result.map((x) => x.revision)

for (const point of ['blob-renamed', 'metadata-torn']) {
  t.test(`killed at ${point}: the previous revision keeps serving after restart`, async (t) => {
    const { dir, config } = await registryDir(t)
    const data = join(dir, 'data')
    const args = ['--config', config, '--data-dir', data]
    const token = await governance()
    const g1 = await globalBundle('g1')
    const g2 = await globalBundle('g2')

    let reg = await spawnRegistry(args)
    t.teardown(() => reg.kill('SIGKILL'))
    t.equal((await put(reg.url, 'global', g1, token)).status, 201)
    t.equal(await reg.kill('SIGTERM'), 0, 'a clean stop exits 0')

    reg = await spawnRegistry(args, { MESHGATE_REGISTRY_PAUSE_AT: point })
    const lost = put(reg.url, 'global', g2, token).then(
      (r) => r.status,
      (e: Error) => e,
    )
    await reg.waitForStderr(new RegExp(`publish of \`global\` paused at ${point}`))
    t.equal(await reg.kill('SIGKILL'), null, 'killed mid-commit')
    t.type(await lost, Error, 'the publisher saw the connection die, not a success')
    const left = files(data)
    const history = join(data, 'bundles', 'global.jsonl')
    if (point === 'metadata-torn') t.not(readFileSync(history, 'utf8').at(-1), '\n', 'the kill left a torn line at the end of the history')
    t.equal(left.filter((f) => f.includes('blobs')).length, 2, "the kill left g2's blob, referenced by nothing")

    reg = await spawnRegistry(args)
    const r = await fetch(`${reg.url}/bundles/global`)
    t.equal(r.status, 200)
    t.ok(Buffer.from(await r.arrayBuffer()).equals(g1), 'g1 is served')
    t.same(await revisions(reg.url), ['g1'], 'the lost publish is not in the history')
    t.equal(readFileSync(history, 'utf8').split('\n').length, 2, 'the history file holds one complete line')
    t.same(
      files(data).filter((f) => f.endsWith('.tmp')),
      [],
      'temp files are cleared at start',
    )

    t.equal((await put(reg.url, 'global', g2, token)).status, 201, 'the same publish then succeeds')
    const after = await fetch(`${reg.url}/bundles/global`)
    t.ok(Buffer.from(await after.arrayBuffer()).equals(g2))
    t.equal(await reg.kill('SIGTERM'), 0)
    // The torn line was cut off the file itself: g2's record starts a line of its own.
    reg = await spawnRegistry(args)
    t.same(await revisions(reg.url), ['g2', 'g1'], 'both publishes survive the next restart')
    await reg.kill('SIGTERM')
  })
}

t.test('killed with the history line complete: the publish stands after restart', async (t) => {
  const { dir, config } = await registryDir(t)
  const args = ['--config', config, '--data-dir', join(dir, 'data')]
  const token = await governance()
  const g1 = await globalBundle('g1')
  let reg = await spawnRegistry(args, { MESHGATE_REGISTRY_PAUSE_AT: 'metadata-appended' })
  t.teardown(() => reg.kill('SIGKILL'))
  const lost = put(reg.url, 'global', g1, token).catch((e: Error) => e)
  await reg.waitForStderr(/publish of `global` paused at metadata-appended/)
  t.equal(await reg.kill('SIGKILL'), null, 'killed before answering')
  t.type(await lost, Error, 'the publisher never saw an answer')
  reg = await spawnRegistry(args)
  const r = await fetch(`${reg.url}/bundles/global`)
  t.ok(Buffer.from(await r.arrayBuffer()).equals(g1), 'g1, durable before the answer, is served (a retry of the same bytes is a no-op)')
  t.same(await revisions(reg.url), ['g1'])
  t.equal((await put(reg.url, 'global', g1, token)).status, 200, 'the retry answers 200: nothing new')
  await reg.kill('SIGTERM')
})
