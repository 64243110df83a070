// Narrowing helpers for the loosely typed values Studio passes to rules, filters and previews.

/** The `_ref` of a reference value, if it is one. */
export function referenceId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('_ref' in value)) return undefined
  return typeof value._ref === 'string' ? value._ref : undefined
}

/** A string property of an object value, if present. */
export function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null || !(key in value)) return undefined
  const field: unknown = Reflect.get(value, key)
  return typeof field === 'string' ? field : undefined
}
