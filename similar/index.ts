// The similar-thread engine: a BM25F ranker over question titles and bodies with medical
// synonyms and tag/specialty bonuses, lists precomputed onto questions, and incremental
// recomputation after changes. It writes and subscribes; serving the lists is the query layer's
// (queries/similar.ts).

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
export {checkpointPath, type CheckpointStore, fileCheckpoint} from './checkpoint.ts'
export {
  type ChangedDocument,
  type ChangesReport,
  classifyChange,
  recomputeChanges,
} from './freshness.ts'
export {loadSimilarIndex, readSources} from './load.ts'
export {type IndexStats, type Ranked, rankSimilar, SimilarIndex} from './ranker.ts'
export {analyze} from './text.ts'
export {type CatchUpReport, type SimilarWatcher, watchSimilar} from './watch.ts'
