import {createHash} from 'node:crypto'

// Stable hashes of JSON values, for ids and content hashes that must be the same across runs and
// machines (the importer, migrations and quality flags derive ids and "unedited" markers from them).

/** A short stable hash of any JSON value (keys sorted, so property order never matters). */
export function stableHash(value: unknown, length = 16): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length)
}

/** JSON with object keys sorted and undefined fields left out: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
