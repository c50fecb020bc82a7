// Decision logs lose nothing (issue 10, "Must show"), with real processes on
// loopback: a `policy registry` collecting, a `policy serve` sidecar logging
// to it through a proxy this test controls (to make the collector answer 500
// or stall), and the faults in turn: the collector down for a while (the
// registry process stopped, then started again on the same port), the
// collector answering 500, the collector slow, and the sidecar SIGKILLed with
// a batch in flight and started again on the same spool. Every decision a
// client got an answer for is stored by the registry exactly once (the
// sidecar delivers at least once; the registry de-duplicates by
// decision_id). Bounded waits only; everything started here is stopped.

import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { writeBundle } from '../../src/bundle/index.js'
import { compile } from '../../src/compiler.js'
import { bin } from '../cli/fixtures/run-policy.js'
import { AUDIENCE, ISSUER, jwksJson, mint } from '../fixtures/registry/harness.js'
import { waitFor } from '../fixtures/wait/until.js'
import { freePort } from '../fixtures/server/free-port.js'

const ACCESS = `package global.access

allow if input.subject.id != "nobody"

deny contains "marketing needs consent" if input.purpose == "marketing"
`

interface Proc {
  child: ChildProcess
  url: string
  exited: Promise<unknown>
}

/** Starts the built `policy` with `args`; resolves once it prints `<what> listening on <url>` (bounded). */
function start(args: string[], what: string): Promise<Proc> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise((r) => child.once('exit', r))
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} did not start: ${err}`))
    }, 30_000)
    child.stderr!.on('data', (d) => {
      err += d
    })
    child.stdout!.on('data', (d) => {
      out += d
      const m = new RegExp(`${what} listening on (http://\\S+)`).exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ child, url: m[1]!, exited })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited (${code}) before listening: ${err}`))
    })
  })
}

async function stop(p: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM') {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return
  p.child.kill(signal)
  await p.exited
}

/** A port nobody listens on now, for a registry that must come back on the same address. */
type Mode = 'pass' | 'fail500' | 'stall' | 'store-then-stall'

/**
 * The collector as the sidecar sees it: forwards `POST /logs` to the
 * registry, or answers 500, or holds the request (never answers) until the
 * mode changes, or stores the batch in the registry and then holds the
 * answer (the sidecar cannot know it was stored: it must send it again). Counts the decision ids it forwarded, to tell resends.
 */
function collectorProxy(registry: () => string) {
  let mode: Mode = 'pass'
  const held: ServerResponse[] = []
  const forwarded = new Map<string, number>()
  let attempts500 = 0
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      if (mode === 'fail500') {
        attempts500++
        res.writeHead(500).end('{"code":"internal_error","message":"collector failing"}')
        return
      }
      if (mode === 'stall') {
        held.push(res)
        return
      }
      const ids = (JSON.parse(gunzipSync(body).toString()) as { decision_id: string }[]).map((e) => e.decision_id)
      const up = request(`${registry()}${req.url}`, { method: 'POST', headers: req.headers }, (r) => {
        const out: Buffer[] = []
        r.on('data', (c) => out.push(c))
        r.on('end', () => {
          if (r.statusCode === 200) for (const id of ids) forwarded.set(id, (forwarded.get(id) ?? 0) + 1)
          if (mode === 'store-then-stall') {
            held.push(res)
            return
          }
          res.writeHead(r.statusCode ?? 502, r.headers).end(Buffer.concat(out))
        })
      })
      // The registry is down: to the sidecar, the collector is unreachable.
      up.on('error', () => res.destroy())
      up.end(body)
    })
  })
  return {
    server,
    forwarded,
    held: () => held.length,
    attempts500: () => attempts500,
    setMode(m: Mode) {
      mode = m
      if (m !== 'stall') for (const r of held.splice(0)) r.destroy()
    },
    async listen(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    },
    close: () =>
      new Promise((r) => {
        for (const x of held.splice(0)) x.destroy()
        server.closeAllConnections()
        server.close(r)
      }),
  }
}

t.test('collector down, failing, slow, and a sidecar SIGKILLed mid-batch: every answered decision is stored exactly once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-zero-loss-'))
  const procs: { registry?: Proc; sidecar?: Proc } = {}
  const registryPort = await freePort()
  const registryUrl = `http://127.0.0.1:${registryPort}`
  const proxy = collectorProxy(() => registryUrl)
  t.teardown(async () => {
    await stop(procs.sidecar, 'SIGKILL')
    await stop(procs.registry, 'SIGKILL')
    await proxy.close()
    rmSync(dir, { recursive: true, force: true })
  })

  writeFileSync(join(dir, 'jwks.json'), await jwksJson())
  writeFileSync(
    join(dir, 'registry.yaml'),
    `
storage: { dir: ${join(dir, 'registry-data')} }
auth: { issuer: ${ISSUER}, audience: ${AUDIENCE}, algorithms: [RS256], jwks_file: ${join(dir, 'jwks.json')} }
signing: { required: false }
`,
  )
  const startRegistry = () =>
    start(['registry', '--config', join(dir, 'registry.yaml'), '--addr', `127.0.0.1:${registryPort}`, '--log-level', 'warn'], 'registry')
  procs.registry = await startRegistry()

  const { wasm } = await compile({ modules: [{ path: 'g.rego', source: ACCESS }], entrypoints: ['global/access'], strictBuiltinErrors: true })
  writeFileSync(
    join(dir, 'global.tar.gz'),
    writeBundle({
      manifest: { revision: 'g1', roots: ['global'], wasm: [{ entrypoint: 'global/access', module: '/policy.wasm' }] },
      wasm,
      data: {},
      sources: [{ path: 'g.rego', source: ACCESS }],
    }),
  )
  const proxyUrl = await proxy.listen()
  const uploader = await mint({ sub: 'sidecar-orders-1' })
  writeFileSync(
    join(dir, 'sidecar.yaml'),
    `
auth: { mode: none }
services:
  collector:
    url: ${proxyUrl}
    response_header_timeout_seconds: 1
    credentials: { bearer: { token: ${uploader} } }
bundles:
  global: { resource: global.tar.gz }
persistence_directory: ${join(dir, 'sidecar-state')}
decision_logs:
  service: collector
  reporting: { min_delay_seconds: 0.05, max_delay_seconds: 0.2, upload_size_limit_bytes: 4096 }
`,
  )
  const startSidecar = () => start(['serve', '--config', join(dir, 'sidecar.yaml'), '--addr', '127.0.0.1:0', '--log-level', 'error'], 'sidecar')
  procs.sidecar = await startSidecar()

  const answered = new Set<string>()
  const decide = async (n: number, tag: string) => {
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${procs.sidecar!.url}/v1/decisions/access`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ port: 'orders-v1', purpose: i % 5 === 0 ? 'marketing' : 'analytics', fields: [tag] }),
      })
      const body = (await res.json()) as { decision_id: string }
      if (res.status !== 200) failed++
      answered.add(body.decision_id)
    }
  }
  let failed = 0
  const reader = await mint({ sub: 'auditor', roles: ['decision-reader'] })
  const stored = async (): Promise<string[]> => {
    const ids: string[] = []
    let after: string | undefined
    for (let page = 0; page < 100; page++) {
      const res = await fetch(`${registryUrl}/v1/decisions?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`, {
        headers: { authorization: `Bearer ${reader}` },
      })
      if (res.status !== 200) return ids
      const body = (await res.json()) as { result: { decision_id: string }[]; next?: string }
      ids.push(...body.result.map((e) => e.decision_id))
      if (!body.next) break
      after = body.next
    }
    return ids
  }

  // 1. All well.
  await decide(60, 'normal')
  await waitFor('the first decisions to be stored', async () => (await stored()).length >= 60, 60_000)

  // 2. The collector is down (its process stopped) for a while: decisions go on.
  await stop(procs.registry)
  await decide(60, 'down')
  await new Promise((r) => setTimeout(r, 500))
  procs.registry = await startRegistry()

  // 3. The collector answers 500 for a while.
  proxy.setMode('fail500')
  await decide(60, 'fail500')
  await waitFor('uploads refused with 500', () => proxy.attempts500() >= 2, 60_000)
  proxy.setMode('pass')

  // 4. The collector is slow: it holds the upload past the sidecar's timeout.
  proxy.setMode('stall')
  await decide(60, 'slow')
  await waitFor('an upload held by the slow collector', () => proxy.held() >= 1, 60_000)
  await new Promise((r) => setTimeout(r, 1500))
  proxy.setMode('pass')

  // 5. The sidecar is SIGKILLed with a batch in flight (stored by the
  // registry, its answer not yet back), then started again on the same spool.
  proxy.setMode('store-then-stall')
  await decide(80, 'killed')
  await waitFor('a batch in flight at the kill', () => proxy.held() >= 1, 60_000)
  await stop(procs.sidecar, 'SIGKILL')
  proxy.setMode('pass')
  procs.sidecar = await startSidecar()
  await decide(20, 'after-restart')

  await waitFor(
    `all ${answered.size} answered decisions to be stored`,
    async () => {
      const ids = new Set(await stored())
      return [...answered].every((id) => ids.has(id))
    },
    60_000,
  )
  const ids = await stored()
  t.equal(failed, 0, 'no decision failed while the collector misbehaved')
  t.equal(new Set(ids).size, ids.length, 'each decision_id stored once')
  const missing = [...answered].filter((id) => !ids.includes(id))
  t.same(missing, [], `all ${answered.size} answered decisions stored`)
  const extra = ids.filter((id) => !answered.has(id))
  t.same(extra, [], 'nothing stored that was not decided')
  const resent = [...proxy.forwarded.values()].filter((n) => n > 1).length
  t.ok(resent > 0, 'the batch in flight at the kill was sent again after the restart (at least once)')
  t.comment(`${answered.size} decisions answered, ${ids.length} stored; ${resent} delivered more than once and de-duplicated by the registry`)
})
