// Anonymization throughput (issue 4): records/s applying a typical decision
// to 1,000,000 order records (100,000 with --quick). The plan is the real
// one: the example mesh's global and orders layers asked about an analyst
// reading for reporting, combined by `Engine.anonymization` (hash, mask,
// generalize, redact and a row filter). Two paths, each against a baseline
// doing the same plumbing with no transform:
//   - in memory: `applyPlan` per record ÷ copying each record by hand;
//   - streamed NDJSON: `createAnonymizeStream` ÷ a line splitter doing
//     JSON.parse + JSON.stringify per record.

import { Readable, Transform, Writable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { applyPlan, compilePlan, createAnonymizeStream } from '../src/product/index.js'
import { timeTask, timeFigure, type Benchmark, type Sample } from './harness.js'
import { exampleEngine, INPUT, PORT } from './example-mesh.js'
import { repoRoot } from './paths.js'

interface OrderRecord {
  order_id: string
  customer_id: string
  customer_email: string
  shipping_address: { street: string; postcode: string; city: string; country: string }
  order_date: string
  status: string
  total_amount: number
  currency: string
}

const STATUSES = ['confirmed', 'shipped', 'delivered', 'test', 'returned']

function makeRecords(n: number): OrderRecord[] {
  const out: OrderRecord[] = new Array(n)
  for (let i = 0; i < n; i++) {
    out[i] = {
      order_id: `ord-${i}`,
      customer_id: `cus-${(i * 7919) % 100_003}`,
      customer_email: `customer${i % 50_000}@example.com`,
      shipping_address: { street: `${i % 300} Long Street`, postcode: `${10_000 + (i % 89_999)}`, city: ['Berlin', 'Paris', 'Madrid', 'Rome'][i & 3]!, country: 'DE' },
      order_date: `2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
      status: STATUSES[i % STATUSES.length]!,
      total_amount: Math.round((i % 1000) * 13.7) / 10,
      currency: 'EUR',
    }
  }
  return out
}

function copyRecord(r: OrderRecord): OrderRecord {
  return { ...r, shipping_address: { ...r.shipping_address } }
}

/** The baseline stream: NDJSON lines → parse → stringify, no transform. */
class IdentityNdjson extends Transform {
  private rest = ''
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    const text = this.rest + chunk.toString('utf8')
    const lines = text.split('\n')
    this.rest = lines.pop()!
    let out = ''
    for (const l of lines) if (l) out += `${JSON.stringify(JSON.parse(l))}\n`
    cb(null, out)
  }
  override _flush(cb: TransformCallback): void {
    cb(null, this.rest ? `${JSON.stringify(JSON.parse(this.rest))}\n` : '')
  }
}

function chunks(body: Buffer, size = 64 * 1024): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < body.length; i += size) out.push(body.subarray(i, i + size))
  return out
}

async function drain(source: Buffer[], through: Transform): Promise<number> {
  let bytes = 0
  await pipeline(Readable.from(source), through, new Writable({ write(c: Buffer, _e, cb) { bytes += c.length; cb() } }))
  return bytes
}

const perRecord = (s: Sample, n: number): Sample => ({ median: s.median / n, min: s.min / n, max: s.max / n, reps: s.reps.map((x) => x / n) })

export const anonymizeThroughput: Benchmark = {
  name: 'anonymize',
  issue: 4,
  title: 'anonymization throughput on 1M records',
  async run(ctx) {
    const { engine, mesh } = await exampleEngine(repoRoot, 0)
    let plan
    try {
      plan = (await engine.anonymization(INPUT, mesh.data.ports[PORT]!.fields)).value
    } finally {
      await engine.close()
    }
    const keys = { key: 'bench-hmac-key' }
    const compiled = compilePlan(plan, keys)
    const n = ctx.quick ? 100_000 : 1_000_000
    const reps = ctx.quick ? 1 : 3
    const records = makeRecords(n)
    ctx.log(`plan: ${Object.entries(plan.fields).map(([f, p]) => `${f}=${p.transform.action}`).join(', ')}; ${plan.row_filters.length} row filter(s)`)

    // Warm-up on a tenth of the records, then `reps` timed passes over all of them.
    const warmN = Math.ceil(n / 10)
    let kept = 0
    const anonymizeAll = (rs: OrderRecord[]) => () => { kept = 0; for (const r of rs) if (applyPlan(compiled, r as unknown as Record<string, unknown>)) kept++ }
    const copyAll = (rs: OrderRecord[]) => () => { let k = 0; for (const r of rs) if (copyRecord(r)) k++; return k }
    await timeTask(anonymizeAll(records.slice(0, warmN)), 0, 1)
    const memT = await timeTask(anonymizeAll(records), 0, reps)
    await timeTask(copyAll(records.slice(0, warmN)), 0, 1)
    const copyT = await timeTask(copyAll(records), 0, reps)

    const ndjson = (rs: OrderRecord[]) => chunks(Buffer.from(rs.map((r) => JSON.stringify(r)).join('\n') + '\n'))
    const body = ndjson(records), warmBody = ndjson(records.slice(0, warmN))
    const anonStream = (b: Buffer[]) => () => drain(b, createAnonymizeStream(plan, { ...keys, format: 'ndjson' }))
    const identStream = (b: Buffer[]) => () => drain(b, new IdentityNdjson())
    await timeTask(anonStream(warmBody), 0, 1)
    const streamT = await timeTask(anonStream(body), 0, reps)
    await timeTask(identStream(warmBody), 0, 1)
    const identT = await timeTask(identStream(body), 0, reps)

    const rps = (s: Sample) => Math.round(1e9 / (s.median / n))
    return {
      figures: [
        timeFigure(`anonymize ${n.toLocaleString('en-US')} records in memory (applyPlan) ÷ copying each record`, perRecord(memT, n), 'hand-written record copy', perRecord(copyT, n), {
          note: `${rps(memT).toLocaleString('en-US')} records/s; ${kept.toLocaleString('en-US')} passed the row filter`,
          details: { records_per_s: rps(memT), baseline_records_per_s: rps(copyT), records: n },
        }),
        timeFigure(`anonymize ${n.toLocaleString('en-US')} records streamed as NDJSON ÷ parse+stringify stream`, perRecord(streamT, n), 'NDJSON identity stream', perRecord(identT, n), {
          note: `${rps(streamT).toLocaleString('en-US')} records/s streamed`,
          details: { records_per_s: rps(streamT), baseline_records_per_s: rps(identT), records: n },
        }),
      ],
    }
  },
}
