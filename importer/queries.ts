import {defineQuery} from 'groq'

// What the importer reads back from the dataset (raw perspective: drafts are visible, so an
// editor's unpublished work also counts as "edited since import").

export const importExistingDocumentsQuery = defineQuery(`*[_id in $ids]`)

export const importQuestionsByTitleKeyQuery = defineQuery(
  `*[_type == "question" && titleKey in $keys && !(_id in path("drafts.**"))]{_id, titleKey}`,
)

export const importUnresolvedSimilarQuery = defineQuery(
  `*[_type == "question" && !(_id in path("drafts.**")) && defined(similar[!defined(question)][0])]{
    _id, _rev, "unresolved": similar[!defined(question)]{_key, titleKey}
  }`,
)

export const importQuestionsByKeyQuery = defineQuery(
  `*[_type == "question" && questionKey in $keys && !(_id in path("drafts.**"))]{
    _id, title, askedAt, questionKey
  }`,
)
