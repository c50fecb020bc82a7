// `--watch` for CLI verbs (cli stage): run the verb once, then again on every
// change under the watched paths (debounced), until interrupted. Each run is
// a fresh child process with the same arguments minus `--watch`, so no
// compile cache or loaded bundle of an earlier run can leak into the next:
// what a run shows is exactly what a one-off run would show.

import { spawn } from 'node:child_process'
import { watch, type FSWatcher } from 'node:fs'
import { stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL(`./main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url))

export interface WatchOptions {
  verb: string
  /** The verb's arguments without `--watch`. */
  args: string[]
  paths: string[]
  /** Quiet period after the last change before a run, in ms. */
  debounceMs?: number
  out?: NodeJS.WritableStream
  /** Ends the watch (tests); SIGINT and SIGTERM end it too. */
  signal?: AbortSignal
}

/** Runs until interrupted; resolves to 0. */
export async function watchAndRerun(o: WatchOptions): Promise<number> {
  const out = o.out ?? process.stdout
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  o.signal?.addEventListener('abort', onSignal, { once: true })
  const watchers: FSWatcher[] = []
  let pending = false
  let running: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined

  const runOnce = async () => {
    out.write(`\n# policy ${o.verb} (${new Date().toISOString()})\n`)
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [...process.execArgv, MAIN, o.verb, ...o.args], { stdio: ['ignore', 'pipe', 'pipe'] })
      child.stdout.on('data', (c) => out.write(c))
      child.stderr.on('data', (c) => out.write(c))
      child.on('close', (c) => resolve(c ?? 1))
      stop.signal.addEventListener('abort', () => child.kill(), { once: true })
    })
    out.write(`# exit ${code}; watching ${o.paths.join(', ')} for changes (Ctrl-C to stop)\n`)
  }
  const schedule = () => {
    if (stop.signal.aborted) return
    clearTimeout(timer)
    timer = setTimeout(() => {
      if (running) {
        pending = true
        return
      }
      running = runOnce().finally(() => {
        running = undefined
        if (pending) {
          pending = false
          schedule()
        }
      })
    }, o.debounceMs ?? 100)
  }

  for (const p of o.paths) {
    const st = await stat(p).catch(() => undefined)
    // A glob or a missing path is not watchable; its folder's changes still show under the others.
    if (st) watchers.push(watch(p, { recursive: st.isDirectory() }, schedule))
  }
  running = runOnce().finally(() => {
    running = undefined
    if (pending) {
      pending = false
      schedule()
    }
  })
  await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }))
  clearTimeout(timer)
  for (const w of watchers) w.close()
  await running
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  return 0
}
