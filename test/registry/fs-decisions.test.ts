// The filesystem decision store (src/registry/fs-decisions.ts): exactly-once
// storage of at-least-once uploads, one durable record per batch (a torn
// record, as a crash mid-write leaves it, is cut off on reopen and the
// batches before it are intact), indexes rebuilt on reopen, query filters and
// cursor paging, summaries counted against the events stored, retention.

import t, { type Test } from 'tap'
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FsDecisionStore, type StoredDecision, type FsDecisionStoreOptions } from '../../src/registry/index.js'
import { decisionEvent } from '../fixtures/registry/decisions.js'

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'mg-decisions-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function openStore(t: Test, dir: string, o: Partial<FsDecisionStoreOptions> = {}): Promise<FsDecisionStore> {
  const s = await FsDecisionStore.open({ dir, maxEvents: 1_000_000, maxBytes: 1 << 30, ...o })
  t.teardown(() => s.close())
  return s
}

const stored = (e: ReturnType<typeof decisionEvent>): StoredDecision => ({ ...e, received_at: '2025-05-01T12:00:00.000Z' })
const batch = (from: number, n: number, f: (i: number) => Parameters<typeof decisionEvent>[1] = () => ({})) =>
  Array.from({ length: n }, (_, k) => stored(decisionEvent(from + k, f(from + k))))
const segments = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
const ids = (ds: StoredDecision[]) => ds.map((d) => d.decision_id)

t.test('a retried batch is stored once; repeats within a batch too', async (t) => {
  const s = await openStore(t, tempDir(t))
  t.same(await s.append(batch(0, 5)), { stored: 5, duplicates: 0 })
  t.same(await s.append(batch(3, 5)), { stored: 3, duplicates: 2 }, 'ids 3 and 4 were stored already')
  t.same(await s.append([...batch(20, 2), ...batch(20, 2)]), { stored: 2, duplicates: 2 })
  t.same(await s.append(batch(0, 8)), { stored: 0, duplicates: 8 }, 'a full retry stores nothing')
  t.equal(await s.count(), 10)
  const page = await s.query({ limit: 1000 })
  t.equal(new Set(ids(page.decisions)).size, 10, 'each id once')
})

t.test('a torn record at the tail (a crash mid-write) is cut off; the batches before it are intact', async (t) => {
  const dir = tempDir(t)
  let s = await FsDecisionStore.open({ dir, maxEvents: 1e6, maxBytes: 1 << 30 })
  await s.append(batch(0, 3))
  await s.append(batch(3, 4))
  const [seg] = segments(dir)
  const file = join(dir, seg!)
  const whole = statSync(file).size
  await s.append(batch(7, 5))
  await s.close()
  const afterThird = statSync(file).size
  // The third batch's record, cut in the middle of its payload.
  truncateSync(file, whole + Math.floor((afterThird - whole) / 2))

  s = await openStore(t, dir)
  t.equal(await s.count(), 7, 'the first two batches, nothing of the third')
  t.same(ids((await s.query({ limit: 100 })).decisions).sort(), ids(batch(0, 7)).sort())
  t.equal(statSync(file).size, whole, 'the torn record was cut off')
  t.same(await s.append(batch(7, 5)), { stored: 5, duplicates: 0 }, "the sidecar's retry of the torn batch is stored whole")
  t.equal(await s.count(), 12)
})

t.test('a damaged record (checksum) ends what is read of its segment; garbage after a record too', async (t) => {
  const dir = tempDir(t)
  let s = await FsDecisionStore.open({ dir, maxEvents: 1e6, maxBytes: 1 << 30 })
  await s.append(batch(0, 2))
  await s.close()
  const file = join(dir, segments(dir)[0]!)
  appendFileSync(file, Buffer.from('MGDL\u0000\u0000\u0000\u0004garbage!abcd'))
  s = await openStore(t, dir)
  t.equal(await s.count(), 2)
})

t.test('reopening rebuilds every index: by id, port, subject, product, domain, outcome, time', async (t) => {
  const dir = tempDir(t)
  let s = await FsDecisionStore.open({ dir, maxEvents: 1e6, maxBytes: 1 << 30 })
  await s.append(batch(0, 30, (i) => ({ port: i % 3 ? 'orders-eu' : 'orders-us', subject: `user-${i % 5}`, outcome: i % 4 === 0 ? 'deny' : 'allow' })))
  const before = await s.query({ port: 'orders-us', outcome: 'deny', limit: 100 })
  await s.close()
  s = await openStore(t, dir)
  t.equal(await s.count(), 30)
  const after = await s.query({ port: 'orders-us', outcome: 'deny', limit: 100 })
  t.same(after, before, 'the same answer after a restart')
  t.ok(after.decisions.length > 0)
  t.same(ids((await s.query({ decision_id: decisionEvent(7).decision_id })).decisions), [decisionEvent(7).decision_id])
  t.same(await s.append(batch(0, 30)), { stored: 0, duplicates: 30 }, 'de-duplication survives a restart')
  t.same(await s.append(batch(30, 1)), { stored: 1, duplicates: 0 }, 'appends go on after a restart')
})

t.test('queries: every filter, time range, newest first, cursor paging that neither skips nor repeats', async (t) => {
  const s = await openStore(t, tempDir(t))
  // Appended out of time order (a spool replayed late), several per millisecond.
  const events = batch(0, 200, (i) => ({
    port: ['a', 'b', 'c'][i % 3]!,
    subject: `u${i % 7}`,
    product: i % 2 ? 'orders-api' : 'billing-api',
    domain: i % 2 ? 'orders' : 'billing',
    outcome: (['allow', 'deny', 'error', 'answer'] as const)[i % 4]!,
    at: Date.parse('2025-05-01T10:00:00Z') + ((i * 7919) % 200) * 250,
  }))
  for (let i = 0; i < events.length; i += 37) await s.append(events.slice(i, i + 37))
  const ms = (d: StoredDecision) => Date.parse(d.timestamp)
  const expect = (f: (d: StoredDecision) => boolean) => events.filter(f).sort((a, b) => ms(b) - ms(a))

  const all = await s.query({ limit: 1000 })
  t.equal(all.decisions.length, 200)
  t.notOk(all.next)
  t.ok(
    all.decisions.every((d, i) => i === 0 || ms(all.decisions[i - 1]!) >= ms(d)),
    'newest first',
  )

  const q = { port: 'b', outcome: 'deny' as const, from: '2025-05-01T10:00:10Z', to: '2025-05-01T10:00:40Z' }
  const want = expect((d) => d.port === 'b' && d.outcome === 'deny' && ms(d) >= Date.parse(q.from) && ms(d) < Date.parse(q.to))
  t.ok(want.length > 3, `${want.length} match`)
  const got: StoredDecision[] = []
  let after: string | undefined
  for (let pages = 0; pages < 100; pages++) {
    const page = await s.query({ ...q, limit: 2, ...(after ? { after } : {}) })
    got.push(...page.decisions)
    if (!page.next) break
    after = page.next
  }
  t.same(ids(got).sort(), ids(want).sort(), 'pages cover every match once')
  t.equal(new Set(ids(got)).size, got.length, 'no repeats')
  t.same(got.map(ms), want.map(ms), 'in time order across pages')

  for (const [k, v] of [
    ['subject', 'u3'],
    ['product', 'orders-api'],
    ['domain', 'billing'],
    ['outcome', 'error'],
  ] as const) {
    const want = expect((d) => (k === 'product' || k === 'domain' ? d.labels[k] : d[k]) === v)
    t.same(ids((await s.query({ [k]: v, limit: 1000 })).decisions).sort(), ids(want).sort(), `filter ${k}`)
  }
  t.same((await s.query({ decision_id: 'nope' })).decisions, [])
  t.equal((await s.query({ limit: 5000 })).decisions.length, 200, 'the cap (1000) is above what is stored')
  t.equal((await s.query({ limit: 10 })).decisions.length, 10)
  await t.rejects(s.query({ after: 'not-a-cursor' }), { code: 'request_invalid' })
  await t.rejects(s.query({ from: 'yesterday' }), { code: 'request_invalid' })
})

t.test('summary: per-port buckets and top deny reasons equal the events stored', async (t) => {
  const s = await openStore(t, tempDir(t))
  const t0 = Date.parse('2025-05-01T10:00:00Z')
  const events = batch(0, 120, (i) => ({
    port: i % 2 ? 'p1' : 'p2',
    outcome: i % 5 === 0 ? 'deny' : i % 7 === 0 ? 'error' : 'allow',
    at: t0 + i * 1000,
    deny: i % 5 === 0 ? [{ layer: 'global', message: i % 10 === 0 ? 'no purpose' : 'not a member' }] : undefined,
  }))
  await s.append(events)
  const sum = await s.summarize({ from: '2025-05-01T10:00:00Z', to: '2025-05-01T10:01:00Z', bucket_seconds: 30, top: 5 })
  const inRange = events.filter((e) => Date.parse(e.timestamp) < t0 + 60_000)
  t.equal(sum.total, inRange.length)
  t.equal(sum.deny, inRange.filter((e) => e.outcome === 'deny').length)
  t.equal(sum.error, inRange.filter((e) => e.outcome === 'error').length)
  t.same(
    sum.ports.map((p) => p.port),
    ['p1', 'p2'],
  )
  for (const p of sum.ports) {
    t.equal(p.buckets.length, 2)
    t.same(
      p.buckets.map((b) => b.start),
      ['2025-05-01T10:00:00.000Z', '2025-05-01T10:00:30.000Z'],
    )
    for (const [k, b] of p.buckets.entries()) {
      const inB = inRange.filter((e) => e.port === p.port && Math.floor((Date.parse(e.timestamp) - t0) / 30_000) === k)
      t.same(
        { total: b.total, deny: b.deny, error: b.error },
        { total: inB.length, deny: inB.filter((e) => e.outcome === 'deny').length, error: inB.filter((e) => e.outcome === 'error').length },
        `${p.port} bucket ${k}`,
      )
    }
  }
  const reasons = inRange.filter((e) => e.outcome === 'deny').map((e) => e.deny![0]!.message)
  t.same(
    sum.top_deny_reasons,
    [
      { layer: 'global', message: 'not a member', count: reasons.filter((m) => m === 'not a member').length },
      { layer: 'global', message: 'no purpose', count: reasons.filter((m) => m === 'no purpose').length },
    ].sort((a, b) => b.count - a.count || (a.message < b.message ? -1 : 1)),
    'most frequent first; ties by layer, then message',
  )
  t.equal((await s.summarize({ from: '2025-05-01T10:00:00Z', to: '2025-05-01T10:01:00Z', bucket_seconds: 30, top: 1 })).top_deny_reasons.length, 1)
  await t.rejects(
    s.summarize({ from: '2025-05-01T10:00:00Z', to: '2025-05-02T10:00:00Z', bucket_seconds: 1, top: 1 }),
    { code: 'request_invalid' },
    'too many buckets',
  )
  await t.rejects(
    s.summarize({ from: '2025-05-01T10:00:00Z', to: '2025-05-01T09:00:00Z', bucket_seconds: 1, top: 1 }),
    { code: 'request_invalid' },
    'to before from',
  )
})

t.test('retention: past max_events the oldest segments go, whole; the newest stay queryable', async (t) => {
  const dir = tempDir(t)
  const s = await openStore(t, dir, { maxEvents: 80 })
  for (let i = 0; i < 300; i += 10) await s.append(batch(i, 10))
  const n = await s.count()
  t.ok(n <= 80, `${n} kept, at most 80`)
  t.ok(n >= 60, `${n} kept: only whole old segments went`)
  const kept = ids((await s.query({ limit: 1000 })).decisions)
  t.ok(kept.includes(decisionEvent(299).decision_id), 'the newest is kept')
  t.notOk(kept.includes(decisionEvent(0).decision_id), 'the oldest went')
  t.ok(segments(dir).length <= 9, `${segments(dir).length} segment files`)
  const reopened = await openStore(t, dir, { maxEvents: 80 })
  t.equal(await reopened.count(), n, 'what retention kept is what a restart finds')
})

t.test('retention by bytes', async (t) => {
  const dir = tempDir(t)
  const s = await openStore(t, dir, { maxBytes: 256 * 1024 })
  for (let i = 0; i < 3000; i += 50) await s.append(batch(i, 50))
  const bytes = segments(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0)
  t.ok(bytes <= 256 * 1024 + 64 * 1024, `${bytes} bytes on disk`)
  t.ok((await s.count()) < 3000)
})
