// Bounded concurrency for batched requests (the importer's transactions, the similar-list
// writers): at most `concurrency` pieces of work in flight, taken in order.

/** Runs `work` on every item, at most `concurrency` at a time; rejects with the first failure. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]
      if (item !== undefined) await work(item)
    }
  }
  await Promise.all(Array.from({length: Math.min(concurrency, items.length)}, worker))
}
