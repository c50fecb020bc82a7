// The last good bundle of each layer on disk (OPA's `persist`): the archive
// as downloaded and a small metadata file (ETag, revision, when the service
// last answered), both written durably (bundle/durable-file.ts; the
// archive first, so metadata never names bytes that are not there). A
// sidecar restarted while the registry is down serves from it at once, after
// the same checks (signature, scope, load) as a download.

import { mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { writeDurably } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'

export interface PersistedMeta {
  etag: string
  revision: string
  /** When the service last answered (200 or 304), epoch ms; a restored bundle keeps it for the maximum age. */
  lastCheck: number
}

export interface Persisted {
  bytes: Uint8Array
  meta: PersistedMeta
}

export class BundlePersistence {
  private readonly dir: string

  /** `root` is the persistence directory; each bundle gets `bundles/<name>/`. */
  constructor(root: string, name: string) {
    // Bundle names are config keys; keep the folder name to safe characters.
    this.dir = join(root, 'bundles', name.replace(/[^A-Za-z0-9._-]/g, '_'))
  }

  async load(): Promise<Persisted | undefined> {
    let bytes: Buffer
    try {
      bytes = await readFile(join(this.dir, 'bundle.tar.gz'))
    } catch {
      return undefined
    }
    let meta: PersistedMeta
    try {
      const raw = JSON.parse(await readFile(join(this.dir, 'meta.json'), 'utf8')) as Partial<PersistedMeta>
      meta = { etag: String(raw.etag ?? ''), revision: String(raw.revision ?? ''), lastCheck: Number(raw.lastCheck) || 0 }
    } catch {
      // No metadata: the archive's own time is the best guess of the last check.
      const s = await stat(join(this.dir, 'bundle.tar.gz'))
      meta = { etag: '', revision: '', lastCheck: s.mtimeMs }
    }
    return { bytes, meta }
  }

  async save(bytes: Uint8Array, meta: PersistedMeta): Promise<void> {
    await mkdir(this.dir, { recursive: true }).catch(ioError(this.dir))
    await writeAtomic(join(this.dir, 'bundle.tar.gz'), bytes)
    await this.saveMeta(meta)
  }

  async saveMeta(meta: PersistedMeta): Promise<void> {
    await mkdir(this.dir, { recursive: true }).catch(ioError(this.dir))
    await writeAtomic(join(this.dir, 'meta.json'), Buffer.from(JSON.stringify(meta)))
  }
}

async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  await writeDurably(file, bytes).catch(ioError(file))
}

function ioError(path: string) {
  return (e: Error): never => {
    throw new MeshgateError('io_error', `cannot write \`${path}\`: ${(e as NodeJS.ErrnoException).code ?? e.message}`)
  }
}
