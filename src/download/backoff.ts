// Delays between bundle requests, as OPA's downloader computes them: after a
// success, a uniformly random delay between the polling bounds (spreading a
// fleet's requests), or none when the service long-polls; after an error, an
// exponential backoff from 100 ms up to the maximum delay, jittered so that a
// fleet that lost its registry does not come back in lockstep.

export const MIN_RETRY_MS = 100

/** OPA's `DefaultBackoff`: base·2^retries, capped, with ±20% jitter. */
export function retryDelay(retries: number, maxMs: number, random: () => number = Math.random): number {
  const grown = MIN_RETRY_MS * 2 ** Math.min(retries, 30)
  const capped = Math.min(grown, Math.max(maxMs, MIN_RETRY_MS))
  const jitter = 0.8 + 0.4 * random()
  return Math.min(Math.round(capped * jitter), Math.max(maxMs, MIN_RETRY_MS))
}

/** A random delay in [minMs, maxMs]. */
export function pollDelay(minMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.round(minMs + (Math.max(maxMs, minMs) - minMs) * random())
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
