// Laplace noise for the `noise` transform: a sample of Laplace(0, b) with
// b = sensitivity / epsilon, drawn by inverse transform sampling from a
// uniform variate. Uniforms come from the OS CSPRNG through a pooled buffer
// (one syscall per 4096 draws) so 1M records stay cheap; tests may inject
// their own source.

import { randomFillSync } from 'node:crypto'

export type UniformSource = () => number

const POOL = 4096
const pool = new Uint32Array(POOL)
let next = POOL

/** A uniform variate in the open interval (0, 1). */
export const cryptoUniform: UniformSource = () => {
  if (next >= POOL) {
    randomFillSync(pool)
    next = 0
  }
  return (pool[next++]! + 0.5) / 4294967296
}

export function laplace(scale: number, uniform: UniformSource = cryptoUniform): number {
  const u = uniform() - 0.5
  // |u| < 0.5 strictly, so the log's argument stays in (0, 1].
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u))
}
