import {hash53} from './hash.ts'

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
}

/** Computed entries per question by default. */
export const DEFAULT_COMPUTED_LIMIT = 4

/** Identifies the ranking model: lists computed by another model count as stale. */
export function modelVersion(config: RankerConfig): string {
  return hash53(JSON.stringify(config))
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
