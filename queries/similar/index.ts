// The similar-thread engine: a BM25F ranker over question titles and bodies with medical
// synonyms and tag/specialty bonuses, lists precomputed onto questions, incremental recomputation
// after changes, and serving with a live GROQ fallback.

export {
  computeSimilar,
  type ComputeOptions,
  type ComputeReport,
  type ImportedThreads,
  recomputeAffected,
  recomputeAfterImport,
  type RecomputeOptions,
  type RecomputeReport,
} from './compute.ts'
export {
  DEFAULT_COMPUTED_LIMIT,
  DEFAULT_RANKER,
  inputHash,
  type RankerConfig,
  type SimilarSource,
} from './config.ts'
export {mergeImportedSimilar, type SimilarEntry} from './entries.ts'
export {
  classifyChange,
  type Freshness,
  type FreshnessOptions,
  keepSimilarFresh,
} from './freshness.ts'
export {loadSimilarIndex, readSources} from './load.ts'
export {type IndexStats, type Ranked, rankSimilar, SimilarIndex} from './ranker.ts'
export {
  isStoredListFresh,
  type SimilarProvenance,
  type SimilarThreadLink,
  similarThreadsFor,
} from './serve.ts'
export {analyze} from './text.ts'
