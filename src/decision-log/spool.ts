// The decision-log spool: masked events on disk between `record` and the
// collector's acknowledgement, so that a collector that is down or slow, or
// a sidecar that is killed, loses nothing (docs/observability.md, "Spool").
//
// Layout in `dir`: segment files `seg-<16 digits>.jsonl`, append-only, one
// JSON event per line, and `cursor.json`, the position up to which the
// collector acknowledged (segment, byte offset, events), replaced atomically
// (temp file, fsync, rename). Segments wholly before the cursor are deleted.
//
// Writes are group commits: every line appended while a write is scheduled
// or under way goes into the next single `write`, and `append` resolves when
// that write returned, i.e. the bytes are in the OS page cache. The write is
// synchronous: an append of a few KB to the page cache takes microseconds,
// far less than the thread-pool round trip of an asynchronous write, which a
// profile of the sidecar at full load put at a tenth of its main thread. That survives
// a crash or SIGKILL of the process; it does not survive power loss, which
// is what the fsync timer bounds (`fsyncIntervalMs`): no fsync per event,
// because that would cap decisions per second at the disk's sync rate.
//
// Recovery never trusts the tail: a process killed mid-write can leave a
// torn last line, so a segment counts only up to its last newline, and the
// new process appends to a fresh segment. A line that is not JSON (a disk
// that lied) is skipped and counted when it is read, never sent.
//
// The bound (`maxBytes`) covers events not yet acknowledged. Past it, whole
// oldest segments are deleted first (segments are a small fraction of the
// bound), each dropped event counted. If the disk fails, lines wait in a
// bounded memory queue and are written again on the next timer tick.

import { writeSync } from 'node:fs'
import { open, readdir, mkdir, readFile, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { syncDir, writeDurably } from '../bundle/index.js'
import type { DecisionLogLog } from './log.js'

/** A place in the spool: segment, byte offset in it, events before that offset in it. */
export interface Position {
  seq: number
  offset: number
  events: number
}

/** One spooled line as read back, with the position just after it. */
export interface SpooledLine {
  /** The line's text (decoded from `bytes` on first use). */
  line: string
  /**
   * The line as stored (UTF-8, no newline), when read from the spool: the
   * uploader builds its body from these without decoding and re-encoding
   * each line. Absent on a line replaced by another text (a reduced event).
   */
  bytes?: Buffer
  end: Position
  /** False for a line that is not a JSON object (skipped, counted). */
  valid: boolean
}

export interface SpoolOptions {
  dir: string
  /** Bound on events not yet acknowledged, in bytes. */
  maxBytes: number
  /** How often written bytes are fsynced (what survives power loss). */
  fsyncIntervalMs: number
  /** Segment size at which a new segment starts; default maxBytes/16 within [64 KiB, 8 MiB]. */
  segmentBytes?: number
  /** Lines kept in memory while the disk refuses writes; default 8 MiB. */
  memoryQueueBytes?: number
  /** `append` resolves after this even if the disk has not answered; default 5 s. */
  appendTimeoutMs?: number
  log?: DecisionLogLog
}

export interface SpoolCounters {
  /** `write` calls that succeeded: group commit makes this far smaller than the events. */
  writes: number
  dropped_events: number
  spool_write_errors: number
  spool_corrupt_lines: number
}

interface Segment {
  seq: number
  file: string
  /** Bytes of complete lines (a torn tail is not counted, and never read). */
  bytes: number
  events: number
  /**
   * Found on disk at open (written by an earlier process, which may have
   * crashed or been lied to by its disk): its lines are checked when read.
   * Lines this process wrote are JSON by construction and not parsed again.
   */
  recovered?: boolean
}

interface Group {
  promise: Promise<void>
  resolve(): void
}

const SEGMENT = /^seg-(\d{16})\.jsonl$/
const CURSOR = 'cursor.json'
const SCAN_CHUNK = 64 * 1024
const NEWLINE = 0x0a
const MAX_SCRATCH = 4 << 20

export class Spool {
  readonly counters: SpoolCounters = { writes: 0, dropped_events: 0, spool_write_errors: 0, spool_corrupt_lines: 0 }
  private readonly o: Required<Omit<SpoolOptions, 'log'>> & Pick<SpoolOptions, 'log'>
  /** Ascending by seq; every one at or after the cursor's segment. The last may be the active one. */
  private segments: Segment[] = []
  private active?: { seg: Segment; fh: FileHandle }
  private cursor: Position
  private nextSeq: number
  private pending: string[] = []
  private group?: Group
  private memory: string[] = []
  private memoryBytes = 0
  /** The last write failed: appends go to memory until the timer retries. */
  private degraded = false
  private scheduled = false
  private writing?: Promise<void>
  private dirty = false
  private syncing?: Promise<void>
  private readonly timer: NodeJS.Timeout
  private closed = false
  /** Where writeLines encodes a group (one write at a time); kept while at most MAX_SCRATCH. */
  private scratch = Buffer.allocUnsafe(64 * 1024)

  private constructor(o: SpoolOptions, segments: Segment[], cursor: Position, nextSeq: number) {
    this.o = {
      segmentBytes: Math.min(8 << 20, Math.max(64 << 10, Math.floor(o.maxBytes / 16))),
      memoryQueueBytes: 8 << 20,
      appendTimeoutMs: 5_000,
      ...o,
    }
    this.segments = segments
    this.cursor = cursor
    this.nextSeq = nextSeq
    this.timer = setInterval(() => this.tick(), Math.max(1, o.fsyncIntervalMs))
    this.timer.unref()
  }

  /** Opens (creating) the spool in `o.dir` and recovers what a previous process left. */
  static async open(o: SpoolOptions): Promise<Spool> {
    await mkdir(o.dir, { recursive: true })
    const names = await readdir(o.dir)
    const found = names
      .flatMap((n) => {
        const m = SEGMENT.exec(n)
        return m ? [{ seq: Number(m[1]), file: join(o.dir, n), bytes: 0, events: 0, recovered: true }] : []
      })
      .sort((a, b) => a.seq - b.seq)
    // Temp files of a cursor write the process did not finish.
    await Promise.all(names.filter((n) => n.startsWith(`.${CURSOR}.`)).map((n) => unlink(join(o.dir, n)).catch(() => {})))
    let cursor = (await readCursor(join(o.dir, CURSOR))) ?? { seq: found[0]?.seq ?? 0, offset: 0, events: 0 }
    const segments: Segment[] = []
    for (const s of found) {
      if (s.seq < cursor.seq) {
        await unlink(s.file).catch(() => {})
        continue
      }
      Object.assign(s, await scanSegment(s.file))
      segments.push(s)
    }
    const first = segments[0]
    if (!first || first.seq !== cursor.seq) cursor = { seq: first?.seq ?? cursor.seq, offset: 0, events: 0 }
    else if (cursor.offset > first.bytes || cursor.events > first.events) cursor = { seq: first.seq, offset: first.bytes, events: first.events }
    const maxSeq = Math.max(cursor.seq, ...found.map((s) => s.seq))
    return new Spool(o, segments, cursor, maxSeq + 1)
  }

  /**
   * Adds one line (a JSON event without newline). Resolves when the write
   * holding it returned, when the disk failed and the line waits in memory,
   * or after `appendTimeoutMs`, whichever is first. Never rejects.
   */
  append(line: string): Promise<void> {
    if (this.closed) {
      this.counters.dropped_events++
      this.o.log?.warn({ dropped: 1 }, 'decision log event recorded after close; dropped')
      return Promise.resolve()
    }
    if (this.degraded) {
      this.keepInMemory([line])
      return Promise.resolve()
    }
    this.pending.push(line)
    this.group ??= newGroup(this.o.appendTimeoutMs)
    const promise = this.group.promise
    this.schedule()
    return promise
  }

  /** Resolves when every line appended so far was written (or is in the memory queue). */
  async drain(): Promise<void> {
    for (let i = 0; i < 10_000 && (this.scheduled || this.writing || (this.pending.length && !this.degraded)); i++) {
      await (this.writing ?? new Promise((r) => setImmediate(r)))
    }
  }

  /** The position just after the last line written so far: what `read(…, end())` stops at. */
  end(): Position {
    const last = this.segments[this.segments.length - 1]
    return last ? { seq: last.seq, offset: last.bytes, events: last.events } : { ...this.cursor }
  }

  /**
   * Lines from the cursor on, within one segment, about `maxBytes` of them
   * (a single longer line is returned whole), none past `until` when given
   * (a position from `end()`). Empty when nothing is waiting.
   */
  async read(maxBytes: number, until?: Position): Promise<SpooledLine[]> {
    for (let guard = 0; guard < 100_000; guard++) {
      const seg = this.segments[0]
      if (!seg) return []
      if (until && seg.seq > until.seq) return []
      if (this.cursor.seq !== seg.seq) this.cursor = { seq: seg.seq, offset: 0, events: 0 }
      const start = this.cursor
      const stop = until && seg.seq === until.seq ? Math.min(seg.bytes, until.offset) : seg.bytes
      if (start.offset >= stop) {
        if (this.active?.seg === seg || stop < seg.bytes) return []
        await this.retire(seg)
        continue
      }
      let fh: FileHandle
      try {
        fh = await open(seg.file, 'r')
      } catch {
        // Dropped under the bound while we were away: the list has moved on.
        if (this.segments[0] === seg) await this.retire(seg)
        continue
      }
      try {
        let want = Math.min(stop - start.offset, Math.max(1, maxBytes))
        let buf = await readAt(fh, start.offset, want)
        let nl = buf.lastIndexOf(NEWLINE)
        // One line longer than maxBytes: read on to its end (bounded by the segment, itself bounded).
        while (nl < 0 && start.offset + buf.length < stop) {
          want = Math.min(stop - start.offset, buf.length * 2)
          buf = await readAt(fh, start.offset, want)
          nl = buf.lastIndexOf(NEWLINE)
        }
        if (nl < 0) return []
        const out: SpooledLine[] = []
        let offset = start.offset
        let events = start.events
        let from = 0
        for (let i = buf.indexOf(NEWLINE); i >= 0 && i <= nl; i = buf.indexOf(NEWLINE, i + 1)) {
          offset += i - from + 1
          events++
          out.push(spooledLine(buf.subarray(from, i), { seq: seg.seq, offset, events }, seg.recovered === true))
          from = i + 1
        }
        return out
      } finally {
        await fh.close().catch(() => {})
      }
    }
    return []
  }

  /**
   * The collector acknowledged everything up to `pos`: the cursor moves
   * there, durably, and a segment fully behind it is deleted. A position
   * the cursor already passed (its segment dropped under the bound) is ignored.
   */
  async ack(pos: Position): Promise<void> {
    const c = this.cursor
    if (pos.seq < c.seq || (pos.seq === c.seq && pos.offset <= c.offset)) return
    this.cursor = pos
    await writeDurably(join(this.o.dir, CURSOR), Buffer.from(JSON.stringify(pos)))
    const seg = this.segments[0]
    if (seg && seg.seq === pos.seq && pos.offset >= seg.bytes && this.active?.seg !== seg) await this.retire(seg)
  }

  /** Events and bytes written and not yet acknowledged, and lines waiting in memory. */
  depth(): { events: number; bytes: number; memoryEvents: number } {
    let events = 0
    let bytes = 0
    for (const s of this.segments) {
      events += s.events
      bytes += s.bytes
    }
    if (this.segments[0]?.seq === this.cursor.seq) {
      events -= this.cursor.events
      bytes -= this.cursor.offset
    }
    return { events, bytes, memoryEvents: this.memory.length }
  }

  /** Writes what is pending (one last try for the memory queue), fsyncs and closes. */
  async close(): Promise<void> {
    if (this.closed) return
    clearInterval(this.timer)
    if (this.degraded) {
      this.degraded = false
      this.schedule()
    }
    await this.drain()
    this.closed = true
    if (this.memory.length) {
      this.counters.dropped_events += this.memory.length
      this.o.log?.error({ dropped: this.memory.length }, 'decision log events could not be written to the spool before close; dropped')
      this.memory = []
      this.memoryBytes = 0
    }
    await this.syncing
    if (this.active) {
      const { fh } = this.active
      this.active = undefined
      await fh.datasync().catch(() => {})
      await fh.close().catch(() => {})
    }
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return
    this.scheduled = true
    // setImmediate, not a microtask: every event recorded in this turn of the
    // event loop (all the requests it answered) joins one write.
    setImmediate(() => {
      this.scheduled = false
      this.writing = this.writeLoop().finally(() => {
        this.writing = undefined
        // Lines appended between the loop's last check and now (a caller
        // resumed by the last write's promise) must not wait for the next append.
        if (this.pending.length) this.schedule()
      })
    })
  }

  private async writeLoop(): Promise<void> {
    for (let guard = 0; guard < 1_000_000 && (this.pending.length || (this.memory.length && !this.degraded)); guard++) {
      if (this.degraded) {
        // Appends after the failure went to memory; these too.
        this.keepInMemory(this.pending)
        this.pending = []
        const g = this.group
        this.group = undefined
        g?.resolve()
        return
      }
      const lines = this.memory.length ? [...this.memory, ...this.pending] : this.pending
      const group = this.group
      this.pending = []
      this.memory = []
      this.memoryBytes = 0
      this.group = undefined
      try {
        await this.writeLines(lines)
      } catch (e) {
        this.counters.spool_write_errors++
        this.degraded = true
        this.keepInMemory(lines)
        this.o.log?.error(
          { code: 'decision_log_spool_error', err: (e as NodeJS.ErrnoException).code ?? (e as Error).message, queued: this.memory.length },
          'cannot write decision log events to the spool; keeping them in memory and retrying',
        )
      }
      group?.resolve()
    }
  }

  private async writeLines(lines: string[]): Promise<void> {
    // Each line encoded once, into the spool's own buffer: its byte count
    // for the bound and the bytes for the write, with no joined string and no
    // new buffer per write (a profile at full load put those near a
    // microsecond per event, and their garbage).
    let size = 0
    for (const l of lines) size += 3 * l.length + 1
    const scratch = size <= this.scratch.length ? this.scratch : Buffer.allocUnsafe(Math.max(size, 2 * this.scratch.length))
    if (scratch.length <= MAX_SCRATCH) this.scratch = scratch
    const ends: number[] = new Array<number>(lines.length)
    let bytes = 0
    for (let i = 0; i < lines.length; i++) {
      bytes += scratch.write(lines[i]!, bytes)
      scratch[bytes++] = NEWLINE
      ends[i] = bytes
    }
    // A burst larger than the whole bound keeps only its newest lines.
    let first = 0
    while (first < lines.length && bytes - (first ? ends[first - 1]! : 0) > this.o.maxBytes) {
      first++
      this.drop(1, 'a burst larger than the spool bound')
    }
    // The caller keeps `lines` in memory if the write fails: not the dropped ones.
    if (first) lines.splice(0, first)
    if (!lines.length) return
    const from = first ? ends[first - 1]! : 0
    await this.makeRoom(bytes - from)
    const { seg, fh } = await this.activeSegment()
    const buf = scratch.subarray(from, bytes)
    const count = lines.length
    try {
      for (let off = 0, guard = 0; off < buf.length && guard < 1_000_000; guard++) {
        off += writeSync(fh.fd, buf, off, buf.length - off, null)
      }
    } catch (e) {
      // What reached the file may end in a torn line: never append after it.
      await this.abandonActive()
      throw e
    }
    this.counters.writes++
    seg.bytes += buf.length
    seg.events += count
    this.dirty = true
    if (seg.bytes >= this.o.segmentBytes) await this.rotate()
  }

  /** Past the bound: the oldest segments go first, their unacknowledged events counted. */
  private async makeRoom(incoming: number): Promise<void> {
    for (let guard = 0; guard < 100_000 && this.depth().bytes + incoming > this.o.maxBytes; guard++) {
      const oldest = this.segments[0]
      if (!oldest) return
      if (this.active?.seg === oldest) await this.rotate()
      const lost = oldest.events - (this.cursor.seq === oldest.seq ? this.cursor.events : 0)
      this.drop(lost, 'the spool is past its bound; oldest events first')
      await this.retire(oldest)
    }
  }

  private drop(n: number, why: string): void {
    if (n <= 0) return
    this.counters.dropped_events += n
    this.o.log?.warn({ dropped: n, total_dropped: this.counters.dropped_events }, `decision log events dropped: ${why}`)
  }

  /** Forgets a segment the cursor passed (or the bound dropped) and deletes its file. */
  private async retire(seg: Segment): Promise<void> {
    const i = this.segments.indexOf(seg)
    if (i < 0) return
    this.segments.splice(i, 1)
    if (this.cursor.seq <= seg.seq) this.cursor = { seq: this.segments[0]?.seq ?? this.nextSeq, offset: 0, events: 0 }
    await unlink(seg.file).catch(() => {})
  }

  private async activeSegment(): Promise<{ seg: Segment; fh: FileHandle }> {
    if (this.active) return this.active
    const seq = this.nextSeq++
    const seg: Segment = { seq, file: join(this.o.dir, `seg-${String(seq).padStart(16, '0')}.jsonl`), bytes: 0, events: 0 }
    const fh = await open(seg.file, 'a')
    // The new file's directory entry must survive power loss like its lines.
    await syncDir(this.o.dir)
    this.segments.push(seg)
    this.active = { seg, fh }
    return this.active
  }

  private async rotate(): Promise<void> {
    const a = this.active
    if (!a) return
    this.active = undefined
    await this.syncing
    await a.fh.datasync().catch(() => {})
    await a.fh.close().catch(() => {})
  }

  private async abandonActive(): Promise<void> {
    const a = this.active
    this.active = undefined
    await a?.fh.close().catch(() => {})
  }

  private keepInMemory(lines: string[]): void {
    for (const l of lines) {
      this.memory.push(l)
      this.memoryBytes += Buffer.byteLength(l) + 1
    }
    let n = 0
    while (this.memory.length && this.memoryBytes > this.o.memoryQueueBytes) {
      this.memoryBytes -= Buffer.byteLength(this.memory.shift()!) + 1
      n++
    }
    this.drop(n, 'the disk refuses writes and the memory queue is full')
  }

  /** The fsync timer; also retries a failed disk. */
  private tick(): void {
    if (this.degraded) {
      this.degraded = false
      this.schedule()
    }
    const a = this.active
    if (!this.dirty || !a || this.syncing) return
    this.dirty = false
    this.syncing = a.fh
      .datasync()
      .catch((e: Error) => {
        this.o.log?.warn({ code: 'decision_log_spool_error', err: e.message }, 'decision log spool fsync failed')
      })
      .finally(() => {
        this.syncing = undefined
      })
  }
}

function newGroup(timeoutMs: number): Group {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  // The answer never waits on a stuck disk for longer than this.
  const timer = setTimeout(resolve, timeoutMs)
  timer.unref()
  return {
    promise,
    resolve: () => {
      clearTimeout(timer)
      resolve()
    },
  }
}

async function readCursor(file: string): Promise<Position | undefined> {
  try {
    const c = JSON.parse(await readFile(file, 'utf8')) as Partial<Position>
    const ok = [c.seq, c.offset, c.events].every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
    return ok ? { seq: c.seq!, offset: c.offset!, events: c.events! } : undefined
  } catch {
    return undefined
  }
}

/** Complete lines of a segment: bytes through its last newline and how many newlines. Streams; never loads the file. */
async function scanSegment(file: string): Promise<{ bytes: number; events: number }> {
  const fh = await open(file, 'r')
  try {
    const buf = Buffer.alloc(SCAN_CHUNK)
    let pos = 0
    let bytes = 0
    let events = 0
    for (let guard = 0; guard < 1e9; guard++) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos)
      if (bytesRead === 0) break
      for (let i = buf.indexOf(NEWLINE); i >= 0 && i < bytesRead; i = buf.indexOf(NEWLINE, i + 1)) {
        events++
        bytes = pos + i + 1
      }
      pos += bytesRead
    }
    return { bytes, events }
  } finally {
    await fh.close()
  }
}

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  let got = 0
  for (let guard = 0; got < length && guard < 1_000_000; guard++) {
    const { bytesRead } = await fh.read(buf, got, length - got, offset + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return got === length ? buf : buf.subarray(0, got)
}

/** A line read back; its text is decoded only if asked for (a recovered line is checked at once). */
function spooledLine(bytes: Buffer, end: Position, recovered: boolean): SpooledLine {
  let text: string | undefined
  const l: SpooledLine = {
    get line(): string {
      return (text ??= bytes.toString('utf8'))
    },
    bytes,
    end,
    valid: true,
  }
  if (recovered) l.valid = isJsonObject(l.line)
  return l
}

function isJsonObject(line: string): boolean {
  try {
    const v = JSON.parse(line) as unknown
    return v !== null && typeof v === 'object' && !Array.isArray(v)
  } catch {
    return false
  }
}
