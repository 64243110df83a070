import type {Path} from 'sanity/migrate'
import {isObject, type JsonObject} from '../domain/json.ts'

// Small tools for migrations that look inside documents: find objects and address them with the
// paths Sanity's patches take (array items by `_key` when they have one, otherwise by index).

export interface Found {
  node: JsonObject
  path: Path
}

/**
 * Every object inside `value` for which `match` holds, with its path. Nodes are the objects
 * themselves, not copies: a migration can change a `structuredClone` of a document in place to
 * see what its patches will make of it.
 */
export function objectsWhere(
  value: unknown,
  match: (node: JsonObject) => boolean,
  path: Path = [],
): Found[] {
  if (Array.isArray(value)) {
    return value.flatMap((item: unknown, index) => {
      const key = isObject(item) && typeof item._key === 'string' ? item._key : undefined
      return objectsWhere(item, match, [...path, key === undefined ? index : {_key: key}])
    })
  }
  if (!isObject(value)) return []
  return [
    ...(match(value) ? [{node: value, path}] : []),
    ...Object.entries(value).flatMap(([key, field]) => objectsWhere(field, match, [...path, key])),
  ]
}

/** A document as a migration reads it (any `@sanity/types` version's SanityDocument fits). */
export interface StoredDocument {
  _id: string
  _type: string
  _rev: string
  _createdAt: string
  [field: string]: unknown
}
