// A server for the HTTP benchmark, run in its own process so that the load
// generator (autocannon, in the parent) and the server do not share an event
// loop. Prints one JSON line on stdout: where to send what, or why it could
// not start (`blocked`). Targets:
//   baseline            a bare fastify route answering a constant
//   engine  on|off      the engine's access decision behind a minimal fastify
//                       route (the decision path over HTTP, no auth)
//   sidecar on|off      the real sidecar app from src/server (JWT auth,
//                       schemas, decision ids), when it exists
// `on|off` is the decision cache.

import Fastify from 'fastify'
import { exampleEngine, INPUT, REQUEST } from './example-mesh.js'
import { repoRoot } from './paths.js'

export interface TargetInfo {
  url: string
  method: 'POST'
  headers: Record<string, string>
  body: string
}

const CONSTANT = { decision_id: 'constant', result: { allowed: true, reasons: [] } }

async function baseline(): Promise<TargetInfo> {
  const app = Fastify({ logger: false })
  app.post('/v1/decisions/access', async () => CONSTANT)
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url: `${address}/v1/decisions/access`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(REQUEST) }
}

async function engineRoute(cache: boolean): Promise<TargetInfo> {
  const { engine } = await exampleEngine(repoRoot, cache ? 10_000 : 0)
  const app = Fastify({ logger: false })
  let n = 0
  app.post('/v1/decisions/access', async (req) => {
    const a = await engine.access({ ...(req.body as object), subject: INPUT.subject })
    return { decision_id: `d${++n}`, result: a.value, revisions: a.revisions }
  })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url: `${address}/v1/decisions/access`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(REQUEST) }
}

/**
 * The real sidecar. src/server is being written beside this benchmark; this
 * adapter looks for its app factory and is the one place to adjust when its
 * interface settles.
 */
async function sidecar(cache: boolean): Promise<TargetInfo | { blocked: string }> {
  const spec = new URL('../src/server/index.js', import.meta.url).href
  let mod: Record<string, unknown>
  try {
    mod = await import(spec) as Record<string, unknown>
  } catch (e) {
    return { blocked: `the sidecar server is not available (src/server/index.ts: ${(e as Error).message.split('\n')[0]})` }
  }
  const factory = (mod.buildServer ?? mod.createApp ?? mod.buildApp) as ((o: object) => Promise<unknown>) | undefined
  if (typeof factory !== 'function') return { blocked: `src/server/index.ts exports no app factory (buildServer/createApp); exports: ${Object.keys(mod).join(', ')}` }
  const { engine } = await exampleEngine(repoRoot, cache ? 10_000 : 0)
  const app = await factory({ engine, logger: false }) as { listen(o: object): Promise<string> }
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const info: TargetInfo = { url: `${address}/v1/decisions/access`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(REQUEST) }
  const probe = await fetch(info.url, { method: 'POST', headers: info.headers, body: info.body })
  if (probe.status !== 200) return { blocked: `the sidecar answered ${probe.status} to the benchmark request: ${(await probe.text()).slice(0, 200)}` }
  return info
}

async function main(): Promise<void> {
  const [kind, cacheArg] = process.argv.slice(2)
  const cache = cacheArg !== 'off'
  const info = kind === 'baseline' ? await baseline() : kind === 'engine' ? await engineRoute(cache) : kind === 'sidecar' ? await sidecar(cache) : { blocked: `unknown target \`${kind}\`` }
  process.stdout.write(`${JSON.stringify(info)}\n`)
  if ('blocked' in info) process.exit(0)
}

main().catch((e: Error) => {
  process.stdout.write(`${JSON.stringify({ blocked: `target failed to start: ${e.message.split('\n')[0]}` })}\n`)
  process.exit(1)
})
