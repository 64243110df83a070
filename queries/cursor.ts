// Opaque cursors for keyset paging: a page is everything strictly after the last item of the
// previous one in `order(<date> desc, _id desc)`, so inserts never shift or repeat items the way
// offsets do. The cursor is base64url JSON of that last item's sort key and id.

export interface Cursor {
  /** Sort date of the last item seen (ISO date or datetime), "" for an undated item. */
  date: string
  /** `_id` of the last item seen: breaks ties between items with the same date. */
  id: string
}

/** A cursor that does not decode to a date and an id: a client error (HTTP 400). */
export class CursorError extends Error {
  override name = 'CursorError'
}

const DATE = /^(?:\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?$/
const ID = /^[A-Za-z0-9_.-]{1,128}$/
const MAX_CURSOR_LENGTH = 400

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({d: cursor.date, i: cursor.id})).toString('base64url')
}

export function decodeCursor(text: string): Cursor {
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw new CursorError('The cursor is not one this API handed out.')
  }
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw new CursorError('The cursor is not one this API handed out.')
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    !('d' in value) ||
    !('i' in value) ||
    typeof value.d !== 'string' ||
    typeof value.i !== 'string' ||
    !DATE.test(value.d) ||
    !ID.test(value.i)
  ) {
    throw new CursorError('The cursor is not one this API handed out.')
  }
  return {date: value.d, id: value.i}
}

export interface PageOptions {
  /** Items per page. */
  limit: number
  /** Start after this item (from a decoded cursor); the first page without. */
  after?: Cursor | undefined
}

/** GROQ parameters for a page query: `$lastDate`/`$lastId` are null on the first page. */
export function cursorParams(after: Cursor | undefined, limit: number) {
  return {lastDate: after?.date ?? null, lastId: after?.id ?? null, limit: limit + 1}
}

export interface Page<T> {
  items: T[]
  /** Cursor for the next page; null on the last one. */
  nextCursor: string | null
}

/**
 * Turns the `limit + 1` rows a page query fetched into a page: the extra row only says that
 * there is a next page, whose cursor is the last row shown.
 */
export function toPage<T extends {_id: string}>(
  rows: T[],
  limit: number,
  dateOf: (row: T) => string | null | undefined,
): Page<T> {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return {
    items,
    nextCursor:
      rows.length > limit && last ? encodeCursor({date: dateOf(last) ?? '', id: last._id}) : null,
  }
}
