// Upload to a real collector on 127.0.0.1: OPA's request shape, nothing lost
// while the collector is down, failing or stalled, each decision_id stored
// exactly once when no process dies, and what a refusal (4xx) does.

import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DecisionLogger, type DecisionLoggerOptions } from '../../src/decision-log/index.js'
import { startCollector, type Collector } from '../fixtures/decision-log/collector.js'
import { event } from '../fixtures/decision-log/events.js'
import { until } from '../fixtures/wait/until.js'

async function setup(t: Tap, extra: Partial<DecisionLoggerOptions> = {}, upload: Partial<NonNullable<DecisionLoggerOptions['upload']>> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'mg-dlog-'))
  const collector = await startCollector()
  const logger = await DecisionLogger.open({
    dir,
    upload: { url: collector.url, bearer: 'tok', uploadSizeLimitBytes: 32768, timeoutMs: 2000, minDelayMs: 3_600_000, maxDelayMs: 3_600_000, ...upload },
    ...extra,
  })
  t.teardown(async () => {
    await collector.close()
    await logger.close()
    await rm(dir, { recursive: true, force: true })
  })
  return { dir, collector, logger }
}
type Tap = typeof t

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => event(from + i).decision_id)
const exactlyOnce = (c: Collector, want: string[]) => want.every((id) => c.received.get(id) === 1) && c.received.size === want.length

t.test("OPA's request: POST <resource>, gzip JSON array, bearer token; each id exactly once", async (t) => {
  const { collector, logger } = await setup(t)
  await Promise.all(Array.from({ length: 50 }, (_, i) => logger.record(event(i))))
  t.equal(logger.stats().spool_events, 50, 'recorded events are spooled before upload')
  t.same(await logger.flush(), { remaining: 0 })
  t.ok(exactlyOnce(collector, ids(0, 50)), 'every decision_id stored once')
  const h = collector.requests[0]!.headers
  t.match(h, { 'content-encoding': 'gzip', 'content-type': 'application/json', authorization: 'Bearer tok' })
  t.match(logger.stats(), { uploaded_events: 50, spool_events: 0, spool_bytes: 0, dropped_events: 0, upload_batches: collector.requests.length })
})

t.test('a collector that is down, then up: nothing lost, nothing twice', async (t) => {
  const { collector, logger } = await setup(t)
  await collector.down()
  for (let i = 0; i < 30; i++) await logger.record(event(i))
  const failed = await logger.flush()
  t.equal(failed.remaining, 30, 'the events stay spooled')
  t.match(failed.error, /cannot upload/)
  t.match(logger.stats(), { upload_retries: 1, uploaded_events: 0, last_upload_error: /cannot upload/ })
  await collector.up()
  t.same(await logger.flush(), { remaining: 0 })
  t.ok(exactlyOnce(collector, ids(0, 30)))
  t.notOk('last_upload_error' in logger.stats(), 'a success clears the last error')
})

t.test('a collector answering 500, then 2xx: nothing lost, nothing twice', async (t) => {
  const { collector, logger } = await setup(t)
  collector.mode = 'fail'
  for (let i = 0; i < 25; i++) await logger.record(event(i))
  t.equal((await logger.flush()).remaining, 25)
  t.match(logger.stats().last_upload_error, /HTTP 500/)
  collector.mode = 'ok'
  t.same(await logger.flush(), { remaining: 0 })
  t.ok(exactlyOnce(collector, ids(0, 25)))
})

t.test('a stalled collector: the request times out, the batch is sent again', async (t) => {
  const { collector, logger } = await setup(t, {}, { timeoutMs: 300 })
  collector.mode = 'stall'
  for (let i = 0; i < 10; i++) await logger.record(event(i))
  const r = await logger.flush()
  t.equal(r.remaining, 10)
  t.match(r.error, /no answer within 300 ms/)
  collector.mode = 'ok'
  t.same(await logger.flush(), { remaining: 0 })
  t.ok(exactlyOnce(collector, ids(0, 10)))
})

t.test('the timer uploads, and retries with backoff after failures, without flush()', async (t) => {
  const { collector, logger } = await setup(t, {}, { minDelayMs: 10, maxDelayMs: 50 })
  collector.mode = 'fail'
  for (let i = 0; i < 40; i++) void logger.record(event(i))
  t.ok(await until(() => logger.stats().upload_retries >= 2), 'failed uploads are retried')
  collector.mode = 'ok'
  t.ok(await until(() => collector.received.size === 40), 'the timer delivers everything once the collector recovers')
  t.ok(exactlyOnce(collector, ids(0, 40)))
})

t.test('an upload run sends what was spooled when it began; events spooled meanwhile wait for the next run, then go', async (t) => {
  // A small limit: the 60 events take several batches, and the run is still under way when the first one arrives.
  const { collector, logger } = await setup(t, {}, { uploadSizeLimitBytes: 2048 })
  await Promise.all(Array.from({ length: 60 }, (_, i) => logger.record(event(i))))
  let during: Promise<unknown> | undefined
  collector.refuse = () => {
    during ??= Promise.all(Array.from({ length: 20 }, (_, i) => logger.record(event(100 + i))))
    return undefined
  }
  const first = await logger.flush()
  await during
  t.ok(collector.requests.length > 1, 'several batches')
  t.ok(exactlyOnce(collector, ids(0, 60)), 'the run sent exactly the events spooled when it began')
  t.equal(first.remaining, 20, 'those recorded during the run are spooled, not chased')
  t.same(await logger.flush(), { remaining: 0 })
  t.ok(exactlyOnce(collector, [...ids(0, 60), ...ids(100, 120)]), 'and go with the next run')
})

t.test('events arrive as recorded, byte for byte: multi-byte UTF-8, escapes, and a reduced event beside stored lines', async (t) => {
  const { collector, logger } = await setup(t, {}, { uploadSizeLimitBytes: 2048 })
  const noise = Array.from({ length: 4000 }, (_, i) => ((i * 7919) % 65536).toString(36)).join('')
  const texts = ['zoë ✓ 𝄞', 'line\nbreak "quoted" \\ tab\t', '\u2028\u2029 \ud83d\ude00', '\ud800 lone surrogate']
  const sent = texts.map((text, i) => event(i, { input: { text, subject: { sub: text } }, subject: text }))
  await Promise.all(sent.map((e) => logger.record(e)))
  await logger.record(event(10, { input: { blob: noise } }))
  t.same(await logger.flush(), { remaining: 0 })
  for (const e of sent) t.same(collector.events.get(e.decision_id), JSON.parse(JSON.stringify(e)), `${e.decision_id} unchanged`)
  t.match(collector.events.get('d-000010'), { reduced: 'erased' }, 'the reduced event went in the same run')
})

t.test('a redirect is not followed: the batch stays spooled and goes once the collector answers 2xx', async (t) => {
  const { collector, logger } = await setup(t)
  collector.refuse = () => 307
  for (let i = 0; i < 5; i++) await logger.record(event(i))
  const failed = await logger.flush()
  t.equal(failed.remaining, 5)
  t.match(failed.error, /answered HTTP 307/)
  collector.refuse = undefined
  t.same(await logger.flush(), { remaining: 0 })
  t.ok(exactlyOnce(collector, ids(0, 5)))
})

t.test('an https service is spoken to over TLS (a certificate it cannot trust refuses the upload; nothing lost)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-dlog-tls-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    {
      cwd: dir,
      stdio: 'ignore',
    },
  )
  let requests = 0
  const server = createHttpsServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (_req, res) => {
    requests++
    res.writeHead(204).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const { port } = server.address() as AddressInfo
  const logger = await DecisionLogger.open({
    dir: join(dir, 'spool'),
    upload: { url: `https://127.0.0.1:${port}/logs`, uploadSizeLimitBytes: 32768, timeoutMs: 2000, minDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
  })
  t.teardown(() => logger.close())
  await logger.record(event(0))
  const r = await logger.flush()
  t.equal(r.remaining, 1, 'kept for later')
  t.match(r.error, /SELF_SIGNED|CERT/, 'refused by the TLS handshake')
  t.equal(requests, 0, 'no request reached the server')
})

t.test('a service URL that is not http or https: a clear error, the events kept', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-dlog-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const logger = await DecisionLogger.open({
    dir,
    upload: { url: 'ftp://127.0.0.1/logs', uploadSizeLimitBytes: 32768, timeoutMs: 2000, minDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
  })
  t.teardown(() => logger.close())
  await logger.record(event(0))
  const r = await logger.flush()
  t.equal(r.remaining, 1)
  t.match(r.error, /cannot upload to `ftp:\/\/127\.0\.0\.1\/logs`: `ftp:` is not http or https/)
})

t.test('413 splits the batch until it fits; bodies respect upload_size_limit_bytes', async (t) => {
  const { collector, logger } = await setup(t, {}, { uploadSizeLimitBytes: 4096 })
  collector.refuse = (events) => (events.length > 4 ? 413 : undefined)
  for (let i = 0; i < 40; i++) await logger.record(event(i))
  t.same(await logger.flush(), { remaining: 0 })
  t.ok(exactlyOnce(collector, ids(0, 40)))
  t.ok(
    collector.requests.some((r) => r.status === 413),
    'the collector did refuse large batches',
  )
  t.ok(
    collector.requests.every((r) => r.bytes <= 4096),
    'no body over the compressed limit',
  )
  t.equal(logger.stats().rejected_events, 0)
})

t.test('one poison event refused with 400, even reduced, is rejected and skipped; the rest gets through', async (t) => {
  const { collector, logger } = await setup(t)
  collector.refuse = (events) => (events.some((e) => e.decision_id === 'd-000007') ? 400 : undefined)
  for (let i = 0; i < 20; i++) await logger.record(event(i))
  t.same(await logger.flush(), { remaining: 0 }, 'the pipe is not blocked')
  t.equal(
    collector.requests.filter((r) => r.events === 1 && r.status === 400).length,
    3,
    'sent alone as it was, then without input and result, then as its identity only',
  )
  t.same(
    [...collector.received.keys()].sort(),
    ids(0, 20).filter((id) => id !== 'd-000007'),
  )
  t.equal(collector.duplicates(), 0)
  t.match(logger.stats(), { rejected_events: 1, uploaded_events: 19 })
})

t.test('401 refuses the request, not the events: retried, nothing rejected', async (t) => {
  const { collector, logger } = await setup(t)
  collector.refuse = () => 401
  for (let i = 0; i < 5; i++) await logger.record(event(i))
  t.equal((await logger.flush()).remaining, 5)
  t.equal(logger.stats().rejected_events, 0)
  collector.refuse = undefined
  t.same(await logger.flush(), { remaining: 0 })
  t.ok(exactlyOnce(collector, ids(0, 5)))
})

t.test('an event whose gzip alone is over the upload limit goes reduced: a large request cannot keep a decision out of the log', async (t) => {
  const { collector, logger } = await setup(t, {}, { uploadSizeLimitBytes: 2048 })
  const noise = Array.from({ length: 4000 }, (_, i) => ((i * 7919) % 65536).toString(36)).join('')
  await logger.record(event(0))
  await logger.record(event(1, { input: { blob: noise } }))
  await logger.record(event(2))
  // Large everywhere: a subject, a port and deny reasons as big as the input.
  await logger.record(event(3, { input: { blob: noise }, subject: noise, port: noise, deny: [{ layer: 'global', message: noise }], labels: { big: noise } }))
  t.same(await logger.flush(), { remaining: 0 })
  t.same([...collector.received.keys()].sort(), ['d-000000', 'd-000001', 'd-000002', 'd-000003'])
  t.equal(logger.stats().rejected_events, 0)
  const reduced = collector.events.get('d-000001')!
  t.equal(reduced.input, undefined)
  t.equal(reduced.result, undefined)
  t.match(reduced, { erased: ['/input', '/result'], reduced: 'erased', outcome: event(1).outcome, kind: event(1).kind })
  const smallest = collector.events.get('d-000003')!
  t.match(smallest, { reduced: 'identity', deny: [{ layer: 'global', message: 'removed: the event was too large' }] })
  t.ok((smallest.subject as string).length <= 513, 'long strings are cut')
  t.ok(collector.requests.every((r) => r.bytes <= 2048))
})

t.test('console mode: one masked JSON line per event, no spool', async (t) => {
  const lines: string[] = []
  const dir = join(await mkdtemp(join(tmpdir(), 'mg-dlog-')), 'never')
  const logger = await DecisionLogger.open({ dir, console: { write: (l: string) => lines.push(l) }, erase: ['/input/subject/password'] })
  t.teardown(() => logger.close())
  await logger.record(event(1))
  await logger.record(event(2))
  t.equal(lines.length, 2)
  t.ok(
    lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')),
    'one line each',
  )
  const e = JSON.parse(lines[0]!)
  t.same(e.erased, ['/input/subject/password'])
  t.notOk(lines.join('').includes('secret-'), 'the erased field is not printed')
  t.match(logger.stats(), { spool_events: 0, spool_limit_bytes: 0 })
})

t.test('console and service together: printed and uploaded, both masked', async (t) => {
  const lines: string[] = []
  const { collector, logger } = await setup(t, { console: { write: (l: string) => lines.push(l) }, erase: ['/input/subject/password'] })
  await logger.record(event(1))
  await logger.flush()
  t.equal(lines.length, 1)
  t.equal(collector.received.get('d-000001'), 1)
})
