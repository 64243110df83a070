// Posting lists for the text index, kept compact: each list is a chain of slices in shared 1 MiB
// byte chunks (as Lucene keeps its in-memory postings), holding ascending slots as varint gaps,
// each followed by a varint count when the lists carry counts. A slice is written up to its last
// four bytes, which then point to the next, larger slice, so a list costs about one or two bytes a
// posting plus the unused rest of its last slice. Slots only ever grow (the dataset's scan
// positions), so appending keeps a list sorted. Postings of removed documents stay until their
// list is mostly dead, then the list is rewritten; the chunks are rewritten once most of their
// bytes are such leftovers.

const CHUNK_BITS = 20
const CHUNK_SIZE = 1 << CHUNK_BITS
const CHUNK_MASK = CHUNK_SIZE - 1
/** Slice sizes by level: the first slice of a list is small (most lists are short). */
const SLICE_SIZES = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]
const LAST_LEVEL = SLICE_SIZES.length - 1
const POINTER = 4

function sliceSize(level: number): number {
  return SLICE_SIZES[Math.min(level, LAST_LEVEL)] ?? 32768
}

/** Bytes of the longest varint written (a 32-bit value). */
const MAX_VARINT = 5

/** Writes `value` (0 ≤ value < 2³²) as a varint at `offset`; returns the offset after it. */
function putVarint(chunk: Uint8Array, offset: number, value: number): number {
  let rest = value
  let at = offset
  while (rest >= 0x80) {
    chunk[at++] = (rest & 0x7f) | 0x80
    rest >>>= 7
  }
  chunk[at++] = rest
  return at
}

function grow(array: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  if (size <= array.length) return array
  const grown = new Int32Array(Math.max(size, array.length * 2))
  grown.set(array)
  return grown
}

/** Visits one posting: its slot and count (1 in lists without counts). */
export type PostingVisitor = (slot: number, count: number) => void

export class PostingLists {
  private readonly counts: boolean
  private chunks: Uint8Array[] = []
  /** Next free byte: chunk index × CHUNK_SIZE + offset. */
  private top = 0
  /** Bytes in slices that no list reads any more. */
  private garbage = 0
  private head: Int32Array<ArrayBuffer> = new Int32Array(64)
  /** Where the next byte of the list goes, and where its current slice's data ends. */
  private writeAt = new Int32Array(64)
  private sliceEnd = new Int32Array(64)
  private level = new Int32Array(64)
  private lastSlot = new Int32Array(64)
  private length = new Int32Array(64)
  private dead = new Int32Array(64)
  /** Bytes the list's slices take, for the garbage count when it is dropped. */
  private bytes = new Int32Array(64)
  private lists = 0
  private readonly freeLists: number[] = []

  constructor(counts: boolean) {
    this.counts = counts
  }

  /** A new empty list's number. */
  create(): number {
    const list = this.freeLists.pop() ?? this.lists++
    if (list >= this.head.length) {
      const size = list + 1
      this.head = grow(this.head, size)
      this.writeAt = grow(this.writeAt, size)
      this.sliceEnd = grow(this.sliceEnd, size)
      this.level = grow(this.level, size)
      this.lastSlot = grow(this.lastSlot, size)
      this.length = grow(this.length, size)
      this.dead = grow(this.dead, size)
      this.bytes = grow(this.bytes, size)
    }
    this.reset(list)
    return list
  }

  /** Frees a list (its bytes become garbage, reclaimed by the next compaction). */
  drop(list: number) {
    this.garbage += this.bytes[list] ?? 0
    this.head[list] = -1
    this.length[list] = 0
    this.bytes[list] = 0
    this.freeLists.push(list)
  }

  /** Postings in the list, dead ones included. */
  size(list: number): number {
    return this.length[list] ?? 0
  }

  /** Postings of removed documents still in the list. */
  deadCount(list: number): number {
    return this.dead[list] ?? 0
  }

  /** Bytes held: chunks allocated, and the part of them lists still read. */
  memory(): {allocated: number; live: number; columns: number} {
    return {
      allocated: this.chunks.length * CHUNK_SIZE,
      live: this.top - this.garbage,
      columns: this.head.byteLength * 8,
    }
  }

  private allocate(size: number): number {
    const offset = this.top & CHUNK_MASK
    if (this.top >>> CHUNK_BITS >= this.chunks.length || offset + size > CHUNK_SIZE) {
      // The rest of the last chunk is too small: it stays unused.
      if (this.top >>> CHUNK_BITS < this.chunks.length) this.garbage += CHUNK_SIZE - offset
      this.chunks.push(new Uint8Array(CHUNK_SIZE))
      this.top = (this.chunks.length - 1) * CHUNK_SIZE
    }
    const at = this.top
    this.top += size
    return at
  }

  private writeByte(list: number, byte: number) {
    let at = this.writeAt[list] ?? -1
    if (at < 0 || at === this.sliceEnd[list]) {
      const level = at < 0 ? 0 : (this.level[list] ?? 0) + 1
      const size = sliceSize(level)
      const slice = this.allocate(size)
      if (at < 0) this.head[list] = slice
      else this.writeInt(at, slice)
      this.level[list] = level
      this.sliceEnd[list] = slice + size - POINTER
      this.bytes[list] = (this.bytes[list] ?? 0) + size
      at = slice
    }
    const chunk = this.chunks[at >>> CHUNK_BITS] as Uint8Array
    chunk[at & CHUNK_MASK] = byte
    this.writeAt[list] = at + 1
  }

  private writeInt(at: number, value: number) {
    const chunk = this.chunks[at >>> CHUNK_BITS] as Uint8Array
    const offset = at & CHUNK_MASK
    chunk[offset] = value & 0xff
    chunk[offset + 1] = (value >>> 8) & 0xff
    chunk[offset + 2] = (value >>> 16) & 0xff
    chunk[offset + 3] = (value >>> 24) & 0xff
  }

  private writeVarint(list: number, value: number) {
    let rest = value
    while (rest >= 0x80) {
      this.writeByte(list, (rest & 0x7f) | 0x80)
      rest >>>= 7
    }
    this.writeByte(list, rest)
  }

  /** Adds a posting; `slot` must be greater than every slot already in the list. */
  append(list: number, slot: number, count = 1) {
    const last = this.lastSlot[list] ?? -1
    if (slot <= last) throw new Error(`Posting ${slot} out of order after ${last}`)
    const at = this.writeAt[list] ?? -1
    if (at >= 0 && (this.sliceEnd[list] ?? -1) - at >= 2 * MAX_VARINT) {
      // Room for both varints in the current slice (slices never cross chunks): no checks per byte.
      const chunk = this.chunks[at >>> CHUNK_BITS] as Uint8Array
      let offset = putVarint(chunk, at & CHUNK_MASK, slot - last)
      if (this.counts) offset = putVarint(chunk, offset, count)
      this.writeAt[list] = at - (at & CHUNK_MASK) + offset
    } else {
      this.writeVarint(list, slot - last)
      if (this.counts) this.writeVarint(list, count)
    }
    this.lastSlot[list] = slot
    this.length[list] = (this.length[list] ?? 0) + 1
  }

  /** Notes that one posting of the list belongs to a removed document. */
  markDead(list: number) {
    this.dead[list] = (this.dead[list] ?? 0) + 1
  }

  /** Visits every posting in slot order, dead ones included (the caller knows which are live). */
  forEach(list: number, visit: PostingVisitor) {
    this.read(this.chunks, list, visit)
  }

  /**
   * The postings of a list whose slot `keep` accepts, in slot order: what `forEach` visits,
   * decoded in one loop (this is what queries read).
   */
  decode(list: number, keep: (slot: number) => boolean): {slots: Int32Array; counts: Int32Array} {
    const size = this.length[list] ?? 0
    const slots = new Int32Array(size)
    const counts = new Int32Array(size)
    const end = this.writeAt[list] ?? -1
    let at = this.head[list] ?? -1
    let n = 0
    if (at >= 0 && end >= 0) {
      const chunks = this.chunks
      let level = 0
      let sliceEnd = at + sliceSize(0) - POINTER
      let chunk = chunks[at >>> CHUNK_BITS] as Uint8Array
      let offset = at & CHUNK_MASK
      let slot = -1
      let value = 0
      let shift = 0
      let gap = true
      const withCounts = this.counts
      while (at !== end) {
        if (at === sliceEnd) {
          at =
            ((chunk[offset] as number) |
              ((chunk[offset + 1] as number) << 8) |
              ((chunk[offset + 2] as number) << 16) |
              ((chunk[offset + 3] as number) << 24)) >>>
            0
          level++
          sliceEnd = at + sliceSize(level) - POINTER
          chunk = chunks[at >>> CHUNK_BITS] as Uint8Array
          offset = at & CHUNK_MASK
          continue
        }
        const byte = chunk[offset] as number
        at++
        offset++
        value += (byte & 0x7f) * 2 ** shift
        if (byte >= 0x80) {
          shift += 7
          continue
        }
        if (gap) {
          slot += value
          if (withCounts) gap = false
          else if (keep(slot)) {
            slots[n] = slot
            counts[n++] = 1
          }
        } else {
          if (keep(slot)) {
            slots[n] = slot
            counts[n++] = value
          }
          gap = true
        }
        value = 0
        shift = 0
      }
    }
    return {slots: slots.subarray(0, n), counts: counts.subarray(0, n)}
  }

  private read(chunks: readonly Uint8Array[], list: number, visit: PostingVisitor) {
    const end = this.writeAt[list] ?? -1
    let at = this.head[list] ?? -1
    if (at < 0 || end < 0) return
    let level = 0
    let sliceEnd = at + sliceSize(0) - POINTER
    let chunk = chunks[at >>> CHUNK_BITS] as Uint8Array
    let offset = at & CHUNK_MASK
    let slot = -1
    let value = 0
    let shift = 0
    // Whether the varint being read is a slot gap (or, in lists with counts, a count).
    let gap = true
    const counts = this.counts
    while (at !== end) {
      if (at === sliceEnd) {
        const next =
          ((chunk[offset] ?? 0) |
            ((chunk[offset + 1] ?? 0) << 8) |
            ((chunk[offset + 2] ?? 0) << 16) |
            ((chunk[offset + 3] ?? 0) << 24)) >>>
          0
        at = next
        level++
        sliceEnd = at + sliceSize(level) - POINTER
        chunk = chunks[at >>> CHUNK_BITS] as Uint8Array
        offset = at & CHUNK_MASK
        continue
      }
      const byte = chunk[offset] ?? 0
      at++
      offset++
      value += (byte & 0x7f) * 2 ** shift
      if (byte >= 0x80) {
        shift += 7
        continue
      }
      if (gap) {
        slot += value
        if (!counts) visit(slot, 1)
        else gap = false
      } else {
        visit(slot, value)
        gap = true
      }
      value = 0
      shift = 0
    }
  }

  /** Rewrites the list with only the postings `keep` accepts; the old slices become garbage. */
  rewrite(list: number, keep: (slot: number) => boolean) {
    const kept: number[] = []
    this.forEach(list, (slot, count) => {
      if (keep(slot)) kept.push(slot, count)
    })
    this.garbage += this.bytes[list] ?? 0
    this.reset(list)
    for (let i = 0; i < kept.length; i += 2) this.append(list, kept[i] ?? 0, kept[i + 1] ?? 1)
  }

  /** Whether garbage is most of the chunks, so that `compact` would free memory. */
  get wasteful(): boolean {
    return this.garbage > CHUNK_SIZE * 4 && this.garbage * 2 > this.top
  }

  /** Copies every live list into fresh chunks (and renumbers slots, when given a renumbering). */
  compact(keep: (slot: number) => boolean, renumber?: (slot: number) => number) {
    const old = this.chunks
    this.chunks = []
    this.top = 0
    this.garbage = 0
    let kept = new Int32Array(1024)
    for (let list = 0; list < this.lists; list++) {
      if ((this.head[list] ?? -1) < 0) continue
      let size = 0
      this.read(old, list, (slot, count) => {
        if (!keep(slot)) return
        kept = grow(kept, size + 2)
        kept[size++] = renumber ? renumber(slot) : slot
        kept[size++] = count
      })
      this.reset(list)
      for (let i = 0; i < size; i += 2) this.append(list, kept[i] ?? 0, kept[i + 1] ?? 1)
    }
  }

  private reset(list: number) {
    this.head[list] = -1
    this.writeAt[list] = -1
    this.sliceEnd[list] = -1
    this.level[list] = 0
    this.lastSlot[list] = -1
    this.length[list] = 0
    this.dead[list] = 0
    this.bytes[list] = 0
  }
}
