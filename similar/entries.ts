import type {SimilarThread} from '../sanity.types.ts'
import {hash53} from './hash.ts'
import type {Ranked} from './ranker.ts'
import {isExcluded, sameTarget, type SimilarExclusionEntry} from './editorial.ts'

// A question's `similar` array: curated entries (an editor's picks) first, in the editor's order,
// never dropped; then the entries imported from the source page; then the computed ones. Only
// the computed part is ever rewritten by the engine.

export type SimilarEntry = SimilarThread & {_key: string}

/** Entries without a provenance were added by hand (the schema's initial value is "curated"). */
export function isCurated(entry: SimilarEntry): boolean {
  return entry.provenance !== 'imported' && entry.provenance !== 'computed'
}

export function computedKey(questionId: string): string {
  return `computed-${hash53(questionId)}`
}

/** Scores are stored with three decimals; differences below this are not worth a write. */
export const SCORE_TOLERANCE = 0.01

export function roundScore(score: number): number {
  return Math.round(score * 1000) / 1000
}

/**
 * Question ids the ranker skips: those the curated and imported entries point at, and those an
 * editor excluded (`excluded`, from `similarExcluded`).
 */
export function listedTargets(
  entries: readonly SimilarEntry[],
  excluded: readonly (string | null)[] | null = null,
): Set<string> {
  const ids = new Set<string>((excluded ?? []).filter((id) => id !== null))
  for (const entry of entries)
    if (entry.provenance !== 'computed' && entry.question?._ref) ids.add(entry.question._ref)
  return ids
}

/** The list to store: curated and imported entries as they are, then `ranked` as computed ones. */
export function withComputed(stored: readonly SimilarEntry[], ranked: Ranked[]): SimilarEntry[] {
  const curated = stored.filter(isCurated)
  const imported = stored.filter((entry) => entry.provenance === 'imported')
  const computed: SimilarEntry[] = ranked.map(({_id, score}) => ({
    _key: computedKey(_id),
    _type: 'similarThread',
    question: {_type: 'reference', _ref: _id, _weak: true},
    provenance: 'computed',
    score: roundScore(score),
  }))
  return [...curated, ...imported, ...computed]
}

/**
 * Same list for storage purposes: the same curated and imported entries in the same order, and
 * the same computed targets with scores within SCORE_TOLERANCE. Computed entries whose scores are
 * that close may appear in either order (a near-tie swapping places is not worth a write).
 */
export function sameList(a: readonly SimilarEntry[], b: readonly SimilarEntry[]): boolean {
  const fixed = (list: readonly SimilarEntry[]) =>
    JSON.stringify(list.filter((entry) => entry.provenance !== 'computed'))
  if (fixed(a) !== fixed(b)) return false
  const computedA = a.filter((entry) => entry.provenance === 'computed')
  const computedB = b.filter((entry) => entry.provenance === 'computed')
  if (computedA.length !== computedB.length) return false
  const scoresB = new Map(computedB.map((entry) => [entry.question?._ref, entry]))
  return computedA.every((entry, i) => {
    const other = scoresB.get(entry.question?._ref)
    const inPlace = computedB[i]
    if (!other || !inPlace || other._key !== entry._key) return false
    if (Math.abs((other.score ?? 0) - (entry.score ?? 0)) >= SCORE_TOLERANCE) return false
    // Out of place only among near-equal scores.
    return Math.abs((inPlace.score ?? 0) - (entry.score ?? 0)) < SCORE_TOLERANCE
  })
}

/**
 * For the importer: a question's `similar` after a re-import, with the curated-first order the
 * engine keeps — curated entries (stored order), then the source page's entries as just imported,
 * then the stored computed entries. Using it in importer/run.ts (instead of imported-first) keeps
 * a re-import of unchanged threads from rewriting every list the engine has ordered. Editors'
 * decisions hold: a source entry an editor pinned (now curated) or excluded is not added again.
 */
export function mergeImportedSimilar(
  imported: readonly SimilarEntry[],
  stored: readonly SimilarEntry[] | undefined,
  excluded: readonly SimilarExclusionEntry[] = [],
): SimilarEntry[] {
  const previous = stored ?? []
  const curated = previous.filter(isCurated)
  const decided = [...curated, ...excluded]
  return [
    ...curated,
    ...imported.filter((entry) => !decided.some((other) => sameTarget(other, entry))),
    ...previous.filter((entry) => entry.provenance === 'computed' && !isExcluded(entry, excluded)),
  ]
}
