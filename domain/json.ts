// Narrowing for JSON read from requests, archives and stored documents.

export type JsonObject = Record<string, unknown>

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
