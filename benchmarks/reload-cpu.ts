// The CPU a hot reload takes from the sidecar's main thread, the thread that
// answers decisions: `policy registry` and `policy serve` (long-polling it)
// in their own processes as in the reload benchmark, no decision load, N
// publishes `gap` ms apart; the sidecar's main-thread CPU (utime + stime of
// its main task in /proc, 10 ms ticks) over the publishes ÷ N, beside the
// same over an idle stretch of the same length and the registry's CPU per
// publish. Thread CPU moves far less with the machine's load than wall-clock
// profiles do (docs/benchmarks.md, "Where a reload's time goes"). Linux only.
//
//   node dist/benchmarks/reload-cpu.js [N=100] [gap ms=100]
// Extra node flags for the sidecar (e.g. --trace-gc): MESHGATE_RELOAD_CPU_NODE_FLAGS.
// MESHGATE_RELOAD_CPU_PROBE=1: the sidecar also runs loop-probe.ts, and the
// event-loop blocks and GC pauses of the idle stretch and of the publishes
// are printed per reload (the probe's timer adds a little CPU to both).

import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { exportJWK, SignJWT } from 'jose'
import { writeBundle } from '../src/bundle/index.js'
import { compile } from '../src/compiler.js'
import { spawnServer, startBenchRegistry, statCpuMs, threadCpuMs } from './reload.js'
import type { LoopProbeReport } from './loop-probe.js'

const n = Number(process.argv[2] ?? 100)
const gap = Number(process.argv[3] ?? 100)
const ENTRYPOINTS = ['global/access', 'global/access/allow', 'global/access/deny']

/** utime + stime of the main thread of process `pid`, in ms (`all`: of the whole process). */
function cpuMs(pid: number, all = false): number {
  return statCpuMs(all ? `/proc/${pid}/stat` : `/proc/${pid}/task/${pid}/stat`)
}

async function bundleOf(revision: string): Promise<Uint8Array> {
  const source = `package global.access\n\nallow if input.subject.id != "nobody"\n\ndeny contains "marketing needs consent (${revision})" if input.purpose == "marketing"\n`
  const { wasm } = await compile({ modules: [{ path: 'g.rego', source }], entrypoints: ENTRYPOINTS, strictBuiltinErrors: true })
  return writeBundle({
    manifest: { revision, roots: ['global'], wasm: ENTRYPOINTS.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })) },
    wasm,
    data: {},
    sources: [{ path: 'g.rego', source }],
  })
}

const dir = mkdtempSync(join(tmpdir(), 'mg-reload-cpu-'))
const children: ChildProcess[] = []
try {
  const { registry, token } = await startBenchRegistry(dir, children)
  const publish = async (bytes: Uint8Array) => {
    const res = await fetch(`${registry.url}/v1/bundles/global`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
      body: new Uint8Array(bytes),
    })
    if (!res.ok) throw new Error(`publish: HTTP ${res.status} ${await res.text()}`)
  }
  const bundles: Uint8Array[] = []
  for (let i = 0; i <= n + 3; i++) bundles.push(await bundleOf(`c${i}`))
  await publish(bundles[0]!)
  writeFileSync(
    join(dir, 'sidecar.yaml'),
    `auth: { mode: none }\nservices: { registry: { url: ${registry.url} } }\nbundles:\n  global: { service: registry, resource: bundles/global, polling: { min_delay_seconds: 1, max_delay_seconds: 2, long_polling_timeout_seconds: 30 } }\n`,
  )
  const flags = process.env.MESHGATE_RELOAD_CPU_NODE_FLAGS?.split(' ').filter(Boolean) ?? []
  const probeOut = process.env.MESHGATE_RELOAD_CPU_PROBE === '1' ? join(dir, 'loop-probe.json') : undefined
  if (probeOut) {
    flags.push('--import', new URL('./loop-probe.js', import.meta.url).href)
    process.env.MESHGATE_LOOP_PROBE_OUT = probeOut
  }
  const sidecar = await spawnServer(
    ['serve', '--config', join(dir, 'sidecar.yaml'), '--addr', '127.0.0.1:0', '--log-level', 'error'],
    /sidecar listening on (http:\/\/\S+)/,
    children,
    flags,
  )
  const revision = async () => {
    const res = await fetch(`${sidecar.url}/v1/decisions/access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"port":"orders-v1","purpose":"analytics","fields":["id"]}',
    })
    return ((await res.json()) as { revisions?: Record<string, string> }).revisions?.global
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  for (let i = 0; i < 500 && (await revision()) !== 'c0'; i++) await sleep(10)
  for (let i = 1; i <= 3; i++) {
    await publish(bundles[i]!) // warm-up
    await sleep(gap)
  }
  // The probe's report of the window since its last signal (read after its write).
  const probeWindow = async (): Promise<LoopProbeReport | undefined> => {
    if (!probeOut) return undefined
    rmSync(probeOut, { force: true })
    process.kill(sidecar.pid, 'SIGUSR2')
    for (let i = 0; i < 200; i++) {
      try {
        return JSON.parse(readFileSync(probeOut, 'utf8')) as LoopProbeReport
      } catch {
        await sleep(10)
      }
    }
    throw new Error('the loop probe did not report')
  }
  await probeWindow()
  const idle0 = cpuMs(sidecar.pid)
  await sleep(gap * n)
  const idle = cpuMs(sidecar.pid) - idle0
  const idleProbe = await probeWindow()
  const loadBefore = loadavg()[0]!
  const threads0 = threadCpuMs(sidecar.pid)
  const [main0, all0, reg0] = [cpuMs(sidecar.pid), cpuMs(sidecar.pid, true), cpuMs(registry.pid, true)]
  const regMain0 = cpuMs(registry.pid)
  for (let i = 4; i <= n + 3; i++) {
    await publish(bundles[i]!)
    await sleep(gap)
  }
  const [main, all, reg] = [cpuMs(sidecar.pid) - main0, cpuMs(sidecar.pid, true) - all0, cpuMs(registry.pid, true) - reg0]
  const regMain = cpuMs(registry.pid) - regMain0
  // The other threads' share, busiest first (a thread started during the publishes counts from 0; one that ended is missing).
  const others = [...threadCpuMs(sidecar.pid)]
    .filter(([tid]) => tid !== sidecar.pid)
    .map(([tid, ms]) => [tid, ms - (threads0.get(tid) ?? 0)] as const)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
  const reloadProbe = await probeWindow()
  let last = await revision()
  for (let i = 0; i < 200 && last !== `c${n + 3}`; i++) last = await sleep(10).then(revision)
  if (last !== `c${n + 3}`) throw new Error(`the sidecar answers with revision ${last}, not the last one published`)
  const per = (ms: number) => `${(ms / n).toFixed(2)} ms`
  // The 1-minute load average beside the figures, as every benchmark figure carries it (docs/benchmarks.md).
  console.log(`${n} reloads, ${gap} ms apart; load average (1 min) ${loadBefore.toFixed(2)} before the publishes, ${loadavg()[0]!.toFixed(2)} after:`)
  console.log(`  sidecar main thread: ${per(main)} per reload (idle stretch of the same length: ${per(idle)} per ${gap} ms)`)
  console.log(`  sidecar, all threads: ${per(all)} per reload; registry: ${per(reg)} per publish (${per(regMain)} of it on its main thread)`)
  console.log(`  sidecar's other threads, per reload (by thread id): ${others.map(([tid, ms]) => `${tid} ${per(ms)}`).join(', ')}`)
  const describe = (what: string, r: LoopProbeReport | undefined) => {
    if (!r) return
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
    const blocks = r.blocks.map(([, ms]) => ms)
    const onCpu = r.blocks.map(([, , ms]) => ms)
    const major = r.gcs.filter(([, , kind]) => kind === 'mark-compact').map(([, ms]) => ms)
    const all = r.gcs.map(([, ms]) => ms)
    const longest = (xs: number[]) => (xs.length ? Math.max(...xs) : 0).toFixed(2)
    console.log(
      `  ${what}: event-loop blocks ≥ 1 ms: ${(blocks.length / n).toFixed(2)} (${per(sum(blocks))}, ${per(sum(onCpu))} of it on the CPU) per reload, ` +
        `longest ${longest(blocks)} ms (on the CPU: longest ${longest(onCpu)} ms); ` +
        `GC pauses ${per(sum(all))} per reload (${r.gcs.length} in all, longest ${longest(all)} ms; ${major.length} mark-compact, ${(sum(major) / Math.max(1, major.length)).toFixed(2)} ms each)`,
    )
  }
  describe(`idle stretch (per ${gap} ms)`, idleProbe)
  describe('publishes', reloadProbe)
  if (process.env.MESHGATE_LOOP_PROBE_DUMP) writeFileSync(process.env.MESHGATE_LOOP_PROBE_DUMP, JSON.stringify({ idle: idleProbe, reloads: reloadProbe }))
} finally {
  for (const c of children) c.kill('SIGTERM')
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))))
  rmSync(dir, { recursive: true, force: true })
}
