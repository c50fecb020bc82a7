// The embedded DecisionStore: collected decision logs in append-only segment
// files under the registry's data folder, indexed in memory
// (decision-index.ts).
//
//   <dir>/seg-<10 digits>.log    framed records, one per upload batch
//
// A record is a 16-byte header, `MGDL`, the payload's length (uint32 BE) and
// the first 8 bytes of its SHA-256, then the payload: the batch's new events
// as JSON, one per line. One record per batch, written and fsynced before
// `append` resolves (so before the 2xx), makes a batch all-or-nothing: a
// crash mid-write leaves a torn record at the tail, whose length or checksum
// does not match, and recovery stops reading there and cuts it off.
//
// Exactly-once storage: a batch's events whose `decision_id` is already
// stored (or repeated within the batch) are skipped, so a sidecar's retry of
// an upload whose answer it never saw (delivery is at least once) stores
// each event once. Appends are serialized; one process owns the folder.
//
// Retention: segments are closed past 1/8 of either bound, and once the
// store holds more than `maxEvents` or `maxBytes`, whole segments go,
// oldest first (arrival order). An id whose event retention removed can be
// stored again.
//
// A PostgreSQL store replaces this file for several replicas
// (decision-store.ts); the indexes become SQL indexes.

import { createHash } from 'node:crypto'
import { mkdir, open, readdir, readFile, rm, truncate, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { syncDir } from '../bundle/index.js'
import { MeshgateError } from '../errors/index.js'
import { DecisionIndex, type IndexEntry } from './decision-index.js'
import type { AppendResult, DecisionPage, DecisionQuery, DecisionStore, DecisionSummary, DecisionSummaryQuery, StoredDecision } from './decision-store.js'
import { timeOf } from './log-upload.js'

export interface FsDecisionStoreOptions {
  dir: string
  /** Retention: events kept at most (whole oldest segments go past it). */
  maxEvents: number
  /** Retention: bytes of segment files kept at most. */
  maxBytes: number
}

/** Largest page a query answers, whatever `limit` asks. */
export const MAX_DECISION_PAGE = 1000
export const DEFAULT_DECISION_PAGE = 100

const MAGIC = Buffer.from('MGDL')
const HEADER = 16
const SEGMENT = /^seg-(\d{10})\.log$/
/** `seq` = segment × 2^32 + place in it: unique, ordered by arrival, stable across restarts. */
const SEQ_PER_SEGMENT = 2 ** 32

interface Segment {
  no: number
  bytes: number
  events: number
}

export class FsDecisionStore implements DecisionStore {
  private readonly index = new DecisionIndex()
  /** Oldest first; the last is the one appended to, when `active` is open. */
  private readonly segments: Segment[] = []
  private active?: { seg: Segment; fh: FileHandle }
  private chain: Promise<unknown> = Promise.resolve()
  private bytes = 0
  private closed = false
  private readonly segmentBytes: number
  private readonly segmentEvents: number

  private constructor(private readonly opts: FsDecisionStoreOptions) {
    this.segmentBytes = Math.max(64 * 1024, Math.floor(opts.maxBytes / 8))
    this.segmentEvents = Math.max(1, Math.floor(opts.maxEvents / 8))
  }

  static async open(opts: FsDecisionStoreOptions): Promise<FsDecisionStore> {
    const s = new FsDecisionStore(opts)
    await s.recover()
    return s
  }

  private file(no: number): string {
    return join(this.opts.dir, `seg-${String(no).padStart(10, '0')}.log`)
  }

  /** Reads every segment, cutting a torn tail off, and rebuilds the indexes. */
  private async recover(): Promise<void> {
    try {
      await mkdir(this.opts.dir, { recursive: true })
    } catch (e) {
      throw new MeshgateError('io_error', `cannot use decision log folder \`${this.opts.dir}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    const nos = (await readdir(this.opts.dir))
      .map((f) => SEGMENT.exec(f))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b)
    for (const no of nos) {
      const file = this.file(no)
      const buf = await readFile(file)
      const seg: Segment = { no, bytes: 0, events: 0 }
      let off = 0
      while (off + HEADER <= buf.length) {
        const len = buf.readUInt32BE(off + 4)
        const end = off + HEADER + len
        if (!buf.subarray(off, off + 4).equals(MAGIC) || end > buf.length) break
        const payload = buf.subarray(off + HEADER, end)
        if (!checksum(payload).equals(buf.subarray(off + 8, off + HEADER))) break
        this.indexPayload(seg, off + HEADER, payload)
        off = end
      }
      // A torn record (a crash mid-write) is never acknowledged: cut it off.
      if (off < buf.length) await truncate(file, off)
      if (off === 0) {
        await rm(file, { force: true })
        continue
      }
      seg.bytes = off
      this.bytes += off
      this.segments.push(seg)
    }
    // Appends go to a new segment: a recovered one stays as it was read.
  }

  private indexPayload(seg: Segment, base: number, payload: Buffer): void {
    let start = 0
    while (start < payload.length) {
      let nl = payload.indexOf(0x0a, start)
      if (nl < 0) nl = payload.length
      const ev = JSON.parse(payload.toString('utf8', start, nl)) as StoredDecision
      if (!this.index.has(ev.decision_id)) this.index.add(this.entryOf(ev, seg, base + start, nl - start))
      seg.events++
      start = nl + 1
    }
  }

  private entryOf(ev: StoredDecision, seg: Segment, off: number, len: number): IndexEntry {
    const ix = this.index
    const e: IndexEntry = {
      id: ev.decision_id,
      ts: timeOf(ev.timestamp) ?? timeOf(ev.received_at) ?? 0,
      seq: seg.no * SEQ_PER_SEGMENT + seg.events,
      outcome: ev.outcome,
      seg: seg.no,
      off,
      len,
    }
    const port = ix.intern(ev.port ?? ev.labels.port)
    const subject = ix.intern(ev.subject)
    const product = ix.intern(ev.labels.product)
    const domain = ix.intern(ev.labels.domain)
    if (port !== undefined) e.port = port
    if (subject !== undefined) e.subject = subject
    if (product !== undefined) e.product = product
    if (domain !== undefined) e.domain = domain
    if (ev.deny?.length) e.deny = ev.deny.map((r) => ix.reason(r))
    return e
  }

  append(events: StoredDecision[]): Promise<AppendResult> {
    return this.serial(async () => {
      if (this.closed) throw new MeshgateError('io_error', 'the decision store is closed')
      const seen = new Set<string>()
      const fresh: StoredDecision[] = []
      for (const ev of events) {
        if (this.index.has(ev.decision_id) || seen.has(ev.decision_id)) continue
        seen.add(ev.decision_id)
        fresh.push(ev)
      }
      const duplicates = events.length - fresh.length
      if (fresh.length === 0) return { stored: 0, duplicates }

      const lines = fresh.map((ev) => Buffer.from(JSON.stringify(ev)))
      const payload = Buffer.concat(lines.flatMap((l) => [l, NL])).subarray(0, -1)
      const header = Buffer.alloc(HEADER)
      MAGIC.copy(header, 0)
      header.writeUInt32BE(payload.length, 4)
      checksum(payload).copy(header, 8)
      const { seg, fh } = await this.activeSegment()
      const at = seg.bytes
      try {
        const { bytesWritten } = await fh.write(Buffer.concat([header, payload]), 0, HEADER + payload.length, at)
        if (bytesWritten !== HEADER + payload.length) throw new Error(`short write (${bytesWritten} of ${HEADER + payload.length} bytes)`)
        await fh.datasync()
      } catch (e) {
        // Nothing was acknowledged: take the partial record back, and append to a fresh segment from now on.
        await fh.truncate(at).catch(() => undefined)
        await this.seal()
        throw new MeshgateError('io_error', `cannot write decision logs: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
      }
      let off = at + HEADER
      for (let i = 0; i < fresh.length; i++) {
        this.index.add(this.entryOf(fresh[i]!, seg, off, lines[i]!.length))
        seg.events++
        off += lines[i]!.length + 1
      }
      seg.bytes += HEADER + payload.length
      this.bytes += HEADER + payload.length
      if (seg.bytes >= this.segmentBytes || seg.events >= this.segmentEvents) await this.seal()
      await this.retain()
      return { stored: fresh.length, duplicates }
    })
  }

  private async activeSegment(): Promise<{ seg: Segment; fh: FileHandle }> {
    if (this.active) return this.active
    const no = (this.segments.at(-1)?.no ?? 0) + 1
    const fh = await open(this.file(no), 'wx', 0o644)
    // The new file's name must survive a crash with the records in it.
    await syncDir(this.opts.dir)
    const seg: Segment = { no, bytes: 0, events: 0 }
    this.segments.push(seg)
    return (this.active = { seg, fh })
  }

  private async seal(): Promise<void> {
    const a = this.active
    this.active = undefined
    await a?.fh.close()
  }

  /** Removes the oldest closed segments while the store is past a bound. */
  private async retain(): Promise<void> {
    const { maxEvents, maxBytes } = this.opts
    while ((this.index.size > maxEvents || this.bytes > maxBytes) && this.segments.length > (this.active ? 1 : 0)) {
      const oldest = this.segments.shift()!
      this.index.dropSegment(oldest.no)
      this.bytes -= oldest.bytes
      await rm(this.file(oldest.no), { force: true })
    }
  }

  async query(q: DecisionQuery): Promise<DecisionPage> {
    const limit = Math.min(Math.max(1, q.limit ?? DEFAULT_DECISION_PAGE), MAX_DECISION_PAGE)
    const { entries, more } = this.index.query({
      ...pick(q, ['decision_id', 'port', 'subject', 'product', 'domain', 'outcome']),
      ...(q.from !== undefined ? { fromMs: timeBound(q.from, 'from') } : {}),
      ...(q.to !== undefined ? { toMs: timeBound(q.to, 'to') } : {}),
      ...(q.after !== undefined ? { before: cursorOf(q.after) } : {}),
      limit,
    })
    const decisions = await this.read(entries)
    const last = entries.at(-1)
    return { decisions, ...(more && last ? { next: cursorFor(last) } : {}) }
  }

  /** The events of `entries`, in their order; one open file per segment. */
  private async read(entries: IndexEntry[]): Promise<StoredDecision[]> {
    const out = new Array<StoredDecision | undefined>(entries.length)
    const bySeg = new Map<number, number[]>()
    entries.forEach((e, i) => {
      const l = bySeg.get(e.seg)
      if (l) l.push(i)
      else bySeg.set(e.seg, [i])
    })
    for (const [seg, idx] of bySeg) {
      let fh: FileHandle
      try {
        fh = await open(this.file(seg), 'r')
      } catch (e) {
        // Retention removed the segment since the index was read: those events are gone.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw e
      }
      try {
        for (const i of idx) {
          const e = entries[i]!
          const buf = Buffer.alloc(e.len)
          await fh.read(buf, 0, e.len, e.off)
          out[i] = JSON.parse(buf.toString('utf8')) as StoredDecision
        }
      } finally {
        await fh.close()
      }
    }
    return out.filter((d): d is StoredDecision => d !== undefined)
  }

  async summarize(q: DecisionSummaryQuery): Promise<DecisionSummary> {
    const fromMs = timeBound(q.from, 'from')
    const toMs = timeBound(q.to, 'to')
    if (!(toMs > fromMs)) throw new MeshgateError('request_invalid', '`to` must be later than `from`')
    return this.index.summarize(q, fromMs, toMs)
  }

  async count(): Promise<number> {
    return this.index.size
  }

  close(): Promise<void> {
    return this.serial(async () => {
      this.closed = true
      await this.seal()
    })
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.chain.catch(() => undefined).then(run)
    this.chain = next
    return next
  }
}

const NL = Buffer.from('\n')

function checksum(payload: Uint8Array): Buffer {
  return createHash('sha256').update(payload).digest().subarray(0, 8)
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k]
  return out
}

function timeBound(s: string, name: string): number {
  const ms = timeOf(s)
  if (ms === undefined) throw new MeshgateError('request_invalid', `\`${name}\` is not an RFC 3339 time: \`${s.slice(0, 64)}\``)
  return ms
}

/** The cursor after a page: the last entry's (ts, seq), opaque to clients. */
function cursorFor(e: IndexEntry): string {
  return Buffer.from(`${e.ts}:${e.seq}`).toString('base64url')
}

function cursorOf(s: string): { ts: number; seq: number } {
  const m = /^(-?\d{1,16}):(\d{1,17})$/.exec(Buffer.from(s, 'base64url').toString('latin1'))
  if (!m) throw new MeshgateError('request_invalid', '`after` is not a cursor this registry gave (`next` of a previous page)')
  return { ts: Number(m[1]), seq: Number(m[2]) }
}
