import {defineQuery} from 'groq'

// GROQ for the similar-thread engine. Published questions only: drafts are an editor's work in
// progress; their lists are computed once they are published.

// Fetch them with PUBLISHED_ONLY (queries/client.ts), whatever the client's default perspective.

/** Every published question's id (the index is then read in pages by id). */
export const similarQuestionIdsQuery = defineQuery(
  `*[_type == "question" && !(_id in path("drafts.**")) && !(_id in path("versions.**"))]._id`,
)

// Lookups by id filter on `_id in $ids` first and on the type after: `*[_id in $ids]` is an index
// lookup everywhere, and the embedded lake (groq-js) evaluates `_type == "question" && _id in $ids`
// over the candidates about 40 times slower for a few hundred ids.

/** Every published question's revision (to bring a long-lived index up to date). */
export const similarRevisionsQuery = defineQuery(
  `*[_type == "question" && !(_id in path("drafts.**")) && !(_id in path("versions.**"))]{_id, _rev}`,
)

/** What the ranker reads of a question. */
export const similarSourcesQuery = defineQuery(
  `*[_id in $ids][_type == "question"]{
    _id, _rev, title, shortTitle, body, askedAt,
    "specialty": specialty._ref,
    "tags": tags[]._ref
  }`,
)

/**
 * A question's stored list and fingerprint, with the revision to patch against, and the
 * questions an editor excluded from it.
 */
export const similarStateQuery = defineQuery(
  `*[_id in $ids][_type == "question"]{
    _id, _rev, similar, similarInputHash, "excluded": similarExcluded[].question._ref
  }`,
)

/** Questions whose lists point at any of `$ids`. */
export const similarReferrersQuery = defineQuery(
  `*[_type == "question" && references($ids) && !(_id in path("drafts.**"))]._id`,
)

/** The computed scores on each question's list (the bar a newcomer must clear to enter it). */
export const similarThresholdsQuery = defineQuery(
  `*[_id in $ids][_type == "question"]{_id, "scores": similar[provenance == "computed"].score}`,
)

/** Questions by id or slug (the command line accepts either). */
export const similarResolveQuery = defineQuery(
  `*[_type == "question" && (_id in $keys || slug.current in $keys) && !(_id in path("drafts.**"))]{
    _id, title, "slug": slug.current
  }`,
)

/** Every published question, for `npm run similar -- --all`. */
export const similarAllQuestionsQuery = defineQuery(
  `*[_type == "question" && !(_id in path("drafts.**")) && !(_id in path("versions.**"))]
    | order(_id asc){_id, title, "slug": slug.current}`,
)

/** Titles of published questions by id (lists longer than the stored ones). */
export const similarTitlesQuery = defineQuery(
  `*[_id in $ids][_type == "question"]{_id, title, "excluded": similarExcluded[].question._ref}`,
)

/**
 * What the freshness worker follows (`client.listen`): published questions. Drafts are an editor's
 * work in progress; lists follow a question once it is published (or deleted).
 */
export const SIMILAR_LISTEN_FILTER = `*[_type == "question" && !(_id in path("drafts.**")) && !(_id in path("versions.**"))]`

/**
 * Catching up after the worker was away: when each question last changed, the fingerprint its
 * list was computed from, and the questions its computed entries point at.
 */
export const similarWatchStateQuery = defineQuery(
  `*[_id in $ids][_type == "question"]{
    _id, _updatedAt, similarInputHash,
    "targets": similar[provenance == "computed"].question._ref
  }`,
)

/** The Content Lake's clock: a change committed after it reaches a listener opened before it. */
export const serverNowQuery = defineQuery(`now()`)
