// A server for the HTTP benchmark, run in its own process so that the load
// generator (autocannon, in the parent) and the server do not share an event
// loop. Prints one JSON line on stdout: where to send what, or why it could
// not start (`blocked`). Targets:
//   baseline            a bare fastify route answering a constant
//   sidecar on|off      the real sidecar, started as `meshgate serve` starts
//                       it: a YAML config (loadConfig) → startSidecar, with
//                       the example mesh's layer bundles as files, JWT auth
//                       against a local JWKS file, schemas, decision ids.
//                       `on|off` is `cache.decisions` (10000 | 0).
//   sidecar on|off URL  the same, logging every decision (decision_logs) to
//                       the OPA-compatible collector at URL: spool in a temp
//                       dir, the example's global log policy, uploads.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { loadConfig } from '../src/config/index.js'
import { startSidecar } from '../src/server/index.js'
import { canonical } from './harness.js'
import { exampleBundles, productDir, REQUEST, SUBJECT } from './example-mesh.js'
import { repoRoot } from './paths.js'

export interface TargetInfo {
  url: string
  method: 'POST'
  headers: Record<string, string>
  body: string
  /**
   * Distinct requests the load cycles through (each connection loops over
   * them): many subjects (one token each) and request bodies, so neither the
   * token cache nor the decision cache sees one request over and over.
   */
  requests: { headers: Record<string, string>; body: string }[]
  /** What the target is, for the notes (e.g. the auth mode). */
  description: string
}

/** Subjects (one token each) and bodies the HTTP load cycles through: SUBJECTS × BODIES distinct requests. */
export const SUBJECTS = 64
const FIELD_LISTS = [REQUEST.fields, ['order_id', 'status'], ['order_id', 'order_date', 'total_amount'], ['currency']]
const PURPOSES = ['reporting', 'fraud-detection']
export const BODIES = FIELD_LISTS.length * PURPOSES.length

/** The request bodies: the example request with other field lists and purposes, all for the orders port. */
export function requestBodies(): (typeof REQUEST)[] {
  return FIELD_LISTS.flatMap((fields) => PURPOSES.map((purpose) => ({ ...REQUEST, purpose, fields })))
}

/** Subject `i`: the example analyst's claims under another id, every fourth one without the reader role (denied). */
export function subjectOf(i: number): typeof SUBJECT {
  return { ...SUBJECT, id: `${SUBJECT.id}-${i}`, roles: i % 4 === 3 ? ['analyst'] : SUBJECT.roles }
}

const CONSTANT = { decision_id: 'constant', result: { allowed: true, reasons: [] } }

async function baseline(): Promise<TargetInfo> {
  const app = Fastify({ logger: false })
  app.post('/v1/decisions/access', async () => CONSTANT)
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const headers = { 'content-type': 'application/json' }
  return {
    url: `${address}/v1/decisions/access`,
    method: 'POST',
    headers,
    body: JSON.stringify(REQUEST),
    // The same bodies as the sidecar gets (no token: the route checks none).
    requests: requestBodies().map((b) => ({ headers, body: JSON.stringify(b) })),
    description: 'bare fastify route, constant answer',
  }
}

const ISSUER = 'https://idp.bench.invalid'
const AUDIENCE = 'meshgate'

/**
 * The real sidecar from a config file in a temp dir. The token is ES256,
 * verified against `auth.jwks_file`; it is the same on every request, so
 * after the first one the verified-token cache (`cache.tokens`) answers, as
 * it does for a client reusing its token.
 */
async function sidecar(cache: boolean, collector?: string): Promise<TargetInfo | { blocked: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mg-bench-sidecar-'))
  // The spool outlives the config's folder (removed once the sidecar has read it); the OS cleans tmp.
  const state = collector ? await mkdtemp(join(tmpdir(), 'mg-bench-spool-')) : undefined
  try {
    const bundles = await exampleBundles(repoRoot)
    await writeFile(join(dir, 'global.tar.gz'), bundles.global)
    await writeFile(join(dir, 'orders.tar.gz'), bundles.orders)
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] }))
    const file = join(dir, 'meshgate.yaml')
    await writeFile(
      file,
      [
        'server:',
        '  addr: 127.0.0.1:0',
        'product:',
        '  domain: orders',
        `  dir: ${JSON.stringify(productDir(repoRoot))}`,
        'bundles:',
        '  global:',
        '    resource: global.tar.gz',
        '  orders:',
        '    resource: orders.tar.gz',
        'auth:',
        `  issuer: ${ISSUER}`,
        `  audience: ${AUDIENCE}`,
        '  algorithms: [ES256]',
        '  jwks_file: jwks.json',
        'cache:',
        `  decisions: ${cache ? 10_000 : 0}`,
        ...(collector
          ? [
              'services:',
              `  collector: { url: ${JSON.stringify(collector)} }`,
              `persistence_directory: ${JSON.stringify(state)}`,
              'decision_logs:',
              '  service: collector',
              '  reporting: { min_delay_seconds: 1, max_delay_seconds: 2 }',
            ]
          : []),
        '',
      ].join('\n'),
    )
    const sc = await startSidecar(await loadConfig(file), { logger: false })
    const sign = (s: typeof SUBJECT) =>
      new SignJWT({ roles: s.roles, clearance: s.clearance, domain: s.domain, region: s.region })
        .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
        .setSubject(s.id)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(privateKey)
    const bodies = requestBodies()
    const subjects = Array.from({ length: SUBJECTS }, (_, i) => subjectOf(i))
    const tokens = await Promise.all(subjects.map(sign))
    // Subject-major, bodies rotating: consecutive requests differ in both.
    const cases = subjects.flatMap((subject, i) => bodies.map((_, j) => ({ subject, token: tokens[i]!, body: bodies[(i + j) % bodies.length]! })))
    const header = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` })
    const info: TargetInfo = {
      url: `${sc.url}/v1/decisions/access`,
      method: 'POST',
      headers: header(await sign(SUBJECT)),
      body: JSON.stringify(REQUEST),
      requests: cases.map((c) => ({ headers: header(c.token), body: JSON.stringify(c.body) })),
      description: `startSidecar from a YAML config, ${SUBJECTS} subjects (ES256 bearer tokens checked against auth.jwks_file) × ${bodies.length} request bodies, cache.decisions ${cache ? 10_000 : 0}${collector ? ', decision_logs to a policy registry' : ''}`,
    }
    // Check before timing: every layer active, and every request's answer
    // over HTTP is the engine's own decision for the subject its token stands for.
    const health = await fetch(`${sc.url}/health?bundles`)
    if (health.status !== 200) return { blocked: `the sidecar's bundles are not all active: ${(await health.text()).slice(0, 200)}` }
    const all = [
      { subject: SUBJECT, body: REQUEST, req: { headers: info.headers, body: info.body } },
      ...cases.map((c, k) => ({ subject: c.subject, body: c.body, req: info.requests[k]! })),
    ]
    for (const { subject, body, req } of all) {
      const probe = await fetch(info.url, { method: 'POST', headers: req.headers, body: req.body })
      const text = await probe.text()
      if (probe.status !== 200) return { blocked: `the sidecar answered ${probe.status} to a benchmark request: ${text.slice(0, 200)}` }
      const { decision_id: _id, ...got } = JSON.parse(text) as Record<string, unknown>
      const a = await sc.engine.access({ ...body, subject })
      const { layers: _layers, ...outcome } = a.value
      const want = { ...outcome, revisions: a.revisions }
      if (canonical(got) !== canonical(want)) throw new Error(`the sidecar's answer ${canonical(got)} is not the engine's ${canonical(want)}`)
    }
    return info
  } finally {
    // Bundles and keys are read by now (the probe verified the token).
    await rm(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  // Stopped with SIGTERM by the benchmark: exit normally, so a --cpu-prof profile is written.
  process.once('SIGTERM', () => process.exit(0))
  const [kind, cacheArg, collector] = process.argv.slice(2)
  const cache = cacheArg !== 'off'
  const info = kind === 'baseline' ? await baseline() : kind === 'sidecar' ? await sidecar(cache, collector) : { blocked: `unknown target \`${kind}\`` }
  process.stdout.write(`${JSON.stringify(info)}\n`)
  if ('blocked' in info) process.exit(0)
}

main().catch((e: Error) => {
  process.stdout.write(`${JSON.stringify({ blocked: `target failed to start: ${e.message.split('\n')[0]}` })}\n`)
  process.exit(1)
})
