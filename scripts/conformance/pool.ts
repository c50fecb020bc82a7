// A small pool of conformance workers (child processes, worker.ts). Each
// case gets a deadline; a worker that misses it, or dies, is killed by its
// pid and replaced, and the case is reported as a timeout or a crash, so one
// bad case never stops the run.

import { fork, type ChildProcess } from 'node:child_process'
import type { Outcome } from './judge.js'
import type { WorkerRequest } from './worker.js'

interface Slot {
  child: ChildProcess
  ready: Promise<void>
  busy: boolean
  stderrTail: string
}

export class WorkerPool {
  private slots: Slot[] = []
  private fatal: string | undefined

  constructor(
    private readonly script: string,
    size: number,
    private readonly timeoutMs: number,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn())
  }

  /** Runs every request, `size` at a time; resolves outcomes in request order. */
  async runAll(requests: WorkerRequest[], onDone?: (i: number, o: Outcome) => void): Promise<Outcome[]> {
    const out: Outcome[] = new Array(requests.length)
    let next = 0
    const lane = async (slotIndex: number) => {
      while (next < requests.length) {
        const i = next++
        out[i] = await this.runOne(slotIndex, requests[i]!)
        onDone?.(i, out[i]!)
      }
    }
    await Promise.all(this.slots.map((_, k) => lane(k)))
    return out
  }

  close(): void {
    for (const s of this.slots) this.kill(s)
  }

  get fatalError(): string | undefined {
    return this.fatal
  }

  private spawn(): Slot {
    const child = fork(this.script, [], {
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    const slot: Slot = { child, busy: false, stderrTail: '', ready: Promise.resolve() }
    child.stdout?.resume()
    child.stderr?.on('data', (b: Buffer) => {
      slot.stderrTail = (slot.stderrTail + b.toString()).slice(-2000)
    })
    slot.ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: { ready?: boolean; fatal?: string }) => {
        if (m.ready) {
          child.off('message', onMsg)
          resolve()
        }
        if (m.fatal) {
          this.fatal = m.fatal
          child.off('message', onMsg)
          reject(new Error(m.fatal))
        }
      }
      child.on('message', onMsg)
      child.once('exit', (code, signal) => reject(new Error(`worker exited (${signal ?? code}) before it was ready: ${slot.stderrTail.trim()}`)))
    })
    slot.ready.catch(() => {}) // observed in runOne
    return slot
  }

  private kill(slot: Slot): void {
    if (slot.child.exitCode === null && slot.child.signalCode === null && slot.child.pid !== undefined) {
      try {
        process.kill(slot.child.pid, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }
  }

  private async runOne(k: number, req: WorkerRequest): Promise<Outcome> {
    const slot = this.slots[k]!
    try {
      await slot.ready
    } catch (e) {
      if (this.fatal) return { kind: 'crash', message: this.fatal }
      this.slots[k] = this.spawn()
      return { kind: 'crash', message: (e as Error).message }
    }
    return new Promise<Outcome>((resolve) => {
      const child = slot.child
      let settled = false
      const finish = (o: Outcome, replace: boolean) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        child.off('message', onMsg)
        child.off('exit', onExit)
        if (replace) {
          this.kill(slot)
          this.slots[k] = this.spawn()
        }
        resolve(o)
      }
      const onMsg = (m: { id?: string; outcome?: Outcome }) => {
        if (m.id === req.id && m.outcome) finish(m.outcome, false)
      }
      const onExit = (code: number | null, signal: string | null) => {
        finish(
          { kind: 'crash', message: `exit ${signal ?? code}${slot.stderrTail ? `: ${slot.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}` },
          true,
        )
      }
      const timer = setTimeout(() => finish({ kind: 'timeout', ms: this.timeoutMs }, true), this.timeoutMs)
      child.on('message', onMsg)
      child.once('exit', onExit)
      try {
        child.send(req)
      } catch (e) {
        finish({ kind: 'crash', message: `cannot reach the worker: ${(e as Error).message}` }, true)
      }
    })
  }
}
