import {isPublishedId} from '@sanity/client/csm'
import type {SanityClient} from '@sanity/client'
import {
  type ComputeReport,
  computeSimilar,
  type RecomputeOptions,
  type RecomputeReport,
  recomputeAffected,
} from './compute.ts'
import {DEFAULT_RANKER} from './config.ts'
import {loadSimilarIndex} from './load.ts'

// Keeping lists fresh after questions change, wherever the change is seen: the worker that
// follows the dataset's listener (watch.ts: `npm start`, `npm run similar -- --watch`) and the
// Sanity Function of hosted projects (functions/similar-threads) both decide with classifyChange
// and recompute with recomputeChanges, so the two paths cannot drift apart.
//
// Guarded against re-triggering itself: the engine's own writes change only computed entries and
// the fingerprint fields, and such changes are classified 'none'. A change to an editor's entries
// (curated or imported) or exclusions recomputes that question only (its computed entries must not
// repeat them, and an excluded thread leaves a gap the next best fills).

/**
 * A question as a change event carries it: a listener event's `previous` / `result`, or the
 * before / after parts of a Function's projection. Fields it lacks count as unset.
 */
export interface ChangedDocument {
  _id: string
  _type?: string
  [field: string]: unknown
}

/** What a change means for similar lists. */
export type ChangeKind = 'inputs' | 'entries' | 'none'

function inputs(document: ChangedDocument): string {
  const {title, shortTitle, body, specialty, tags} = document
  // JSON.stringify writes null for unset array items, so absent and null compare equal.
  return JSON.stringify([title, shortTitle, body, specialty, tags])
}

/** What editors decide on a list: the entries they keep (curated, imported) and exclusions. */
function editorEntries(document: ChangedDocument): string {
  const similar = Array.isArray(document.similar) ? document.similar : []
  return JSON.stringify([
    similar.filter(
      (entry: unknown) =>
        !(
          typeof entry === 'object' &&
          entry !== null &&
          Reflect.get(entry, 'provenance') === 'computed'
        ),
    ),
    document.similarExcluded ?? null,
  ])
}

/**
 * How a committed change to a published question affects similar lists: its ranking inputs
 * changed (or it appeared or disappeared), only an editor's entries changed, or nothing that
 * matters (workflow status, reply count, the engine's own computed entries and fingerprint).
 */
export function classifyChange(
  before: ChangedDocument | null | undefined,
  after: ChangedDocument | null | undefined,
): ChangeKind {
  const document = after ?? before
  if (!document || document._type !== 'question') return 'none'
  if (!isPublishedId(document._id)) return 'none'
  if (!before || !after) return 'inputs'
  if (inputs(before) !== inputs(after)) return 'inputs'
  if (editorEntries(before) !== editorEntries(after)) return 'entries'
  return 'none'
}

/** Published question ids by what changed about them. */
export interface QuestionChanges {
  /** Ranking inputs changed, or the question was created or deleted. */
  inputs: Iterable<string>
  /** Only an editor's entries changed. */
  entries: Iterable<string>
}

export interface ChangesReport {
  /** The recomputeAffected report for the `inputs` questions. */
  affected: RecomputeReport
  /** The computeSimilar report for the `entries` questions (undefined when there were none). */
  own: ComputeReport | undefined
}

/**
 * The one recompute after changes: the lists the `inputs` questions affect (recomputeAffected),
 * then the own lists of questions whose editor entries alone changed. Builds the index once
 * when none is passed. Writes nothing when every list is already right, so running it twice for
 * the same changes (a retried Function, a worker catching up) is harmless.
 */
export async function recomputeChanges(
  client: SanityClient,
  changes: QuestionChanges,
  options: RecomputeOptions = {},
): Promise<ChangesReport> {
  const changed = new Set(changes.inputs)
  const own = [...new Set(changes.entries)].filter((id) => !changed.has(id))
  const config = options.config ?? DEFAULT_RANKER
  const index =
    options.index ??
    (changed.size > 0 || own.length > 0 ? await loadSimilarIndex(client, {config}) : undefined)
  const common = {...options, config, ...(index ? {index} : {})}
  const affected = await recomputeAffected(client, [...changed], common)
  const ownReport = own.length > 0 ? await computeSimilar(client, {...common, ids: own}) : undefined
  return {affected, own: ownReport}
}
