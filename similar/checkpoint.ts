import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {hasCode} from '../domain/errors.ts'

// Where the freshness worker keeps its high-water mark: the Content Lake time up to which every
// change to a question has been recomputed. After a restart the worker recomputes what changed
// since (see watch.ts), so a change made while it was stopped is not missed.

interface Checkpoint {
  /** Content Lake time (ISO 8601): every change committed up to it has been recomputed. */
  since: string
  /** The last transaction seen at that time (for people reading the file). */
  transactionId?: string
}

export interface CheckpointStore {
  /** The saved checkpoint; undefined when none was ever saved. Rejects on an unreadable one. */
  read(): Promise<Checkpoint | undefined>
  write(checkpoint: Checkpoint): Promise<void>
}

export class CheckpointError extends Error {
  override name = 'CheckpointError'
}

function parseCheckpoint(text: string, path: string): Checkpoint {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new CheckpointError(`${path} is not JSON`)
  }
  const since: unknown = typeof value === 'object' && value !== null && Reflect.get(value, 'since')
  if (typeof since !== 'string' || Number.isNaN(Date.parse(since))) {
    throw new CheckpointError(`${path} has no valid "since" time`)
  }
  const transactionId: unknown = Reflect.get(value as object, 'transactionId')
  return {since, ...(typeof transactionId === 'string' ? {transactionId} : {})}
}

/** A checkpoint in a JSON file, replaced atomically (owner-only: 0600 in a 0700 folder it makes). */
export function fileCheckpoint(path: string): CheckpointStore {
  return {
    async read() {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (error) {
        if (hasCode(error, 'ENOENT')) return undefined
        throw error
      }
      return parseCheckpoint(text, path)
    },
    async write(checkpoint) {
      await mkdir(dirname(path), {recursive: true, mode: 0o700})
      const temporary = `${path}.${process.pid}.tmp`
      await writeFile(temporary, `${JSON.stringify(checkpoint)}\n`, {mode: 0o600})
      await rename(temporary, path)
    },
  }
}

/** The default checkpoint file of a project's dataset, in the folder `dir` (the lake's data folder). */
export function checkpointPath(dir: string, projectId: string, dataset: string): string {
  const safe = (name: string) => name.replace(/[^a-zA-Z0-9_-]/g, '_')
  return join(dir, `similar-watch.${safe(projectId)}.${safe(dataset)}.json`)
}
