// Source files keep offsets; rows and columns are computed only when an error
// is shown (acorn's locutil habit).

import type { Location } from '../errors/index.js'

export class SourceFile {
  private lineStarts?: number[]
  constructor(
    readonly path: string,
    readonly text: string,
  ) {}

  /** 1-based row and column (in code points of the line, as OPA counts) of an offset. */
  location(offset: number): Location {
    const starts = (this.lineStarts ??= computeLineStarts(this.text))
    let lo = 0,
      hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    const lineStart = starts[lo]!
    const col = [...this.text.slice(lineStart, offset)].length + 1
    return { file: this.path, row: lo + 1, col }
  }
}

function computeLineStarts(text: string): number[] {
  const starts = [0]
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1)
  return starts
}
