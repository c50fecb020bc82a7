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
import { exampleBundles, INPUT, productDir, REQUEST, SUBJECT } from './example-mesh.js'
import { repoRoot } from './paths.js'

export interface TargetInfo {
  url: string
  method: 'POST'
  headers: Record<string, string>
  body: string
  /** What the target is, for the notes (e.g. the auth mode). */
  description: string
}

const CONSTANT = { decision_id: 'constant', result: { allowed: true, reasons: [] } }

async function baseline(): Promise<TargetInfo> {
  const app = Fastify({ logger: false })
  app.post('/v1/decisions/access', async () => CONSTANT)
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    url: `${address}/v1/decisions/access`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(REQUEST),
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
    await writeFile(file, [
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
      ...(collector ? [
        'services:',
        `  collector: { url: ${JSON.stringify(collector)} }`,
        `persistence_directory: ${JSON.stringify(state)}`,
        'decision_logs:',
        '  service: collector',
        '  reporting: { min_delay_seconds: 1, max_delay_seconds: 2 }',
      ] : []),
      '',
    ].join('\n'))
    const sc = await startSidecar(await loadConfig(file), { logger: false })
    const token = await new SignJWT({ roles: SUBJECT.roles, clearance: SUBJECT.clearance, domain: SUBJECT.domain, region: SUBJECT.region })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
      .setSubject(SUBJECT.id).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('2h')
      .sign(privateKey)
    const info: TargetInfo = {
      url: `${sc.url}/v1/decisions/access`, method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(REQUEST),
      description: `startSidecar from a YAML config, ES256 bearer token checked against auth.jwks_file, cache.decisions ${cache ? 10_000 : 0}${collector ? ', decision_logs to a policy registry' : ''}`,
    }
    // Check before timing: every layer active, and the answer over HTTP is
    // the engine's own decision for the subject the token stands for.
    const health = await fetch(`${sc.url}/health?bundles`)
    if (health.status !== 200) return { blocked: `the sidecar's bundles are not all active: ${(await health.text()).slice(0, 200)}` }
    const probe = await fetch(info.url, { method: 'POST', headers: info.headers, body: info.body })
    const text = await probe.text()
    if (probe.status !== 200) return { blocked: `the sidecar answered ${probe.status} to the benchmark request: ${text.slice(0, 200)}` }
    const { decision_id: _id, ...got } = JSON.parse(text) as Record<string, unknown>
    const a = await sc.engine.access(INPUT)
    const { layers: _layers, ...outcome } = a.value
    const want = { ...outcome, revisions: a.revisions }
    if (canonical(got) !== canonical(want)) throw new Error(`the sidecar's answer ${canonical(got)} is not the engine's ${canonical(want)}`)
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
