// The spool: group commit, recovery after a crash (torn line, corrupt
// line), replay of exactly the unacknowledged events, the bound (oldest
// dropped first, counted), and a disk that refuses writes.

import t from 'tap'
import { appendFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DecisionLogger, Spool, type SpooledLine } from '../../src/decision-log/index.js'
import { startCollector } from '../fixtures/decision-log/collector.js'
import { event } from '../fixtures/decision-log/events.js'
import { until } from '../fixtures/wait/until.js'

async function tempDir(t: (typeof import('tap'))['default']): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mg-spool-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const line = (i: number) => JSON.stringify(event(i))
const idOf = (l: SpooledLine) => (JSON.parse(l.line) as { decision_id: string }).decision_id

async function readAll(s: Spool): Promise<SpooledLine[]> {
  const out: SpooledLine[] = []
  // Reads do not move the cursor; acknowledge as we go, as the uploader does.
  for (let i = 0; i < 10_000; i++) {
    const part = await s.read(4096)
    if (!part.length) return out
    out.push(...part)
    await s.ack(part[part.length - 1]!.end)
  }
  return out
}

t.test('group commit: events recorded in one turn of the event loop share one write', async (t) => {
  const s = await Spool.open({ dir: await tempDir(t), maxBytes: 1 << 20, fsyncIntervalMs: 1000 })
  t.teardown(() => s.close())
  await Promise.all(Array.from({ length: 200 }, (_, i) => s.append(line(i))))
  t.equal(s.counters.writes, 1)
  t.equal(s.depth().events, 200)
})

t.test('an append made while the previous write completes is written too (none waits for a timeout)', async (t) => {
  // The timeout that would otherwise resolve them is far beyond the bounded wait below.
  const s = await Spool.open({ dir: await tempDir(t), maxBytes: 1 << 20, fsyncIntervalMs: 1000, appendTimeoutMs: 600_000 })
  t.teardown(() => s.close())
  const all = (async () => {
    for (let i = 0; i < 50; i++) await s.append(line(i))
  })()
  let done = false
  void all.then(() => {
    done = true
  })
  t.ok(await until(() => done, 10_000), 'every sequential append resolved')
  t.equal(s.depth().events, 50)
})

t.test('read up to a position from end(): lines appended after it are not read', async (t) => {
  const s = await Spool.open({ dir: await tempDir(t), maxBytes: 1 << 20, fsyncIntervalMs: 1000, segmentBytes: 64 << 10 })
  t.teardown(() => s.close())
  await Promise.all(Array.from({ length: 40 }, (_, i) => s.append(line(i))))
  const mark = s.end()
  await Promise.all(Array.from({ length: 40 }, (_, i) => s.append(line(40 + i))))
  const got: SpooledLine[] = []
  for (let i = 0; i < 100; i++) {
    const part = await s.read(1024, mark)
    if (!part.length) break
    got.push(...part)
    await s.ack(part[part.length - 1]!.end)
  }
  t.same(
    got.map(idOf),
    Array.from({ length: 40 }, (_, i) => event(i).decision_id),
    'exactly the lines before the mark, in order',
  )
  t.same(
    (await readAll(s)).map(idOf),
    Array.from({ length: 40 }, (_, i) => event(40 + i).decision_id),
    'the rest without a mark',
  )
})

t.test('a mark taken on an empty spool reads none of what is appended after it', async (t) => {
  const s = await Spool.open({ dir: await tempDir(t), maxBytes: 1 << 20, fsyncIntervalMs: 1000 })
  t.teardown(() => s.close())
  const empty = s.end()
  await Promise.all(Array.from({ length: 10 }, (_, i) => s.append(line(i))))
  t.same(await s.read(1 << 20, empty), [], 'a mark taken on an empty spool reads none of what came after')
  t.equal((await s.read(1 << 20)).length, 10)
})

t.test('groups are written byte for byte: multi-byte text, a group past the write buffer, then a small one', async (t) => {
  const s = await Spool.open({ dir: await tempDir(t), maxBytes: 64 << 20, fsyncIntervalMs: 1000 })
  t.teardown(() => s.close())
  const text = (i: number) => JSON.stringify({ ...event(i), input: { note: `zoë ✓ 𝄞 ${'é'.repeat(i % 7)} \u2028 ${'x'.repeat(1500)}` } })
  // 200 lines of ~1.5 KB, most characters one byte: past the 64 KiB the spool starts with.
  await Promise.all(Array.from({ length: 200 }, (_, i) => s.append(text(i))))
  await Promise.all(Array.from({ length: 3 }, (_, i) => s.append(text(200 + i))))
  const got = await readAll(s)
  t.equal(got.length, 203)
  t.ok(
    got.every((l, i) => l.line === text(i)),
    'every line as appended',
  )
})

t.test('a burst larger than the whole bound keeps its newest lines, counts the rest dropped', async (t) => {
  const s = await Spool.open({ dir: await tempDir(t), maxBytes: 4096, fsyncIntervalMs: 1000 })
  t.teardown(() => s.close())
  const lines = Array.from({ length: 20 }, (_, i) => line(i))
  let fit = 0
  for (let bytes = 0; fit < lines.length && bytes + Buffer.byteLength(lines[lines.length - 1 - fit]!) + 1 <= 4096; fit++)
    bytes += Buffer.byteLength(lines[lines.length - 1 - fit]!) + 1
  t.ok(fit > 0 && fit < 20)
  await Promise.all(lines.map((l) => s.append(l)))
  t.equal(s.counters.dropped_events, 20 - fit)
  t.same(
    (await readAll(s)).map(idOf),
    lines.slice(20 - fit).map((l) => JSON.parse(l).decision_id as string),
    'the newest that fit, in order',
  )
})

t.test('a torn last line (killed mid-write) is skipped on recovery and poisons nothing', async (t) => {
  const dir = await tempDir(t)
  const s = await Spool.open({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 1000 })
  for (let i = 0; i < 10; i++) await s.append(line(i))
  await s.close()
  const [seg] = (await readdir(dir)).filter((n) => n.startsWith('seg-'))
  await appendFile(join(dir, seg!), '{"decision_id":"d-torn","input":{"pass')
  const again = await Spool.open({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 1000 })
  t.teardown(() => again.close())
  t.equal(again.depth().events, 10, 'the torn line is not counted')
  for (let i = 10; i < 15; i++) await again.append(line(i))
  const got = await readAll(again)
  t.same(
    got.map(idOf),
    Array.from({ length: 15 }, (_, i) => event(i).decision_id),
    'every whole line, in order; new ones after',
  )
  t.ok(got.every((l) => l.valid))
})

t.test('a line that is not JSON (a disk that lied) is read as invalid, and the upload skips and counts it', async (t) => {
  const dir = await tempDir(t)
  const s = await Spool.open({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 1000 })
  await s.append(line(0))
  await s.close()
  const [seg] = (await readdir(dir)).filter((n) => n.startsWith('seg-'))
  await appendFile(join(dir, seg!), '\u0000\u0000garbage\n' + line(1) + '\n')
  const collector = await startCollector()
  const logger = await DecisionLogger.open({
    dir,
    upload: { url: collector.url, uploadSizeLimitBytes: 32768, timeoutMs: 2000, minDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
  })
  t.teardown(async () => {
    await collector.close()
    await logger.close()
  })
  t.same(await logger.flush(), { remaining: 0 })
  t.same([...collector.received.keys()].sort(), ['d-000000', 'd-000001'])
  t.equal(logger.stats().spool_corrupt_lines, 1)
})

t.test('reopening replays exactly the unacknowledged events', async (t) => {
  const dir = await tempDir(t)
  const s = await Spool.open({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 1000, segmentBytes: 2048 })
  for (let i = 0; i < 40; i++) await s.append(line(i))
  // Acknowledge the first 25 (across segments), as the uploader would after a 2xx.
  let acked = 0
  for (let k = 0; k < 100 && acked < 25; k++) {
    const part = (await s.read(700)).slice(0, 25 - acked)
    acked += part.length
    await s.ack(part[part.length - 1]!.end)
  }
  t.equal(acked, 25)
  t.equal(s.depth().events, 15)
  await s.close()
  const again = await Spool.open({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 1000 })
  t.teardown(() => again.close())
  t.equal(again.depth().events, 15)
  t.same(
    (await readAll(again)).map(idOf),
    Array.from({ length: 15 }, (_, i) => event(25 + i).decision_id),
  )
  t.ok((await readdir(dir)).filter((n) => n.startsWith('seg-')).length <= 1, 'fully acknowledged segments are deleted')
})

t.test('the bound: past it the oldest events are dropped first, and counted', async (t) => {
  const log: string[] = []
  const warn = (_o: object, m?: string) => {
    log.push(m ?? '')
  }
  const s = await Spool.open({ dir: await tempDir(t), maxBytes: 32 * 1024, fsyncIntervalMs: 1000, segmentBytes: 4096, log: { info: warn, warn, error: warn } })
  t.teardown(() => s.close())
  const n = 400
  for (let i = 0; i < n; i++) await s.append(line(i))
  const d = s.depth()
  t.ok(d.bytes <= 32 * 1024, `the spool stays within its bound (${d.bytes} bytes)`)
  t.ok(s.counters.dropped_events > 0, 'events were dropped')
  t.equal(s.counters.dropped_events + d.events, n, 'every event is either spooled or counted as dropped')
  t.ok(
    log.some((m) => /dropped/.test(m)),
    'drops are logged',
  )
  const kept = (await readAll(s)).map(idOf)
  t.same(
    kept,
    Array.from({ length: d.events }, (_, i) => event(n - d.events + i).decision_id),
    'the newest are kept, in order',
  )
})

t.test('a disk that refuses writes: events wait in memory, are written on a later tick, and uploaded', async (t) => {
  const dir = await tempDir(t)
  const collector = await startCollector()
  const logger = await DecisionLogger.open({
    dir,
    fsyncIntervalMs: 50,
    upload: { url: collector.url, uploadSizeLimitBytes: 32768, timeoutMs: 2000, minDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
  })
  t.teardown(async () => {
    await collector.close()
    await logger.close()
  })
  // The next three segment names are taken by folders: opening them to append fails (EISDIR).
  for (let seq = 1; seq <= 3; seq++) await mkdir(join(dir, `seg-${String(seq).padStart(16, '0')}.jsonl`))
  await Promise.all(Array.from({ length: 20 }, (_, i) => logger.record(event(i))))
  t.match(logger.stats(), { spool_write_errors: 1, memory_queue_events: 20 }, 'record resolved; the events wait in memory')
  t.ok(await until(() => logger.stats().spool_events === 20), 'a later tick writes them')
  t.same(await logger.flush(), { remaining: 0 })
  t.equal(collector.received.size, 20)
  t.equal(logger.stats().dropped_events, 0)
})

t.test('the memory queue is bounded too: past it the oldest are dropped and counted', async (t) => {
  const dir = await tempDir(t)
  const s = await Spool.open({ dir, maxBytes: 1 << 20, fsyncIntervalMs: 3_600_000, memoryQueueBytes: 4096 })
  t.teardown(() => s.close())
  await mkdir(join(dir, `seg-${String(1).padStart(16, '0')}.jsonl`))
  await Promise.all(Array.from({ length: 50 }, (_, i) => s.append(line(i))))
  const d = s.depth()
  t.ok(d.memoryEvents > 0 && d.memoryEvents < 50)
  t.equal(s.counters.dropped_events + d.memoryEvents, 50)
})
