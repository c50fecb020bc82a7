// What the long-running verbs (`serve`, `registry`) share: reading
// `host:port`, turning a port that cannot be bound into an io_error, waiting
// for SIGINT/SIGTERM, and an error already printed with its source lines.

import { MeshgateError } from '../errors/index.js'
import { usageError } from './command.js'

/** `host:port` (IPv6 hosts in brackets); port 0 picks a free port. */
export function parseAddr(verb: string, addr: string, example = '127.0.0.1:8181'): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]*):([0-9]{1,5})$/.exec(addr)
  const port = Number(m?.[2])
  if (!m || port > 65535) throw usageError(verb, `address \`${addr}\` is not host:port (e.g. ${example})`)
  return { host: m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1', port }
}

/** Runs `start`; a port that is taken or forbidden becomes an io_error, not a stack trace. */
export async function listening<T>(where: { host: string; port: number }, start: () => Promise<T>): Promise<T> {
  try {
    return await start()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new MeshgateError('io_error', `cannot listen on \`${where.host}:${where.port}\`: ${code}`, undefined, '--addr picks another address')
    }
    throw e
  }
}

/** Resolves with the first SIGINT or SIGTERM; a second one while closing exits at once. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      process.once('SIGINT', () => process.exit(130))
      process.once('SIGTERM', () => process.exit(143))
      resolveSignal(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}

/** An error already printed (with its source lines); carries only the exit code. */
export class ReportedError extends Error {
  constructor(readonly exitCode: number) {
    super(`reported (exit ${exitCode})`)
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
