// The formatter's output buffer (format stage, after rego/): indentation,
// line starts and ends, and the placement of comments. Like `opa fmt`, the
// formatter does not re-flow code; it walks the AST and asks the writer to
// place every source comment before the first node on a later row, or at
// the end of the line of the node on its row.

/** A source comment: its row and its text from `#`, trailing whitespace trimmed (as OPA does). */
export interface FmtComment {
  row: number
  text: string
}

/**
 * Thrown when a second end-of-line comment would land on one output line
 * (a collection written on one line that had comments between its items).
 * The term writer catches it and writes the term as it was in the source,
 * as OPA does, rather than lose or misplace a comment.
 */
export class UnexpectedComment extends Error {
  constructor(row: number) {
    super(`comment on line ${row} cannot be placed`)
  }
}

export interface WriterState {
  size: number
  level: number
  inline: boolean
  beforeEnd: FmtComment | undefined
  pending: FmtComment[]
}

export class Writer {
  private out: string[] = []
  private size = 0
  level = 0
  /** The current line has been started (indentation written). */
  inline = false
  /** A comment to write at the end of the current line. */
  beforeEnd: FmtComment | undefined
  /** Skip writing `beforeEnd` at the next line end (a multi-line sequence opened on this line). */
  private delay = false
  /** Comments not written yet, in source order. */
  pending: FmtComment[]

  constructor(
    comments: FmtComment[],
    private readonly indent = '\t',
  ) {
    this.pending = comments
  }

  text(): string {
    return this.out.join('')
  }
  get length(): number {
    return this.size
  }

  /** The writer's state, to return to when a node falls back to its source text. */
  snapshot(): WriterState {
    return { size: this.size, level: this.level, inline: this.inline, beforeEnd: this.beforeEnd, pending: this.pending }
  }

  /** Drop everything written since `s` and take its state back. */
  restore(s: WriterState): void {
    const all = this.text().slice(0, s.size)
    this.out = [all]
    this.size = all.length
    this.level = s.level
    this.inline = s.inline
    this.beforeEnd = s.beforeEnd
    this.pending = s.pending
  }

  write(s: string): void {
    this.out.push(s)
    this.size += s.length
  }

  startLine(): void {
    this.inline = true
    for (let i = 0; i < this.level; i++) this.write(this.indent)
  }

  endLine(): void {
    this.inline = false
    if (this.beforeEnd && !this.delay) {
      this.write(` ${this.beforeEnd.text}`)
      this.beforeEnd = undefined
    }
    this.delay = false
    this.write('\n')
  }

  blankLine(): void {
    if (this.inline) this.endLine()
    this.write('\n')
  }

  writeLine(s: string): void {
    if (!this.inline) this.startLine()
    this.write(s)
    this.endLine()
  }

  up(): void {
    this.level++
  }
  down(): void {
    if (this.level > 0) this.level--
  }

  /** Open a multi-line sequence: the rest goes on indented lines. */
  startMultilineSeq(): void {
    this.endLine()
    this.up()
    this.startLine()
  }

  delayBeforeEnd(): void {
    this.delay = true
  }

  /** Write comments on their own lines, keeping one blank line where the source had any. */
  writeComments(comments: FmtComment[]): void {
    let inMetadata = false
    comments.forEach((c, i) => {
      if (i > 0) {
        const gap = c.row - comments[i - 1]!.row
        if (gap > 1) {
          this.blankLine()
          inMetadata = false
        } else if (gap === 1 && inMetadata && isMetadata(c)) {
          // Two METADATA blocks back to back stay two blocks.
          this.blankLine()
        }
      }
      if (isMetadata(c)) inMetadata = true
      this.writeLine(c.text)
    })
  }

  /**
   * Write the pending comments above `row`, then keep the one on `row` (if
   * any, and if `claimAt`) for the end of the current line.
   */
  insertComments(row: number, claimAt = true): void {
    const before: FmtComment[] = []
    const after: FmtComment[] = []
    let at: FmtComment | undefined
    for (const c of this.pending) {
      if (c.row < row) before.push(c)
      else if (c.row > row || !claimAt) after.push(c)
      else at = c
    }
    this.pending = after
    this.writeComments(before)
    if (before.length && row - before[before.length - 1]!.row > 1) this.blankLine()
    this.beforeLineEnd(at)
  }

  /**
   * Keep a comment on `row` for the end of the current line when nothing
   * else is kept there: the last row of a node that spans rows by itself (a
   * raw string), whose end no bracket marks. Without it the comment would
   * move to a line of its own and move again on the next run.
   */
  trailingCommentAt(row: number): void {
    const c = this.pending[0]
    if (this.beforeEnd || !c || c.row !== row) return
    this.pending = this.pending.slice(1)
    this.beforeEnd = c
  }

  private beforeLineEnd(c: FmtComment | undefined): void {
    if (this.beforeEnd) {
      if (!c) return
      this.beforeEnd = undefined
      throw new UnexpectedComment(c.row)
    }
    this.beforeEnd = c
  }
}

function isMetadata(c: FmtComment): boolean {
  return c.text.slice(1).trim().startsWith('METADATA')
}
