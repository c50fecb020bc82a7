// The streaming Transform: NDJSON and JSON-array bodies in and out, split at
// every possible chunk boundary, bounded records, malformed input.

import t from 'tap'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { combineAnonymization, createAnonymizeStream } from '../../../src/engine/anonymize/index.js'

const plan = combineAnonymization([
  { layer: 'global', fields: { email: { action: 'mask', show_last: 3 } }, row_filters: [{ field: 'keep', op: '==', value: true }] },
], { id: { classification: 'public' }, email: { classification: 'pii' }, keep: {}, note: {} })

const records = [
  { id: 1, email: 'ana@x.io', keep: true, note: 'a "quoted" ], comma, {brace}' },
  { id: 2, email: 'bob@x.io', keep: false },
  { id: 3, email: 'çé@x.io', keep: true, note: 'ünïcode 😀\\n' },
]

const run = (chunks: (string | Buffer)[], opts = {}) => text(Readable.from(chunks).pipe(createAnonymizeStream(plan, opts)))

t.test('NDJSON in, NDJSON out, filtered rows left out', async (t) => {
  const body = records.map((r) => JSON.stringify(r)).join('\n') + '\n'
  const out = await run([body])
  t.same(out.trim().split('\n').map((l) => JSON.parse(l)), [
    { id: 1, email: '*****.io', keep: true, note: records[0]!.note },
    { id: 3, email: '****.io', keep: true, note: records[2]!.note },
  ])
})

t.test('a JSON array in, a JSON array out', async (t) => {
  const out = await run([JSON.stringify(records, null, 2)])
  t.same(JSON.parse(out).map((r: { id: number }) => r.id), [1, 3])
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
      if (out !== whole) { t.fail(`differs when split at byte ${cut}`); break }
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

t.test('large bodies stream with bounded memory', async (t) => {
  const n = 200_000
  function* gen() {
    yield '['
    for (let i = 0; i < n; i++) yield (i ? ',' : '') + JSON.stringify({ id: i, email: `user${i}@example.com`, keep: i % 2 === 0 })
    yield ']'
  }
  const s = createAnonymizeStream(plan)
  let count = 0, bytes = 0, tail = ''
  const before = process.memoryUsage().heapUsed
  s.on('data', (c: Buffer) => { bytes += c.length; tail = (tail + c.toString()).slice(-200) })
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
})
