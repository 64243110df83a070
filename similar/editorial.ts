import type {PatchOperations} from '@sanity/client'
import type {SimilarExclusion} from '../sanity.types.ts'
import {isCurated, type SimilarEntry} from './entries.ts'

// Editors' decisions on a question's similar threads, as document patches:
//   pin        the entry becomes curated: kept first (after earlier pins), never replaced;
//   un-pin     it goes back to where it came from: the source page, or the engine's suggestions;
//   exclude    the entry leaves the list and is remembered in `similarExcluded`, so the engine
//              never computes it again for this question and re-imports do not bring it back;
//   un-exclude forgets that (an entry from the source page is put back).
// Pure functions of the stored lists; the Studio applies the patches to the draft like any edit.

export type SimilarExclusionEntry = SimilarExclusion & {_key: string}
type Provenance = NonNullable<SimilarEntry['provenance']>

/** Who excluded a thread, and when. */
interface Exclusion {
  by: string | undefined
  at: Date
}

/** Where each provenance sits in the list: curated, then imported, then computed. */
const RANK: Record<Provenance, number> = {curated: 0, imported: 1, computed: 2}

function rankOf(entry: SimilarEntry): number {
  return isCurated(entry) ? RANK.curated : RANK[entry.provenance ?? 'curated']
}

/** What an entry or an exclusion points at: a question, or a title on the source page. */
interface Target {
  question?: {_ref: string}
  titleKey?: string
}

/** Whether two entries (or an entry and an exclusion) point at the same thread. */
export function sameTarget(a: Target, b: Target): boolean {
  const ref = a.question?._ref
  if (ref && ref === b.question?._ref) return true
  return a.titleKey !== undefined && a.titleKey === b.titleKey
}

export function isExcluded(
  entry: Target,
  exclusions: readonly Target[] | null | undefined,
): boolean {
  return (exclusions ?? []).some((exclusion) => sameTarget(exclusion, entry))
}

/** Whether the entry came from the source page (pinned or not): the importer's title key. */
function fromSourcePage(entry: SimilarEntry): boolean {
  return entry.provenance !== 'computed' && entry.titleKey !== undefined
}

function itemPath(field: 'similar' | 'similarExcluded', key: string): string {
  return `${field}[_key==${JSON.stringify(key)}]`
}

/** Insert `items` into `similar` where `rank` belongs: after the last of `entries` ranked at or before it. */
function insertByRank(
  entries: readonly SimilarEntry[],
  rank: number,
  items: SimilarEntry[],
): PatchOperations[] {
  const last = entries.findLastIndex((entry) => rankOf(entry) <= rank)
  const anchor = entries[last]
  const first = entries[0]
  if (anchor) return [{insert: {after: itemPath('similar', anchor._key), items}}]
  if (first) return [{insert: {before: itemPath('similar', first._key), items}}]
  return [{setIfMissing: {similar: []}}, {insert: {after: 'similar[-1]', items}}]
}

/** Gives entry `key` a new provenance and moves it where that provenance belongs. */
function movePatches(
  entries: readonly SimilarEntry[],
  key: string,
  provenance: Provenance,
): PatchOperations[] {
  const index = entries.findIndex((entry) => entry._key === key)
  const entry = entries[index]
  if (!entry || entry.provenance === provenance) return []
  const others = entries.filter((_, i) => i !== index)
  const rank = RANK[provenance]
  const at = others.findLastIndex((other) => rankOf(other) <= rank) + 1
  if (at === index) return [{set: {[`${itemPath('similar', key)}.provenance`]: provenance}}]
  return [
    {unset: [itemPath('similar', key)]},
    ...insertByRank(others, rank, [{...entry, provenance}]),
  ]
}

/** Pin: entry `key` becomes curated, after the entries pinned before it. */
export function pinPatches(entries: readonly SimilarEntry[], key: string): PatchOperations[] {
  const entry = entries.find((candidate) => candidate._key === key)
  if (!entry || isCurated(entry)) return []
  return movePatches(entries, key, 'curated')
}

/**
 * Un-pin: a curated entry goes back to the source page's entries if it came from there, else to
 * the computed ones (the engine then ranks it with the others on its next run).
 */
export function unpinPatches(entries: readonly SimilarEntry[], key: string): PatchOperations[] {
  const entry = entries.find((candidate) => candidate._key === key)
  if (!entry || !isCurated(entry)) return []
  return movePatches(entries, key, fromSourcePage(entry) ? 'imported' : 'computed')
}

/**
 * Exclude: every entry pointing at entry `key`'s thread leaves the list, and the thread is added
 * to `similarExcluded` (with what the entry was, to restore an entry from the source page).
 */
export function excludePatches(
  entries: readonly SimilarEntry[],
  exclusions: readonly SimilarExclusionEntry[] | null | undefined,
  key: string,
  {by, at}: Exclusion,
): PatchOperations[] {
  const entry = entries.find((candidate) => candidate._key === key)
  if (!entry) return []
  const removed = entries.filter((candidate) => sameTarget(candidate, entry))
  const patches: PatchOperations[] = [
    {unset: removed.map((candidate) => itemPath('similar', candidate._key))},
  ]
  if (isExcluded(entry, exclusions)) return patches
  const taken = new Set((exclusions ?? []).map((exclusion) => exclusion._key))
  const exclusion: SimilarExclusionEntry = {
    _key: taken.has(entry._key) ? `${entry._key}-${taken.size}` : entry._key,
    _type: 'similarExclusion',
    ...(entry.question ? {question: {...entry.question, _weak: true}} : {}),
    ...(fromSourcePage(entry) ? {sourceTitle: entry.sourceTitle, titleKey: entry.titleKey} : {}),
    ...(by ? {excludedBy: by} : {}),
    excludedAt: at.toISOString(),
  }
  return [
    ...patches,
    {setIfMissing: {similarExcluded: []}},
    {insert: {after: 'similarExcluded[-1]', items: [exclusion]}},
  ]
}

/**
 * Un-exclude: the exclusion goes; an entry that came from the source page is put back among the
 * source page's entries (a computed one comes back only if the engine ranks it again).
 */
export function unexcludePatches(
  entries: readonly SimilarEntry[],
  exclusions: readonly SimilarExclusionEntry[] | null | undefined,
  key: string,
): PatchOperations[] {
  const exclusion = (exclusions ?? []).find((candidate) => candidate._key === key)
  if (!exclusion) return []
  const patches: PatchOperations[] = [{unset: [itemPath('similarExcluded', key)]}]
  if (exclusion.titleKey === undefined || entries.some((entry) => sameTarget(entry, exclusion)))
    return patches
  const taken = new Set(entries.map((entry) => entry._key))
  const restored: SimilarEntry = {
    _key: taken.has(key) ? `${key}-restored` : key,
    _type: 'similarThread',
    ...(exclusion.question ? {question: exclusion.question} : {}),
    ...(exclusion.sourceTitle ? {sourceTitle: exclusion.sourceTitle} : {}),
    titleKey: exclusion.titleKey,
    provenance: 'imported',
  }
  return [...patches, ...insertByRank(entries, RANK.imported, [restored])]
}
