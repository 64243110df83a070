import {hash53} from './hash.ts'
import {RELATED_TERMS, SYNONYM_GROUPS} from './synonyms.ts'
import {TRANSLATION_TABLE} from './translation-table.ts'

// The ranker's knobs. DEFAULT_RANKER holds the values chosen on the DEV splits of the real
// similar-question sets (Quora, ComQA, SemEval) and the generated labelled set's tuning seeds by
// coordinate ascent (bench/similar/tune.ts); `npm run similar:eval` shows every signal on dev and
// test. Change a value only with new numbers from there.
//
// Score of candidate d for question q (the questions' own text only, no tags, decides the order):
//   text(q, d) = Σ over q's terms and their expansions  w(t) · BM25F(t, d)  /  BM25F(q against q)
//   score = text + reverseWeight · text(d, q) + titleGramWeight · cos(title 4-grams of q, d)
//           + tag and specialty bonuses   (the middle two on the first pass's best rerankDepth)
// where w(t) = idf(t) · saturated query tf · retention(t)^retentionWeight for q's own terms
// (retention: learned, how often duplicates keep the word), and for an expansion term e reached
// from query term t: source weight × relation weight × saturated tf(t) × idf(e). The expansion
// sources' weights are the linear model's coefficients; each is 0 to switch its signal off.

export interface RankerConfig {
  /** Analysis: light stemming (see stem.ts). Analysis settings are baked into an index. */
  stem: boolean
  /**
   * Analysis: SYNONYM_GROUPS phrases become one concept term (heart attack = MI = …), in place
   * of their words (true) or, in titles, beside them ('beside': "losing weight" still meets
   * "lose weight", and the same words outscore other words of the group; bodies as true).
   */
  synonyms: boolean | 'beside'
  /** Analysis: index the body too (false: title and short title only). */
  useBody: boolean
  /** Analysis: keep digits-only tokens (years, doses, "type 2"); ComQA hit@4 +0.01, MRR +0.015. */
  keepNumbers: boolean
  /**
   * Analysis: 'full' stop list (function words, question words, letter filler), or 'short'
   * (function words only: "when", "how", "old", "year" stay); 'short' moved Quora dev hit@4 by
   * +0.03.
   */
  stopWords: 'full' | 'short'
  /** Analysis: 'light' stemmer, or 'strong' (also folds derivations; see stem.ts). */
  stemmer: 'light' | 'strong'
  /** BM25F field weight: a title occurrence counts as this many body occurrences. */
  titleBoost: number
  /** BM25 term-frequency saturation (higher: repeated words count longer). */
  k1: number
  /** BM25 length normalisation (0: none, 1: full). */
  b: number
  /** Query term-frequency saturation (0: each query term counts once; long bodies repeat words). */
  k3: number
  /** Added to the normalised text score per unit of tag overlap (shared / √(|A|·|B|)). */
  tagWeight: number
  /** Added when both questions have the same specialty. */
  specialtyWeight: number
  /** Only the query's most informative terms are looked up (speed on long bodies). */
  maxQueryTerms: number
  /** Query terms in more than this share of questions are skipped (speed; they add little). */
  maxDfRatio: number
  /**
   * Exponent of the learned word retention (translation-table.ts TERM_RETENTION: how often
   * duplicates keep a word, over the mean) a query word's weight is multiplied by; 0: off.
   */
  retentionWeight: number
  /** Expansion with the related-terms lexicon (RELATED_TERMS, lay ↔ clinical), × pair weight. */
  lexiconWeight: number
  /** Expansion with the term translation table learned from duplicate questions (t(e | t)). */
  translationWeight: number
  /** Expansion with spelling neighbours (vocabulary trigrams + edit distance), × similarity. */
  fuzzyWeight: number
  /** Least similarity (1 − edits / length of the longer word) for a spelling neighbour. */
  fuzzyMinSimilarity: number
  /** Expansion terms kept per source (the highest weighted). */
  maxExpansionTerms: number
  /** Expansion terms in more than this share of questions are skipped (cost per query). */
  maxExpansionDfRatio: number
  /** Pseudo-relevance feedback (RM3): weight of terms from the first pass's best questions. */
  prfWeight: number
  /** Feedback: best first-pass questions read. */
  prfDocs: number
  /** Feedback: terms added. */
  prfTerms: number
  /** Adds the candidate's own normalised score against the query (paraphrase is symmetric). */
  reverseWeight: number
  /**
   * Adds the cosine of the two titles' character 4-grams (tf-idf; similar/titleGrams.ts) × this
   * weight, on the first pass's best `rerankDepth`: wording index terms miss (compounds, word
   * endings, misspellings, word order).
   */
  titleGramWeight: number
  /** First-pass candidates rescored when feedback, the reverse or the title-gram score is on. */
  rerankDepth: number
}

/**
 * Chosen on dev (tune.ts, objective: mean of (hit@4 + MRR@10) / 2 over the sets): short stop
 * list and numbers, title ×2, k1 1.2, b 0.75, query terms in up to half the questions, learned
 * word retention to the power 0.5, and three expansions at 0.5 each (a further round of the
 * search moved none of them). Feedback and the reverse score lowered every dev set: off.
 * Expansion terms in more than a tenth of the questions are skipped: the same dev score (−0.0005)
 * at half the cost per ranking on Quora. A query looks up its 14 most informative terms (16
 * before: dev +0.001, one SemEval query more, and 0.95× the time per ranking of a 100k archive).
 */
export const DEFAULT_RANKER: RankerConfig = {
  stem: true,
  synonyms: 'beside',
  useBody: true,
  keepNumbers: true,
  stopWords: 'short',
  stemmer: 'light',
  titleBoost: 2,
  k1: 1.2,
  b: 0.75,
  k3: 8,
  tagWeight: 0.1,
  specialtyWeight: 0.1,
  maxQueryTerms: 14,
  maxDfRatio: 0.5,
  retentionWeight: 0.5,
  lexiconWeight: 0.5,
  translationWeight: 0.5,
  fuzzyWeight: 0.5,
  fuzzyMinSimilarity: 0.75,
  maxExpansionTerms: 8,
  maxExpansionDfRatio: 0.1,
  prfWeight: 0,
  prfDocs: 5,
  prfTerms: 10,
  reverseWeight: 0,
  titleGramWeight: 0.25,
  rerankDepth: 10,
}

/** Computed entries per question by default. */
export const DEFAULT_COMPUTED_LIMIT = 4

let dataVersion: string | undefined
/** Per config object (every question's fingerprint asks; configs are not changed in place). */
const versions = new WeakMap<RankerConfig, string>()

/**
 * Identifies the ranking model (weights, lexicon and translation table): lists computed by
 * another model count as stale.
 */
function modelVersion(config: RankerConfig): string {
  const known = versions.get(config)
  if (known !== undefined) return known
  dataVersion ??= hash53(JSON.stringify([SYNONYM_GROUPS, RELATED_TERMS]) + TRANSLATION_TABLE)
  const version = hash53(JSON.stringify(config) + dataVersion)
  versions.set(config, version)
  return version
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
