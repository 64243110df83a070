import {linkSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {hasCode} from '../domain/errors.ts'

// One process owns a dataset directory at a time. The lock file names the owner (and, for a
// server, its URL) so a second process can say who holds it, or talk to it over HTTP instead.
// Like every file of the dataset it is readable by its owner only.

export interface LockInfo {
  pid: number
  hostname: string
  command: string
  startedAt: string
  url?: string
}

export class DatasetLockedError extends Error {
  readonly holder: LockInfo

  constructor(dir: string, holder: LockInfo) {
    super(
      `The dataset in ${dir} is in use by process ${holder.pid} on ${holder.hostname} ` +
        `("${holder.command}", since ${holder.startedAt}${holder.url ? `, serving ${holder.url}` : ''}). ` +
        'Stop that process first, or send your requests to its HTTP API.',
    )
    this.holder = holder
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return hasCode(error, 'EPERM')
  }
}

/** Writes the lock's contents to a fresh file (one a crash left behind may have another mode). */
function writePrivate(path: string, info: LockInfo) {
  rmSync(path, {force: true})
  writeFileSync(path, JSON.stringify(info), {mode: 0o600, flag: 'wx'})
}

export function readLock(dir: string): LockInfo | undefined {
  try {
    const info: LockInfo = JSON.parse(readFileSync(join(dir, 'lock.json'), 'utf8'))
    return info
  } catch {
    return undefined
  }
}

/** The live holder of a dataset's lock, if any (stale locks of dead processes don't count). */
export function liveLockHolder(dir: string): LockInfo | undefined {
  const info = readLock(dir)
  if (!info) return undefined
  return info.hostname === hostname() && !isAlive(info.pid) ? undefined : info
}

export class DatasetLock {
  private readonly path: string
  private info: LockInfo

  private constructor(path: string, info: LockInfo) {
    this.path = path
    this.info = info
  }

  static acquire(dir: string, command: string): DatasetLock {
    const path = join(dir, 'lock.json')
    const info: LockInfo = {
      pid: process.pid,
      hostname: hostname(),
      command,
      startedAt: new Date().toISOString(),
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      // Written aside and linked into place, so nobody ever reads a half-written lock file.
      const temp = `${path}.${process.pid}.tmp`
      writePrivate(temp, info)
      try {
        linkSync(temp, path)
        return new DatasetLock(path, info)
      } catch (error) {
        if (!hasCode(error, 'EEXIST')) throw error
        const holder = liveLockHolder(dir)
        if (holder) throw new DatasetLockedError(dir, holder)
        rmSync(path, {force: true}) // stale: its process is gone
      } finally {
        rmSync(temp, {force: true})
      }
    }
    throw new Error(`Could not lock ${dir}`)
  }

  /** Records extra facts about the holder (the server's URL) for other processes to read. */
  update(extra: Partial<LockInfo>) {
    this.info = {...this.info, ...extra}
    const temp = `${this.path}.${process.pid}.tmp`
    writePrivate(temp, this.info)
    renameSync(temp, this.path)
  }

  release() {
    if (readLock(this.path.replace(/lock\.json$/, ''))?.pid === process.pid)
      rmSync(this.path, {force: true})
  }
}
