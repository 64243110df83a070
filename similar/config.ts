import {hash53} from './hash.ts'
import {RELATED_TERMS, SYNONYM_GROUPS} from './synonyms.ts'
import {TRANSLATION_TABLE} from './translation-table.ts'

// The ranker's knobs. DEFAULT_RANKER holds the values chosen by the evaluation on the labelled
// set (queries/similar/eval/, numbers in the evaluation report): change them only with new numbers.

export interface RankerConfig {
  /** Analysis (baked into an index when it is built). */
  stem: boolean
  synonyms: boolean
  /** Index the body too (false: title and short title only). */
  useBody: boolean
  /** BM25F: a title occurrence counts as this many body occurrences. */
  titleBoost: number
  k1: number
  b: number
  /** Query term-frequency saturation (0: each query term counts once). */
  k3: number
  /** Added to the normalised text score per unit of tag overlap (shared / √(|A|·|B|)). */
  tagWeight: number
  /** Added when both questions have the same specialty. */
  specialtyWeight: number
  /** Only the query's most informative terms are looked up (speed on long bodies). */
  maxQueryTerms: number
  /** Query terms in more than this share of questions are skipped (speed; they add little). */
  maxDfRatio: number
  /** Analysis: keep digits-only tokens (years, doses, "type 2"). */
  keepNumbers: boolean
  /** Analysis: 'full' stop list, or 'short' (function words only; see text.ts). */
  stopWords: 'full' | 'short'
  /** Expansion with the lay ↔ clinical lexicon (RELATED_TERMS), × each pair's weight. */
  lexiconWeight: number
  /** Expansion with the term translation table learned from duplicate questions. */
  translationWeight: number
  /** Expansion with spelling neighbours (vocabulary trigrams + edit distance), × similarity. */
  fuzzyWeight: number
  /** Least similarity (1 − edits / length) for a spelling neighbour. */
  fuzzyMinSimilarity: number
  /** Expansion terms kept per source (the highest weighted). */
  maxExpansionTerms: number
  /** Pseudo-relevance feedback (RM3): weight of terms from the first pass's best questions. */
  prfWeight: number
  prfDocs: number
  prfTerms: number
  /** Adds the candidate's own normalised score against the query (paraphrase is symmetric). */
  reverseWeight: number
  /** Candidates of the first pass rescored with feedback and the reverse score. */
  rerankDepth: number
}

export const DEFAULT_RANKER: RankerConfig = {
  stem: true,
  synonyms: true,
  useBody: true,
  titleBoost: 3,
  k1: 1.6,
  b: 0.5,
  k3: 8,
  tagWeight: 0.1,
  specialtyWeight: 0.1,
  maxQueryTerms: 16,
  maxDfRatio: 0.25,
  keepNumbers: true,
  stopWords: 'short',
  lexiconWeight: 0,
  translationWeight: 0,
  fuzzyWeight: 0,
  fuzzyMinSimilarity: 0.75,
  maxExpansionTerms: 16,
  prfWeight: 0,
  prfDocs: 5,
  prfTerms: 10,
  reverseWeight: 0,
  rerankDepth: 50,
}

/** Computed entries per question by default. */
export const DEFAULT_COMPUTED_LIMIT = 4

let dataVersion: string | undefined

/**
 * Identifies the ranking model (weights, lexicon and translation table): lists computed by
 * another model count as stale.
 */
export function modelVersion(config: RankerConfig): string {
  dataVersion ??= hash53(JSON.stringify([SYNONYM_GROUPS, RELATED_TERMS]) + TRANSLATION_TABLE)
  return hash53(JSON.stringify(config) + dataVersion)
}

export interface SimilarSource {
  _id: string
  _rev?: string
  title: string
  shortTitle?: string
  /** Plain text of the body. */
  body: string
  specialty?: string
  tags: string[]
  askedAt?: string
}

/**
 * Fingerprint of what a question's list was computed from: its text, tags, specialty and the
 * model. A stored list whose fingerprint differs from the question's current one is stale.
 */
export function inputHash(source: SimilarSource, config: RankerConfig = DEFAULT_RANKER): string {
  return hash53(
    [
      modelVersion(config),
      source.title,
      source.shortTitle ?? '',
      source.body,
      source.specialty ?? '',
      [...source.tags].sort().join(','),
    ].join('\u0000'),
  )
}
