// The streaming Transform: NDJSON and JSON-array bodies in and out, split at
// every possible chunk boundary, bounded records, malformed input, and the
// memory and work bounds, checked by counting (never by timing).

import t from 'tap'
import { Readable, Writable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { waitFor } from '../../fixtures/wait/until.js'
import { combineAnonymization, createAnonymizeStream, DETECT_WINDOW, type AnonymizeStream } from '../../../src/product/anonymize/index.js'

const plan = combineAnonymization(
  [{ layer: 'global', fields: { email: { action: 'mask', show_last: 3 } }, row_filters: [{ field: 'keep', op: '==', value: true }] }],
  { id: { classification: 'public' }, email: { classification: 'pii' }, keep: {}, note: {} },
)

const records = [
  { id: 1, email: 'ana@x.io', keep: true, note: 'a "quoted" ], comma, {brace}' },
  { id: 2, email: 'bob@x.io', keep: false },
  { id: 3, email: 'çé@x.io', keep: true, note: 'ünïcode 😀\\n' },
]

const run = (chunks: (string | Buffer)[], opts = {}) => text(Readable.from(chunks).pipe(createAnonymizeStream(plan, opts)))

t.test('NDJSON in, NDJSON out, filtered rows left out', async (t) => {
  const body = records.map((r) => JSON.stringify(r)).join('\n') + '\n'
  const out = await run([body])
  t.same(
    out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [
      { id: 1, email: '*****.io', keep: true, note: records[0]!.note },
      { id: 3, email: '****.io', keep: true, note: records[2]!.note },
    ],
  )
})

t.test('a JSON array in, a JSON array out', async (t) => {
  const out = await run([JSON.stringify(records, null, 2)])
  t.same(
    JSON.parse(out).map((r: { id: number }) => r.id),
    [1, 3],
  )
  t.equal(await run(['  [ ] ']), '[]')
  t.equal(await run(['[{"id":2,"keep":false}]']), '[]')
  t.equal(await run(['']), '')
})

t.test('the same output whatever the chunk boundaries (bytes, split UTF-8)', async (t) => {
  for (const body of [JSON.stringify(records), records.map((r) => JSON.stringify(r)).join('\r\n')]) {
    const buf = Buffer.from(body)
    const whole = await run([buf])
    for (let cut = 1; cut < buf.length; cut++) {
      const out = await run([buf.subarray(0, cut), buf.subarray(cut)])
      if (out !== whole) {
        t.fail(`differs when split at byte ${cut}`)
        break
      }
    }
    const bytes = await run([...buf].map((b) => Buffer.from([b])))
    t.equal(bytes, whole)
  }
})

t.test('malformed input is anonymize_input_error, with the record number', async (t) => {
  await t.rejects(run(['{"id":1,"keep":true}\n{"id":2,\n']), { code: 'anonymize_input_error', message: /record 2 is not valid JSON/ })
  await t.rejects(run(['[{"id":1,"keep":true}, 5]']), { code: 'anonymize_input_error', message: /record 2 is not a JSON object/ })
  await t.rejects(run(['[{"id":1,"keep":true},]']), { message: /missing after a comma/ })
  await t.rejects(run(['[{"id":1,"keep":true}']), { message: /not closed/ })
  await t.rejects(run(['[{"id":1,"keep":true}] x']), { message: /unexpected text after/ })
  await t.rejects(run(['[{"id":1,"keep":true,"note":"' + 'x'.repeat(2000) + '"}]'], { maxRecordBytes: 1000 }), { message: /larger than 1000/ })
  await t.rejects(run(['{"id":1,"note":"' + 'x'.repeat(2000)], { maxRecordBytes: 1000 }), { message: /larger than 1000/ })
})

// Issue 8, item 8: bounded memory and linear work, checked by counting what
// the stream holds and examines (never by timing).

/** Runs a body through a stream, keeping the stream to read its counters. */
async function through(chunks: Iterable<string | Buffer>, opts = {}): Promise<{ s: AnonymizeStream; out: string; error?: Error }> {
  const s = createAnonymizeStream(plan, opts)
  const got: string[] = []
  s.on('data', (c: Buffer) => got.push(c.toString()))
  const error = await new Promise<Error | undefined>((resolve) => {
    s.on('end', () => resolve(undefined)).on('error', resolve)
    Readable.from(chunks).pipe(s)
  })
  return error ? { s, out: got.join(''), error } : { s, out: got.join('') }
}

function* repeat(chunk: string, times: number): Generator<string> {
  for (let i = 0; i < times; i++) yield chunk
}

const MB40 = 640 // chunks of 64 KiB

t.test('format detection looks at a bounded prefix and keeps no blanks', async (t) => {
  // 40 MB of spaces, no content type: refused after the detection window, having held nothing.
  const { s, error } = await through(repeat(' '.repeat(64 * 1024), MB40))
  t.match(error, { code: 'anonymize_input_error', message: `no record in the first ${DETECT_WINDOW} characters of the body` })
  t.ok(s.scannedChars <= DETECT_WINDOW, `scanned ${s.scannedChars} characters`)
  t.equal(s.maxPendingChars, 0)
  // Blanks inside the window are fine, in chunks of any size, and shift the line count.
  t.equal((await through(['\n \t', '\r\n ', '{"id":1,"keep":true}'])).out, '{"id":1,"keep":true}\n')
  t.equal((await through([' '.repeat(DETECT_WINDOW - 1), '[]'])).out, '[]')
  t.match((await through(['\n\n', '{"id":'])).error, { details: { line: 3 } })
  t.equal((await through([' '.repeat(1000)])).out, '', 'a short blank body is an empty answer')
})

t.test('blank lines are skipped, not kept, however long', async (t) => {
  // 40 MB of blanks with NDJSON forced: nothing held, each character examined once.
  const blanks = ' \t'.repeat(16 * 1024) + '\r\n' + ' '.repeat(32 * 1024 - 2)
  const { s, out, error } = await through(repeat(blanks, MB40), { format: 'ndjson' })
  t.equal(error, undefined)
  t.equal(out, '')
  t.equal(s.maxPendingChars, 0)
  t.equal(s.scannedChars, blanks.length * MB40)
  // Blank lines between small records do not count towards a record's size.
  const rec = JSON.stringify(records[0])
  const body = rec + '\n' + ' '.repeat(10_000) + '\n\n' + rec + '\n'
  const small = { maxRecordBytes: rec.length + 1 }
  for (const size of [7, 64, body.length]) {
    const chunks = body.match(new RegExp(`[^]{1,${size}}`, 'g'))!
    const r = await through(chunks, { format: 'ndjson', ...small })
    t.equal(r.error, undefined, `chunks of ${size}`)
    t.equal(r.s.recordsOut, 2)
    t.ok(r.s.maxPendingChars <= rec.length, `held ${r.s.maxPendingChars}`)
  }
  const arr = '[' + rec + ',' + ' '.repeat(10_000) + '\n' + rec + ']'
  const r = await through(arr.match(/[^]{1,7}/g)!, small)
  t.equal(r.s.recordsOut, 2)
  t.ok(r.s.maxPendingChars <= rec.length)
})

t.test('a record that arrives in many small chunks is scanned once', async (t) => {
  const big = { id: 1, keep: true, note: 'x'.repeat(200_000) + '"],{' }
  for (const body of [JSON.stringify(big) + '\n', JSON.stringify([big, big])]) {
    const chunks = body.match(/[^]{1,16}/g)!
    const { s, out, error } = await through(chunks)
    t.equal(error, undefined)
    t.equal(s.recordsOut, body.startsWith('[') ? 2 : 1)
    t.ok(out.includes(big.note.slice(0, 1000)))
    // Quadratic rescanning would examine ~chunks²/2 × 16 characters here.
    t.equal(s.scannedChars, body.length, `${chunks.length} chunks, each character examined once`)
    t.ok(s.maxPendingChars <= JSON.stringify(big).length)
  }
})

t.test('a record over maxRecordBytes is anonymize_input_error in both formats, wherever it ends', async (t) => {
  const ok = JSON.stringify(records[0])
  const big = JSON.stringify({ id: 2, keep: true, note: 'x'.repeat(2000) })
  const bodies = {
    'NDJSON, the long line complete in one chunk': [ok + '\n' + big + '\n' + ok + '\n'],
    'NDJSON, over several chunks': (ok + '\n' + big + '\n').match(/[^]{1,100}/g)!,
    'NDJSON, the last line': [ok + '\n' + big],
    'array, in one chunk': ['[' + ok + ',' + big + ']'],
    'array, over several chunks': ('[' + ok + ',' + big + ']').match(/[^]{1,100}/g)!,
  }
  for (const [name, chunks] of Object.entries(bodies)) {
    const { s, error } = await through(chunks, { maxRecordBytes: 1000 })
    t.match(error, { code: 'anonymize_input_error', message: 'record 2 is larger than 1000 bytes' }, name)
    t.ok(s.maxPendingChars <= 1000, `${name}: held ${s.maxPendingChars}`)
  }
})

t.test('a record nested too deep to walk is anonymize_input_error, not a crash', async (t) => {
  const deep = '{"id":1,"keep":true,"note":' + '['.repeat(300_000) + ']'.repeat(300_000) + '}'
  for (const body of [deep + '\n', '[' + deep + ']']) {
    const { error } = await through([body])
    t.match(error, { code: 'anonymize_input_error', message: 'record 1 is nested too deeply' })
  }
})

t.test('large bodies stream with bounded memory', async (t) => {
  const n = 200_000
  function* gen() {
    yield '['
    for (let i = 0; i < n; i++) yield (i ? ',' : '') + JSON.stringify({ id: i, email: `user${i}@example.com`, keep: i % 2 === 0 })
    yield ']'
  }
  const s = createAnonymizeStream(plan)
  let count = 0,
    bytes = 0,
    tail = ''
  const before = process.memoryUsage().heapUsed
  s.on('data', (c: Buffer) => {
    bytes += c.length
    tail = (tail + c.toString()).slice(-200)
  })
  await new Promise<void>((resolve, reject) => {
    Readable.from(gen()).pipe(s).on('end', resolve).on('error', reject)
  })
  count = s.recordsOut
  t.equal(s.recordsIn, n)
  t.equal(count, n / 2)
  t.ok(tail.endsWith('}]'))
  t.ok(bytes > n * 10)
  // The body is ~10 MB; the stream must not have held it.
  t.ok(process.memoryUsage().heapUsed - before < 64 * 1024 * 1024)
  t.ok(s.maxPendingChars < 100, `held at most ${s.maxPendingChars} characters`)
})

t.test('a slow reader holds the body back: what the stream buffers stays within its highWaterMarks, whatever the body size', async (t) => {
  const n = 50_000
  const line = (i: number) => `${JSON.stringify({ id: i, email: `user${i}@example.com`, keep: true, note: 'x'.repeat(100) })}\n`
  let produced = 0
  const source = new Readable({
    read() {
      this.push(produced < n ? line(produced++) : null)
    },
  })
  const s = createAnonymizeStream(plan, { format: 'ndjson' })
  const waiting: (() => void)[] = []
  let received = 0
  const sink = new Writable({
    highWaterMark: 1024,
    write(c: Buffer, _e, cb) {
      received += c.length
      waiting.push(cb)
    },
  })
  source.pipe(s).pipe(sink)
  // The reader takes nothing: the source must stop being read once the buffers are full.
  let last = -1
  await waitFor('the source to be paused', () => {
    const still = produced === last
    last = produced
    return still && waiting.length > 0
  })
  const recordBytes = line(n).length
  t.ok(produced < n / 50, `${produced} of ${n} records read while the reader is stalled`)
  t.ok(s.writableLength <= s.writableHighWaterMark + recordBytes, `input buffered: ${s.writableLength}`)
  t.ok(s.readableLength <= s.readableHighWaterMark + recordBytes, `output buffered: ${s.readableLength}`)
  // Now read everything: all records come out, in order.
  sink._write = (c: Buffer, _e, cb) => {
    received += c.length
    cb()
  }
  for (const cb of waiting.splice(0)) cb()
  await new Promise<void>((resolve, reject) => sink.on('finish', resolve).on('error', reject))
  t.equal(s.recordsOut, n)
  t.ok(received > n * 100)
})
