// The part of autocannon's API the sidecar benchmark uses (the package ships
// no types).

declare module 'autocannon' {
  interface Options {
    url: string
    method?: string
    headers?: Record<string, string>
    body?: string
    connections?: number
    pipelining?: number
    duration?: number
    overallRate?: number
    /** Each connection loops over these, in order. */
    requests?: { method?: string; path?: string; headers?: Record<string, string>; body?: string }[]
  }
  interface Histogram {
    average: number
    mean: number
    p50: number
    p90: number
    p99: number
    max: number
  }
  interface Result {
    requests: Histogram & { total: number; sent: number }
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
  }
  function autocannon(opts: Options): Promise<Result>
  export default autocannon
}
