// "Does it load": a bundle's modules are instantiated in a worker thread, as
// a sidecar would, under the config's memory limit and a wall-clock limit,
// so a module that hangs or runs out of memory while starting costs the
// registry a worker (replaced at the next check), never its event loop.
// Runs only after the signature verified: unverified code is never
// instantiated. One worker per registry, kept between checks, which run one
// at a time. The wall-clock limit starts once the worker has imported its
// code: it bounds the bundle's load, not the loader's own start.

import { Worker } from 'node:worker_threads'
import type { Bundle } from '../bundle/index.js'
import { imageOf } from '../engine/index.js'
import { MeshgateError } from '../errors/index.js'
import type { LoadCheckReply, LoadCheckRequest } from './load-check-worker.js'

export const LOAD_CHECK_WORKER = new URL(`./load-check-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

export interface LoadCheckOptions {
  memoryMiB: number
  timeoutMs: number
  /** The worker script (default: the one beside this module). */
  workerUrl?: URL
}

/**
 * How long a new worker may take to import its code before it counts as
 * broken. Apart from `timeoutMs`, which bounds the bundle's own load: a
 * slow start (a cold disk, a busy machine) is not the bundle's fault.
 */
export const WORKER_START_MS = 60_000

interface CheckWorker {
  worker: Worker
  /** Resolves once the worker has imported its code and listens. */
  ready: Promise<void>
}

export class LoadChecker {
  private worker?: CheckWorker
  private queue: Promise<unknown> = Promise.resolve()
  private nextId = 1
  private closed = false

  constructor(private readonly opts: LoadCheckOptions) {}

  /** Loads the bundle's modules and answers the entrypoints they export. */
  check(bundle: Bundle, name: string): Promise<string[]> {
    const run = this.queue.catch(() => undefined).then(() => this.checkNow(bundle, name))
    this.queue = run
    return run
  }

  private async checkNow(bundle: Bundle, name: string): Promise<string[]> {
    if (this.closed) throw new MeshgateError('internal_error', 'the registry is closing')
    const current = (this.worker ??= this.spawn())
    const worker = current.worker
    try {
      await current.ready
    } catch (e) {
      if (this.worker === current) this.worker = undefined
      void worker.terminate()
      throw new MeshgateError('internal_error', `the registry's bundle loader did not start: ${(e as Error).message}`)
    }
    const request: LoadCheckRequest = { id: this.nextId++, image: imageOf(bundle, name, bundle.data), limits: { memoryMiB: this.opts.memoryMiB, steps: 0 } }
    const reply = await new Promise<LoadCheckReply>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer)
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
      }
      const fail = (message: string) => {
        cleanup()
        // A worker that timed out or broke is not reused.
        if (this.worker === current) this.worker = undefined
        void worker.terminate()
        reject(new MeshgateError('bundle_format_error', message))
      }
      const onMessage = (m: LoadCheckReply) => {
        if (m.id === request.id) {
          cleanup()
          resolve(m)
        }
      }
      const onError = (e: Error) => fail(`bundle \`${name}\` cannot be loaded: ${e.message}`)
      const onExit = (code: number) => fail(`bundle \`${name}\` cannot be loaded: the loader stopped (exit ${code})`)
      const timer = setTimeout(() => fail(`bundle \`${name}\` did not load within ${this.opts.timeoutMs} ms`), this.opts.timeoutMs)
      worker.on('message', onMessage)
      worker.once('error', onError)
      worker.once('exit', onExit)
      worker.postMessage(request)
    })
    // Whatever stopped the load (a bad module, memory past the limit), at publish time it is the bundle's fault.
    if (!reply.ok)
      throw new MeshgateError(
        reply.code.startsWith('bundle_') ? reply.code : 'bundle_format_error',
        reply.message,
        undefined,
        reply.code.startsWith('bundle_') ? undefined : { cause: reply.code },
      )
    return reply.entrypoints
  }

  private spawn(): CheckWorker {
    const url = this.opts.workerUrl ?? LOAD_CHECK_WORKER
    // A built (.js) worker needs none of the parent's loader hooks; a test
    // runner's TypeScript loader would cost seconds per worker.
    const w = new Worker(url, url.pathname.endsWith('.js') ? { execArgv: [] } : {})
    w.unref()
    const current: CheckWorker = {
      worker: w,
      ready: new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${WORKER_START_MS} ms`)), WORKER_START_MS)
        const done = (err?: Error) => {
          clearTimeout(timer)
          w.off('message', onMessage)
          if (err) reject(err)
          else resolve()
        }
        const onMessage = (m: unknown) => {
          if ((m as { ready?: unknown } | null)?.ready === true) done()
        }
        w.on('message', onMessage)
        w.once('error', (e) => done(e))
        w.once('exit', (code) => done(new Error(`it exited (${code})`)))
      }),
    }
    current.ready.catch(() => undefined)
    // Between checks a broken worker is simply forgotten; the next check starts another.
    const forget = () => {
      if (this.worker === current) this.worker = undefined
    }
    w.on('error', forget)
    w.on('exit', forget)
    return current
  }

  async close(): Promise<void> {
    this.closed = true
    await this.queue.catch(() => undefined)
    await this.worker?.worker.terminate()
    this.worker = undefined
  }
}
