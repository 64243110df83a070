import {defineQuery} from 'groq'

// Queries the schema's async validation rules run through the Studio's client (raw perspective:
// drafts and published documents are both visible, so ids are matched explicitly).

export const slugInUseQuery = defineQuery(
  `defined(*[_type == $type && slug.current == $slug && !(_id in [$draftId, $publishedId])][0]._id)`,
)

export const questionAskDateQuery = defineQuery(
  `coalesce(*[_id == "drafts." + $id][0].askedAt, *[_id == $id][0].askedAt)`,
)

export const tagSpecialtiesQuery = defineQuery(`*[_id in $ids]{name, "specialty": specialty._ref}`)

export const questionSpecialtyQuery = defineQuery(
  `coalesce(*[_id == "drafts." + $id][0].specialty._ref, *[_id == $id][0].specialty._ref)`,
)
