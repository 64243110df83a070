import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll} from 'vitest'
import type {Transaction} from '../dataset.ts'
import type {DatasetStorage} from '../storage.ts'

/** Commits `changes` (whole documents before and after) as the next transaction, as a write does. */
export async function commit(storage: DatasetStorage, changes: Transaction['changes']) {
  await storage.commit(async () => ({
    transaction: {id: `t${storage.dataset.seq + 1}`, timestamp: '', mutations: [], changes},
    result: null,
  }))
}

/** A maker of temporary folders named `prefix…`, removed after the test file's tests. */
export function tempDirs(prefix: string): () => Promise<string> {
  const dirs: string[] = []
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, {recursive: true, force: true}))))
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix))
    dirs.push(dir)
    return dir
  }
}
