import type {Transaction} from '../dataset.ts'
import type {DatasetStorage} from '../storage.ts'

/** Commits `changes` (whole documents before and after) as the next transaction, as a write does. */
export async function commit(storage: DatasetStorage, changes: Transaction['changes']) {
  await storage.commit(async () => ({
    transaction: {id: `t${storage.dataset.seq + 1}`, timestamp: '', mutations: [], changes},
    result: null,
  }))
}
