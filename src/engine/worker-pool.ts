// WorkerPoolEvaluator: evaluations in worker threads so a wall-clock budget can
// be enforced without stalling the event loop. A call list that runs past the
// budget is answered `eval_budget_exceeded`; its worker is terminated and a
// fresh one, loaded with every current bundle, takes its place. Calls queue
// (FIFO) while every worker is busy.

import { Worker } from 'node:worker_threads'
import { MeshgateError } from '../errors/index.js'
import type { CallResult, EvalCall, Evaluator } from './evaluator.js'
import type { BundleImage, BundleLimits, LoadedBundle, ResultSet } from './loaded-bundle.js'
import type { WorkerReply, WorkerRequest } from './eval-worker.js'

export interface PoolOptions {
  size: number
  /** Wall-clock budget per call list, in milliseconds. */
  timeMs: number
  limits: BundleLimits
}

interface Task {
  id: number
  calls: EvalCall[]
  input: unknown
  resolve: (r: CallResult[]) => void
  reject: (e: Error) => void
}

interface Slot {
  worker: Worker
  /** Loads posted but not yet confirmed; a slot takes work only at 0, so load time never counts against a budget. */
  syncing: number
  busy?: { task: Task; timer: NodeJS.Timeout }
}

const WORKER_URL = new URL(`./eval-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

export class WorkerPoolEvaluator implements Evaluator {
  private readonly images = new Map<string, BundleImage>()
  private readonly slots: Slot[] = []
  private readonly queue: Task[] = []
  private nextId = 1
  private closed = false

  constructor(private readonly opts: PoolOptions) {
    for (let i = 0; i < Math.max(1, opts.size); i++) this.slots.push(this.spawn())
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL)
    worker.unref()
    const slot: Slot = { worker, syncing: 0 }
    for (const [key, image] of this.images) this.post(slot, { type: 'load', key, image, limits: this.opts.limits })
    this.sync(slot)
    worker.on('message', (msg: WorkerReply) => this.onReply(slot, msg))
    worker.on('error', (err) => this.onCrash(slot, err))
    return slot
  }

  private post(slot: Slot, msg: WorkerRequest): void {
    slot.worker.postMessage(msg)
  }

  private sync(slot: Slot): void {
    slot.syncing++
    this.post(slot, { type: 'sync' })
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    if (msg.type === 'loadFailed') return // the main thread loaded the same image first, so this does not happen in practice
    if (msg.type === 'synced') {
      slot.syncing--
      this.pump()
      return
    }
    const busy = slot.busy
    if (!busy || busy.task.id !== msg.id) return
    clearTimeout(busy.timer)
    slot.busy = undefined
    if (msg.type === 'done') {
      busy.task.resolve(
        msg.results.map((r): CallResult =>
          r.ok ? { ok: true, rs: r.rs as ResultSet } : { ok: false, error: new MeshgateError(r.error.code, r.error.message) },
        ),
      )
    } else busy.task.reject(new MeshgateError(msg.error.code, msg.error.message))
    this.pump()
  }

  private onCrash(slot: Slot, err: Error): void {
    const busy = slot.busy
    if (busy) {
      clearTimeout(busy.timer)
      busy.task.reject(new MeshgateError('eval_error', `evaluation worker failed: ${err.message}`))
    }
    this.replace(slot)
  }

  private replace(slot: Slot): void {
    slot.busy = undefined
    void slot.worker.terminate()
    if (this.closed) return
    const i = this.slots.indexOf(slot)
    if (i >= 0) this.slots[i] = this.spawn()
    this.pump()
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy || slot.syncing > 0) continue
      const task = this.queue.shift()
      if (!task) return
      const timer = setTimeout(() => {
        task.reject(new MeshgateError('eval_budget_exceeded', `evaluation ran past its time budget of ${this.opts.timeMs} ms`))
        this.replace(slot)
      }, this.opts.timeMs)
      slot.busy = { task, timer }
      this.post(slot, { type: 'run', id: task.id, calls: task.calls, input: task.input })
    }
  }

  async register(key: string, bundle: LoadedBundle): Promise<void> {
    this.images.set(key, bundle.image)
    for (const s of this.slots) {
      this.post(s, { type: 'load', key, image: bundle.image, limits: this.opts.limits })
      this.sync(s)
    }
  }

  unregister(key: string): void {
    this.images.delete(key)
    for (const s of this.slots) this.post(s, { type: 'unload', key })
  }

  async setData(key: string, data: Record<string, unknown>): Promise<void> {
    const image = this.images.get(key)
    if (image) this.images.set(key, { ...image, data })
    for (const s of this.slots) this.post(s, { type: 'setData', key, data })
  }

  run(calls: EvalCall[], input: unknown): Promise<CallResult[]> {
    if (this.closed) return Promise.reject(new MeshgateError('bundle_unavailable', 'the evaluator is closed'))
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, calls, input, resolve, reject })
      this.pump()
    })
  }

  async close(): Promise<void> {
    this.closed = true
    for (const t of this.queue.splice(0)) t.reject(new MeshgateError('bundle_unavailable', 'the evaluator is closed'))
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.busy) {
          clearTimeout(s.busy.timer)
          s.busy.task.reject(new MeshgateError('bundle_unavailable', 'the evaluator is closed'))
        }
        await s.worker.terminate()
      }),
    )
  }
}
