import {defineBlueprint, defineDocumentFunction} from '@sanity/blueprints'

// Resources for a hosted Sanity project (`sanity blueprints deploy`; see README, "Deploying to a
// real project"). The embedded lake has no Functions: there `npm start` runs the listen-based
// worker (similar/watch.ts), which makes the same recompute.

/** What a question's similar list is computed from, besides the editor's own entries. */
const RANKING_INPUTS = '(title, shortTitle, body, specialty, tags)'
/** The part of a question the function reads before and after a change. */
const QUESTION_PARTS =
  '{_id, _type, title, shortTitle, body, specialty, tags, similar, similarExcluded}'

export default defineBlueprint({
  resources: [
    defineDocumentFunction({
      name: 'similar-threads',
      displayName: 'Recompute similar threads after a question changes',
      // A cold instance reads the whole archive into the ranker's index (minutes at 100,000
      // questions); warm ones reuse it.
      timeout: 900,
      memory: 2,
      event: {
        // Published questions only (no drafts or release versions): creating or updating one is
        // publishing it.
        on: ['create', 'update', 'delete'],
        // Only changes that can move a list: not workflow fields, not the function's own writes
        // (computed entries, fingerprint). An editor's pins and exclusions do.
        filter:
          '_type == "question" && (delta::operation() != "update" || ' +
          `delta::changedAny(${RANKING_INPUTS}) || ` +
          'delta::changedAny(similar[provenance != "computed"]) || delta::changedAny(similarExcluded))',
        projection: `{"operation": delta::operation(), "before": before()${QUESTION_PARTS}, "after": after()${QUESTION_PARTS}}`,
      },
    }),
  ],
})
