import {defineQuery} from 'groq'

// GROQ for the similar-thread engine. Published questions only: drafts are an editor's work in
// progress; their lists are computed once they are published.

/** Fetch options for every query here, whatever the client's default perspective. */
export const PUBLISHED = {perspective: 'published'} as const

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

/** A question's stored list and fingerprint, with the revision to patch against. */
export const similarStateQuery = defineQuery(
  `*[_id in $ids][_type == "question"]{_id, _rev, similar, similarInputHash}`,
)

/** Questions whose lists point at any of `$ids`. */
export const similarReferrersQuery = defineQuery(
  `*[_type == "question" && references($ids) && !(_id in path("drafts.**"))]._id`,
)

/** The computed scores on each question's list (the bar a newcomer must clear to enter it). */
export const similarThresholdsQuery = defineQuery(
  `*[_id in $ids][_type == "question"]{_id, "scores": similar[provenance == "computed"].score}`,
)

/** Serving: the question's inputs (to check freshness) and its stored list, dereferenced. */
export const similarServeQuery = defineQuery(
  `*[_type == "question" && _id == $id][0]{
    _id, title, shortTitle, body,
    "specialty": specialty._ref,
    "tags": tags[]._ref,
    similarInputHash,
    "entries": similar[defined(question._ref) && question->status != "archived"]{
      provenance,
      score,
      "target": question->{
        _id, title, "slug": slug.current, "text": pt::text(body), "specialty": specialty->name
      }
    }
  }`,
)

/** Serving: the doctor of each listed question's first reply. */
export const similarDoctorsQuery = defineQuery(
  `*[_type == "reply" && question._ref in $ids] | order(repliedAt asc, _id asc){
    "question": question._ref,
    "doctor": doctor->name
  }`,
)

/**
 * Serving without a usable stored list: questions of the same specialty or sharing an FAQ tag
 * (`$refs` = the specialty and tag ids), most shared tags first, then same specialty, then newest.
 */
export const similarFallbackQuery = defineQuery(
  `*[_type == "question" && references($refs) && _id != $id && !(_id in $exclude) && status != "archived"]
    | order(count(tags[_ref in $tags]) desc, select(specialty._ref == $specialty => 1, 0) desc, askedAt desc, _id asc)
    [0...$limit]{
      _id, title, "slug": slug.current, "text": pt::text(body), "specialty": specialty->name
    }`,
)

/** Questions by id or slug (the command line accepts either). */
export const similarResolveQuery = defineQuery(
  `*[_type == "question" && (_id in $keys || slug.current in $keys) && !(_id in path("drafts.**"))]{
    _id, title, "slug": slug.current
  }`,
)
