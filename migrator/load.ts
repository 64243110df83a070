import {existsSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Migration} from 'sanity/migrate'

// Finds migrations the way `sanity migration list` does: every `migrations/<id>/index.ts` (or
// `migrations/<id>.ts`) whose default export has a title and a `migrate`.

const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'migrations')
const MIGRATION_ID = /^[a-z0-9][a-z0-9-]*$/

export interface LoadedMigration {
  id: string
  migration: Migration
}

export class UnknownMigrationError extends Error {
  constructor(id: string, known: string[]) {
    super(
      `No migration "${id}" in migrations/. Known: ${known.length > 0 ? known.join(', ') : 'none'}.`,
    )
    this.name = 'UnknownMigrationError'
  }
}

function isMigration(value: unknown): value is Migration {
  return (
    typeof value === 'object' &&
    value !== null &&
    'title' in value &&
    typeof value.title === 'string' &&
    'migrate' in value &&
    (typeof value.migrate === 'function' ||
      (typeof value.migrate === 'object' && value.migrate !== null))
  )
}

async function migrationIds(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {withFileTypes: true})
  return entries
    .map((entry) => (entry.isDirectory() ? entry.name : entry.name.replace(/\.ts$/, '')))
    .filter((id) => MIGRATION_ID.test(id))
    .sort()
}

async function importMigration(dir: string, id: string): Promise<Migration | undefined> {
  for (const file of [join(dir, id, 'index.ts'), join(dir, `${id}.ts`)]) {
    if (!existsSync(file)) continue
    const module: unknown = await import(pathToFileURL(file).href)
    const migration =
      typeof module === 'object' && module !== null && Reflect.get(module, 'default')
    if (isMigration(migration)) return migration
  }
  return undefined
}

/** Every migration in `dir`, by id. */
export async function listMigrations(dir = MIGRATIONS_DIR): Promise<LoadedMigration[]> {
  const found: LoadedMigration[] = []
  for (const id of await migrationIds(dir)) {
    const migration = await importMigration(dir, id)
    if (migration) found.push({id, migration})
  }
  return found
}

export async function loadMigration(id: string, dir = MIGRATIONS_DIR): Promise<Migration> {
  const migration = MIGRATION_ID.test(id) ? await importMigration(dir, id) : undefined
  if (!migration) throw new UnknownMigrationError(id, await migrationIds(dir))
  return migration
}
