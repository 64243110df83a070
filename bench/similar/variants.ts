import {DEFAULT_RANKER, type RankerConfig} from '../../similar/config.ts'

// The ranking variants the evaluations compare. VARIANTS: from the simplest lexical baseline to
// DEFAULT_RANKER on the generated sets (the relevance test checks the chosen ranker beats each).
// EVAL_VARIANTS: every signal measured on the real sets (npm run similar:eval), each on its own
// over the tuned lexical base, then the chosen ranker and the chosen ranker without each signal.

const PLAIN: RankerConfig = {
  ...DEFAULT_RANKER,
  stem: false,
  synonyms: false,
  useBody: false,
  titleBoost: 1,
  tagWeight: 0,
  specialtyWeight: 0,
  keepNumbers: false,
  stopWords: 'full',
  stemmer: 'light',
  lexiconWeight: 0,
  translationWeight: 0,
  fuzzyWeight: 0,
  prfWeight: 0,
  reverseWeight: 0,
  titleGramWeight: 0,
}

export const VARIANTS: {name: string; config: RankerConfig}[] = [
  {name: 'BM25, title only', config: PLAIN},
  {name: 'BM25, title + body', config: {...PLAIN, useBody: true}},
  {
    name: `BM25F, title ×${DEFAULT_RANKER.titleBoost} + body`,
    config: {...PLAIN, useBody: true, titleBoost: DEFAULT_RANKER.titleBoost},
  },
  {
    name: '+ stemming',
    config: {...PLAIN, useBody: true, titleBoost: DEFAULT_RANKER.titleBoost, stem: true},
  },
  {
    name: '+ medical synonyms',
    config: {
      ...PLAIN,
      useBody: true,
      titleBoost: DEFAULT_RANKER.titleBoost,
      stem: true,
      synonyms: true,
    },
  },
  {name: '+ tag and specialty bonuses (DEFAULT_RANKER)', config: DEFAULT_RANKER},
]

/** DEFAULT_RANKER before the real-set work (main at 6bbde79): the "previous" row. */
export const PREVIOUS_RANKER: RankerConfig = {
  ...PLAIN,
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

export interface EvalVariant {
  /** For --variants. */
  key: string
  name: string
  config: RankerConfig
  /** A relation table the evaluation brings (not shipped with the engine). */
  extra?: {kind: 'wordnet' | 'vectors'; weight: number}
}

const EXPANSIONS_OFF = {
  retentionWeight: 0,
  lexiconWeight: 0,
  translationWeight: 0,
  fuzzyWeight: 0,
  prfWeight: 0,
  reverseWeight: 0,
  titleGramWeight: 0,
}

/** DEFAULT_RANKER's analysis and BM25F weights without any expansion or reranking. */
const LEXICAL_BASE: RankerConfig = {...DEFAULT_RANKER, ...EXPANSIONS_OFF}

const on = (key: string, name: string, change: Partial<RankerConfig>): EvalVariant => ({
  key,
  name,
  config: {...LEXICAL_BASE, ...change},
})

const without = (key: string, name: string, change: Partial<RankerConfig>): EvalVariant => ({
  key,
  name,
  config: {...DEFAULT_RANKER, ...change},
})

const chosen = DEFAULT_RANKER

export const EVAL_VARIANTS: EvalVariant[] = [
  {key: 'previous', name: 'previous default (main)', config: PREVIOUS_RANKER},
  {
    key: 'numbers',
    name: 'previous + numbers kept',
    config: {...PREVIOUS_RANKER, keepNumbers: true},
  },
  {
    key: 'short-stop',
    name: 'previous + numbers + short stop list',
    config: {...PREVIOUS_RANKER, keepNumbers: true, stopWords: 'short'},
  },
  on('base', 'lexical base: + tuned BM25F (title, k1, b, query pruning), no expansion', {}),
  on('strong-stem', 'base + strong stemmer', {stemmer: 'strong'}),
  on('no-synonyms', 'base − synonym groups (no concept terms)', {synonyms: false}),
  on('synonyms-replace', 'base, concept terms in place of the title words (before)', {
    synonyms: true,
  }),
  on('retention', 'base + learned word retention', {
    retentionWeight: chosen.retentionWeight || 0.5,
  }),
  on('lexicon', 'base + related-terms lexicon', {lexiconWeight: chosen.lexiconWeight || 0.5}),
  on('translation', 'base + translation table', {
    translationWeight: chosen.translationWeight || 0.5,
  }),
  on('fuzzy', 'base + spelling neighbours (char trigrams)', {
    fuzzyWeight: chosen.fuzzyWeight || 0.5,
  }),
  on('prf', 'base + RM3 feedback (0.1, 5 docs, 10 terms)', {prfWeight: 0.1, rerankDepth: 50}),
  on('reverse', 'base + reverse score (0.25)', {reverseWeight: 0.25, rerankDepth: 50}),
  on('title-grams', 'base + title 4-grams (0.25, best 10 re-scored)', {
    titleGramWeight: chosen.titleGramWeight || 0.25,
  }),
  {
    key: 'wordnet',
    name: 'base + WordNet synonyms (0.25)',
    config: LEXICAL_BASE,
    extra: {kind: 'wordnet', weight: 0.25},
  },
  {
    key: 'vectors',
    name: 'base + GloVe 100-d neighbours (0.25)',
    config: LEXICAL_BASE,
    extra: {kind: 'vectors', weight: 0.25},
  },
  {key: 'chosen', name: '**chosen: DEFAULT_RANKER (learned combination)**', config: chosen},
  without('no-query-pruning', 'chosen, all query terms (no maxQueryTerms / maxDfRatio)', {
    maxQueryTerms: 10_000,
    maxDfRatio: 1,
  }),
  without('k3-0', 'chosen, each query term once (k3 0)', {k3: 0}),
  without('title-1', 'chosen, title ×1', {titleBoost: 1}),
  without('chosen-retention', 'chosen − learned word retention', {retentionWeight: 0}),
  without('chosen-lexicon', 'chosen − lexicon', {lexiconWeight: 0}),
  without('chosen-translation', 'chosen − translation table', {translationWeight: 0}),
  without('chosen-fuzzy', 'chosen − spelling neighbours', {fuzzyWeight: 0}),
  without('chosen-title-grams', 'chosen − title 4-grams', {titleGramWeight: 0}),
  without('title-grams-50', 'chosen, title 4-grams on the best 50', {rerankDepth: 50}),
  without('title-grams-0.5', 'chosen, title 4-grams at 0.5', {titleGramWeight: 0.5}),
  {
    key: 'chosen-wordnet',
    name: 'chosen + WordNet synonyms (0.1)',
    config: chosen,
    extra: {kind: 'wordnet', weight: 0.1},
  },
  {
    key: 'chosen-vectors',
    name: 'chosen + GloVe 100-d neighbours (0.1)',
    config: chosen,
    extra: {kind: 'vectors', weight: 0.1},
  },
]

/** Sets the weights are tuned on, and the held-out sets the report and the test use. */
export const TUNING_SEEDS = [1, 2, 3]
export const TEST_SEEDS = [101, 102, 103]
