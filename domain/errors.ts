// What went wrong, read from anything thrown: one rule for every message the lake, the importer,
// the migrator and the command-line scripts write.

/** The message of an Error, or the thrown value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Whether `error` is a Node system error with this `code` (ENOENT, EEXIST, EPERM…). */
export function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code
}
