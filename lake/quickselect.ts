/** What quickselect reorders: an array or a typed array. */
interface Items<T> {
  readonly length: number
  [index: number]: T
}

/** The `rank`-th smallest of `items` (0-based) under `less`, by quickselect; reorders `items`. */
export function quickselect<T>(items: Items<T>, rank: number, less: (a: T, b: T) => boolean): T {
  let low = 0
  let high = items.length - 1
  while (low < high) {
    const pivot = items[(low + high) >> 1] as T
    let i = low
    let j = high
    while (i <= j) {
      while (less(items[i] as T, pivot)) i++
      while (less(pivot, items[j] as T)) j--
      if (i <= j) {
        const swap = items[i] as T
        items[i] = items[j] as T
        items[j] = swap
        i++
        j--
      }
    }
    if (rank <= j) high = j
    else if (rank >= i) low = i
    else break
  }
  return items[rank] as T
}
