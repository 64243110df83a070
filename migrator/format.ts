import type {Mutation as RawMutation} from '@sanity/client'
import {extract} from '@sanity/mutator'
import {
  type MigrationReport,
  mutationTarget,
  type PlannedTransaction,
  type TypeCounts,
} from './run.ts'

// How `npm run migrate` shows a run: one compact line per mutation, a count per document type.

const VALUE_LENGTH = 72

function value(field: unknown): string {
  const json = JSON.stringify(field) ?? 'undefined'
  return json.length > VALUE_LENGTH ? `${json.slice(0, VALUE_LENGTH - 1)}…` : json
}

/** Around the first character where two texts differ, so a change inside a long text shows. */
const CONTEXT = 30

function change(before: string, after: string): string {
  let start = 0
  while (start < before.length && before[start] === after[start]) start++
  let end = 0
  while (
    end < before.length - start &&
    end < after.length - start &&
    before[before.length - 1 - end] === after[after.length - 1 - end]
  )
    end++
  const from = Math.max(0, start - CONTEXT)
  const excerpt = (text: string) =>
    `${from > 0 ? '…' : ''}${text.slice(from, text.length - end + CONTEXT)}${text.length - end + CONTEXT < text.length ? '…' : ''}`
  return `${JSON.stringify(excerpt(before))} → ${JSON.stringify(excerpt(after))}`
}

/** `path=value`, or for a text it replaces `path: "before" → "after"` around the change. */
function setOperation(path: string, field: unknown, document: unknown): string {
  const [current] = document === undefined ? [] : extract(path, document)
  if (typeof current === 'string' && typeof field === 'string' && current !== field)
    return `set ${path}: ${change(current, field)}`
  return `set ${path}=${value(field)}`
}

function entries(record: Record<string, unknown> | undefined): [string, unknown][] {
  return record ? Object.entries(record) : []
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

/**
 * `patch question-1 (question) if rev abc: set asker.displayName: "Chen Mei-ling" → "C."; unset
 * shortTitle` (before → after where the document as read is at hand).
 */
function formatMutation(
  mutation: RawMutation,
  types: ReadonlyMap<string, string>,
  before: ReadonlyMap<string, unknown> = new Map(),
): string {
  const {id} = mutationTarget(mutation)
  const target = id ? `${id} (${types.get(id) ?? 'unknown type'})` : '(by query)'
  if ('create' in mutation) return `create ${target}`
  if ('createIfNotExists' in mutation) return `createIfNotExists ${target}`
  if ('createOrReplace' in mutation) return `createOrReplace ${target}`
  if ('delete' in mutation) return `delete ${target}`
  const {patch} = mutation
  const operations = [
    ...entries(patch.set).map(([path, field]) => setOperation(path, field, before.get(id ?? ''))),
    ...entries(patch.setIfMissing).map(([path, field]) => `setIfMissing ${path}=${value(field)}`),
    ...(patch.unset ?? []).map((path) => `unset ${path}`),
    ...entries(patch.inc).map(([path, amount]) => `inc ${path} by ${value(amount)}`),
    ...entries(patch.dec).map(([path, amount]) => `dec ${path} by ${value(amount)}`),
    ...entries(patch.diffMatchPatch).map(([path]) => `diffMatchPatch ${path}`),
    ...(patch.insert
      ? [
          'before' in patch.insert
            ? `insert before ${patch.insert.before} ${value(patch.insert.items)}`
            : 'after' in patch.insert
              ? `insert after ${patch.insert.after} ${value(patch.insert.items)}`
              : `insert replace ${patch.insert.replace} ${value(patch.insert.items)}`,
        ]
      : []),
  ]
  const revision = patch.ifRevisionID ? ` if rev ${patch.ifRevisionID}` : ''
  return `patch ${target}${revision}: ${operations.join('; ')}`
}

/** A transaction as the dry run prints it: a heading, then its mutations indented. */
export function formatTransaction(transaction: PlannedTransaction): string[] {
  const grouped = transaction.atomic ? ' (as the migration grouped it)' : ''
  return [
    `transaction ${transaction.index}${grouped}: ${plural(transaction.mutations.length, 'mutation')}`,
    ...transaction.mutations.map(
      (mutation) => `  ${formatMutation(mutation, transaction.types, transaction.before)}`,
    ),
  ]
}

function typeLine(type: string, counts: TypeCounts, dryRun: boolean, width: number): string {
  const detail = dryRun
    ? `${plural(counts.documents, 'document')}, ${plural(counts.mutations, 'mutation')}`
    : [
        counts.created > 0 ? `${counts.created} created` : '',
        counts.updated > 0 ? `${counts.updated} updated` : '',
        counts.deleted > 0 ? `${counts.deleted} deleted` : '',
      ]
        .filter(Boolean)
        .join(', ') || `${plural(counts.mutations, 'mutation')}, nothing changed`
  return `  ${type.padEnd(width)}  ${detail}`
}

/** The closing summary: totals, then one line per document type. */
export function formatReport(report: MigrationReport): string[] {
  const read = `read ${plural(report.documents, 'document')}, ${report.seconds}s`
  const types = Object.entries(report.byType)
  const width = Math.max(0, ...types.map(([type]) => type.length))
  const lines = types.map(([type, counts]) => typeLine(type, counts, report.dryRun, width))
  const total = `${plural(report.mutations, 'mutation')} in ${plural(report.transactions, 'transaction')}`
  if (report.interrupted) {
    return [
      `Interrupted: ${report.dryRun ? 'listed' : 'committed'} ${total} (${read}).`,
      ...lines,
      'Run the same command again to finish: committed work is not repeated.',
    ]
  }
  if (report.mutations === 0) return [`Nothing to change (${read}).`]
  if (report.dryRun) {
    const documents = types.reduce((sum, [, counts]) => sum + counts.documents, 0)
    return [
      `Dry run: would commit ${total} on ${plural(documents, 'document')} (${read}):`,
      ...lines,
      'Nothing was written. Run again with --no-dry-run to commit.',
    ]
  }
  return [`Committed ${total} (${read}):`, ...lines]
}
