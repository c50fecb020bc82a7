// Writing a file so that a crash (process killed, power lost) leaves either
// the old file or the new one, never a mix: temp file in the same folder,
// write, fsync, rename over the target, fsync the folder so the rename
// itself is on disk. Steps are reported to an optional hook, which tests use
// to stop the process between them.

import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export type WriteStep = 'temp-written' | 'renamed'

export type StepHook = (step: WriteStep, file: string) => Promise<void>

export const TEMP_SUFFIX = '.tmp'

export async function writeDurably(file: string, bytes: Uint8Array, hook?: StepHook): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`)
  try {
    const fh = await open(tmp, 'wx', 0o644)
    try {
      await fh.writeFile(bytes)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await hook?.('temp-written', file)
    await rename(tmp, file)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  }
  await syncDir(dirname(file))
  await hook?.('renamed', file)
}

/** fsync on a folder makes its entries (a rename) durable; where a platform cannot, there is nothing more to do. */
export async function syncDir(dir: string): Promise<void> {
  let fh
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // Some platforms refuse to open or fsync a directory (Windows); rename is still atomic there.
  } finally {
    await fh?.close()
  }
}
