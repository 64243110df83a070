import type {Dirent, Stats} from 'node:fs'
import {lstat, readdir, realpath, stat} from 'node:fs/promises'
import {extname, isAbsolute, join, sep} from 'node:path'
import type {RecordOrigin} from './record.ts'
import {errorMessage} from '../domain/errors.ts'

// Which files an import reads. Folders are walked in name order; hidden entries are passed over
// and so are files without an archive extension. A symbolic link is followed only when it leads
// inside the input tree: the folder named on the command line, or for the links on a path named
// on the command line, the folder that holds each (so `archive/*` and `archive/*/*.txt` read
// what `archive/` reads). A link planted in an archive (to /etc/passwd, to the lake's token) is
// skipped and reported, never opened. So are special files (FIFOs, devices): reading one could
// block for ever.

export type Format = RecordOrigin['format']

const EXTENSIONS: Record<string, Format> = {
  '.txt': 'text',
  '.text': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
}

/** The format a file's name gives, if it has an archive extension. */
export function formatOf(path: string): Format | undefined {
  return EXTENSIONS[extname(path).toLowerCase()]
}

/** A file to read (at `real`, its resolved path), or a path passed over, with the reason. */
export type InputFile =
  {path: string; real: string} | {path: string; skipped: string} | {path: string; failed: string}

function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)
}

/** A file system error by its code ("no such file or directory" for the common one). */
export function describeError(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : undefined
  if (code === 'ENOENT') return 'no such file or directory'
  return code ?? errorMessage(error)
}

/** Where a link leads when it stays inside `root`; otherwise why it is not followed. */
async function followLink(path: string, root: string): Promise<{real: string} | {skipped: string}> {
  const real = await realpath(path).catch(() => undefined)
  if (real === undefined) return {skipped: 'a symbolic link to nothing (or a loop)'}
  if (!inside(real, root))
    return {skipped: `a symbolic link to ${real}, outside ${root} (give that path to import it)`}
  return {real}
}

/** The file at `path` (resolved to `real`, with `info` from stat), or why it is not read. */
function fileOf(path: string, real: string, info: Stats): InputFile {
  return info.isFile() ? {path, real} : {path, skipped: 'not a regular file'}
}

/**
 * The real path of `input`, a path named on the command line, with every symbolic link on the
 * way checked like one found in a walked folder: it must lead inside the folder holding it.
 */
async function checkPath(input: string): Promise<{real: string} | {skipped: string}> {
  let real = await realpath(isAbsolute(input) ? sep : '.')
  let given = isAbsolute(input) ? sep : ''
  for (const part of input.split(sep).filter((part) => part && part !== '.')) {
    given = join(given, part)
    const next = join(real, part)
    if (!(await lstat(next)).isSymbolicLink()) {
      real = next
      continue
    }
    const link = await followLink(next, real)
    if ('skipped' in link)
      return {skipped: given === input ? link.skipped : `${given} is ${link.skipped}`}
    real = link.real
  }
  return {real}
}

/** The files of `input`, a path named on the command line. */
export async function* findFiles(input: string): AsyncGenerator<InputFile> {
  const checked = await checkPath(input)
  if ('skipped' in checked) {
    yield {path: input, skipped: checked.skipped}
    return
  }
  const info = await stat(checked.real)
  if (info.isDirectory()) yield* walk(input, checked.real, checked.real, new Set([checked.real]))
  else yield fileOf(input, checked.real, info)
}

/** Archive files under the folder `path` (at `real`), in name order. */
async function* walk(
  path: string,
  real: string,
  root: string,
  seen: Set<string>,
): AsyncGenerator<InputFile> {
  let entries: Dirent[]
  try {
    entries = await readdir(real, {withFileTypes: true})
  } catch (error) {
    yield {path, failed: `Cannot read the folder ${path}: ${describeError(error)}`}
    return
  }
  entries.sort((a, b) => a.name.localeCompare(b.name))
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue
    const child = join(path, entry.name)
    const found = await classify(entry, child, join(real, entry.name), root).catch(
      (error: unknown) => ({path: child, failed: `Cannot read ${child}: ${describeError(error)}`}),
    )
    if (!found) continue
    if ('folder' in found) {
      // A link back to a folder already walked would walk it for ever.
      if (seen.has(found.folder)) continue
      seen.add(found.folder)
      yield* walk(child, found.folder, root, seen)
    } else {
      yield found
    }
  }
}

/** What a folder entry is to the import: a folder to walk, a file, a skip, or nothing. */
async function classify(
  entry: Dirent,
  path: string,
  real: string,
  root: string,
): Promise<InputFile | {folder: string} | undefined> {
  const archive = formatOf(entry.name) !== undefined
  if (entry.isDirectory()) return {folder: real}
  if (entry.isFile()) return archive ? {path, real} : undefined
  if (!entry.isSymbolicLink()) return archive ? {path, skipped: 'not a regular file'} : undefined
  const link = await followLink(real, root)
  if ('real' in link) {
    const info = await stat(link.real)
    if (info.isDirectory()) return {folder: link.real}
    return archive ? fileOf(path, link.real, info) : undefined
  }
  // Links to files without an archive extension would not be read anyway; folders would be.
  const target = await stat(real).catch(() => undefined)
  return archive || target?.isDirectory() ? {path, skipped: link.skipped} : undefined
}
