// A bundle's history on disk: JSON Lines, one RevisionRecord per line, oldest
// first, only ever appended to. A publish costs one short append and an
// fsync whatever the length of the history; the file stays readable with
// `tail` and `jq`. (Before, the whole history was rewritten as one JSON
// document on every publish: O(revisions) bytes and a growing fsync.)
//
// A record counts once its line ends with a newline. A crash mid-append
// leaves a line without one: it was never acknowledged (the append's fsync
// had not returned), so reading cuts it off, and the next append starts on a
// clean line. A complete line that is not a record is damage from outside
// the registry: reading refuses it at `file:row:col` rather than guess which
// revision is current.

import { open, readFile, truncate, type FileHandle } from 'node:fs/promises'
import { BUNDLE_DIGEST } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import type { RevisionRecord } from './store.js'

const NEWLINE = 0x0a

export interface HistoryFile {
  records: RevisionRecord[]
  /** Bytes of complete lines: where the next append starts. */
  size: number
  /** Bytes of a torn last line that reading cut off (0 when there was none). */
  cut: number
}

/** Reads a history file, cutting a torn last line off the file itself. */
export async function readHistoryFile(file: string): Promise<HistoryFile> {
  const buf = await readFile(file)
  const size = buf.lastIndexOf(NEWLINE) + 1
  if (size < buf.length) await truncate(file, size)
  const records: RevisionRecord[] = []
  let start = 0
  for (let row = 1; start < size; row++) {
    const end = buf.indexOf(NEWLINE, start)
    const line = buf.subarray(start, end).toString('utf8')
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch (e) {
      throw damaged(file, row, (e as Error).message)
    }
    const why = recordProblem(parsed)
    if (why) throw damaged(file, row, why)
    records.push(parsed as RevisionRecord)
    start = end + 1
  }
  return { records, size, cut: buf.length - size }
}

function damaged(file: string, row: number, why: string): MeshgateError {
  return new MeshgateError('io_error', `registry history \`${file}\` is damaged at line ${row}: ${why}`, { file, row, col: 1 })
}

/** Why `v` is not a revision record, or undefined when it is one. */
export function recordProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object'
  const r = v as Record<string, unknown>
  for (const k of ['revision', 'publisher', 'published_at'] as const) if (typeof r[k] !== 'string') return `\`${k}\` is not a string`
  if (typeof r.digest !== 'string' || !BUNDLE_DIGEST.test(r.digest)) return '`digest` is not a sha256 digest'
  if (typeof r.size !== 'number') return '`size` is not a number'
  if (!Array.isArray(r.roots) || !r.roots.every((x) => typeof x === 'string')) return '`roots` is not a list of strings'
  if (r.action !== 'publish' && r.action !== 'rollback') return '`action` is neither publish nor rollback'
  return undefined
}

/** The line a record is stored as. */
export function historyLine(record: RevisionRecord): Buffer {
  return Buffer.from(`${JSON.stringify(record)}\n`)
}

/**
 * Appends `line` at `size` (the end of the last complete line) and fsyncs.
 * If the write fails part-way (a full disk), the file is cut back to `size`
 * so that no torn line sits before the next append; if even that fails, the
 * error says so and the caller must stop appending. `torn`, a test seam,
 * runs after the first half of the line is on disk.
 */
export async function appendHistoryLine(file: string, size: number, line: Buffer, torn?: () => Promise<void>): Promise<void> {
  let fh: FileHandle | undefined
  try {
    fh = await open(file, 'a', 0o644)
    if (torn) {
      const half = line.length >> 1
      await fh.writeFile(line.subarray(0, half))
      await fh.sync()
      await torn()
      await fh.writeFile(line.subarray(half))
    } else await fh.writeFile(line)
    await fh.sync()
  } catch (e) {
    await fh?.close().catch(() => undefined)
    fh = undefined
    try {
      await truncate(file, size)
    } catch (cut) {
      throw new MeshgateError(
        'io_error',
        `cannot append to \`${file}\` (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}), nor cut it back (${(cut as NodeJS.ErrnoException).code ?? (cut as Error).message})`,
        undefined,
        {
          unrecoverable: true,
        },
      )
    }
    throw e
  } finally {
    await fh?.close()
  }
}
