/**
 * The parts of a `ReadonlySet<string>` that follow from `keys()`. The id sets the lake hands out
 * without copying (a view's sets, candidates by scan position, unions of type sets) implement
 * `size`, `has` and `keys` and inherit the rest.
 */
export abstract class IdSet implements ReadonlySet<string> {
  abstract readonly size: number
  abstract has(id: string): boolean
  abstract keys(): SetIterator<string>

  values(): SetIterator<string> {
    return this.keys()
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.keys()
  }

  *entries(): SetIterator<[string, string]> {
    for (const id of this) yield [id, id]
  }

  forEach(callback: (value: string, key: string, set: ReadonlySet<string>) => void): void {
    for (const id of this) callback(id, id, this)
  }

  get [Symbol.toStringTag]() {
    return this.constructor.name
  }
}
