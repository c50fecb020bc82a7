// A real sidecar-like process records events while uploading, is SIGKILLed
// while a batch is in flight, and a new process on the same spool delivers
// the rest: the collector ends with every decision_id whose record resolved
// (at least once; the test collector de-duplicates, and says how many came
// twice: the batch the killed process never saw acknowledged).

import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCollector } from '../fixtures/decision-log/collector.js'
import { until } from '../fixtures/wait/until.js'

const here = dirname(fileURLToPath(import.meta.url))
const fixture = join(here, 'fixtures', 'record-and-upload.ts')

function run(env: Record<string, string>): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  const lines: string[] = []
  let buf = ''
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    const parts = buf.split('\n')
    buf = parts.pop()!
    lines.push(...parts)
  })
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  return { child, lines, exited }
}

t.test('SIGKILL mid-batch, restart on the same spool: every recorded decision_id arrives', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-sigkill-'))
  const collector = await startCollector()
  const children: ChildProcess[] = []
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await collector.close()
    await rm(dir, { recursive: true, force: true })
  })
  const N = 3000
  const first = run({ DLOG_DIR: dir, DLOG_URL: collector.url, DLOG_FROM: '0', DLOG_TO: String(N) })
  children.push(first.child)
  t.ok(await until(() => collector.received.size >= 200, 60_000), 'the first process uploads while recording')
  // The next batch is stored by the collector but never answered: the process is killed while it waits.
  const before = collector.requests.length
  collector.mode = 'hold'
  t.ok(await until(() => collector.requests.length > before, 30_000), 'a batch is in flight')
  first.child.kill('SIGKILL')
  t.equal(await first.exited, null, 'killed, not exited')
  const recorded = first.lines.filter((l) => l.startsWith('recorded ')).map((l) => l.slice('recorded '.length))
  t.ok(recorded.length > 0, `${recorded.length} events recorded before the kill`)

  collector.mode = 'ok'
  const second = run({ DLOG_DIR: dir, DLOG_URL: collector.url, DLOG_FROM: '0', DLOG_TO: '0' })
  children.push(second.child)
  t.equal(await second.exited, 0)
  t.same(
    second.lines.filter((l) => l.startsWith('drained')),
    ['drained 0'],
    'the restarted process drains the spool',
  )
  const missing = recorded.filter((id) => !collector.received.has(id))
  t.same(missing, [], 'no recorded decision_id is lost')
  const resent = collector.duplicates()
  t.ok(resent > 0, `${resent} decision_ids arrived twice (the held batch, resent after restart; the collector de-duplicates)`)
  t.comment(`recorded ${recorded.length} of ${N} before SIGKILL; stored ${collector.received.size} distinct; resent ${resent}`)
})
