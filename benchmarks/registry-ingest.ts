// Issue 10's collector figure: the registry's decision-log ingest rate,
// events per second into its store. A registry in this process on
// loopback takes `POST /logs` as a sidecar sends it (gzip batches of 250
// realistic access events, four uploads in flight, a bearer token); the
// baseline is the same batches appended to the filesystem store directly
// (no HTTP, gzip, token or checks), measured in the same run. Each batch
// is one fsynced record, so both are bound by the disk's fsync rate: the
// ratio is what HTTP, inflating and checking cost on top of it.

import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { exportJWK, SignJWT } from 'jose'
import type { DecisionEvent } from '../src/decision-log/index.js'
import { FsDecisionStore, parseRegistryConfig, startRegistry, type StoredDecision } from '../src/registry/index.js'
import type { Benchmark } from './harness.js'
import { median } from './harness.js'

const BATCH = 250
const IN_FLIGHT = 4

/** An access decision as meshgate's sidecar logs it (about 1 KiB of JSON). */
function event(i: number): DecisionEvent {
  const deny = i % 7 === 0
  const port = ['orders-eu', 'orders-us', 'returns'][i % 3]!
  const subject = `analyst-${i % 97}`
  return {
    decision_id: `${i.toString(16).padStart(8, '0')}-55e4-417a-b1d8-4aceb67960d1`,
    labels: { id: `orders-api-${i % 5}`, version: '0.1.0', product: 'orders-api', domain: 'orders', port },
    path: 'meshgate/access',
    input: {
      subject: { sub: subject, groups: ['analysts', 'eu'], purpose: 'reporting' },
      port,
      action: 'read',
      fields: ['order_id', 'amount', 'country', 'customer_id'],
    },
    result: { allow: !deny, reasons: deny ? ['not a member of the consumers'] : [] },
    bundles: { global: { revision: 'g42' }, orders: { revision: 'o17' } },
    timestamp: new Date(Date.UTC(2025, 4, 1, 10) + i).toISOString().replace('Z', '123456Z'),
    metrics: { timer_server_handler_ns: 180_000 + (i % 50) * 1000, timer_rego_query_eval_ns: 41_000 },
    requested_by: '10.0.3.7:51234',
    kind: 'access',
    outcome: deny ? 'deny' : 'allow',
    port,
    subject,
    ...(deny ? { deny: [{ layer: 'domains/orders', message: 'not a member of the consumers', code: 'consumer_unknown' }] } : {}),
    cached: i % 3 === 0,
  }
}

function batches(first: number, count: number): DecisionEvent[][] {
  return Array.from({ length: count }, (_, b) => Array.from({ length: BATCH }, (_, k) => event(first + b * BATCH + k)))
}

/** Runs `jobs` with `n` in flight; seconds taken. */
async function timed(jobs: (() => Promise<void>)[], n: number): Promise<number> {
  const t0 = process.hrtime.bigint()
  let next = 0
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) await jobs[next++]!()
    }),
  )
  return Number(process.hrtime.bigint() - t0) / 1e9
}

export const registryIngest: Benchmark = {
  name: 'registry-ingest',
  issue: 10,
  title: 'registry: decision-log ingest rate (gzip batches over HTTP) ÷ appending to its store directly',
  async run(ctx) {
    const perRep = ctx.quick ? 8 : 40
    const reps = 3
    const dir = mkdtempSync(join(tmpdir(), 'mg-bench-ingest-'))
    const idp = generateKeyPairSync('rsa', { modulusLength: 2048 })
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(idp.publicKey)), kid: 'k', alg: 'RS256' }] }))
    const config = parseRegistryConfig(
      `
server: { addr: 127.0.0.1:0 }
storage: { dir: ${join(dir, 'data')} }
auth: { issuer: bench, audience: registry, algorithms: [RS256], jwks_file: ${join(dir, 'jwks.json')} }
signing: { required: false }
`,
      join(dir, 'registry.yaml'),
    )
    const token = await new SignJWT({ sub: 'bench-sidecar' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setIssuer('bench')
      .setAudience('registry')
      .setExpirationTime('1h')
      .sign(idp.privateKey)
    const registry = await startRegistry(config)
    const direct = await FsDecisionStore.open({ dir: join(dir, 'direct'), maxEvents: 1e9, maxBytes: 2 ** 40 })
    try {
      let first = 0
      const httpRates: number[] = []
      const directRates: number[] = []
      let bytesSent = 0
      let eventsSent = 0
      for (let rep = -1; rep < reps; rep++) {
        // Rep -1 warms both paths up and is not counted.
        const n = rep < 0 ? 4 : perRep
        const forHttp = batches(first, n).map((b) => gzipSync(Buffer.from(JSON.stringify(b))))
        first += n * BATCH
        const forStore = batches(first, n).map((b) => b.map((e): StoredDecision => ({ ...e, received_at: new Date().toISOString() })))
        first += n * BATCH
        const httpSeconds = await timed(
          forHttp.map((body) => async () => {
            const r = await fetch(`${registry.url}/logs`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${token}` },
              body,
            })
            const text = await r.text()
            if (r.status !== 200) throw new Error(`POST /logs answered ${r.status}: ${text.slice(0, 200)}`)
          }),
          IN_FLIGHT,
        )
        const directSeconds = await timed(
          forStore.map((b) => async () => {
            await direct.append(b)
          }),
          IN_FLIGHT,
        )
        if (rep < 0) continue
        httpRates.push((n * BATCH) / httpSeconds)
        directRates.push((n * BATCH) / directSeconds)
        bytesSent += forHttp.reduce((s, b) => s + b.length, 0)
        eventsSent += n * BATCH
        ctx.log(`rep ${rep + 1}: ${Math.round(httpRates.at(-1)!)} events/s over HTTP, ${Math.round(directRates.at(-1)!)} appended directly`)
      }
      const stored = await registry.decisions.count()
      if (stored !== first / 2) throw new Error(`the registry stored ${stored} events of ${first / 2} sent`)
      const http = median(httpRates)
      const base = median(directRates)
      return {
        figures: [
          {
            name: `ingest over HTTP: gzip batches of ${BATCH}, ${IN_FLIGHT} in flight (events/s)`,
            value: http,
            unit: 'events/s',
            baseline: { name: 'FsDecisionStore.append directly, same batches', value: base, unit: 'events/s' },
            ratio: http / base,
            note: `median of ${reps} repetitions of ${perRep} batches; ${Math.round(bytesSent / eventsSent)} bytes per event on the wire (gzip); one fsync per batch`,
            details: { batch: BATCH, in_flight: IN_FLIGHT, events_per_rep: perRep * BATCH, wire_bytes_per_event: bytesSent / eventsSent },
          },
        ],
      }
    } finally {
      await direct.close()
      await registry.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
