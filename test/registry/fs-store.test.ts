// The embedded store's history file and retention, on a real folder: the
// history is appended one line per commit (not rewritten), a torn or failed
// append never leaves a half line before the next record, a damaged line
// stops the store at file:row, the format before is converted, and
// retention removes the bytes of old revisions (never their records, never a
// blob another bundle keeps).

import t from 'tap'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundleDigest } from '../../src/bundle/index.js'
import { MeshgateError } from '../../src/errors/index.js'
import { FsBundleStore, type BundleStore, type RevisionRecord, type StorePoint } from '../../src/registry/index.js'
import { appendHistoryLine, historyLine, readHistoryFile } from '../../src/registry/history-log.js'

function folder(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mg-fs-store-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function blob(text: string): { bytes: Uint8Array; digest: string } {
  const bytes = Buffer.from(text)
  return { bytes, digest: bundleDigest(bytes) }
}

function record(revision: string, digest: string, action: RevisionRecord['action'] = 'publish'): RevisionRecord {
  return { revision, digest, size: 1, roots: ['global'], publisher: 'ci', published_at: '2026-12-04T00:00:00.000Z', action }
}

/** Publishes `revision` with bytes `revision` on top of whatever is current. */
async function publish(store: FsBundleStore, name: string, revision: string, text = revision): Promise<string> {
  const b = blob(text)
  await store.commit(name, record(revision, b.digest), { ifCurrent: (await store.current(name))?.digest ?? null, bytes: b.bytes })
  return b.digest
}

/** A bundle's whole history, oldest first, read through the store's pages. */
const historyOf = async (store: BundleStore, name: string): Promise<RevisionRecord[]> =>
  (await store.revisions(name, { limit: Number.MAX_SAFE_INTEGER })).entries.map((e) => e.record).reverse()

const blobs = (dir: string) => readdirSync(join(dir, 'blobs', 'sha256')).length

t.test('a commit appends one line; the file is not rewritten', async (t) => {
  const dir = folder(t)
  const store = await FsBundleStore.open({ dir })
  const file = join(dir, 'bundles', 'global.jsonl')
  await publish(store, 'global', 'g1')
  const first = readFileSync(file)
  await publish(store, 'global', 'g2')
  const both = readFileSync(file)
  t.ok(both.subarray(0, first.length).equals(first), 'the first line is untouched')
  t.equal(both.toString().split('\n').length, 3, 'two lines, each ending with a newline')
  t.same(JSON.parse(both.toString().split('\n')[1]!).revision, 'g2')
  await store.close()
  const again = await FsBundleStore.open({ dir })
  t.same(
    (await historyOf(again, 'global')).map((r) => r.revision),
    ['g1', 'g2'],
  )
  await again.close()
})

t.test('a torn last line is cut off the file when the store opens', async (t) => {
  const dir = folder(t)
  const store = await FsBundleStore.open({ dir })
  await publish(store, 'global', 'g1')
  await store.close()
  const file = join(dir, 'bundles', 'global.jsonl')
  const whole = readFileSync(file)
  writeFileSync(file, Buffer.concat([whole, historyLine(record('g2', blob('g2').digest)).subarray(0, 40)]))
  const reopened = await FsBundleStore.open({ dir })
  t.same(
    (await historyOf(reopened, 'global')).map((r) => r.revision),
    ['g1'],
  )
  t.ok(readFileSync(file).equals(whole), 'the torn bytes are gone from the file')
  await publish(reopened, 'global', 'g3')
  await reopened.close()
  const last = await FsBundleStore.open({ dir })
  t.same(
    (await historyOf(last, 'global')).map((r) => r.revision),
    ['g1', 'g3'],
    'the next record starts on a line of its own',
  )
  await last.close()
})

t.test('a history whose first record was torn is no bundle', async (t) => {
  const dir = folder(t)
  mkdirSync(join(dir, 'bundles'), { recursive: true })
  writeFileSync(join(dir, 'bundles', 'global.jsonl'), '{"revision":"g')
  const store = await FsBundleStore.open({ dir })
  t.same(await store.list(), [])
  t.notOk(existsSync(join(dir, 'bundles', 'global.jsonl')), 'the empty file is removed')
  await store.close()
})

t.test('a damaged complete line stops the store at file:row', async (t) => {
  for (const [line, why] of [
    ['not json', /line 2: .*JSON/],
    ['[1]', /line 2: not a JSON object/],
    [JSON.stringify({ ...record('g2', 'sha256:zz') }), /line 2: `digest` is not a sha256 digest/],
    [JSON.stringify({ ...record('g2', blob('g2').digest), action: 'delete' }), /line 2: `action`/],
  ] as const) {
    const dir = folder(t)
    const store = await FsBundleStore.open({ dir })
    await publish(store, 'global', 'g1')
    await store.close()
    const file = join(dir, 'bundles', 'global.jsonl')
    writeFileSync(file, `${readFileSync(file, 'utf8')}${line}\n`)
    const err = await FsBundleStore.open({ dir }).then(
      () => undefined,
      (e: unknown) => e,
    )
    t.type(err, MeshgateError, line)
    t.equal((err as MeshgateError).code, 'io_error')
    t.match((err as MeshgateError).message, why)
    t.same((err as MeshgateError).location, { file, row: 2, col: 1 })
  }
})

t.test('an append that fails part-way is cut back, so no half line is left', async (t) => {
  const dir = folder(t)
  const file = join(dir, 'h.jsonl')
  const one = historyLine(record('g1', blob('g1').digest))
  writeFileSync(file, one)
  await t.rejects(
    appendHistoryLine(file, one.length, historyLine(record('g2', blob('g2').digest)), async () => {
      t.ok(statSync(file).size > one.length, 'half of the line was on disk')
      throw new Error('disk full')
    }),
    { message: 'disk full' },
  )
  t.ok(readFileSync(file).equals(one), 'the file is back to its complete lines')
  const { records, cut } = await readHistoryFile(file)
  t.same(
    records.map((r) => r.revision),
    ['g1'],
  )
  t.equal(cut, 0)
})

t.test('the format before (one JSON document) is converted at open', async (t) => {
  const dir = folder(t)
  const g1 = blob('g1')
  const g2 = blob('g2')
  mkdirSync(join(dir, 'bundles'), { recursive: true })
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true })
  for (const b of [g1, g2]) writeFileSync(join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.bytes)
  const history = [record('g1', g1.digest), record('g2', g2.digest), record('g1', g1.digest, 'rollback')]
  writeFileSync(join(dir, 'bundles', 'global.json'), JSON.stringify({ name: 'global', history }, null, 2))
  const store = await FsBundleStore.open({ dir })
  t.same(await historyOf(store, 'global'), history)
  t.equal((await store.current('global'))?.action, 'rollback')
  t.ok(await store.stored(g2.digest), "every revision's bytes stay")
  t.notOk(existsSync(join(dir, 'bundles', 'global.json')), 'the old file is gone')
  await publish(store, 'global', 'g3')
  await store.close()
  const again = await FsBundleStore.open({ dir })
  t.same(
    (await historyOf(again, 'global')).map((r) => r.revision),
    ['g1', 'g2', 'g1', 'g3'],
  )
  await again.close()

  // A start that converted but stopped before removing the old file: the same records, the old file goes.
  const file = join(dir, 'bundles', 'global.jsonl')
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RevisionRecord)
  writeFileSync(join(dir, 'bundles', 'global.json'), JSON.stringify({ name: 'global', history: lines }))
  const third = await FsBundleStore.open({ dir })
  t.equal((await historyOf(third, 'global')).length, 4)
  t.notOk(existsSync(join(dir, 'bundles', 'global.json')))
  await third.close()

  // An older registry wrote its own history after the conversion: neither file is dropped.
  writeFileSync(join(dir, 'bundles', 'global.json'), JSON.stringify({ name: 'global', history: [record('old', g1.digest)] }))
  await t.rejects(FsBundleStore.open({ dir }), { code: 'io_error', message: /hold different histories of bundle `global`/ })
  t.ok(existsSync(join(dir, 'bundles', 'global.json')) && existsSync(file), 'both files stay')
})

t.test('retention keeps the bytes of the newest N distinct revisions, and every record', async (t) => {
  const dir = folder(t)
  const store = await FsBundleStore.open({ dir, keepRevisions: 2 })
  const d1 = await publish(store, 'global', 'g1')
  const d2 = await publish(store, 'global', 'g2')
  t.equal(blobs(dir), 2)
  const d3 = await publish(store, 'global', 'g3')
  t.equal(blobs(dir), 2, "g1's bytes went with the third revision")
  t.notOk(await store.stored(d1))
  t.ok(await store.stored(d2))
  t.ok(await store.stored(d3))
  t.same(
    (await historyOf(store, 'global')).map((r) => r.revision),
    ['g1', 'g2', 'g3'],
    'the records stay',
  )
  // A rollback to g2 makes it the newest: g3 and g2 are kept, nothing goes.
  await store.commit('global', record('g2', d2, 'rollback'), { ifCurrent: d3 })
  t.ok((await store.stored(d2)) && (await store.stored(d3)))
  t.ok(Buffer.from((await store.read(d2))!).equals(Buffer.from('g2')))

  // A blob another bundle keeps stays until neither keeps it.
  const shared = await publish(store, 'other', 's1', 'g4 shared')
  await publish(store, 'global', 'g4', 'g4 shared')
  await publish(store, 'global', 'g5')
  await publish(store, 'global', 'g6')
  t.ok(await store.stored(shared), '`other` still keeps the shared bytes')
  t.notOk(await store.stored(d3))
  await publish(store, 'other', 's2')
  await publish(store, 'other', 's3')
  t.notOk(await store.stored(shared), 'gone once no bundle keeps it')
  t.equal(blobs(dir), 4, 'g5, g6, s2, s3')
  t.same(await store.usage(), { blobs: 4, bytes: 8 }, 'four archives of two bytes each')
  await store.close()

  // Opening with a smaller retention removes what it no longer keeps.
  const one = await FsBundleStore.open({ dir, keepRevisions: 1 })
  t.equal(blobs(dir), 2, 'g6 and s3')
  t.same(await one.usage(), { blobs: 2, bytes: 4 }, 'sizes read from the files at open')
  t.ok(await one.stored((await one.current('global'))!.digest))
  await one.close()
})

t.test('opening never removes a blob no record names, nor any blob without retention', async (t) => {
  const dir = folder(t)
  const store = await FsBundleStore.open({ dir })
  for (const r of ['g1', 'g2', 'g3']) await publish(store, 'global', r)
  await store.close()
  const orphan = blob('never committed')
  writeFileSync(join(dir, 'blobs', 'sha256', orphan.digest.slice(7)), orphan.bytes)
  const again = await FsBundleStore.open({ dir })
  t.equal(blobs(dir), 4, 'without retention every blob stays')
  await again.close()
  const kept = await FsBundleStore.open({ dir, keepRevisions: 1 })
  t.equal(blobs(dir), 2, 'g3 and the blob no record names')
  t.ok(await kept.stored(orphan.digest))
  await kept.close()
  // History files lost: nothing is named, so nothing is removed.
  rmSync(join(dir, 'bundles'), { recursive: true })
  const lost = await FsBundleStore.open({ dir, keepRevisions: 1 })
  t.equal(blobs(dir), 2)
  await lost.close()
})

t.test('a legacy record that is not a revision record stops the conversion, leaving the old file', async (t) => {
  const dir = folder(t)
  mkdirSync(join(dir, 'bundles'), { recursive: true })
  const file = join(dir, 'bundles', 'global.json')
  writeFileSync(file, JSON.stringify({ name: 'global', history: [record('g1', blob('g1').digest), { revision: 'g2' }] }))
  await t.rejects(FsBundleStore.open({ dir }), { code: 'io_error', message: /record 2: `publisher` is not a string/ })
  t.ok(existsSync(file))
  t.notOk(existsSync(join(dir, 'bundles', 'global.jsonl')))
})

t.test('fuzz: complete records and a torn tail read back as the records; any other bytes either read or stop at a row', async (t) => {
  const fc = (await import('fast-check')).default
  const dir = folder(t)
  const file = join(dir, 'h.jsonl')
  const rec = fc.record({
    revision: fc.string({ minLength: 1, maxLength: 12 }),
    digest: fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`),
    size: fc.nat(),
    roots: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
    publisher: fc.string({ maxLength: 12 }),
    published_at: fc.constant('2026-12-04T00:00:00.000Z'),
    action: fc.constantFrom('publish' as const, 'rollback' as const),
  })
  await fc.assert(
    fc.asyncProperty(fc.array(rec, { maxLength: 6 }), rec, fc.double({ min: 0, max: 1, noNaN: true }), async (records, torn, frac) => {
      const whole = Buffer.concat(records.map(historyLine))
      const line = historyLine(torn)
      const cutAt = Math.min(line.length - 1, Math.floor(frac * line.length))
      writeFileSync(file, Buffer.concat([whole, line.subarray(0, cutAt)]))
      const read = await readHistoryFile(file)
      t.same(read.records, records)
      t.equal(read.cut, cutAt)
      t.ok(readFileSync(file).equals(whole), 'the torn bytes are cut off')
    }),
    { numRuns: 150 },
  )
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
      writeFileSync(file, bytes)
      try {
        const { records, size } = await readHistoryFile(file)
        t.equal(statSync(file).size, size)
        for (const r of records) t.match(r.digest, /^sha256:[0-9a-f]{64}$/)
      } catch (e) {
        t.type(e, MeshgateError)
        t.equal((e as MeshgateError).code, 'io_error')
        t.equal((e as MeshgateError).location?.file, file)
      }
    }),
    { numRuns: 300 },
  )
})

t.test('revisions pages newest first and findRevision answers the newest record, after a reopen too', async (t) => {
  const dir = folder(t)
  const store = await FsBundleStore.open({ dir })
  const d1 = await publish(store, 'global', 'g1')
  await publish(store, 'global', 'g2')
  await publish(store, 'global', 'g3')
  // g1 again, as a rollback: the newest record of g1 is now seq 4.
  await store.commit('global', record('g1', d1, 'rollback'), { ifCurrent: (await store.current('global'))!.digest })
  const check = async (s: FsBundleStore, label: string) => {
    const first = await s.revisions('global', { limit: 3 })
    t.equal(first.total, 4, `${label}: total`)
    t.same(
      first.entries.map((e) => [e.seq, e.record.revision, e.record.action]),
      [
        [4, 'g1', 'rollback'],
        [3, 'g3', 'publish'],
        [2, 'g2', 'publish'],
      ],
      `${label}: first page`,
    )
    t.same(
      (await s.revisions('global', { before: 2, limit: 3 })).entries.map((e) => e.seq),
      [1],
      `${label}: the page below seq 2`,
    )
    t.same((await s.revisions('global', { before: 1, limit: 3 })).entries, [], `${label}: nothing below seq 1`)
    t.same(await s.revisions('missing', { limit: 3 }), { total: 0, entries: [] }, `${label}: an unknown bundle`)
    t.equal((await s.findRevision('global', { revision: 'g1' }))?.seq, 4, `${label}: newest g1 by name`)
    t.equal((await s.findRevision('global', { digest: d1 }))?.seq, 4, `${label}: newest g1 by digest`)
    t.equal((await s.findRevision('global', { revision: 'g2' }))?.record.revision, 'g2', `${label}: g2`)
    t.equal(await s.findRevision('global', { revision: 'g9' }), undefined, `${label}: unknown revision`)
    t.equal(await s.findRevision('other', { revision: 'g1' }), undefined, `${label}: unknown bundle`)
  }
  await check(store, 'open')
  await store.close()
  const again = await FsBundleStore.open({ dir })
  await check(again, 'reopened')
  await again.close()
})

/** A store with retention 1 whose commits stop at `point` for bundle `name` until released; `reached` resolves when one gets there. */
async function pausingStore(dir: string, point: StorePoint, name: string) {
  let release!: () => void
  const paused = new Promise<void>((r) => (release = r))
  let reach!: () => void
  const reached = new Promise<void>((r) => (reach = r))
  const store = await FsBundleStore.open({
    dir,
    keepRevisions: 1,
    hook: async (p, n) => {
      if (p === point && n === name) {
        reach()
        await paused
      }
    },
  })
  return { store, reached, release }
}

t.test('retention never removes the blob of a commit in flight to another bundle', async (t) => {
  const dir = folder(t)
  // `other` commits the bytes `global` is about to drop, and stops once its record is on disk, before its own prune.
  const { store, reached, release } = await pausingStore(dir, 'metadata-appended', 'other')
  const shared = await publish(store, 'global', 'g1', 'shared bytes')
  const other = publish(store, 'other', 'o1', 'shared bytes')
  await reached
  await publish(store, 'global', 'g2')
  t.ok(await store.stored(shared), "global's prune keeps the bytes `other` is committing")
  release()
  await other
  await store.close()
  const again = await FsBundleStore.open({ dir, keepRevisions: 1 })
  t.ok(Buffer.from((await again.read(shared))!).equals(Buffer.from('shared bytes')), "`other`'s current revision still has its bytes after a restart")
  await again.close()
})

t.test('a commit of bytes whose blob is being removed waits, then writes them again', async (t) => {
  const dir = folder(t)
  // global's prune has decided to remove the blob and stops just before it does.
  const { store, reached, release } = await pausingStore(dir, 'blob-removing', 'global')
  const shared = await publish(store, 'global', 'g1', 'shared bytes')
  const second = publish(store, 'global', 'g2')
  await reached
  const other = publish(store, 'other', 'o1', 'shared bytes')
  // Time for `other` to reach its look for the blob: without the store's wait it would find the blob still
  // there and skip writing it. Nothing asserts on time; a slower machine can only make the test miss the bug.
  await new Promise((r) => setTimeout(r, 50))
  release()
  await Promise.all([second, other])
  t.ok(await store.stored(shared), 'the blob is there again for `other`')
  await store.close()
  const again = await FsBundleStore.open({ dir, keepRevisions: 1 })
  t.ok(Buffer.from((await again.read(shared))!).equals(Buffer.from('shared bytes')), "`other`'s current revision has its bytes after a restart")
  await again.close()
})
