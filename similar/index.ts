// The similar-thread engine: a BM25F ranker over question titles and bodies with medical
// synonyms and tag/specialty bonuses, lists precomputed onto questions, and incremental
// recomputation after changes. It writes and subscribes; serving the lists is the query layer's
// (queries/similar.ts).

export {computeSimilar, recomputeAffected, recomputeAfterImport} from './compute.ts'
export {DEFAULT_COMPUTED_LIMIT} from './config.ts'
export {checkpointPath, fileCheckpoint} from './checkpoint.ts'
export {loadSimilarIndex} from './load.ts'
export {rankSimilar, SimilarIndex} from './ranker.ts'
export {watchSimilar} from './watch.ts'
